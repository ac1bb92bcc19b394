"""Real-looking inbound messages; SENT_ID stands for the Message-ID of the email we sent."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
SENT_ID = "<3b9e1c0f5a7d4e2b8c6f0a1d2e3f4a5b@rapport.example.com>"


def load(name: str, sent_id: str = SENT_ID, replace: dict[str, str] | None = None) -> bytes:
    """The sample's bytes, referring to `sent_id`, with other text replaced as given."""
    text = (HERE / name).read_text().replace(SENT_ID, sent_id)
    for old, new in (replace or {}).items():
        assert old in text, f"{old!r} is not in {name}"
        text = text.replace(old, new)
    return text.encode()
