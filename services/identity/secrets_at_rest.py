"""Secrets kept encrypted at rest (issue 11, L6): authenticator-app (TOTP) seeds.

A seed is stored as a Fernet token (AES-128-CBC + HMAC-SHA256) under a key derived by HKDF-SHA256
from the app's ``SECRET_KEY`` (``PORTAL_SECRET_KEY``), so a copy of the database alone does not
give anyone the codes. ``seal`` is used for everything written; ``open`` also accepts a seed
written in clear by an older release (base32), which ``accounts.check_totp`` re-saves sealed on
its next successful use. A token made under another key cannot be opened: ``open`` returns ""
and the sign-in fails as a wrong code would, never with a 500.
"""
import base64
import functools
import logging
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

INFO = b"send-portal totp"
LEGACY_SEED = re.compile(r"[A-Z2-7]{16,128}=*")  # a base32 seed written in clear by an older release

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _fernet_for(secret_key):
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet():
    secret_key = current_app.config["SECRET_KEY"]
    return _fernet_for(secret_key.encode() if isinstance(secret_key, str) else secret_key)


def seal(text):
    """``text`` encrypted for storage ("" stays "")."""
    return _fernet().encrypt(text.encode()).decode("ascii") if text else ""


def is_legacy(stored):
    """True for a seed stored in clear by an older release."""
    return bool(stored) and LEGACY_SEED.fullmatch(stored) is not None


def open(stored):  # noqa: A001 - the module's name says what is opened
    """The clear text of a stored value: a sealed token, or a legacy clear seed as it is.
    "" when there is none or it was sealed under another key (logged, never raised)."""
    if not stored:
        return ""
    if is_legacy(stored):
        return stored
    try:
        return _fernet().decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        log.error("A sealed secret cannot be opened with this SECRET_KEY (was the key changed?)")
        return ""
