"""Signed, expiring unsubscribe links (RFC 8058 one-click)."""

from __future__ import annotations

import base64
import hmac
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes

SALT = "rapport.unsubscribe"
# Long enough that an old welcome email's link still works; signed so it cannot be forged.
MAX_AGE_SECONDS = 400 * 24 * 3600


class _KeyedSigner(TimestampSigner):
    """A TimestampSigner that derives its key and keys its HMAC once, not on every sign.

    The tokens are byte for byte what TimestampSigner makes (links already sent keep
    working), and unsign is TimestampSigner's own.
    """

    def __init__(self, secret_key: str, salt: str) -> None:
        super().__init__(secret_key, salt=salt)
        self._keyed = hmac.new(self.derive_key(), digestmod=self.digest_method)

    def get_signature(self, value: str | bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(want_bytes(value))
        return base64_encode(mac.digest())

    def sign(self, value: str | bytes) -> bytes:
        # TimestampSigner.sign, in one frame: value.timestamp.signature.
        stamped = want_bytes(value) + self.sep + base64_encode(int_to_bytes(self.get_timestamp()))
        return stamped + self.sep + self.get_signature(stamped)


@lru_cache(maxsize=4)
def _signer_for(secret_key: str) -> TimestampSigner:
    # A plain timestamp signer over the address: a tick signs thousands of links, and the
    # JSON+zlib serializers cost several times more for the same guarantee.
    return _KeyedSigner(secret_key, salt=SALT)


def _signer() -> TimestampSigner:
    return _signer_for(current_app.config["SECRET_KEY"])


def make_token(address: str) -> str:
    encoded = base64.urlsafe_b64encode(address.strip().lower().encode()).rstrip(b"=")
    return _signer().sign(encoded).decode()


def unsubscribe_url(address: str) -> str:
    return f"{current_app.config['RAPPORT_BASE_URL']}/unsubscribe/{make_token(address)}"


def address_from_token(token: str) -> str | None:
    """The address a valid token was made for, or None (forged, damaged or expired)."""
    try:
        encoded = _signer().unsign(token, max_age=MAX_AGE_SECONDS)
        return base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4)).decode()
    except (BadSignature, ValueError, UnicodeDecodeError):
        return None
