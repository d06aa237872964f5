"""Registration of family accounts (parents, carers and young people 16+): the professional rules
(pending until the emailed link is followed, the same page whatever the address; two-step
verification as for everyone). No request objects.
"""
from __future__ import annotations

from services.identity import accounts
from services.kernel.council import absolute_url

KINDS = {"parent": "Parent or carer", "young-person": "Young person (16 or over)"}


def register_citizen(details, *, password_hash, answer_hash):
    """Register a parent/carer or young person (pending until the emailed link is followed).

    Returns (user, outcome) like accounts.register_professional: "new" (created, or a pending
    account for the address replaced by this registration) or "exists" (the owner is told someone
    tried). The caller shows the same page for both.
    """
    email = details["email"].strip().lower()
    existing = accounts.registered_user(email)  # a pending account is replaced (H1)
    if existing is not None:
        accounts._mail(existing, "already-registered",
                       "Someone tried to register with your email address", user=existing,
                       login_link=absolute_url("auth.login"),
                       reset_link=absolute_url("auth.forgotten_password"))
        return existing, "exists"
    kind = details.get("citizen_kind")
    user = accounts.create_pending(email, password_hash=password_hash, role="citizen",
                       secret_question=details["secret_question"], secret_answer_hash=answer_hash,
                       citizen_kind=kind if kind in KINDS else "parent",
                       **{name: details.get(name, "") for name in accounts.PERSONAL_FIELDS})
    send_activation(user)
    return user, "new"


def send_activation(user):
    """The activation email for a family account (the shared /activate link)."""
    token = accounts.activation_token(user)
    accounts._mail(user, "citizen-activation", "Activate your SEND portal account",
                   link=absolute_url("auth.activate", token=token),
                   hours=accounts.ACTIVATION_MAX_AGE // 3600)


def resend_activation(email, now=None):
    """"Not received your activation email?": send it again when ``email`` has a pending account
    that can still be activated (registered within the last 48 hours); otherwise nothing.
    Returns the account written to, or None. The caller shows the same page either way."""
    user = accounts.find_user(email)
    if user is None or not accounts.can_activate(user, now):
        return None
    (send_activation if user.role == "citizen" else accounts.send_activation)(user)
    return user
