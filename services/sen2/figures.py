"""The measures the DfE publishes from SEN2 ("Education, health and care plans"), for this council
and any date range, computed from the case events: requests, assessments, new plans, the share of
new plans issued within 20 weeks including and excluding exception cases, annual reviews held on
time, plans ceased by reason. Every number keeps the people behind it so the page can link them.
"""
import datetime as dt
from dataclasses import dataclass, field

from models import Case, Person, Sen2Record
from services.cases import rules, statutory
from services.sen2 import codes


@dataclass
class Figure:
    key: str
    label: str
    people: list = field(default_factory=list)  # [Person], one entry per counted event

    @property
    def count(self):
        return len(self.people)


@dataclass
class Rate:
    key: str
    label: str
    within: Figure
    of: Figure

    @property
    def percent(self):
        return None if not self.of.count else round(100 * self.within.count / self.of.count, 1)


def within_20_weeks(request_on, final_on):
    return final_on <= rules.PERIODS["final-plan"].due(request_on)


def disputed_record(record):
    """Whether mediation or a tribunal appeal is recorded about the decision to assess or to issue:
    the DfE measures timeliness "excluding exceptions" only where neither applies."""
    return any((record.request_mediation, record.request_tribunal, record.assessment_mediation,
                record.assessment_tribunal))


def _rounds(events):
    """(request, final plan, had an exception) for every round that reached a final plan."""
    found, request, excepted = [], None, False
    for event in statutory.ordered(events):
        if event.kind == "request":
            request, excepted = event, False
        elif event.kind == "exception":
            excepted = True
        elif event.kind == "final-plan" and request is not None:
            found.append((request, event, excepted))
    return found


def _reviews(events):
    """(meeting, held on time?) for each annual review meeting: within 12 months of the plan's
    start or the meeting before it."""
    found, basis = [], None
    for event in statutory.ordered(events):
        if event.kind in ("final-plan", "transfer-in"):
            basis = event.on
        elif event.kind == "review-meeting" and basis is not None:
            found.append((event, event.on <= rules.add_months(basis, 12)))
            basis = event.on
    return found


def figures(start, end):
    """{key: Figure or Rate} for events dated ``start``..``end`` (both included)."""
    f = {key: Figure(key, label) for key, label in (
        ("requests", "Requests for an EHC needs assessment"),
        ("assessments", "Decisions to carry out an assessment"),
        ("refusals", "Decisions not to assess"),
        ("new-plans", "New EHC plans issued"),
        ("in-20", "New plans issued within 20 weeks"),
        ("new-plans-no-exception", "New plans with no exception, mediation or tribunal"),
        ("in-20-no-exception",
         "New plans with no exception, mediation or tribunal issued within 20 weeks"),
        ("reviews", "Annual review meetings"), ("reviews-on-time", "Annual reviews on time"))}
    ceased = {code: Figure(f"ceased-{code}", text) for code, text in
              (*codes.CEASE_REASON, ("", "Reason not recorded"))}
    saved = list(Sen2Record.select())
    reasons = {r.person_id: r.cease_reason for r in saved}
    disputed = {r.person_id for r in saved if disputed_record(r)}
    inside = lambda day: start <= day <= end  # noqa: E731
    for case in Case.select(Case, Person).join(Person):
        person, events = case.person, statutory.events_of(case)
        for event in events:
            if not inside(event.on):
                continue
            if event.kind == "request":
                f["requests"].people.append(person)
            elif event.kind == "assess-decision":
                f["assessments" if event.outcome == "yes" else "refusals"].people.append(person)
            elif event.kind in ("plan-ceased", "transfer-out"):
                reason = reasons.get(person.id) or ("5" if event.kind == "transfer-out" else "")
                ceased[reason].people.append(person)
        for request, final, excepted in _rounds(events):
            if not inside(final.on):
                continue
            on_time = within_20_weeks(request.on, final.on)
            for suffix in ("",) if excepted or person.id in disputed else ("", "-no-exception"):
                f["new-plans" + suffix].people.append(person)
                if on_time:
                    f["in-20" + suffix].people.append(person)
        for meeting, on_time in _reviews(events):
            if inside(meeting.on):
                f["reviews"].people.append(person)
                if on_time:
                    f["reviews-on-time"].people.append(person)
    f["rate"] = Rate("rate", "Issued within 20 weeks, including exceptions", f["in-20"], f["new-plans"])
    f["rate-no-exception"] = Rate("rate-no-exception", "Issued within 20 weeks, excluding exceptions",
                                  f["in-20-no-exception"], f["new-plans-no-exception"])
    f["review-rate"] = Rate("review-rate", "Annual reviews held on time", f["reviews-on-time"],
                            f["reviews"])
    return f, [c for c in ceased.values() if c.count or c.key != "ceased-"]


def csv_rows(found, ceased):
    """The same tables as rows for a CSV file."""
    rows = [("measure", "number", "percent")]
    for item in found.values():
        if isinstance(item, Rate):
            rows.append((item.label, item.within.count, "" if item.percent is None else item.percent))
        else:
            rows.append((item.label, item.count, ""))
    rows += [(f"Plans ceased: {c.label}", c.count, "") for c in ceased]
    return rows


def default_range(today):
    """The last full calendar year: the period a SEN2 return reports."""
    return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
