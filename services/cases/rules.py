"""The law of the EHC process as data: what can happen to a case and the time each step has.

SEND Regulations 2014 and the SEND Code of Practice 2015. Periods are calendar weeks and months:
the regulations count weekends and bank holidays like any other day. Every row of PERIODS has a
test (tests/unit/test_case_rules.py); services.cases.statutory turns them into key dates.
"""
import datetime as dt
from dataclasses import dataclass

# --- What can happen: event kinds, their labels and outcomes ------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    outcomes: tuple = ()  # ((value, label), ...): the outcome the officer must choose, if any
    needs_reason: bool = False  # a reason (free text) is required


KINDS = (
    Kind("request", "Request for an EHC needs assessment received"),
    Kind("assess-decision", "Decision whether to assess",
         (("yes", "Yes, carry out an assessment"), ("no", "No, do not assess"))),
    Kind("issue-decision", "Decision whether to issue an EHC plan",
         (("yes", "Yes, issue an EHC plan"), ("no", "No, do not issue a plan"))),
    Kind("draft-plan", "Draft EHC plan issued"),
    Kind("family-response", "Family's response to the draft plan",
         (("comments", "Comments received"), ("no-comments", "The family has no comments"))),
    Kind("final-plan", "Final EHC plan issued"),
    Kind("review-meeting", "Annual review meeting held"),
    Kind("review-report", "Annual review report received"),
    Kind("review-decision", "Decision after the annual review",
         (("maintain", "Maintain the plan as it is"), ("amend", "Amend the plan"),
          ("cease", "Cease the plan"))),
    Kind("amendment-proposed", "Proposed amendments (draft amended plan) issued"),
    Kind("amended-plan", "Final amended EHC plan issued"),
    Kind("plan-ceased", "EHC plan ceased", needs_reason=True),
    Kind("request-withdrawn", "Request withdrawn (closed before a decision)", needs_reason=True),
    Kind("transfer-in", "EHC plan transferred in from another council"),
    Kind("transfer-out", "EHC plan transferred out to another council", needs_reason=True),
    Kind("exception", "Exception to the 20-week time limit",
         (("school-closure", "Advice asked of a school or college closed for 4 weeks or more"),
          ("family-circumstances", "Exceptional personal circumstances of the child or parent"),
          ("family-absent", "Child or parent away from the area for 4 weeks or more"),
          ("missed-appointment", "The child or parent did not keep an appointment"),
          ("family-delay", "The family asked for a delay")), needs_reason=True),
)
KIND = {k.key: k for k in KINDS}
KIND_LABELS = {k.key: k.label for k in KINDS}


def lower_label(kind):
    """"Draft EHC plan issued" -> "draft EHC plan issued" (for the middle of a sentence)."""
    label = KIND_LABELS.get(kind, "An event")
    return label[0].lower() + label[1:]


def outcome_label(kind, outcome):
    return dict(KIND[kind].outcomes).get(outcome, outcome) if kind in KIND else outcome


# How a request reached the SEN team.
REQUEST_ROUTES = (("portal", "Through the portal"), ("post", "By post"), ("email", "By email"),
                  ("other", "Another way"))
# The forms that are a request for assessment: submitting one opens the case.
REQUEST_FORMS = ("early-years-request", "primary-request", "secondary-request", "post16-request",
                 "parent-request")
# The family's "Comments on the Draft EHC Plan": sending it records their response.
COMMENTS_FORM = "draft-plan-comments"

# --- How long each step has -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str  # the KeyDate it sets the due date of
    label: str
    after: str  # what it counts from
    weeks: int = 0
    months: int = 0
    days: int = 0
    citation: str = ""

    def due(self, start):
        if self.months:
            return add_months(start, self.months)
        return start + dt.timedelta(weeks=self.weeks, days=self.days)

    @property
    def rule(self):
        span = (f"{self.months} months" if self.months else
                f"{self.weeks} weeks" if self.weeks else f"{self.days} days")
        return f"{span} from {self.after}"


PERIODS = {p.key: p for p in (
    Period("decision", "Decision whether to assess", "the request", weeks=6,
           citation="reg 4(2)"),
    Period("advice", "Advice", "being asked", weeks=6, citation="reg 8(1)"),
    Period("decision-to-issue", "Decision whether to issue an EHC plan", "the request", weeks=16,
           citation="reg 10(1)"),
    Period("comments", "Family's comments on the draft plan", "the draft plan", days=15,
           citation="reg 13(1)(b)"),
    Period("final-plan", "Final EHC plan issued", "the request", weeks=20, citation="reg 13(2)"),
    Period("annual-review", "Annual review meeting", "the final plan or the last review",
           months=12, citation="s.44(1) Children and Families Act 2014"),
    Period("review-report", "Annual review report", "the review meeting", weeks=2,
           citation="reg 20(8)"),
    Period("review-decision", "Decision after the annual review", "the review meeting", weeks=4,
           citation="reg 20(10)"),
    Period("amended-plan", "Final amended EHC plan", "the proposed amendments", weeks=8,
           citation="Code of Practice 9.194"),
)}
ADVICE_WEEKS = PERIODS["advice"].weeks


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


# --- Phase transfers (reg 18) ---------------------------------------------------------------------

TRANSFERS = (  # (key, label, school year of the September start, deadline month, day)
    ("primary", "the move into school (Reception)", 0, 2, 15),
    ("secondary", "the move to secondary school (Year 7)", 7, 2, 15),
    ("post-16", "the move into post-16 education (Year 12)", 12, 3, 31),
)


def reception_year(date_of_birth):
    """The September a child born on ``date_of_birth`` starts Reception in England (the school
    year runs 1 September to 31 August; Reception follows the 4th birthday's school year)."""
    return date_of_birth.year + (4 if date_of_birth.month < 9 else 5)


def transfer_deadlines(date_of_birth):
    """[(key, label, deadline)]: the plan must be reviewed and amended for each phase transfer
    by 15 February of the transfer year (31 March for a move into post-16)."""
    if date_of_birth is None:
        return []
    start = reception_year(date_of_birth)
    return [(key, label, dt.date(start + offset, month, day))
            for key, label, offset, month, day in TRANSFERS]
