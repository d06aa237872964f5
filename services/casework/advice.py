"""Requests for advice: the SEN team asks a professional (or a parent) for one form about one child
by a date, reminds them, and records when the advice arrives (DESIGN.md §2: advice within 6 weeks).

A request's status is partly computed so it can never drift from the forms themselves:
``requested`` until the recipient starts that form for that child, then ``in-progress``,
``received`` once it is submitted (or accepted by the SEN team), and ``overdue`` whenever the due
date has passed and nothing has been received.

Reminders go ``reminder_days_before`` days before the due date (council file) and again once the
request is overdue, each step at most once: ``AdviceRequest.reminders_sent`` records the steps and
is changed with a compare-and-set in the same transaction as the message, so two runs of
``flask reminders`` at the same moment cannot both send. No request objects here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN, Value

import models
from models import AdviceRequest, FormInstance, Link, User, utcnow
from services import audit
from services.casework import messages
from services.identity import accounts
from services.kernel import paging, vocab
from services.kernel.council import current_council, team_name
from services.people import links

DEFAULT_DUE_DAYS = 42  # reg 8(2): six weeks
DEFAULT_REMINDER_DAYS = 7
OPEN = ("requested", "in-progress")
EDITABLE = ("draft", "returned", "amending")
PARTY_ROLES = ("professional", "citizen")


class AdviceProblem(Exception):
    """The request cannot be made; ``errors`` is {field id: message} for the error summary."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def show_date(day) -> str:
    return day.strftime("%d/%m/%Y")


def list_name(person) -> str:
    """ "Zzthompson, Zzpoppy": how the seed lists a child."""
    return f"{person.surname}, {person.forename}"


# --- who and what can be asked ------------------------------------------------------------------

def parties(person) -> list[User]:
    """The professionals and parents/young people linked to the child now (the case's parties)."""
    return list(User.select().join(Link, on=(Link.user == User.id))
                .where((Link.person == person) & Link.ended_at.is_null()
                       & User.role.in_(PARTY_ROLES))
                .order_by(User.role.desc(), User.surname, User.forename, User.id))


def party(person, user_id) -> User | None:
    """The linked professional or parent ``user_id``, or None when they are not on the case."""
    user_id = paging.parse_id(user_id)
    if user_id is None:
        return None
    return next((u for u in parties(person) if u.id == user_id), None)


def requestable_forms(registry) -> list:
    """Every current form a professional or a family can be asked for, in the seed's order."""
    forms = [f for f in registry.current().values() if set(f.started_by) & set(PARTY_ROLES)]
    order = vocab.SEED_ORDER
    return sorted(forms, key=lambda f: (order.index(f.key) if f.key in order else len(order),
                                        f.title.lower()))


def default_due(form, today) -> dt.date:
    """The schema's ``due_days`` from today, else six weeks."""
    return today + dt.timedelta(days=getattr(form, "due_days", None) or DEFAULT_DUE_DAYS)


def due_date_from(day, month, year):
    """(date | None, problem | None) from the three date inputs; all blank is (None, None)."""
    parts = [str(p or "").strip() for p in (day, month, year)]
    if not any(parts):
        return None, None
    if not all(parts):
        return None, "Due date must include a day, month and year"
    # isdigit() also accepts other scripts' digits and superscripts; only 0-9, and short.
    if (not all(p.isascii() and p.isdigit() for p in parts) or len(parts[2]) != 4
            or len(parts[0]) > 2 or len(parts[1]) > 2):
        return None, "Due date must be a real date"
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except (ValueError, OverflowError):
        return None, "Due date must be a real date"


# --- making a request ---------------------------------------------------------------------------

def _recipient(person, recipient_id, email, errors):
    """The chosen party, or an existing professional found by email (linked in the same action)."""
    email = (email or "").strip().lower()
    if recipient_id and email:
        errors["recipient"] = "Choose someone on the case or enter an email address, not both"
        return None, False
    if email:
        user = accounts.find_user(email)
        if user is None:
            errors["email"] = "There is no portal account with this email address"
        elif user.role != "professional":
            errors["email"] = ("This email address belongs to an account that is not a "
                               "professional's; only professionals can be linked by email")
        elif user.status == "disabled":
            errors["email"] = "This professional's account has been closed"
        else:
            already = party(person, user.id) is not None
            return user, not already
        return None, False
    if not recipient_id:
        errors["recipient"] = "Select who you are asking for advice"
        return None, False
    user = party(person, recipient_id)
    if user is None:
        errors["recipient"] = "Select someone who is linked to this child or young person"
    return user, False


def request_advice(person, *, officer, registry, form_key, recipient_id=None, email=None,
                   due_date=None, due_problem=None, today, ip="") -> AdviceRequest:
    """Ask one party for one form by a date: link them (when named by email), write the
    AdviceRequest and the "please submit ... by ..." message with its email, all in one
    transaction. Raises AdviceProblem with every problem found."""
    errors: dict = {}
    recipient, needs_link = _recipient(person, recipient_id, email, errors)
    form = None
    if form_key not in {f.key for f in requestable_forms(registry)}:
        errors["form_key"] = "Select a form from the list"
    else:
        form = registry.get(form_key)
        if recipient is not None and recipient.role not in form.started_by:
            who = "a parent or young person" if recipient.role == "citizen" else "a professional"
            errors["form_key"] = f"{form.title} cannot be completed by {who}"
    if due_problem:
        errors["due_date-day"] = due_problem
    elif due_date is not None and due_date < today:
        errors["due_date-day"] = "The due date must be today or in the future"
    if errors:
        raise AdviceProblem(errors)
    due = due_date or default_due(form, today)
    with models.db.atomic():
        duplicate = (AdviceRequest.select().where(
            (AdviceRequest.person == person) & (AdviceRequest.recipient == recipient)
            & (AdviceRequest.form_key == form.key) & AdviceRequest.status.in_(OPEN)).first())
        if duplicate is not None and status_of(duplicate, today) != "received":
            raise AdviceProblem({"form_key": (
                f"{recipient.display_name} has already been asked for the {form.title} "
                f"(due {show_date(duplicate.due_date)}). Send a reminder instead.")})
        if needs_link:
            links.link(person, recipient, how="sen-team", linked_by=officer)
        advice = AdviceRequest.create(person=person, recipient=recipient, form_key=form.key,
                                      due_date=due, requested_by=officer)
        messages.send_message(
            recipient, "request", f"Request for information: {list_name(person)}",
            f"The {_team()} has asked you for information about {person.full_name} "
            f"(born {show_date(person.date_of_birth)}).\n\nPlease complete and submit the "
            f"{form.title} by {show_date(due)}.",
            sender=officer, person=person, form_key=form.key, due_date=due, tab=form.tab)
        audit.record("advice-requested", user=officer, ip=ip, object_type="advice-request",
                     object_id=advice.id, person_id=person.id, form_key=form.key,
                     recipient_id=recipient.id, due_date=due.isoformat(), linked=needs_link)
    return advice


def _team() -> str:
    return team_name()


# --- status -------------------------------------------------------------------------------------

def latest_instance(advice) -> FormInstance | None:
    """The recipient's form for this request: a draft (even one started before the request) or
    one submitted since the request was made."""
    return (FormInstance.select().where(
        (FormInstance.person == advice.person_id) & (FormInstance.author == advice.recipient_id)
        & (FormInstance.form_key == advice.form_key)
        & (FormInstance.status.in_(EDITABLE) | (FormInstance.submitted_at >= advice.requested_at)))
        .order_by(FormInstance.id.desc()).first())


def status_of(advice, today, instance=None) -> str:
    """requested | in-progress | received | overdue | cancelled (see the module docstring)."""
    if advice.status in ("cancelled", "received"):
        return advice.status
    instance = instance if instance is not None else latest_instance(advice)
    if instance is not None and instance.status in ("submitted", "accepted"):
        return "received"
    if advice.due_date < today:
        return "overdue"
    return "in-progress" if instance is not None else "requested"


@dataclass
class AdviceRow:
    """One request as the case page shows it."""
    advice: AdviceRequest
    form_title: str
    status: str
    instance: FormInstance | None

    @property
    def label(self):
        return vocab.ADVICE_STATUS_LABELS[self.status]

    @property
    def tag(self):
        return vocab.ADVICE_STATUS_TAGS[self.status]

    @property
    def reminders(self) -> list[str]:
        """The reminders sent, in words ("Before the due date", "When overdue", "2 by hand")."""
        sent = self.advice.reminders_sent or []
        words = [w for step, w in (("before", "Before the due date"), ("overdue", "When overdue"))
                 if step in sent]
        by_hand = sum(1 for s in sent if str(s).startswith("manual"))
        if by_hand:
            words.append(f"{by_hand} by hand")
        return words

    @property
    def can_remind(self):
        return self.status not in ("received", "cancelled")


def advice_rows(person, today) -> list[AdviceRow]:
    """The child's requests for advice, newest first, with their computed status."""
    rows = []
    query = (AdviceRequest.select(AdviceRequest, User)
             .join(User, JOIN.LEFT_OUTER, on=(AdviceRequest.recipient == User.id))
             .where(AdviceRequest.person == person)
             .order_by(AdviceRequest.requested_at.desc(), AdviceRequest.id.desc()))
    for advice in query:
        instance = latest_instance(advice)
        rows.append(AdviceRow(advice, messages.form_title(advice.form_key),
                              status_of(advice, today, instance), instance))
    return rows


def mark_received(instance, *, today=None) -> int:
    """The SEN team accepted ``instance``: the open requests it answers become received.
    Inside the caller's transaction. Returns how many requests changed."""
    return (AdviceRequest.update(status="received", received_at=utcnow(), instance=instance)
            .where((AdviceRequest.person == instance.person_id)
                   & (AdviceRequest.recipient == instance.author_id)
                   & (AdviceRequest.form_key == instance.form_key)
                   & AdviceRequest.status.in_(OPEN))
            .execute())


# --- reminders ----------------------------------------------------------------------------------

def reminder_days_before(council) -> int:
    try:
        return max(0, int((council or {}).get("reminder_days_before", DEFAULT_REMINDER_DAYS)))
    except (TypeError, ValueError):
        return DEFAULT_REMINDER_DAYS


def _reminder_text(advice, step, today):
    person, title = advice.person, messages.form_title(advice.form_key)
    if step == "overdue" or advice.due_date < today:
        return (f"Reminder: information overdue for {list_name(person)}",
                f"We have not yet received the {title} for {person.full_name}. It was due on "
                f"{show_date(advice.due_date)}.\n\nPlease complete and submit it as soon as you "
                f"can, or contact the {_team()} if there is a problem.")
    return (f"Reminder: information due for {list_name(person)}",
            f"Please remember to complete and submit the {title} for {person.full_name} by "
            f"{show_date(advice.due_date)}.")


def _record_step(advice, step, *, sender, today, ip="") -> bool:
    """Append ``step`` to reminders_sent and send the reminder, atomically; False when another
    run got there first (the compare-and-set found a different list)."""
    with models.db.atomic():
        current = AdviceRequest.get_by_id(advice.id)
        old = list(current.reminders_sent or [])
        if step in ("before", "overdue") and step in old:
            return False
        # Compare the stored JSON text itself: the list as it was when we read it.
        as_read = Value(AdviceRequest.reminders_sent.db_value(old), converter=False)
        changed = (AdviceRequest.update(reminders_sent=old + [step])
                   .where((AdviceRequest.id == advice.id)
                          & (AdviceRequest.reminders_sent == as_read)).execute())
        if changed != 1:
            return False
        subject, body = _reminder_text(current, step, today)
        messages.send_message(current.recipient, "reminder", subject, body, sender=sender,
                              person=current.person, form_key=current.form_key,
                              due_date=current.due_date)
        audit.record("advice-reminder-sent", user=sender, ip=ip, object_type="advice-request",
                     object_id=advice.id, person_id=current.person_id, step=step)
    return True


def due_step(advice, today, days_before) -> str | None:
    """Which automatic reminder is due today: "overdue", "before", or None."""
    if advice.due_date < today:
        return "overdue"
    if advice.due_date - dt.timedelta(days=days_before) <= today:
        return "before"
    return None


def send_due_reminders(today, council=None) -> int:
    """Send every automatic reminder due on ``today`` (safe to run twice, or twice at once).
    Returns how many were sent."""
    if council is None:
            council = current_council()
    days_before = reminder_days_before(council)
    horizon = today + dt.timedelta(days=days_before)
    sent = 0
    candidates = (AdviceRequest.select().where(AdviceRequest.status.in_(OPEN)
                                               & (AdviceRequest.due_date <= horizon))
                  .order_by(AdviceRequest.id))
    for advice in list(candidates):
        step = due_step(advice, today, days_before)
        if step is None or step in (advice.reminders_sent or []):
            continue
        if status_of(advice, today) == "received":
            continue
        if _record_step(advice, step, sender=advice.requested_by, today=today):
            sent += 1
    return sent


def send_reminder_now(advice, *, officer, today, ip="") -> bool:
    """An officer's reminder by hand: always allowed while the advice is awaited, and recorded
    (reminders_sent gets "manual:<UTC time>"). False when the advice has already arrived."""
    if status_of(advice, today) in ("received", "cancelled"):
        return False
    stamp = f"manual:{utcnow().isoformat(timespec='seconds')}"
    for _attempt in range(3):  # a cron run may change the list between read and write
        if _record_step(advice, stamp, sender=officer, today=today, ip=ip):
            return True
    return False
