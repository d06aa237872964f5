"""Cases and the statutory clock (DESIGN.md §2: SEND Regulations 2014, Code of Practice 2015).

The clock is computed, never stored: ``key_dates(case, today)`` turns the facts the SEN team
records (request received, decisions, plans issued, reviews held) into the dates each step is due
by, with "due in N days" / "overdue by N days". Periods are calendar weeks and months: the
regulations count weekends and bank holidays like any other day.
"""
import datetime as dt
from dataclasses import dataclass

import models
from models import Case, utcnow
from services.kernel import clock

DECISION_TO_ASSESS = dt.timedelta(weeks=6)  # reg 4(2)/5(1)
NOTICE_NOT_TO_ISSUE = dt.timedelta(weeks=16)  # reg 10(1)
COMMENT_WINDOW = dt.timedelta(days=15)  # reg 13(1)(b): at least 15 days
FINAL_PLAN = dt.timedelta(weeks=20)  # reg 13(2)
REVIEW_DECISION_AFTER = dt.timedelta(weeks=4)  # reg 20(10)



def add_months(day, months):
    """The same day ``months`` later; the 29th-31st fall back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


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

    def days_left(self, today):
        return None if self.due is None else (self.due - today).days

    def status(self, today):
        """done | late (done after its due date) | pending | overdue | recorded (no deadline)."""
        if self.happened:
            if self.due and self.happened > self.due:
                return "late"
            return "done" if self.due else "recorded"
        if self.due is None:
            return "recorded"
        return "overdue" if self.due < today else "pending"

    def describe(self, today):
        """Plain English for the key-dates panel."""
        status = self.status(today)
        if status == "late":
            return f"{(self.happened - self.due).days} days after the statutory date"
        if status == "done":
            return "on time"
        if status in ("pending", "overdue"):
            return describe_days(self.days_left(today))
        return ""


def key_dates(case, today=None):
    """Every milestone of ``case`` that applies now, in process order (DESIGN.md §2)."""
    today = today or clock.uk_today()
    request = case.request_received
    dates = [KeyDate("request", "Request for assessment received", happened=request)]
    if request is None:
        return dates
    dates.append(KeyDate(
        "decision", "Decision whether to assess", happened=case.decision_date,
        due=request + DECISION_TO_ASSESS, rule="6 weeks from the request"))
    if case.decision_to_assess == "no":
        return dates
    dates.append(KeyDate("assessment-start", "Assessment started", happened=case.assessment_start))
    dates.append(KeyDate(
        "decision-to-issue", "Decision whether to issue an EHC plan",
        happened=case.decision_to_issue_date if case.decision_to_issue else None,
        due=request + NOTICE_NOT_TO_ISSUE, rule="16 weeks from the request"))
    if case.decision_to_issue == "no":
        return dates
    final_due = request + FINAL_PLAN
    dates.append(KeyDate(
        "draft-plan", "Draft EHC plan issued", happened=case.draft_plan_issued,
        due=final_due - COMMENT_WINDOW,
        rule="in time for 15 days of comments before the 20-week deadline"))
    if case.draft_plan_issued and not case.final_plan_issued:
        dates.append(KeyDate(
            "comments", "Parents' comments on the draft plan",
            due=case.draft_plan_issued + COMMENT_WINDOW, rule="at least 15 days from the draft"))
    dates.append(KeyDate("final-plan", "Final EHC plan issued", happened=case.final_plan_issued,
                         due=final_due, rule="20 weeks from the request"))
    dates.extend(_review_dates(case))
    return dates


def _review_dates(case):
    if not case.final_plan_issued:
        return []
    last = case.annual_review_held or case.final_plan_issued
    reviews = []
    if case.annual_review_held:
        reviews.append(KeyDate(
            "review-decision", "Decision after the annual review",
            happened=case.annual_review_decision,
            due=case.annual_review_held + REVIEW_DECISION_AFTER,
            rule="4 weeks after the review meeting"))
    reviews.append(KeyDate(
        "annual-review", "Annual review due", due=add_months(last, 12),
        rule="at least every 12 months"))
    return reviews


def comment_window(case, today=None):
    """(open?, closes on) for parents' comments on the draft plan; (False, None) with no draft."""
    today = today or clock.uk_today()
    if not case.draft_plan_issued or case.final_plan_issued:
        return False, None
    closes = case.draft_plan_issued + COMMENT_WINDOW
    return today <= closes, closes


def next_deadline(case, today=None):
    """The earliest milestone that is due and has not happened, or None."""
    open_dates = [k for k in key_dates(case, today) if k.due and not k.happened]
    return min(open_dates, key=lambda k: k.due, default=None)


def case_for(person):
    """The person's case, or None when the SEN team has not opened one."""
    return Case.get_or_none(Case.person == person)


def save_case(case, today=None, **facts):
    """Record facts on a case (creating it when needed) and refresh its next deadline.

    Call inside the caller's transaction.
    """
    for name, value in facts.items():
        setattr(case, name, value)
    upcoming = next_deadline(case, today)
    case.next_deadline = upcoming.due if upcoming else None
    case.updated_at = utcnow()
    case.save()
    return case


def open_case(person, *, request_received=None, officer=None, today=None):
    """Open (or return) the person's case."""
    with models.db.atomic():
        case = case_for(person) or Case(person=person)
        return save_case(case, today, request_received=request_received or case.request_received,
                         officer=officer or case.officer)


# --- Recording facts (the SEN team's key-dates form) --------------------------------------------

DECISIONS = (("yes", "Yes"), ("no", "No"))

# (field, label) of every fact the SEN team records, in process order. Dates are "date"; the two
# decisions are "yes"/"no"/"".
FACTS = (
    ("request_received", "Request for assessment received", "date"),
    ("decision_to_assess", "Decision whether to assess", "decision"),
    ("decision_date", "Date of the decision whether to assess", "date"),
    ("assessment_start", "Assessment started", "date"),
    ("decision_to_issue", "Decision whether to issue an EHC plan", "decision"),
    ("decision_to_issue_date", "Date of the decision whether to issue", "date"),
    ("draft_plan_issued", "Draft EHC plan issued", "date"),
    ("final_plan_issued", "Final EHC plan issued", "date"),
    ("annual_review_held", "Annual review meeting held", "date"),
    ("annual_review_decision", "Decision after the annual review", "date"),
)
FACT_LABELS = {name: label for name, label, _ in FACTS}


def fact_problems(facts, today=None):
    """Why a set of recorded facts cannot all be true, as {field: message} (empty when fine).

    ``facts`` holds every field of FACTS (dates as dates or None, decisions "yes"/"no"/"").
    Dates must not be in the future, must follow each other in process order, and a step needs
    the step before it (a final plan needs a decision to issue and a draft).
    """
    today = today or clock.uk_today()
    problems = {}
    f = facts.get

    def after(name, earlier, words):
        if f(name) and f(earlier) and f(name) < f(earlier) and name not in problems:
            problems[name] = f"{FACT_LABELS[name]} must be on or after {words}"

    def needs(name, condition, message):
        if f(name) and not condition and name not in problems:
            problems[name] = message

    for name, label, kind in FACTS:
        if kind == "date" and f(name) and f(name) > today:
            problems[name] = f"{label} must be today or in the past"
        if kind == "decision" and f(name) not in ("", None, "yes", "no"):
            problems[name] = f"Select Yes or No for {label[0].lower()}{label[1:]}"
    if not f("request_received"):
        problems.setdefault("request_received", "Enter the date the request for assessment was received")
    # A decision and its date come together.
    for decision, date, words in (("decision_to_assess", "decision_date", "whether to assess"),
                                  ("decision_to_issue", "decision_to_issue_date",
                                   "whether to issue an EHC plan")):
        if f(decision) and not f(date):
            problems.setdefault(date, f"Enter the date of the decision {words}")
        if f(date) and not f(decision):
            problems.setdefault(decision, f"Select the decision {words}")
    for name in ("decision_date", "assessment_start", "decision_to_issue_date",
                 "draft_plan_issued", "final_plan_issued"):
        after(name, "request_received", "the date the request was received")
    after("assessment_start", "decision_date", "the decision to assess")
    after("decision_to_issue_date", "assessment_start", "the date the assessment started")
    after("final_plan_issued", "draft_plan_issued", "the draft plan")
    after("annual_review_held", "final_plan_issued", "the final plan")
    after("annual_review_decision", "annual_review_held", "the annual review meeting")
    assess_yes = f("decision_to_assess") == "yes"
    issue_yes = f("decision_to_issue") == "yes"
    needs("assessment_start", assess_yes, "Record a decision to assess before the assessment starts")
    needs("decision_to_issue", assess_yes, "Record a decision to assess before a decision to issue")
    needs("draft_plan_issued", issue_yes, "Record a decision to issue before the draft plan")
    needs("final_plan_issued", f("draft_plan_issued"), "Record the draft plan before the final plan")
    needs("final_plan_issued", issue_yes, "Record a decision to issue before the final plan")
    needs("annual_review_held", f("final_plan_issued"),
          "Record the final plan before an annual review")
    needs("annual_review_decision", f("annual_review_held"),
          "Record the annual review meeting before its decision")
    return {name: problems[name] for name, _, _ in FACTS if name in problems}
