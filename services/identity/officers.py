"""The SEN team's officers and the professional accounts they check: the officers list, the one
invite path, verifying or rejecting a professional's account.

Every change is one transaction with its audit event and its emails. No request objects.
"""
from peewee import fn

import models
from models import User, WorkProfile, utcnow
from services import audit, mail
from services.identity import accounts
from services.kernel import checks, paging
from services.kernel.council import absolute_url, current_council
from services.kernel.paging import Page, clamp_page
from services.people.people import PAGE_SIZE

MAX_REASON = 1000

ACCOUNT_FILTERS = {"awaiting": "Awaiting check", "checked": "Checked", "rejected": "Rejected"}


def officers():
    """Every officer account, by name."""
    return list(User.select().where(User.role == "officer")
                .order_by(fn.LOWER(User.surname), fn.LOWER(User.forename), User.email))


def officer_by_id(user_id):
    """The officer ``user_id`` (as text or int), or None."""
    user_id = paging.parse_id(user_id)
    if user_id is None:
        return None
    return User.get_or_none((User.id == user_id) & (User.role == "officer"))


# --- Officers ----------------------------------------------------------------------------------

def invite_officer(inviter, email, *, ip=""):
    """Create an officer account and queue its set-password link in the same transaction.

    Returns (user, None) or (None, message) when the email cannot be used.
    """
    email = (email or "").strip().lower()
    problem = checks.email_problem(email)
    if problem:
        return None, problem
    with models.db.atomic():
        if accounts.find_user(email) is not None:
            return None, "That email address already has an account on the portal"
        user = User.create(email=email, role="officer", status="active", password_hash="",
                           activated_at=utcnow())
        token = accounts.make_token("invite", {"user": user.id,
                                               "fp": accounts.password_fingerprint(user)})
        mail.queue(email, "officer-invitation", "You have been invited to the SEND Portal",
                   kind="officer-invitation", council=current_council(),
                   link=absolute_url("auth.reset_password", token=token),
                   hours=accounts.INVITE_MAX_AGE // 3600)
        audit.record("officer-invited", user=inviter, ip=ip, object_type="user",
                     object_id=user.id, email=email)
    return user, None


# --- Professional accounts ---------------------------------------------------------------------

def normalise_account_filter(value):
    value = str(value or "").strip().lower()
    return value if value in ACCOUNT_FILTERS else "awaiting"


def _account_filter(show):
    professional = User.role == "professional"
    if show == "checked":
        return professional & (User.council_verified == True)  # noqa: E712
    if show == "rejected":
        return professional & (User.council_verified == False) & (User.status == "disabled")  # noqa: E712
    return professional & (User.council_verified == False) & (User.status != "disabled")  # noqa: E712


def professional_accounts(show="awaiting", page=1, per_page=PAGE_SIZE):
    """Professionals, newest registration first, with their current work profiles
    (``user.profiles``). One COUNT, one SELECT, one query for the profiles of the page."""
    show = normalise_account_filter(show)
    where = _account_filter(show)
    total = User.select().where(where).count()
    number = clamp_page(page, total, per_page)
    rows = list(User.select().where(where).order_by(User.created_at.desc(), User.id.desc())
                .limit(per_page).offset((number - 1) * per_page))
    profiles = {}
    if rows:
        for profile in (WorkProfile.select(WorkProfile, models.Organisation)
                        .join(models.Organisation)
                        .where(WorkProfile.user.in_([u.id for u in rows])
                               & WorkProfile.ended_at.is_null())
                        .order_by(WorkProfile.id)):
            profiles.setdefault(profile.user_id, []).append(profile)
    for user in rows:
        user.profiles = profiles.get(user.id, [])
    return Page(rows, total, number, per_page, {"show": show})


def professional_by_id(user_id):
    """A professional account, or None."""
    user_id = paging.parse_id(user_id)
    if user_id is None:
        return None
    return User.get_or_none((User.id == user_id) & (User.role == "professional"))


def account_state(user):
    """awaiting | checked | rejected (the three filters of the accounts page)."""
    if user.council_verified:
        return "checked"
    return "rejected" if user.status == "disabled" else "awaiting"


def verify_account(officer, user, *, ip=""):
    """Mark a professional's account as checked by the SEN team (re-enabling a rejected one)."""
    with models.db.atomic():
        before = account_state(user)
        user.council_verified = True
        if user.status == "disabled":
            user.status = "active" if user.activated_at else "pending"
        user.save()
        # Verifying the account confirms its current roles' organisations (M2): membership is
        # what the SEN team checked, not what was typed.
        WorkProfile.update(confirmed_at=utcnow(), confirmed_by=officer).where(
            (WorkProfile.user == user) & WorkProfile.ended_at.is_null()
            & WorkProfile.confirmed_at.is_null()).execute()
        mail.queue(user.email, "team-account-verified", "Your account has been checked",
                   kind="team-account-verified", council=current_council(),
                   user=user, link=absolute_url("home.index"))
        audit.record("account-verified", user=officer, ip=ip, object_type="user",
                     object_id=user.id, before=before)


def reject_account(officer, user, reason, *, ip=""):
    """Reject a registration: the account is disabled, signed out everywhere, and told why.

    Returns a message for the reason field when it cannot be used, else None.
    """
    reason = (reason or "").strip()
    if not reason:
        return "Enter the reason the account is being rejected"
    if len(reason) > MAX_REASON:
        return f"The reason must be {MAX_REASON} characters or fewer"
    with models.db.atomic():
        user.council_verified = False
        user.status = "disabled"
        user.save()
        accounts.end_all_sessions(user)
        mail.queue(user.email, "team-account-rejected", "Your account has not been approved",
                   kind="team-account-rejected", council=current_council(),
                   user=user, reason=reason)
        audit.record("account-rejected", user=officer, ip=ip, object_type="user",
                     object_id=user.id, reason=reason)
    return None


def unconfirmed_work_profile(user, profile_id):
    """One of ``user``'s current roles not yet confirmed by the SEN team, or None."""
    profile_id = paging.parse_id(profile_id)
    if profile_id is None:
        return None
    return WorkProfile.get_or_none((WorkProfile.id == profile_id) & (WorkProfile.user == user)
                                   & WorkProfile.ended_at.is_null()
                                   & WorkProfile.confirmed_at.is_null())


def confirm_work_profile(officer, user, profile, *, ip=""):
    """Confirm a professional's membership of one role's organisation (a role added later, or
    moved to another organisation). Their colleagues there see them from now on."""
    with models.db.atomic():
        WorkProfile.update(confirmed_at=utcnow(), confirmed_by=officer).where(
            (WorkProfile.id == profile.id) & WorkProfile.confirmed_at.is_null()).execute()
        audit.record("work-profile-confirmed", user=officer, ip=ip, object_type="work_profile",
                     object_id=profile.id, account=user.id,
                     organisation=profile.organisation.name,
                     professional_role=profile.professional_role)
