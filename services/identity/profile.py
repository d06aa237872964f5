"""My Account rules: personal and work details, email and password changes, the secret question,
change of circumstances and turning on Two Step Verification.

Views pass plain values in; nothing here reads the request. Every change is audited (never with a
password, code, token or secret answer) and its emails are queued in the same transaction.
"""
import hmac
import re
import time

import pyotp
import segno
from peewee import IntegrityError

import models
from models import ChangeOfCircumstances, Organisation, User, UserSession, WorkProfile, utcnow
from services import audit, mail
from services.identity import accounts, secrets_at_rest
from services.kernel import checks
from services.people import links, role_links

PERSONAL_FIELDS = ("title", "forename", "surname", "gender")
WORK_FIELDS = ("professional_role", "house_number", "house_name", "building_name", "street",
               "district", "town", "postcode", "country", "work_phone", "mobile")
TWO_STEP_METHODS = {"email": "Email", "totp": "Authenticator app"}
CIRCUMSTANCE_KINDS = {"new-organisation": "I am moving to a new organisation",
                      "leaving": "I am leaving my role"}
EMAIL_CHANGE_MAX_AGE = 48 * 3600  # seconds an email-change link lives


def _save(user, *names):
    """Write only the named columns (never a whole-row save that could undo a concurrent change,
    such as a failure count or a TOTP step)."""
    User.update({getattr(User, name): getattr(user, name) for name in names}).where(
        User.id == user.id).execute()


# --- Personal details --------------------------------------------------------------------------

def update_personal(user, data, *, ip=""):
    """Save Title, Forename, Surname and Gender; audit each changed field before and after."""
    data = {name: data.get(name) or "" for name in PERSONAL_FIELDS}
    changes = {name: {"before": getattr(user, name), "after": data[name]}
               for name in PERSONAL_FIELDS if getattr(user, name) != data[name]}
    if not changes:
        return changes
    with models.db.atomic():
        for name, change in changes.items():
            setattr(user, name, change["after"])
        _save(user, *changes)
        audit.record("account-personal-details-changed", user=user, ip=ip, object_type="user",
                     object_id=user.id, changes=changes)
    return changes


# --- Work details ------------------------------------------------------------------------------

def active_work_profiles(user):
    """The user's current roles, oldest first (ended roles are kept for the record)."""
    return list(WorkProfile.select(WorkProfile, Organisation).join(Organisation)
                .where((WorkProfile.user == user) & WorkProfile.ended_at.is_null())
                .order_by(WorkProfile.id))


def work_profile_of(user, profile_id):
    """One of the user's current roles, or None (someone else's role is None too)."""
    return (WorkProfile.select().where((WorkProfile.id == profile_id) & (WorkProfile.user == user)
                                       & WorkProfile.ended_at.is_null()).first())


def save_work_profile(user, data, profile=None, *, ip=""):
    """Edit a role (``profile``) or add another one; ``data`` has WORK_FIELDS + organisation_name."""
    with models.db.atomic():
        adding = profile is None
        profile = profile or WorkProfile(user=user)
        before = {} if adding else _work_snapshot(profile)
        for name in WORK_FIELDS:
            setattr(profile, name, data.get(name) or "")
        profile.postcode = profile.postcode.upper()
        organisation = accounts.organisation_named(data["organisation_name"])
        if adding or profile.organisation_id != organisation.id:
            # A new role, or one moved to another organisation, waits for the SEN team to
            # confirm the membership (until then it makes nobody a colleague).
            profile.confirmed_at, profile.confirmed_by = None, None
        profile.organisation = organisation
        profile.save()
        after = _work_snapshot(profile)
        changes = {k: {"before": before.get(k, ""), "after": v} for k, v in after.items()
                   if before.get(k, "") != v}
        audit.record("account-work-profile-added" if adding else "account-work-profile-changed",
                     user=user, ip=ip, object_type="work_profile", object_id=profile.id,
                     changes=changes)
    return profile


def _work_snapshot(profile):
    snapshot = {name: getattr(profile, name) for name in WORK_FIELDS}
    snapshot["organisation_name"] = profile.organisation.name if profile.organisation_id else ""
    return snapshot


def children_through(user, profile):
    """The children whose links end with this role (role_links.links_through), for its end page."""
    return [link.person for link in role_links.links_through(user, profile)]


def end_work_profile(user, profile, *, ip=""):
    """End a role and the links to children made through it (L1). Returns an error sentence when
    it is the user's last one (None when done)."""
    with models.db.atomic():
        if len(active_work_profiles(user)) <= 1:
            return "You cannot end your only role. Add your new role first"
        through = role_links.links_through(user, profile)
        profile.ended_at = utcnow()
        profile.save()
        links.end(*through)
        audit.record("account-work-profile-ended", user=user, ip=ip, object_type="work_profile",
                     object_id=profile.id, professional_role=profile.professional_role,
                     links_ended=[link.person_id for link in through])
        for link in through:
            audit.record("link-ended-with-role", user=user, ip=ip, object_type="person",
                         object_id=link.person_id, person_id=link.person_id,
                         work_profile=profile.id)
    return None


# --- Email address -----------------------------------------------------------------------------

def request_email_change(user, new_email, *, council, link_for, ip=""):
    """Email a confirmation link to the new address; nothing changes until it is followed.

    When the address already belongs to another account we say "Check your email" all the same
    (no one learns who is registered) and send that address a notice instead of a link, so its
    owner knows someone tried to use it. ``link_for(token)`` makes the absolute link.
    """
    new_email = checks.fold_email(new_email)
    with models.db.atomic():
        owner = accounts.find_user(new_email)
        if owner is not None:
            mail.queue(new_email, "account-email-in-use", "Someone tried to use your email address",
                       kind="account-email-in-use", council=council)
            audit.record("account-email-change-refused", user=user, ip=ip, object_type="user",
                         object_id=user.id, reason="address belongs to another account")
            return
        token = accounts.make_token("email-change",
                                    {"uid": user.id, "old": user.email, "new": new_email})
        mail.queue(new_email, "account-email-change-confirm", "Confirm your new email address",
                   council=council, link=link_for(token), user=user, hours=EMAIL_CHANGE_MAX_AGE // 3600)
        audit.record("account-email-change-requested", user=user, ip=ip, object_type="user",
                     object_id=user.id, old_email=user.email, new_email=new_email)


def read_email_change(user, token):
    """The new address a link would set for ``user``, or why not: ("ok"|"invalid"|"other-account", new).

    A link dies once the email has changed (its ``old`` no longer matches), after 48 hours, or
    when forged.
    """
    payload = accounts.read_token("email-change", token, EMAIL_CHANGE_MAX_AGE)
    if not isinstance(payload, dict) or not {"uid", "old", "new"} <= payload.keys():
        return "invalid", None
    if payload["uid"] != user.id:
        return "other-account", None
    if payload["old"] != user.email:
        return "invalid", None
    return "ok", payload["new"]


def confirm_email_change(user, token, *, council, ip=""):
    """Follow an email-change link: "ok", "invalid", "other-account" or "in-use"."""
    outcome, new_email = read_email_change(user, token)
    if outcome != "ok":
        return outcome
    old_email = user.email
    try:
        with models.db.atomic():
            if accounts.find_user(new_email) is not None:
                raise IntegrityError("address taken since the link was sent")
            user.email = new_email
            _save(user, "email")
            mail.queue(old_email, "account-email-changed", "Your email address has been changed",
                       council=council, user=user, old_email=old_email, new_email=new_email)
            audit.record("account-email-changed", user=user, ip=ip, object_type="user",
                         object_id=user.id, old_email=old_email, new_email=new_email)
    except IntegrityError:
        user.email = old_email
        return "in-use"
    return "ok"


# --- Password and secret question --------------------------------------------------------------

def change_password(user, new_password, *, keep_two_step, council, ip=""):
    """Set the new password, end every session, and start a new one for this browser.

    Returns the new session's token (the view signs the browser in with it).
    """
    with models.db.atomic():
        accounts.set_password(user, new_password)
        token = accounts.start_session(user, two_step_passed=keep_two_step)
        audit.record("account-password-changed", user=user, ip=ip, object_type="user",
                     object_id=user.id)
        mail.queue(user.email, "account-password-changed", "Your password has been changed",
                   council=council, user=user)
    return token


def change_secret_question(user, question, answer, *, ip=""):
    """Store the new question and the hashed, normalised answer."""
    with models.db.atomic():
        before = user.secret_question
        user.secret_question = question
        user.secret_answer_hash = accounts.hash_secret(accounts.normalise_answer(answer))
        _save(user, "secret_question", "secret_answer_hash")
        audit.record("account-secret-question-changed", user=user, ip=ip, object_type="user",
                     object_id=user.id, question={"before": before, "after": question})


# --- Change of circumstances -------------------------------------------------------------------

def record_circumstances(user, *, kind, organisation_name, effective_date, details, council, ip=""):
    """Record a change of circumstances and send it to the SEN team's mailbox."""
    with models.db.atomic():
        row = ChangeOfCircumstances.create(user=user, kind=kind, organisation_name=organisation_name,
                                           effective_date=effective_date, details=details)
        mail.queue(council["email"], "account-circumstances",
                   f"Change of circumstances: {user.display_name}", council=council, user=user,
                   row=row, kind_text=CIRCUMSTANCE_KINDS[kind],
                   work_profiles=active_work_profiles(user))
        audit.record("account-circumstances-reported", user=user, ip=ip,
                     object_type="change_of_circumstances", object_id=row.id, kind=kind,
                     effective_date=effective_date.isoformat())
    return row


# --- Two Step Verification ---------------------------------------------------------------------

def pending_two_step(token):
    """(method, totp secret) being set up in this browser's session, ("", "") when none."""
    row = UserSession.get_or_none(UserSession.token == token)
    if row is None:
        return ("", "")
    return (row.pending_two_step, secrets_at_rest.open(row.pending_totp_secret))


def _set_pending(token, method, secret=""):
    """Remember the method being set up; a new authenticator secret is kept sealed."""
    sealed = secrets_at_rest.seal(secret)
    (UserSession.update(pending_two_step=method, pending_totp_secret=sealed)
     .where(UserSession.token == token).execute())


def send_enable_code(user, token, *, council, ip=""):
    """Start proving the email method: a fresh code goes to the account's address."""
    with models.db.atomic():
        _set_pending(token, "email")
        code = accounts.issue_code(user, purpose="enable")
        mail.queue(user.email, "account-verification-code",
                   f"Your {council['short_name']} SEND portal verification code",
                   kind="two-step-code", council=council, code=code)
        audit.record("two-step-code-sent", user=user, ip=ip, object_type="user",
                     object_id=user.id, method="email", purpose="enable")


def start_totp(user, token):
    """Start proving the authenticator app method: a new secret, kept in this session only."""
    secret = pyotp.random_base32()
    with models.db.atomic():
        _set_pending(token, "totp", secret)
    return secret


def totp_issuer(council):
    return f"{council['short_name']} SEND Portal"


def totp_uri(user, secret, council):
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=totp_issuer(council))


def qr_data_uri(uri):
    """The QR code of ``uri`` as an inline SVG data URI (CSP allows img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=4)


def grouped_key(secret):
    """"JBSW Y3DP EHPK ..." — easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def totp_step(secret, typed, *, last_step=0, now=None):
    """The time step a typed authenticator code belongs to (±1 step allowed), or None.

    A step at or before ``last_step`` was used already and is refused (a code works once).
    """
    code = accounts.clean_code(typed)
    if not secret or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_two_step(user, token, typed, *, council, ip=""):
    """Check the proving code and switch the method on: "ok", "wrong", "expired" or "none".

    On success this browser's session counts as verified and the user's other sessions end.
    """
    method, secret = pending_two_step(token)
    if method not in TWO_STEP_METHODS:
        return "none"
    with models.db.atomic():
        step = None
        if method == "email":
            result = accounts.check_code(user, typed, purpose="enable")
        else:
            step = totp_step(secret, typed)
            result = "ok" if step else "wrong"
        if result != "ok":
            audit.record("two-step-enable-failed", user=user, ip=ip, object_type="user",
                         object_id=user.id, method=method, result=result)
            return result
        previous = user.two_step_method
        user.two_step_method = method
        user.totp_secret = secrets_at_rest.seal(secret) if method == "totp" else ""
        user.totp_last_step = step or 0
        _save(user, "two_step_method", "totp_secret", "totp_last_step")
        _set_pending(token, "")
        accounts.mark_two_step_passed(token)
        accounts.end_all_sessions(user, keep_token=token)
        audit.record("two-step-enabled" if not previous else "two-step-method-changed", user=user,
                     ip=ip, object_type="user", object_id=user.id, method=method,
                     previous_method=previous)
        mail.queue(user.email, "account-two-step-on", "Two Step Verification was turned on",
                   council=council, user=user, method_text=TWO_STEP_METHODS[method],
                   changed=bool(previous))
    return "ok"
