"""The SEN team's review of every submitted form: the queue, accepting or returning a form (with
a compare-and-set on its version, so two officers cannot both decide), and a form's history.

No request objects.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import models
from models import FormInstance, FormReview, Person, Submission, User, utcnow
from services import audit
from services.casework import messages
from services.casework.advice import list_name, mark_received
from services.kernel import paging

REVIEW_PAGE_SIZE = 25
DECISIONS = ("accepted", "returned")
MAX_REASON = 5000
STALE_MESSAGE = ("This form has changed since you opened it (it may have been decided by someone "
                 "else, edited or withdrawn by its author). Check the latest version below "
                 "before deciding.")


class ReviewProblem(Exception):
    """The decision cannot be recorded; ``errors`` is {field id: message}."""

    def __init__(self, errors, *, stale=False):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.stale = stale


def review_queue(page=1, per_page=REVIEW_PAGE_SIZE):
    """Every submitted form awaiting the SEN team, oldest first (child, form, author, date)."""
    waiting = FormInstance.status == "submitted"
    total = FormInstance.select().where(waiting).count()
    number = paging.clamp_page(page, total, per_page)
    rows = list(FormInstance.select(FormInstance, Person, User)
                .join(Person, on=(FormInstance.person == Person.id))
                .switch(FormInstance).join(User, on=(FormInstance.author == User.id))
                .where(waiting)
                .order_by(FormInstance.submitted_at, FormInstance.id)
                .limit(per_page).offset((number - 1) * per_page))
    return paging.Page(rows, total, number, per_page)


def current_round(instance):
    return (Submission.select().where(Submission.instance == instance)
            .order_by(Submission.round.desc()).first())


def decide(instance, *, officer, decision, reason, version, ip=""):
    """Accept the submitted form, or return it to its author with a reason (required).

    A compare-and-set on the instance's version: a second click on the same decision finds the
    round already decided and returns that decision (one decision, no second message); a form
    that changed since the officer opened it raises ReviewProblem(stale=True). Accepting marks
    the matching requests for advice received; returning messages the author with the reason.
    Returns (FormReview, new) where ``new`` is False for a repeated click.
    """
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise ReviewProblem({"decision": "Select Accept or Return"})
    if decision == "returned" and not reason:
        raise ReviewProblem({"reason": "Enter the reason for returning the form"})
    if len(reason) > MAX_REASON:
        raise ReviewProblem({"reason": f"Reason must be {MAX_REASON} characters or fewer"})
    with models.db.atomic():
        current = FormInstance.get_by_id(instance.id)
        latest = current_round(current)
        done = (FormReview.get_or_none((FormReview.instance == current)
                                       & (FormReview.round == latest.round)) if latest else None)
        if current.status != "submitted" or current.version != version or latest is None:
            if done is not None and done.decision == decision and current.status == decision:
                return done, False
            raise ReviewProblem({"decision": STALE_MESSAGE}, stale=True)
        changed = (FormInstance.update(status=decision, version=version + 1, updated_at=utcnow())
                   .where((FormInstance.id == current.id) & (FormInstance.version == version)
                          & (FormInstance.status == "submitted")).execute())
        if changed != 1 or done is not None:
            raise ReviewProblem({"decision": STALE_MESSAGE}, stale=True)
        review = FormReview.create(instance=current, round=latest.round, decision=decision,
                                   reason=reason, officer=officer)
        title = messages.form_title(current.form_key)
        if decision == "accepted":
            mark_received(current)
        else:
            person = current.person
            messages.send_message(
                current.author, "returned", f"Form returned: {list_name(person)}",
                f"The {title} for {person.full_name} has been returned to you.\n\nReason: "
                f"{reason}\n\nPlease make the changes and submit the form again.",
                sender=officer, person=person, form_key=current.form_key)
        audit.record(f"form-{decision}", user=officer, ip=ip, object_type="form",
                     object_id=current.id, person_id=current.person_id,
                     form_key=current.form_key, round=latest.round)
    instance.status, instance.version = decision, version + 1
    return review, True


@dataclass
class HistoryEvent:
    """One line of a form's history: a submitted round or the SEN team's decision on it."""
    at: dt.datetime
    round: int
    what: str  # submitted | accepted | returned
    who: User | None
    reason: str = ""


def history(instance) -> list[HistoryEvent]:
    """Every round and every decision, oldest first."""
    events = [HistoryEvent(s.submitted_at, s.round, "submitted", s.submitted_by)
              for s in Submission.select().where(Submission.instance == instance)]
    events += [HistoryEvent(r.at, r.round, r.decision, r.officer, r.reason)
               for r in FormReview.select().where(FormReview.instance == instance)]
    order = {"submitted": 0, "accepted": 1, "returned": 1}
    return sorted(events, key=lambda e: (e.round, order[e.what], e.at))
