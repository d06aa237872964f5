"""One-time reference codes and the link requests they make.

The SEN team makes a code for a family (shown once, stored as an HMAC, 30 days, single use); a
parent enters it to ask for a link, and an officer confirms or refuses. A wrong, used, withdrawn
or expired code all get one message, so nothing says whether a child exists. No request objects.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app

import models
from models import Person, ReferenceCode, User, utcnow
from services import audit
from services.casework import messages
from services.kernel import clock, paging
from services.kernel.council import current_council
from services.people import links, people

YOUNG_PERSON_AGE = 16
# Relationships a family member can give when they enter a code (young people: "Myself").
RELATIONSHIPS = ("Mother", "Father", "Step-parent", "Foster carer", "Grandparent",
                 "Legal guardian", "Other carer")
MYSELF = "I am the young person"

# 31 characters nobody confuses when reading a letter aloud: no 0/O, 1/I/L, no vowels-as-words.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12 ~ 2^59: with the rate limit, guessing is hopeless
CODE_LIFETIME = dt.timedelta(days=30)
BAD_CODE = ("That reference code is not right, has already been used or has expired. Check the "
            "code in the letter or email from the {team}, or contact them on {phone}.")
CODE_FORMAT = "Enter the 12-character reference code, like ABCD-EFGH-JKMN"


def bad_code_message():
    council = current_council()
    return BAD_CODE.format(team=council.get("team_name", "SEN Team"), phone=council.get("phone", ""))


def new_code():
    """12 random characters from CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code):
    """ABCDEFGHJKMN -> ABCD-EFGH-JKMN (how it is shown and read out)."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed):
    """What the family typed, as the bare code (spaces, dashes and case ignored), or None when
    it cannot be a code at all (wrong length or characters)."""
    text = "".join(ch for ch in str(typed or "")[:60].upper() if ch.isalnum())
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


def code_digest(code):
    """HMAC-SHA256 of a code with the app's secret key: a stolen database reveals no codes."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"reference-code:" + code.encode(), hashlib.sha256).hexdigest()


def create_code(person, *, officer, ip="", now=None):
    """Make a reference code for ``person``'s family. Returns (plain code, row); the plain code
    is never stored, so the caller shows it once."""
    now = now or utcnow()
    with models.db.atomic():
        while True:
            code = new_code()
            digest = code_digest(code)
            if not ReferenceCode.select().where(ReferenceCode.code_hash == digest).exists():
                break
        row = ReferenceCode.create(person=person, code_hash=digest, created_by=officer,
                                   created_at=now, expires_at=now + CODE_LIFETIME)
        audit.record("reference-code-created", user=officer, ip=ip, object_type="reference-code",
                     object_id=row.id, person_id=person.id)
    return code, row


def codes_for(person, now=None):
    """The person's unused, unexpired codes, newest first (the officer's page lists them)."""
    now = now or utcnow()
    return list(ReferenceCode.select().where(
        (ReferenceCode.person == person) & (ReferenceCode.status == "unused")
        & (ReferenceCode.expires_at > now)).order_by(ReferenceCode.id.desc()))


def withdraw_code(person, code_id, *, officer, ip=""):
    """Withdraw an unused code (lost letter, wrong family). False when there is no such code."""
    with models.db.atomic():
        changed = (ReferenceCode.update(status="withdrawn", decided_by=officer,
                                        decided_at=utcnow())
                   .where((ReferenceCode.id == paging.parse_id(code_id))
                          & (ReferenceCode.person == person)
                          & (ReferenceCode.status == "unused")).execute())
        if changed:
            audit.record("reference-code-withdrawn", user=officer, ip=ip,
                         object_type="reference-code", object_id=paging.parse_id(code_id),
                         person_id=person.id)
    return bool(changed)


def redeem(user, typed, *, relationship, ip="", today=None, now=None):
    """A family member enters a code: it becomes a pending link request.

    Returns "ok", "bad" (wrong, used, withdrawn or expired: one answer for all), "linked"
    (they can already see this child) or "too-young" (a young person's own account needs the
    child to be 16 or over). The code is spent only on "ok".
    """
    code = normalise_code(typed)
    now = now or utcnow()
    today = today or now.date()
    row = None
    if code is not None:
        row = ReferenceCode.get_or_none(ReferenceCode.code_hash == code_digest(code))
    if row is None or row.status != "unused" or row.expires_at <= now:
        with models.db.atomic():
            audit.record("reference-code-refused", user=user, ip=ip)
        return "bad"
    how = "young-person" if relationship == MYSELF else "parent"
    if people.is_linked(user, row.person):
        return "linked"
    if how == "young-person" and people.age_on(row.person.date_of_birth, today) < YOUNG_PERSON_AGE:
        return "too-young"
    with models.db.atomic():
        changed = (ReferenceCode.update(status="pending", used_by=user, used_at=now, how=how,
                                        relationship=relationship[:60])
                   .where((ReferenceCode.id == row.id) & (ReferenceCode.status == "unused"))
                   .execute())
        if changed != 1:  # someone used it a moment ago
            return "bad"
        audit.record("link-requested", user=user, ip=ip, object_type="reference-code",
                     object_id=row.id, person_id=row.person_id, how=how)
    return "ok"


def my_requests(user):
    """The family member's link requests waiting for the SEN team (child names are not shown
    until confirmed: the code's holder may not be who the council meant)."""
    return list(ReferenceCode.select().where((ReferenceCode.used_by == user)
                                             & (ReferenceCode.status == "pending"))
                .order_by(ReferenceCode.used_at.desc()))


# --- The officer's queue ------------------------------------------------------------------------

def pending_requests():
    """Link requests waiting for an officer, oldest first."""
    return list(ReferenceCode.select(ReferenceCode, Person, User)
                .join(Person, on=(ReferenceCode.person == Person.id))
                .switch(ReferenceCode).join(User, on=(ReferenceCode.used_by == User.id))
                .where(ReferenceCode.status == "pending").order_by(ReferenceCode.used_at))


def recent_decisions(limit=20):
    """Requests confirmed or refused lately, newest first."""
    return list(ReferenceCode.select().where(ReferenceCode.status.in_(("confirmed", "refused")))
                .order_by(ReferenceCode.decided_at.desc()).limit(limit))


def request_by_id(request_id):
    return ReferenceCode.get_or_none((ReferenceCode.id == paging.parse_id(request_id))
                                     & (ReferenceCode.status == "pending"))


def confirm(request, *, officer, ip="", today=None):
    """Confirm a link request: the family member is linked to the child and told. Returns an
    error sentence (nothing changed) or None."""
    today = today or clock.uk_today()
    person, user = request.person, request.used_by
    if request.how == "young-person" and people.age_on(person.date_of_birth, today) < YOUNG_PERSON_AGE:
        return (f"{person.full_name} is under {YOUNG_PERSON_AGE}: a young person can have their "
                "own account from 16. Refuse this request and give the code to a parent or carer.")
    with models.db.atomic():
        changed = (ReferenceCode.update(status="confirmed", decided_by=officer,
                                        decided_at=utcnow())
                   .where((ReferenceCode.id == request.id) & (ReferenceCode.status == "pending"))
                   .execute())
        if changed != 1:
            return "This request has already been dealt with."
        links.link(person, user, how=request.how, linked_by=officer)
        messages.send_message(
            user, "general", f"You can now see information about {person.forename}",
            f"The {current_council().get('team_name', 'SEN Team')} has linked your account to "
            f"{person.full_name}. Go to My children to see where things stand, what happens "
            "next and anything shared with you.", sender=officer, person=person)
        audit.record("link-request-confirmed", user=officer, ip=ip, object_type="user",
                     object_id=user.id, person_id=person.id, how=request.how)
    return None


def refuse(request, *, officer, ip=""):
    """Refuse a link request (the code is spent); the family member is told to get in touch."""
    council = current_council()
    with models.db.atomic():
        changed = (ReferenceCode.update(status="refused", decided_by=officer, decided_at=utcnow())
                   .where((ReferenceCode.id == request.id) & (ReferenceCode.status == "pending"))
                   .execute())
        if changed != 1:
            return "This request has already been dealt with."
        messages.send_message(
            request.used_by, "general", "We could not confirm your request",
            f"The {council.get('team_name', 'SEN Team')} could not confirm your request to see "
            f"information about a child. Please contact them on {council.get('phone', '')} "
            f"or {council.get('email', '')}.", sender=officer)
        audit.record("link-request-refused", user=officer, ip=ip, object_type="user",
                     object_id=request.used_by_id, person_id=request.person_id)
    return None
