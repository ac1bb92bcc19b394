"""Email threads on the timeline (pure): an email's Message-ID, what it refers to, its thread.

A thread is named by its oldest Message-ID: the first of an email's References (RFC 5322
lists them oldest first), else the one it replies to, else its own. That is what every entry
of one conversation shares, whichever way it reached the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence

# References kept per email: the thread's first and the latest others (as RFC 5322 advises
# when a chain grows long).
MAX_REFERENCES = 20
ID_LIMIT = 255


def _trimmed(references: Sequence[str]) -> list[str]:
    ids = [ref for ref in dict.fromkeys(references) if ref and len(ref) <= ID_LIMIT]
    if len(ids) <= MAX_REFERENCES:
        return ids
    return [ids[0], *ids[-(MAX_REFERENCES - 1):]]


def thread_columns(message_id: str | None, references: Sequence[str] = ()) -> dict[str, str | None]:
    """The interaction columns of an email: message_id, email_references, thread_key."""
    own = (message_id or "").strip()[:ID_LIMIT] or None
    chain = [ref for ref in _trimmed(references) if ref != own]
    return {"message_id": own, "email_references": " ".join(chain) or None,
            "thread_key": chain[0] if chain else own}


def reply_references(message_id: str | None, email_references: str | None) -> list[str]:
    """References for an answer to this email: its own chain, then its Message-ID."""
    chain = (email_references or "").split()
    return _trimmed([*chain, message_id] if message_id else chain)
