"""How a partner is recognised: normalised email and website dedupe keys (pure functions)."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import tldextract
from email_validator import EmailNotValidError, validate_email

# On these hosts many unrelated partners share one registrable domain, so the key also
# keeps the first path segment (the channel or handle): youtube.com/@alice ≠ youtube.com/@bob.
SHARED_PLATFORMS = frozenset(
    {
        "youtube.com", "facebook.com", "instagram.com", "tiktok.com", "twitter.com", "x.com",
        "linkedin.com", "pinterest.com", "medium.com", "substack.com", "twitch.tv",
        "reddit.com", "t.me", "linktr.ee", "amazon.com", "etsy.com", "patreon.com",
        "threads.net", "snapchat.com", "github.com", "google.com",
    }
)


class InvalidEmail(ValueError):
    """The text is not a usable email address."""


class InvalidWebsite(ValueError):
    """The text is not a usable website address."""


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot, no download and no cache directory: no network here,
    # and a request must never wait on one.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def normalize_email(text: str) -> tuple[str, str]:
    """(address as given but tidied, lowercase key) or InvalidEmail."""
    try:
        address = validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    return address, address.lower()


def normalize_website(text: str) -> tuple[str, str | None]:
    """(URL with a scheme, dedupe key) or InvalidWebsite; a bare shared platform has no key."""
    url = text.strip()
    if not url:
        raise InvalidWebsite("is empty")
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host or " " in host:
        raise InvalidWebsite(f"{text.strip()!r} is not a website address")
    extracted = _extractor()(host)
    if not extracted.suffix or not extracted.domain:
        raise InvalidWebsite(f"{host!r} has no registrable domain")
    domain = f"{extracted.domain}.{extracted.suffix}"
    if domain in SHARED_PLATFORMS:
        handle = parts.path.strip("/").split("/")[0].lower()
        return url, f"{domain}/{handle}" if handle else None
    return url, domain


def search_text(*parts: str | None) -> str:
    """The lowercase haystack the partner search matches against."""
    return " ".join(p.strip().lower() for p in parts if p and p.strip())
