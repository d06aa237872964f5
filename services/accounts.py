"""Accounts: passwords, server-side sessions, one-time codes, signed links, lockouts.

Rules from DESIGN.md §6 (OWASP ASVS 4.0.3 level 2). Nothing here logs or stores a password,
a one-time code or a token in the clear.
"""
import datetime as dt
import hashlib
import hmac
import re
import secrets
from functools import lru_cache
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

import models
from models import OneTimeCode, User, UserSession, utcnow

PASSWORD_MIN, PASSWORD_MAX = 12, 128
CODE_LIFETIME = dt.timedelta(minutes=5)
CODE_MAX_WRONG = 5  # wrong tries that kill one code
LOCK_AFTER_FAILURES = 10  # failures in a row that lock sign-in
LOCK_FOR = dt.timedelta(minutes=15)
SESSION_TOUCH_EVERY = dt.timedelta(seconds=60)  # write last_seen at most once a minute

_DATA = Path(__file__).resolve().parent / "data"


# --- Passwords and secret answers ---------------------------------------------------------------

def _method():
    return current_app.config.get("PASSWORD_METHOD", "scrypt")


def hash_secret(text):
    """Hash a password or a secret answer (werkzeug scrypt)."""
    return generate_password_hash(text, method=_method())


def check_secret(hashed, text):
    return bool(hashed) and check_password_hash(hashed, text)


def normalise_answer(answer):
    """Secret answers are compared without case or extra spaces ("Smith " == "smith")."""
    return " ".join((answer or "").lower().split())


@lru_cache(maxsize=1)
def _common_passwords():
    lines = (_DATA / "common-passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password, *, email="", council=None):
    """Why ``password`` is refused, as a sentence for the user; None when it is acceptable.

    Length 12-128, no composition rules; refused when it is a common password (or one with
    digits and symbols added), the email address, or the council's own name.
    """
    password = password or ""
    if not password:
        return "Enter a password"
    if len(password) < PASSWORD_MIN:
        return f"Password must be {PASSWORD_MIN} characters or more"
    if len(password) > PASSWORD_MAX:
        return f"Password must be {PASSWORD_MAX} characters or fewer"
    lowered = password.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    common = _common_passwords()
    if lowered in common or letters in common or len(set(lowered)) < 4:
        return "Password is too easy to guess. Choose a password that is not commonly used"
    names = []
    if council:
        names = [council.get("name", ""), council.get("short_name", ""), council.get("key", "")]
    for name in names:
        folded = re.sub(r"[^a-z]", "", name.lower())
        if folded and (letters == folded or letters.startswith(folded) and len(letters) - len(folded) < 5):
            return "Password must not be based on the council's name"
    local = (email or "").lower().split("@")[0]
    if local and (lowered == local or letters == re.sub(r"[^a-z]", "", local)):
        return "Password must not be your email address"
    return None


def set_password(user, password):
    """Change the password and sign out every session of the user (call inside a transaction)."""
    user.password_hash = hash_secret(password)
    user.password_changed_at = utcnow()
    user.save()
    end_all_sessions(user)


def check_password(user, password):
    return check_secret(user.password_hash, password or "")


def find_user(email):
    return User.get_or_none(User.email == (email or "").strip().lower())


_DUMMY_HASH = None


def equalise_timing(password):
    """Spend the time a real password check takes, so unknown emails answer as slowly."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_secret(secrets.token_hex(8))
    check_password_hash(_DUMMY_HASH, password or "")


# --- Lockout ------------------------------------------------------------------------------------

def is_locked(user, now=None):
    return bool(user.locked_until and user.locked_until > (now or utcnow()))


def record_failure(user, now=None):
    """Count a failed password or code; returns True when this failure locks the account."""
    now = now or utcnow()
    user.failed_logins += 1
    locked = user.failed_logins >= LOCK_AFTER_FAILURES
    if locked:
        user.locked_until = now + LOCK_FOR
        user.failed_logins = 0
    user.save()
    return locked


def clear_failures(user):
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save()


# --- Sessions -----------------------------------------------------------------------------------

def start_session(user, *, two_step_passed):
    """A new server-side session (the cookie carries only its random token)."""
    return UserSession.create(user=user, two_step_passed=two_step_passed).token


def end_session(token):
    UserSession.delete().where(UserSession.token == token).execute()


def end_all_sessions(user, keep_token=None):
    query = UserSession.delete().where(UserSession.user == user)
    if keep_token:
        query = query.where(UserSession.token != keep_token)
    query.execute()


def load_session_user(token, now=None):
    """flask-login's loader: the user of a live session, or None (and the session is ended).

    A session dies after 30 minutes idle or 12 hours in all (config SESSION_IDLE_MINUTES,
    SESSION_ABSOLUTE_HOURS).
    """
    if not token:
        return None
    now = now or utcnow()
    session = (UserSession.select(UserSession, User).join(User)
               .where(UserSession.token == token).first())
    if session is None:
        return None
    config = current_app.config
    idle = dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    user = session.user
    if (now - session.last_seen > idle or now - session.created_at > absolute
            or user.status != "active"):
        with models.db.atomic():
            end_session(token)
        return None
    if now - session.last_seen > SESSION_TOUCH_EVERY:
        with models.db.atomic():
            UserSession.update(last_seen=now).where(UserSession.id == session.id).execute()
    user.session_token = token
    user.two_step_passed = session.two_step_passed and user.two_step_enabled
    return user


def mark_two_step_passed(token):
    UserSession.update(two_step_passed=True).where(UserSession.token == token).execute()


# --- One-time codes -----------------------------------------------------------------------------

def _code_digest(code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def clean_code(text):
    """Codes may be typed with spaces or hyphens ("123 456", "123-456")."""
    return re.sub(r"[\s\-]", "", text or "")


def issue_code(user, *, purpose="sign-in", attempt=None, now=None):
    """Make a new 6-digit code (older live codes for the same attempt die). Returns the code.

    The plain code goes only into the email; the database keeps an HMAC of it.
    """
    now = now or utcnow()
    (OneTimeCode.update(dead=True)
     .where((OneTimeCode.user == user) & (OneTimeCode.purpose == purpose)
            & (OneTimeCode.attempt == attempt) & (OneTimeCode.used_at.is_null()))
     .execute())
    code = f"{secrets.randbelow(1_000_000):06d}"
    OneTimeCode.create(user=user, attempt=attempt, purpose=purpose, code_hash=_code_digest(code),
                       created_at=now, expires_at=now + CODE_LIFETIME)
    return code


def check_code(user, typed, *, purpose="sign-in", attempt=None, now=None):
    """Try a code. Returns "ok", "wrong", "expired" (or used/dead) or "none" (nothing issued).

    Five wrong tries kill the code. A good code is used up.
    """
    now = now or utcnow()
    current = (OneTimeCode.select()
               .where((OneTimeCode.user == user) & (OneTimeCode.purpose == purpose)
                      & (OneTimeCode.attempt == attempt))
               .order_by(OneTimeCode.id.desc()).first())
    if current is None:
        return "none"
    if current.dead or current.used_at or current.expires_at <= now:
        return "expired"
    if hmac.compare_digest(current.code_hash, _code_digest(clean_code(typed))):
        current.used_at = now
        current.save()
        return "ok"
    current.wrong_tries += 1
    current.dead = current.wrong_tries >= CODE_MAX_WRONG
    current.save()
    return "wrong"


def last_code_sent_at(user, *, purpose="sign-in", attempt=None):
    row = (OneTimeCode.select(OneTimeCode.created_at)
           .where((OneTimeCode.user == user) & (OneTimeCode.purpose == purpose)
                  & (OneTimeCode.attempt == attempt))
           .order_by(OneTimeCode.id.desc()).first())
    return row.created_at if row else None


# --- Signed links -------------------------------------------------------------------------------

def _serializer(kind):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{kind}")


def make_token(kind, payload):
    """A signed, timed link token (activation, reset, email change, officer invitation)."""
    return _serializer(kind).dumps(payload)


def read_token(kind, token, max_age_seconds):
    """The payload of a good token, or None when forged, of another kind, or expired."""
    try:
        return _serializer(kind).loads(token or "", max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None


def password_fingerprint(user):
    """Changes whenever the password changes, so a reset link dies once it has been used."""
    return hashlib.sha256(f"{user.password_hash}|{user.password_changed_at}".encode()).hexdigest()[:16]
