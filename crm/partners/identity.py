"""How a partner is recognised: normalised email and website dedupe keys (pure functions)."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from urllib.parse import urlsplit

import tldextract
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

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


# First path segments on those hosts that are a section, not an account: the account is the
# next segment (linkedin.com/in/alice, youtube.com/channel/UC…, reddit.com/r/deals).
PLATFORM_SECTIONS = frozenset({
    "in", "company", "pub", "school", "channel", "c", "user", "u", "r", "groups", "pages",
    "shop", "stores", "people", "profile", "hashtag", "watch", "playlist", "p",
})


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


# The shape nearly every real address has: ASCII letters, digits and . _ + - before the @,
# plain letter-digit-hyphen labels after it, and a top-level domain of letters. For these,
# email-validator's answer is known without its Unicode checks, which are most of the cost
# of checking an imported row (about 30 µs an address): valid, with the domain lowercased.
# Anything else, and anything near a limit or a special case, goes to the library;
# tests/partners/test_identity.py holds the two to the same answers.
PLAIN_ADDRESS = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
SPECIAL_USE_ENDINGS = frozenset(name.rsplit(".", 1)[-1] for name in SPECIAL_USE_DOMAIN_NAMES)
LOWERCASED_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def warm_up() -> None:
    """Load the public-suffix list (about 0.1 s), which the first website lookup would."""
    _extractor()("example.com")


def normalize_email(text: str) -> tuple[str, str]:
    """(address as given but tidied, lowercase key) or InvalidEmail."""
    text = text.strip()
    address = _plain_address(text)
    if address is None:
        try:
            address = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise InvalidEmail(str(error)) from None
    return address, address.lower()


def _plain_address(text: str) -> str | None:
    """The address as email-validator would normalise it, or None to ask the library."""
    match = PLAIN_ADDRESS.fullmatch(text)
    if match is None or len(text) > 254:
        return None
    local, domain = match["local"], match["domain"].lower()
    if (len(local) > 64 or len(domain) > 253 or "--" in domain  # Punycode and R-LDH labels
            or local.lower() in LOWERCASED_MAILBOXES
            or domain.rsplit(".", 1)[1] in SPECIAL_USE_ENDINGS):
        return None
    return f"{local}@{domain}"


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
    subdomain, registrable, suffix = _host_parts(host)
    if not suffix or not registrable:
        raise InvalidWebsite(f"{host!r} has no registrable domain")
    domain = f"{registrable}.{suffix}"
    if domain in SHARED_PLATFORMS:
        if subdomain not in ("", "www", "m"):  # alice.substack.com: the account is the host
            return url, f"{subdomain}.{domain}"
        return url, _account_key(domain, parts.path)
    return url, domain


@lru_cache(maxsize=4096)
def _host_parts(host: str) -> tuple[str, str, str]:
    # (subdomain, domain, suffix): the public-suffix lookup, remembered for recent hosts,
    # since an import meets the same hosts (youtube.com, substack.com …) again and again.
    extracted = _extractor()(host)
    return extracted.subdomain, extracted.domain, extracted.suffix


def _account_key(domain: str, path: str) -> str | None:
    """domain/handle, or domain/section/handle; None when the URL names no account."""
    segments = [s for s in path.lower().split("/") if s][:2]
    if not segments:
        return None
    if segments[0] in PLATFORM_SECTIONS:
        return f"{domain}/{segments[0]}/{segments[1]}" if len(segments) == 2 else None
    return f"{domain}/{segments[0]}"


def search_text(*parts: str | None) -> str:
    """The lowercase haystack the partner search matches against."""
    return " ".join(p.strip().lower() for p in parts if p and p.strip())
