"""The SEN team's dashboard: counts and the cases most in need of attention, as of ``today``.
"""
import datetime as dt

from peewee import Case as SQLCase, fn

import models
from models import AdviceRequest, Case, Message, Person, User
from services.cases import caseload, statutory
from services.cases.caseload import WEEK
from services.forms import review


def _days_between(later, earlier):
    """SQL for the number of days from ``earlier`` to ``later`` (date columns)."""
    if isinstance(models.db.obj, models.SqliteDatabase):
        return fn.julianday(later) - fn.julianday(earlier)
    return later - earlier  # PostgreSQL: date - date is a number of days


def dashboard(today, *, listed=10):
    """The SEN team's numbers (aggregate SQL), with the first few rows of each list."""
    open_requests = (Case.phase == "request") & (Case.decision_to_assess == "")
    # Decision whether to assess is due 6 weeks after the request: due this week means the
    # request arrived between 6 weeks ago and 6 weeks less 6 days ago (an index range).
    due_from = today - statutory.DECISION_TO_ASSESS
    decisions_due = ((Case.decision_to_assess == "") & (Case.phase != "closed")
                     & Case.request_received.between(due_from, due_from + WEEK))
    overdue_advice = (AdviceRequest.status.in_(("requested", "in-progress"))
                      & (AdviceRequest.due_date < today))
    since = statutory.add_months(today, -12)
    issued = Case.final_plan_issued.between(since + dt.timedelta(days=1), today)
    on_time = _days_between(Case.final_plan_issued, Case.request_received) <= statutory.FINAL_PLAN.days
    totals = (Case.select(fn.COUNT(Case.id).alias("total"),
                          fn.SUM(SQLCase(None, [(on_time, 1)], 0)).alias("on_time"))
              .where(issued & Case.request_received.is_null(False)).dicts().get())
    plans_total, plans_on_time = totals["total"] or 0, totals["on_time"] or 0

    def cases_where(where, order):  # ties by Case.person_id (= Person.id): an index can order it
        return list(Case.select(Case, Person).join(Person, attr="person").where(where)
                    .order_by(order, Case.person).limit(listed))

    AdvicePerson = Person.alias()
    return {
        "open_requests": Case.select().where(open_requests).count(),
        "open_request_rows": cases_where(open_requests, Case.request_received),
        "decisions_due": Case.select().where(decisions_due).count(),
        "decision_rows": cases_where(decisions_due, Case.request_received),
        "overdue_advice": AdviceRequest.select().where(overdue_advice).count(),
        "advice_rows": list(AdviceRequest.select(AdviceRequest, AdvicePerson, User)
                            .join(AdvicePerson, on=(AdviceRequest.person == AdvicePerson.id),
                                  attr="person")
                            .switch(AdviceRequest)
                            .join(User, on=(AdviceRequest.recipient == User.id), attr="recipient")
                            .where(overdue_advice)
                            .order_by(AdviceRequest.due_date, AdviceRequest.id).limit(listed)),
        "plans_total": plans_total,
        "plans_on_time": plans_on_time,
        "plans_percent": round(100 * plans_on_time / plans_total) if plans_total else None,
        "since": since,
    }


# --- The officer's home: the work waiting, as tiles that open the filtered lists ----------------

def _caseload_count(me, today, **filters):
    """How many cases the caseload shows under ``filters`` (its own count, so a tile's number is
    the length of the list it links to)."""
    return caseload.count_cases(me, caseload.CaseloadFilters(**filters), today)


def officer_home(me, today, *, listed=10):
    """The counts on an officer's home page and the statutory deadlines due this week."""
    due_week = caseload._caseload_where(me, caseload.CaseloadFilters(due="week"), today)
    rows = list(Case.select(Case, Person).join(Person, on=(Case.person == Person.id),
                                               attr="person")
                .where(due_week).order_by(Case.next_deadline, Person.surname, Person.id)
                .limit(listed))
    for case in rows:
        case.deadline = statutory.stored_deadline(case)
    inbox = list(Message.select(Message, Person)
                 .join(Person, on=(Message.person == Person.id), attr="person")
                 .where((Message.recipient == me) & (Message.kind == "new-request"))
                 .order_by(Message.created_at.desc(), Message.id.desc()).limit(listed))
    return {
        "awaiting_review": review.review_queue(per_page=1).total,  # the queue's own count
        "due_week": _caseload_count(me, today, due="week"),
        "overdue": _caseload_count(me, today, due="overdue"),
        "requests": _caseload_count(me, today, phase="request"),
        "due_rows": rows,
        "new_requests": inbox,
    }
