"""The citizen view: parents, carers and young people (16+) and the children linked to them.

What lives here:
- registration of citizen accounts (the professional rules: pending until the emailed link is
  followed, the same page whatever the address; two-step verification as for everyone);
- one-time reference codes: the SEN team makes one for a family (shown once, stored as an HMAC,
  30 days, single use); a parent enters it to ask for a link, and an officer confirms or refuses.
  A wrong, used, withdrawn or expired code all get one message, so nothing says whether a child
  exists;
- what a family sees about their child: the EHC process in plain English with the statutory
  dates, what has been shared with them (Share rows naming them; forms only once submitted), and
  the forms they can fill in;
- the draft-plan comment window (reg 13(1)): "Comments on the Draft EHC Plan" can be started and
  sent only while it is open. The engine refuses unknown schema keys, so the rule is keyed on the
  form key here and called from the start route and from services.forms.instances.submit.

Every lookup of a child starts from the user's own live Link (how "parent" or "young-person"), so
another family's child, document or form simply does not exist here. No request objects.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
import models
from models import (AdviceRequest, Document, FormInstance, Link, Person, ReferenceCode, Share,
                    User, utcnow)
from services import audit
from services.cases import statutory
from services.casework import messages
from services.forms import instances
from services.identity import accounts
from services.kernel import clock, paging
from services.kernel.council import absolute_url, current_council, team_name
from services.people import links, people

FAMILY_LINKS = ("parent", "young-person")
KINDS = {"parent": "Parent or carer", "young-person": "Young person (16 or over)"}
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


# --- Registration --------------------------------------------------------------------------------

def register_citizen(details, *, password_hash, answer_hash):
    """Register a parent/carer or young person (pending until the emailed link is followed).

    Returns (user, outcome) like accounts.register_professional: "new", "pending" (the earlier
    activation email is sent again) or "exists" (the owner is told someone tried). The caller
    shows the same page for all three.
    """
    email = details["email"].strip().lower()
    existing = accounts.registered_user(email)  # a pending account is replaced (H1)
    if existing is not None:
        if existing.status == "pending":
            if existing.role == "citizen":
                send_activation(existing)
            else:
                accounts.send_activation(existing)
            return existing, "pending"
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


# --- Reference codes ----------------------------------------------------------------------------

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


def family_links(person):
    """Parents and young people linked to ``person`` (ended links too: the council's record)."""
    return list(Link.select(Link, User).join(User, on=(Link.user == User.id))
                .where((Link.person == person) & Link.how.in_(FAMILY_LINKS))
                .order_by(Link.ended_at.is_null(False), User.surname, User.forename))


def recently_ended(limit=20):
    """Family links an officer ended lately (shown in the queue)."""
    return list(Link.select().where(Link.how.in_(FAMILY_LINKS) & Link.ended_at.is_null(False))
                .order_by(Link.ended_at.desc()).limit(limit))


def end_family_link(person, link_id, *, officer, ip=""):
    """End a parent's (or young person's) access to ``person``: what the council records. The
    family member is told. False when there is no such live family link."""
    link = Link.get_or_none((Link.id == paging.parse_id(link_id)) & (Link.person == person)
                            & Link.how.in_(FAMILY_LINKS) & Link.ended_at.is_null())
    if link is None:
        return False
    council = current_council()
    with models.db.atomic():
        links.end(link)
        messages.send_message(
            link.user, "general", "Your access to a child's information has ended",
            f"The {council.get('team_name', 'SEN Team')} has ended your access to information "
            f"about a child on this portal. If you think this is wrong, contact them on "
            f"{council.get('phone', '')}.", sender=officer)
        audit.record("family-link-ended", user=officer, ip=ip, object_type="user",
                     object_id=link.user_id, person_id=person.id)
    return True


# --- A family's children --------------------------------------------------------------------------

def _family_link(user):
    return (Link.user == user) & Link.ended_at.is_null()


def my_children(user, today=None):
    """[(person, case or None, next KeyDate or None)] for the user's live links, by first name."""
    rows = (Person.select(Person, Link).join(Link, on=(Link.person == Person.id), attr="link")
            .where(_family_link(user)).order_by(Person.forename, Person.surname, Person.id))
    out = []
    for person in rows:
        case = statutory.case_for(person)
        out.append((person, case, statutory.next_deadline(case, today) if case else None))
    return out


def child_for(user, person_id):
    """The child ``person_id`` if linked to ``user`` now, else None (forged ids too)."""
    return people.person_for(user, person_id)


@dataclass
class Moment:
    """One line of the plain-English timeline."""
    key: str
    text: str
    day: dt.date | None = None
    status: str = ""  # done | late | pending | overdue | recorded
    when: str = ""  # "due in 12 days" / "overdue by 3 days"


STAGES = {
    None: "The {team} has not opened a case yet. Once they do, you will see here where things "
          "stand and what happens next.",
    "request": "The council is looking at the request for an Education, Health and Care (EHC) "
               "needs assessment.",
    "assessment": "The council is assessing {name}'s needs. It is asking people who know "
                  "{name} for advice, including you.",
    "plan": "The council is writing {name}'s EHC plan.",
    "review": "{name} has an EHC plan. It is reviewed at least once a year.",
    "closed": "The {team} has closed this case.",
}


def stage_text(person, case):
    phase = case.phase if case else None
    if phase == "plan" and case.final_plan_issued:
        phase = "review"
    return STAGES.get(phase, STAGES["request"]).format(name=person.forename,
                                                       team=team_name())


def _happened_text(kd, case):
    day = clock.long_date(kd.happened)
    if kd.key == "request":
        return f"The council received the request for an EHC needs assessment on {day}."
    if kd.key == "decision":
        if case.decision_to_assess == "no":
            return (f"On {day} the council decided not to carry out an assessment. The decision "
                    "letter explains why and how to appeal if you disagree.")
        return f"On {day} the council decided to carry out an EHC needs assessment."
    if kd.key == "assessment-start":
        return f"The assessment started on {day}."
    if kd.key == "decision-to-issue":
        if case.decision_to_issue == "no":
            return (f"On {day} the council decided not to issue an EHC plan. The decision letter "
                    "explains why and how to appeal if you disagree.")
        return f"On {day} the council decided to write an EHC plan."
    if kd.key == "draft-plan":
        return f"The council sent you the draft EHC plan on {day}."
    if kd.key == "final-plan":
        return f"The final EHC plan was issued on {day}."
    if kd.key == "review-decision":
        return f"The council told you its decision after the annual review on {day}."
    return f"{kd.label}: {day}."


_DUE_TEXT = {
    "decision": "The council must decide whether to carry out an assessment by {day}",
    "decision-to-issue": "The council must tell you whether it will write an EHC plan by {day}",
    "draft-plan": "The council should send you a draft EHC plan by {day}",
    "comments": "You can send your comments on the draft plan until {day}",
    "final-plan": "The council must issue the final EHC plan by {day}",
    "review-decision": "The council must tell you its decision after the annual review by {day}",
    "annual-review": "The next annual review of the plan must be held by {day}",
}


def _due_text(kd, today):
    base = _DUE_TEXT.get(kd.key, kd.label + " by {day}").format(day=clock.long_date(kd.due))
    if kd.key == "comments" and kd.status(today) == "overdue":
        return f"The time for comments on the draft plan ended on {clock.long_date(kd.due)}."
    return f"{base} ({statutory.describe_days(kd.days_left(today))})."


def timeline(case, today):
    """(what has happened, what happens next): Moments in process order. Empty without a case."""
    if case is None:
        return [], []
    done, upcoming = [], []
    for kd in statutory.key_dates(case, today):
        status = kd.status(today)
        if kd.happened:
            text = _happened_text(kd, case)
            if status == "late":
                text += f" That was {(kd.happened - kd.due).days} days after the legal deadline."
            done.append(Moment(kd.key, text, kd.happened, status))
        elif kd.due:
            upcoming.append(Moment(kd.key, _due_text(kd, today), kd.due, status,
                                   statutory.describe_days(kd.days_left(today))))
    return done, upcoming


# --- What has been shared with the family --------------------------------------------------------

def shared_documents(user, person):
    """Documents shared with ``user`` about ``person`` (not removed), newest first."""
    return list(Document.select().join(Share, on=(Share.document == Document.id))
                .where((Share.recipient == user) & (Share.person == person)
                       & (Document.person == person) & Document.removed_at.is_null())
                .order_by(Document.created_at.desc(), Document.id.desc()).distinct())


def shared_forms(user, person):
    """Forms shared with ``user`` about ``person`` — submitted or accepted only, so a draft
    (anyone's) never shows."""
    return list(FormInstance.select().join(Share, on=(Share.instance == FormInstance.id))
                .where((Share.recipient == user) & (Share.person == person)
                       & (FormInstance.person == person) & FormInstance.status.in_(instances.SUBMITTED))
                .order_by(FormInstance.submitted_at.desc(), FormInstance.id.desc()).distinct())


def document_for(user, person, document_id):
    """A document shared with ``user`` about ``person``, else None (another family's id too)."""
    document_id = paging.parse_id(document_id)
    if document_id is None:
        return None
    return (Document.select().join(Share, on=(Share.document == Document.id))
            .where((Document.id == document_id) & (Document.person == person)
                   & Document.removed_at.is_null() & (Share.recipient == user)
                   & (Share.person == person)).first())


def record_download(user, document, *, ip=""):
    with models.db.atomic():
        audit.record("document-downloaded", user=user, ip=ip, object_type="document",
                     object_id=document.id, person_id=document.person_id)


def record_view(user, person, *, ip=""):
    with models.db.atomic():
        audit.record("person-viewed", user=user, ip=ip, object_type="person", object_id=person.id,
                     person_id=person.id, page="citizen-child")


# --- The family's own forms -----------------------------------------------------------------------

def family_forms(registry):
    """The current forms a family may start, the request tab first, then by title."""
    order = {"request": 0, "assessment": 1, "plan": 2, "review": 3}
    return sorted((f for f in registry.current().values() if "citizen" in f.started_by),
                  key=lambda f: (order.get(f.tab, 9), f.title.lower()))


def my_forms(user, person):
    """The user's own forms about ``person``, newest first."""
    return list(FormInstance.select().where((FormInstance.author == user)
                                            & (FormInstance.person == person))
                .order_by(FormInstance.updated_at.desc(), FormInstance.id.desc()))


def asked_for(user, person):
    """What the SEN team has asked this family member for and not yet received."""
    return list(AdviceRequest.select().where(
        (AdviceRequest.recipient == user) & (AdviceRequest.person == person)
        & AdviceRequest.status.in_(("requested", "in-progress"))).order_by(AdviceRequest.due_date))


def add_child(user, details, *, ip=""):
    """A family tells us about a child so they can ask for an assessment (a legal right). The
    new Person is linked to the user and marked for the SEN team to match with its records; only
    what the family typed is on it, so nothing about anyone else is revealed."""
    how = "young-person" if user.citizen_kind == "young-person" else "parent"
    with models.db.atomic():
        person = Person.create(needs_matching=True, created_by=user, forename=details["forename"],
                               surname=details["surname"],
                               date_of_birth=details["date_of_birth"])
        Link.create(user=user, person=person, how=how, linked_by=user)
        audit.record("person-added", user=user, ip=ip, object_type="person", object_id=person.id,
                     person_id=person.id, by="citizen")
    return person
