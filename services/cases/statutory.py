"""Cases and the statutory clock (DESIGN.md §2 and §11).

What happened to a case is its list of CaseEvents; everything else — the phase, each key date,
"due in N days" / "overdue by N days", the next deadline — is computed here from those events and
the periods in ``services.cases.rules``. ``state(events)`` folds the events into the facts of the
current round; ``key_dates(case, today)`` turns the facts into milestones.
"""
import datetime as dt
from dataclasses import dataclass, field

from models import Case, CaseEvent
from services.cases import rules
from services.cases.rules import PERIODS, add_months  # noqa: F401  (add_months: one definition)
from services.kernel import clock

COMMENT_WINDOW = dt.timedelta(days=PERIODS["comments"].days)
# The same periods as timedeltas, for SQL date ranges (the dashboard's counts).
DECISION_TO_ASSESS = dt.timedelta(weeks=PERIODS["decision"].weeks)
FINAL_PLAN = dt.timedelta(weeks=PERIODS["final-plan"].weeks)


def describe_days(days):
    """-3 -> "overdue by 3 days", 0 -> "due today", 1 -> "due in 1 day"."""
    if days < 0:
        return f"overdue by {-days} day{'' if days == -1 else 's'}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'' if days == 1 else 's'}"


@dataclass(frozen=True)
class KeyDate:
    """One milestone of the EHC process: when it happened and the date it is due by."""
    key: str
    label: str
    happened: dt.date | None = None
    due: dt.date | None = None
    rule: str = ""
    excepted: str = ""  # the Code's exception that stops lateness counting, when one applies

    def days_left(self, today):
        return None if self.due is None else (self.due - today).days

    def status(self, today):
        """done | late | excepted (late, with an exception) | pending | overdue | recorded."""
        if self.happened:
            if self.due and self.happened > self.due:
                return "excepted" if self.excepted else "late"
            return "done" if self.due else "recorded"
        if self.due is None:
            return "recorded"
        return "overdue" if self.due < today else "pending"

    def describe(self, today):
        """Plain English for the key-dates panel."""
        status = self.status(today)
        if status in ("late", "excepted"):
            late = f"{(self.happened - self.due).days} days after the statutory date"
            return f"{late} (exception: {self.excepted})" if self.excepted else late
        if status == "done":
            return "on time"
        if status in ("pending", "overdue"):
            return describe_days(self.days_left(today))
        return ""


# --- Folding the events ---------------------------------------------------------------------------

@dataclass
class State:
    """The facts of a case's current round, folded from its events in date order."""
    request: CaseEvent | None = None
    assess: CaseEvent | None = None
    issue: CaseEvent | None = None
    draft: CaseEvent | None = None
    response: CaseEvent | None = None
    final: CaseEvent | None = None
    plan_start: dt.date | None = None  # final plan or transfer in: the annual review counts from it
    meetings: list = field(default_factory=list)  # review meetings, oldest first
    report: CaseEvent | None = None  # for the last meeting
    review_decision: CaseEvent | None = None  # for the last meeting
    proposed: CaseEvent | None = None
    amended: CaseEvent | None = None
    amended_plans: list = field(default_factory=list)
    ended: CaseEvent | None = None  # plan ceased or transferred out
    withdrawn: CaseEvent | None = None  # the request closed before a decision
    exceptions: list = field(default_factory=list)  # in this request round

    @property
    def phase(self):
        if self.ended is not None:
            return "closed"
        if self.plan_start is not None:
            return "review"
        if self.withdrawn is not None:
            return "closed"
        if self.assess is not None and self.assess.outcome == "no":
            return "closed"
        if self.issue is not None:
            return "closed" if self.issue.outcome == "no" else "plan"
        if self.assess is not None:
            return "assessment"
        return "request"

    @property
    def last_meeting(self):
        return self.meetings[-1] if self.meetings else None


def ordered(events):
    return sorted(events, key=lambda e: (e.on, e.recorded_at or dt.datetime.min, e.id or 0))


def state(events):
    """The State of a case from its events (any order)."""
    s = State()
    for event in ordered(events):
        kind = event.kind
        if kind == "request":
            # A new request (after a refusal, or for a closed case) starts a new round.
            s = State(request=event, plan_start=None if s.ended else s.plan_start,
                      meetings=[] if s.ended else s.meetings)
        elif kind == "assess-decision":
            s.assess = event
        elif kind == "issue-decision":
            s.issue = event
        elif kind == "draft-plan":
            s.draft, s.response = event, None
        elif kind == "family-response":
            s.response = event
        elif kind == "final-plan":
            s.final, s.plan_start, s.ended = event, event.on, None
        elif kind == "transfer-in":
            s.plan_start, s.ended = event.on, None
        elif kind == "review-meeting":
            s.meetings.append(event)
            s.report = s.review_decision = s.proposed = s.amended = None
        elif kind == "review-report":
            s.report = event
        elif kind == "review-decision":
            s.review_decision = event
        elif kind == "amendment-proposed":
            s.proposed, s.amended = event, None
        elif kind == "amended-plan":
            s.amended = event
            s.amended_plans.append(event)
        elif kind == "request-withdrawn":
            s.withdrawn = event
        elif kind in ("plan-ceased", "transfer-out"):
            s.ended = event
        elif kind == "exception":
            s.exceptions.append(event)
    return s


def events_of(case):
    """The case's events in date order (cached on the case object for one request)."""
    cached = getattr(case, "_events", None)
    if cached is None:
        cached = ordered(CaseEvent.select().where(CaseEvent.case == case.id)) if case.id else []
        case._events = cached
    return cached


def case_state(case):
    return state(events_of(case))


def phase(case):
    return case_state(case).phase


# --- Key dates ------------------------------------------------------------------------------------

def date_of(event):
    return event.on if event is not None else None


def _exception_text(s):
    return "; ".join(rules.outcome_label("exception", e.outcome) for e in s.exceptions)


def _request_dates(s):
    request = s.request.on
    excepted = _exception_text(s)
    p = PERIODS
    dates = [KeyDate("request", rules.KIND_LABELS["request"], happened=request)]
    dates.append(KeyDate("decision", p["decision"].label, happened=date_of(s.assess),
                         due=p["decision"].due(request), rule=p["decision"].rule,
                         excepted=excepted))
    if s.assess is None or s.assess.outcome == "no":
        return dates
    dates.append(KeyDate("decision-to-issue", p["decision-to-issue"].label, happened=date_of(s.issue),
                         due=p["decision-to-issue"].due(request),
                         rule=p["decision-to-issue"].rule, excepted=excepted))
    if s.issue is not None and s.issue.outcome == "no":
        return dates
    final_due = p["final-plan"].due(request)
    dates.append(KeyDate("draft-plan", rules.KIND_LABELS["draft-plan"], happened=date_of(s.draft),
                         due=final_due - COMMENT_WINDOW, excepted=excepted,
                         rule="in time for 15 days of comments before the 20-week deadline"))
    if s.draft is not None and (s.response is not None or s.final is None):
        dates.append(KeyDate("comments", p["comments"].label, happened=date_of(s.response),
                             due=p["comments"].due(s.draft.on),
                             rule="at least 15 days from the draft"))
    dates.append(KeyDate("final-plan", p["final-plan"].label, happened=date_of(s.final),
                         due=final_due, rule=p["final-plan"].rule, excepted=excepted))
    return dates


def _review_dates(s, person, today):
    p = PERIODS
    dates = []
    basis = s.plan_start
    for meeting in s.meetings:
        if meeting.on >= s.plan_start:
            dates.append(KeyDate("review-meeting", rules.KIND_LABELS["review-meeting"],
                                 happened=meeting.on, due=add_months(basis, 12),
                                 rule=p["annual-review"].rule))
            basis = meeting.on
    dates = dates[-1:]  # the last meeting held; earlier rounds are history
    meeting = s.last_meeting if s.last_meeting and s.last_meeting.on >= s.plan_start else None
    if meeting is not None:
        dates.append(KeyDate("review-report", p["review-report"].label, happened=date_of(s.report),
                             due=p["review-report"].due(meeting.on), rule=p["review-report"].rule))
        dates.append(KeyDate("review-decision", p["review-decision"].label,
                             happened=date_of(s.review_decision),
                             due=p["review-decision"].due(meeting.on),
                             rule=p["review-decision"].rule))
    if s.proposed is not None:
        dates.append(KeyDate("amended-plan", p["amended-plan"].label, happened=date_of(s.amended),
                             due=p["amended-plan"].due(s.proposed.on),
                             rule=p["amended-plan"].rule))
    if s.ended is None:
        dates.extend(_transfer_dates(s, person, today))
        dates.append(KeyDate("annual-review", "Next annual review meeting",
                             due=add_months(basis, 12), rule=p["annual-review"].rule))
    return dates


def _transfer_dates(s, person, today):
    """The next phase transfer's deadline, from the 1 September before it (its school year)."""
    dob = getattr(person, "date_of_birth", None)
    for key, label, deadline in rules.transfer_deadlines(dob):
        year_starts = dt.date(deadline.year - 1, 9, 1)
        if deadline < s.plan_start or today < year_starts:
            continue
        done = [e.on for e in (s.final, *s.amended_plans)
                if e is not None and year_starts <= e.on <= dt.date(deadline.year, 8, 31)]
        if today > dt.date(deadline.year, 8, 31) and not done:
            continue  # that transfer is history
        return [KeyDate(f"transfer-{key}", f"Plan amended for {label}",
                        happened=min(done) if done else None, due=deadline,
                        rule=("31 March" if key == "post-16" else "15 February")
                        + " of the transfer year")]
    return []


def key_dates(case, today=None, person=None):
    """Every milestone of ``case`` that applies now, in process order."""
    today = today or clock.uk_today()
    s = case_state(case)
    person = person or case.person
    dates = _request_dates(s) if s.request is not None else []
    if s.plan_start is not None:
        dates.extend(_review_dates(s, person, today))
    return dates


def comment_window(case, today=None):
    """(open?, closes on) for the family's comments on the draft plan; (False, None) with no
    draft or once the final plan is issued."""
    today = today or clock.uk_today()
    s = case_state(case)
    if s.draft is None or (s.final is not None and s.final.on >= s.draft.on):
        return False, None
    closes = s.draft.on + COMMENT_WINDOW
    return today <= closes, closes


def next_deadline(case, today=None):
    """The earliest milestone that is due and has not happened, or None (a closed case has none)."""
    today = today or clock.uk_today()
    if phase(case) == "closed":
        return None
    open_dates = [k for k in key_dates(case, today) if k.due and not k.happened]
    return min(open_dates, key=lambda k: k.due, default=None)


STEP_LABELS = {"request": rules.KIND_LABELS["request"], "draft-plan": rules.KIND_LABELS["draft-plan"],
               "review-meeting": rules.KIND_LABELS["review-meeting"],
               **{key: period.label for key, period in PERIODS.items()},
               "annual-review": "Next annual review meeting",
               **{f"transfer-{key}": f"Plan amended for {label}"
                  for key, label, *_ in rules.TRANSFERS}}


def stored_deadline(case):
    """The next deadline as the projection holds it (the caseload's rows: no query per row)."""
    if case.phase == "closed" or case.next_deadline is None:
        return None
    return KeyDate(case.next_step, STEP_LABELS.get(case.next_step, "Next step"),
                   due=case.next_deadline)


def case_for(person):
    """The person's case, or None when there is none yet."""
    return Case.get_or_none(Case.person == person)
