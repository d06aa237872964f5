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

import pyotp
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

import models
from models import (OneTimeCode, Organisation, SignInAttempt, SignInLock, User,
                    UserSession, WorkProfile, utcnow)
from services import audit, mail
from services.ops import observe
from services.identity import secrets_at_rest
from services.forms_design import store as forms_design
from services.kernel import checks
from services.kernel.council import absolute_url, current_council

PASSWORD_MIN, PASSWORD_MAX = 12, 128
CODE_LIFETIME = dt.timedelta(minutes=5)
CODE_MAX_WRONG = 5  # wrong tries that kill one code
LOCK_AFTER_FAILURES = 10  # failures in a row from one address that lock that address out
LOCK_FOR = dt.timedelta(minutes=15)
DELAY_MAX = dt.timedelta(seconds=60)  # the longest progressive delay for the whole account
SESSION_TOUCH_EVERY = dt.timedelta(seconds=60)  # write last_seen at most once a minute

_DATA = Path(__file__).resolve().parents[1] / "data"


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
    if (lowered in common or letters in common or len(set(lowered)) < 4
            or password.isdigit()):
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
    User.update(password_hash=user.password_hash, password_changed_at=user.password_changed_at
                ).where(User.id == user.id).execute()
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
# Ten failures in a row from one address lock that (account, address) pair for 15 minutes, so a
# stranger's guesses never lock the owner out elsewhere. Past ten failures in a row from anywhere,
# each further failure also makes the whole account wait a little (2, 4, 8... seconds, at most
# DELAY_MAX) before the next try. Every count is one conditional UPDATE, so simultaneous tries
# are all counted.

def _pair(user, address):
    return (SignInLock.user == user) & (SignInLock.address == (address or ""))


def is_locked(user, now=None, address=""):
    now = now or utcnow()
    if user.locked_until and user.locked_until > now:
        return True
    return SignInLock.select().where(_pair(user, address) & (SignInLock.locked_until > now)).exists()


def record_failure(user, now=None, address=""):
    """Count a failed password or code from ``address``; True when this failure locks the pair."""
    now = now or utcnow()
    User.update(failed_logins=User.failed_logins + 1).where(User.id == user.id).execute()
    # Failures older than the lock period no longer count towards the pair's ten.
    (SignInLock.update(failures=0)
     .where(_pair(user, address) & (SignInLock.updated_at < now - LOCK_FOR)
            & (SignInLock.locked_until.is_null() | (SignInLock.locked_until <= now))).execute())
    bump = SignInLock.update(failures=SignInLock.failures + 1, updated_at=now).where(
        _pair(user, address))
    if not bump.execute():
        try:
            with models.db.atomic():
                SignInLock.create(user=user, address=address or "", failures=1, updated_at=now)
        except IntegrityError:  # another request from the same address created it first
            bump.execute()
    locked = (SignInLock.update(failures=0, locked_until=now + LOCK_FOR)
              .where(_pair(user, address) & (SignInLock.failures >= LOCK_AFTER_FAILURES))
              .execute()) == 1
    observe.sign_in_failed(locked)
    failures = User.select(User.failed_logins).where(User.id == user.id).scalar() or 0
    user.failed_logins = failures
    if failures > LOCK_AFTER_FAILURES:
        delay = min(dt.timedelta(seconds=2 ** min(failures - LOCK_AFTER_FAILURES, 16)), DELAY_MAX)
        User.update(locked_until=now + delay).where(User.id == user.id).execute()
    return locked


def clear_failures(user, address=""):
    """A good sign-in: the failures in a row start again, and this address's lock record goes."""
    if user.failed_logins or user.locked_until:
        User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        user.failed_logins, user.locked_until = 0, None
    SignInLock.delete().where(_pair(user, address)).execute()


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
    if now - session.last_seen > min(SESSION_TOUCH_EVERY, idle / 4):  # a short limit: oftener
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
    this = OneTimeCode.id == current.id
    if hmac.compare_digest(current.code_hash, _code_digest(clean_code(typed))):
        # One conditional UPDATE: of two requests with the same code at once, one wins.
        used = (OneTimeCode.update(used_at=now)
                .where(this & OneTimeCode.used_at.is_null() & (OneTimeCode.dead == False))  # noqa: E712
                .execute())
        return "ok" if used == 1 else "expired"
    OneTimeCode.update(wrong_tries=OneTimeCode.wrong_tries + 1).where(this).execute()
    (OneTimeCode.update(dead=True)
     .where(this & (OneTimeCode.wrong_tries >= CODE_MAX_WRONG)).execute())
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


# --- Sign-in, registration, reset, officers (the auth blueprint's rules) -------------------------
# Callers wrap each call in ``models.db.atomic()`` so the change and its email commit together.

ATTEMPT_LIFETIME = dt.timedelta(minutes=30)  # a password that was right waits this long for a code
RESEND_GAP = dt.timedelta(seconds=30)
MAX_CODES_PER_ATTEMPT = 5
ACTIVATION_MAX_AGE = 48 * 3600
RESET_MAX_AGE = 3600
INVITE_MAX_AGE = 48 * 3600
TOTP_STEP = 30


def _mail(user_or_email, template, subject, **context):
    to = getattr(user_or_email, "email", user_or_email)
    return mail.queue(to, template, subject, kind=template, council=current_council(), **context)


def authenticate(email, password, now=None, address=""):
    """Check an email and password. Returns (user or None, outcome).

    outcome: "ok", "unknown", "wrong", "locked", "locked-now" (this failure locked it) or
    "inactive". Every path spends one password hash, so timing does not tell them apart.
    """
    user = find_user(email)
    if user is None:
        equalise_timing(password)
        return None, "unknown"
    if user.password_hash:
        good = check_password(user, password)
    else:  # an invited officer who has not set a password yet
        equalise_timing(password)
        good = False
    if user.status != "active" or not user.password_hash:
        return user, "inactive"
    if is_locked(user, now, address):
        return user, "locked"
    if not good:
        if record_failure(user, now, address):
            send_lockout_notice(user)
            return user, "locked-now"
        return user, "wrong"
    return user, "ok"


def send_lockout_notice(user):
    _mail(user, "lockout", "Sign-in to your account has been locked for 15 minutes",
          user=user, minutes=int(LOCK_FOR.total_seconds() // 60))


def begin_two_step(user, now=None):
    """A password was right and the account has 2SV: start an attempt (and email a code)."""
    attempt = SignInAttempt.create(user=user, created_at=now or utcnow())
    if user.two_step_method == "email":
        send_sign_in_code(user, attempt, now=now)
    return attempt


def send_sign_in_code(user, attempt, now=None):
    code = issue_code(user, purpose="sign-in", attempt=attempt, now=now)
    short = current_council().get("short_name", "")
    _mail(user, "verification-code", f"Your {short} SEND portal verification code", code=code,
          minutes=int(CODE_LIFETIME.total_seconds() // 60))


def live_attempt(token, now=None):
    """The unfinished, unexpired sign-in attempt for ``token`` (kept in the cookie), or None."""
    if not token:
        return None
    attempt = SignInAttempt.get_or_none(SignInAttempt.token == token)
    now = now or utcnow()
    if attempt is None or attempt.finished_at or now - attempt.created_at > ATTEMPT_LIFETIME:
        return None
    return attempt


def resend_problem(attempt, now=None):
    """Why a new code cannot be sent yet (a sentence), or None."""
    now = now or utcnow()
    sent = (OneTimeCode.select().where((OneTimeCode.attempt == attempt)
                                       & (OneTimeCode.purpose == "sign-in")).count())
    if sent >= MAX_CODES_PER_ATTEMPT:
        return "You have asked for too many codes. Sign in again to get a new code."
    last = last_code_sent_at(attempt.user, purpose="sign-in", attempt=attempt)
    if last and now - last < RESEND_GAP:
        wait = int((RESEND_GAP - (now - last)).total_seconds()) + 1
        return f"Wait {wait} seconds before asking for a new code."
    return None


def check_totp(user, typed, now=None):
    """An authenticator-app code: "ok", "wrong" or "reused" (each time step works once only).
    The seed is stored sealed (secrets_at_rest); one still in clear is sealed once it works."""
    code = clean_code(typed)
    seed = secrets_at_rest.open(user.totp_secret)
    if not seed or not re.fullmatch(r"\d{6}", code):
        return "wrong"
    totp = pyotp.TOTP(seed)
    seconds = int(((now or utcnow()) - dt.datetime(1970, 1, 1)).total_seconds())
    current = seconds // TOTP_STEP
    for step in (current - 1, current, current + 1):  # valid_window=1: allow clock drift
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            # One conditional UPDATE: each time step signs in once, even from two requests at once.
            taken = (User.update(totp_last_step=step)
                     .where((User.id == user.id) & (User.totp_last_step < step)).execute())
            if taken != 1:
                return "reused"
            user.totp_last_step = step
            if secrets_at_rest.is_legacy(user.totp_secret):
                _seal_legacy_seed(user, seed)
            return "ok"
    return "wrong"


def _seal_legacy_seed(user, seed):
    """Replace a seed an older release stored in clear by its sealed form (only if unchanged)."""
    sealed = secrets_at_rest.seal(seed)
    (User.update(totp_secret=sealed)
     .where((User.id == user.id) & (User.totp_secret == user.totp_secret)).execute())
    user.totp_secret = sealed


def check_sign_in_code(attempt, typed, now=None, address=""):
    """The second step. Returns "ok", "wrong", "dead" (5 wrong: ask for a new code), "expired",
    "reused" (TOTP), "locked" or "locked-now" (this failure locked the account)."""
    user = attempt.user
    if is_locked(user, now, address):  # locked meanwhile (wrong passwords elsewhere): no code works
        return "locked"
    if user.two_step_method == "totp":
        outcome = check_totp(user, typed, now)
    else:
        outcome = check_code(user, typed, purpose="sign-in", attempt=attempt, now=now)
        if outcome == "none":
            outcome = "expired"
    if outcome == "ok":
        return "ok"
    if outcome in ("wrong", "reused") and record_failure(user, now, address):
        send_lockout_notice(user)
        (SignInAttempt.update(finished_at=now or utcnow())
         .where(SignInAttempt.id == attempt.id).execute())
        return "locked-now"
    if outcome == "wrong" and user.two_step_method == "email":
        newest = (OneTimeCode.select().where(OneTimeCode.attempt == attempt)
                  .order_by(OneTimeCode.id.desc()).first())
        if newest is not None and newest.dead:
            return "dead"
    if outcome == "expired" and user.two_step_method == "email":
        newest = (OneTimeCode.select().where(OneTimeCode.attempt == attempt)
                  .order_by(OneTimeCode.id.desc()).first())
        if newest is not None and newest.dead and newest.wrong_tries >= CODE_MAX_WRONG:
            return "dead"
    return outcome


def finish_sign_in(user, *, two_step_passed, attempt=None, now=None, address=""):
    """The user is who they say: a fresh server-side session. Returns its token."""
    if attempt is not None:
        attempt.finished_at = now or utcnow()
        SignInAttempt.update(finished_at=attempt.finished_at).where(
            SignInAttempt.id == attempt.id).execute()
    clear_failures(user, address)
    return start_session(user, two_step_passed=two_step_passed)


# Registration -------------------------------------------------------------------------------

def fold_name(name):
    """Organisation names match without case or extra spaces ("St  Mary's" == "st mary's")."""
    return " ".join((name or "").casefold().split())


def organisation_named(name):
    """The organisation with this (folded) name, created when new."""
    name = " ".join((name or "").split())
    key = fold_name(name)
    found = Organisation.get_or_none(Organisation.name_key == key)
    if found:
        return found
    try:
        with models.db.atomic():
            return Organisation.create(name=name, name_key=key)
    except IntegrityError:  # someone registered the same organisation a moment ago
        return Organisation.get(Organisation.name_key == key)


PROFILE_FIELDS = ("house_number", "house_name", "building_name", "street", "district", "town",
                  "postcode", "country", "work_phone", "mobile")
PERSONAL_FIELDS = ("title", "forename", "surname", "gender")


# H1 (pre-hijacking): a pending account proves nothing about who owns the address, so a newer
# registration for it wins: the pending row takes the new registration's credentials, names and
# role, and its activation nonce changes so every earlier activation link dies. An active or
# disabled account is never touched (its owner is told someone tried instead).

_PENDING_BLANK = {"title": "", "forename": "", "surname": "", "gender": "", "citizen_kind": "",
                  "two_step_method": "", "totp_secret": "", "totp_last_step": 0,
                  "failed_logins": 0, "locked_until": None, "council_verified": False,
                  "activated_at": None}


def registered_user(email):
    """The account for ``email`` a registration must leave alone (active or disabled), or None
    when there is none or it is only pending (``create_pending`` replaces a pending one)."""
    user = find_user(email)
    return None if user is None or user.status == "pending" else user


def create_pending(email, **fields):
    """A new pending account for ``email``, or the pending one already there replaced in place:
    every credential (password, secret question and answer), name, role and work detail is the
    new registration's, earlier sessions and codes end, and earlier activation links die. Its
    48 hours start again (``created_at``)."""
    now = utcnow()
    fields = {**_PENDING_BLANK, **fields, "status": "pending", "created_at": now,
              "password_changed_at": now, "activation_nonce": secrets.token_urlsafe(16)}
    pending = User.get_or_none((User.email == email) & (User.status == "pending"))
    if pending is None:
        return User.create(email=email, **fields)
    User.update(**fields).where((User.id == pending.id) & (User.status == "pending")).execute()
    WorkProfile.delete().where(WorkProfile.user == pending).execute()
    OneTimeCode.delete().where(OneTimeCode.user == pending).execute()
    SignInLock.delete().where(SignInLock.user == pending).execute()
    end_all_sessions(pending)
    return User.get_by_id(pending.id)


def register_professional(details, *, password_hash, answer_hash):
    """Register a professional (pending until the emailed link is followed). Returns the outcome.

    "new": created (or a pending registration for the address replaced) and activation emailed;
    "exists": the owner is told that someone tried to register with their address. The caller
    shows the same page for both.
    """
    email = details["email"].strip().lower()
    existing = registered_user(email)
    if existing is not None:
        # Both paths have already hashed the password and answer (step 1): timing matches.
        _mail(existing, "already-registered", "Someone tried to register with your email address",
              user=existing, login_link=absolute_url("auth.login"),
              reset_link=absolute_url("auth.forgotten_password"))
        return existing, "exists"
    user = create_pending(email, password_hash=password_hash, role="professional",
                          secret_question=details["secret_question"],
                          secret_answer_hash=answer_hash,
                          **{name: details.get(name, "") for name in PERSONAL_FIELDS})
    WorkProfile.create(user=user, professional_role=details["professional_role"],
                       organisation=organisation_named(details["organisation"]),
                       **{name: details.get(name, "") for name in PROFILE_FIELDS})
    send_activation(user)
    return user, "new"


def activation_token(user):
    """The activation link's token: bound to the account's current nonce."""
    return make_token("activate", {"user": user.id, "email": user.email,
                                   "n": user.activation_nonce})


def send_activation(user):
    _mail(user, "activation", "Professional Portal activation",
          link=absolute_url("auth.activate", token=activation_token(user)),
          hours=ACTIVATION_MAX_AGE // 3600)


def pending_for_activation(token, now=None):
    """The pending account an activation link is for, or None: forged, replaced by a later
    registration, already active, or registered more than 48 hours ago."""
    payload = read_token("activate", token, ACTIVATION_MAX_AGE)
    if not isinstance(payload, dict):
        return None
    user = User.get_or_none(User.id == payload.get("user"))
    if (user is None or user.email != payload.get("email")
            or not hmac.compare_digest(str(payload.get("n", "")), user.activation_nonce or "")
            or not can_activate(user, now)):
        return None
    return user


def can_activate(user, now=None):
    """A pending account registered less than 48 hours ago (the activation link's lifetime)."""
    return (user.status == "pending"
            and (now or utcnow()) - user.created_at <= dt.timedelta(seconds=ACTIVATION_MAX_AGE))


def activate(token, now=None):
    """Activate the account of a good activation link (see ``pending_for_activation``): the user,
    or None. One conditional UPDATE, so a link works once."""
    user = pending_for_activation(token, now)
    if user is None:
        return None
    now = now or utcnow()
    done = (User.update(status="active", activated_at=now)
            .where((User.id == user.id) & (User.status == "pending")
                   & (User.activation_nonce == user.activation_nonce)).execute())
    if done != 1:
        return None
    user.status, user.activated_at = "active", now
    return user


# Forgotten password and officer invitations ----------------------------------------------

def request_password_reset(email, answer):
    """Email a reset link when the email and the secret answer both match (True); otherwise
    nothing (False). Both paths spend one hash so the answer takes the same time."""
    user = find_user(email)
    typed = normalise_answer(answer)
    if user is None:
        equalise_timing(typed)
        return None
    good = check_secret(user.secret_answer_hash, typed)
    if not good or user.status != "active":
        return None
    token = make_token("reset", {"user": user.id, "fp": password_fingerprint(user)})
    _mail(user, "password-reset", "Reset your password", user=user,
          link=absolute_url("auth.reset_password", token=token), minutes=RESET_MAX_AGE // 60)
    return user


def user_for_reset(token):
    """(user, kind) for a good reset or invitation link, else (None, None). A link dies once
    the password changes, because the password's fingerprint is in it."""
    for kind, max_age in (("reset", RESET_MAX_AGE), ("invite", INVITE_MAX_AGE)):
        payload = read_token(kind, token, max_age)
        if isinstance(payload, dict):
            user = User.get_or_none(User.id == payload.get("user"))
            if (user is not None and user.status == "active"
                    and hmac.compare_digest(str(payload.get("fp", "")), password_fingerprint(user))):
                return user, kind
            return None, None
    return None, None


def complete_reset(user, password, kind):
    """Set the new password (every session ends) and tell the owner it changed."""
    set_password(user, password)
    clear_failures(user)
    SignInLock.delete().where(SignInLock.user == user).execute()
    if kind == "reset":
        _mail(user, "password-changed", "Your password has been changed", user=user,
              reset_link=absolute_url("auth.forgotten_password"))


def create_officer(email, *, designer=False):
    """Create an SEN team officer (active, no password yet) and email a set-password link;
    ``designer`` also grants the Form designer permission (how the first designer is made).

    Used by ``flask --app portal create-officer [--designer] EMAIL``; returns a sentence for the
    console.
    """
    email = checks.fold_email(email)
    if not checks.is_email(email):
        return f"Not an email address: {email!r}. Nothing was created."
    with models.db.atomic():
        user = find_user(email)
        if user is not None:
            return f"{email} already has an account (role {user.role}, {user.status}); nothing changed."
        user = User.create(email=email, role="officer", status="active", password_hash="",
                           activated_at=utcnow())
        token = make_token("invite", {"user": user.id, "fp": password_fingerprint(user)})
        _mail(user, "officer-invitation", "You have been invited to the SEND Portal",
              link=absolute_url("auth.reset_password", token=token), hours=INVITE_MAX_AGE // 3600)
        audit.record("officer-created", user=user, object_type="user", object_id=user.id)
        if designer:
            forms_design.grant_designer(None, user)
    app = current_app._get_current_object()
    sent, waiting = mail.deliver_pending(app)
    return (f"Created officer {email}. An invitation with a set-password link (valid "
            f"{INVITE_MAX_AGE // 3600} hours) has been sent ({sent} sent, {waiting} waiting). "
            "They must enable Two Step Verification after setting their password."
            + (" They may design forms." if designer else ""))
