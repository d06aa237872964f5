"""The SEN2 return as data: who is in scope for a census date and each child's modules, built
from the case events (services.cases.statutory) and the captured SEN2 details (records).

``children(census)`` gives one ``Child`` per person in scope; ``services.sen2.xml`` writes them
out and ``fix_list`` checks them, so the file and the checks never disagree. Fields are ordered
(name, value) pairs in the guide's order; a value of None is left out of the file.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from models import Case, Person
from services.cases import statutory
from services.sen2 import codes, records

CENSUS_MONTH, CENSUS_DAY = 1, 21  # the nominal census day; the DfE names each year's date


def next_census(today):
    census = dt.date(today.year, CENSUS_MONTH, CENSUS_DAY)
    return census if census >= today else dt.date(today.year + 1, CENSUS_MONTH, CENSUS_DAY)


def reporting_year(census):
    """The calendar year before the census: the activity the return reports."""
    return dt.date(census.year - 1, 1, 1), dt.date(census.year - 1, 12, 31)


def flag(value):
    return "1" if value else "0"


@dataclass
class Round:
    """One request round of a child's case (a request, or a plan transferred in, and what followed):
    one <Requests> element with its Assessment -> NamedPlan -> PlanDetail and ActivePlans modules."""
    state: statutory.State
    transfer_in: object = None  # the transfer-in CaseEvent that opened the round, if one did
    moved_in: bool = False  # ... and it was on or after the start of the reported year
    requests: list = field(default_factory=list)
    assessment: list | None = None
    named_plan: list | None = None
    plan_detail: list = field(default_factory=list)  # [[fields], ...]
    active_plans: list | None = None
    placement_detail: list = field(default_factory=list)
    sen_need: list = field(default_factory=list)


@dataclass
class Child:
    person: Person
    person_fields: list
    rounds: list = field(default_factory=list)  # [Round], oldest first

    @property
    def latest(self):
        return self.rounds[-1] if self.rounds else Round(state=statutory.State())

    # The latest round's modules (the one an officer is working on).
    state = property(lambda self: self.latest.state)
    requests = property(lambda self: self.latest.requests)
    assessment = property(lambda self: self.latest.assessment)
    named_plan = property(lambda self: self.latest.named_plan)
    plan_detail = property(lambda self: self.latest.plan_detail)
    active_plans = property(lambda self: self.latest.active_plans)
    placement_detail = property(lambda self: self.latest.placement_detail)
    sen_need = property(lambda self: self.latest.sen_need)


def rounds_of(events):
    """A case's events split into rounds: each request starts one, and so does a plan transferred
    in (it comes with no request here). Events before the first of these (a plan recorded
    without its request, from the old date columns) make a round of their own."""
    found = []
    for event in statutory.ordered(events):
        if event.kind in ("request", "transfer-in") or not found:
            found.append([])
        found[-1].append(event)
    return found


def in_scope(s, census):
    """Whether a round's state as at the census belongs in the return."""
    start, end = reporting_year(census)
    if s.request is None and s.plan_start is None:
        return False
    if s.plan_start is not None and (s.ended is None or start <= s.ended.on):
        return True  # an active plan, or one ceased in the year
    finished = [e.on for e in (s.assess, s.issue, s.final, s.withdrawn, s.ended) if e is not None]
    if s.phase != "closed":
        return True  # a request or assessment still in progress at the census
    return any(start <= day <= end for day in finished)


def children(census):
    """Every child in the return for ``census``, in surname order."""
    found = []
    for case in Case.select(Case, Person).join(Person):
        events = [e for e in statutory.events_of(case) if e.on <= census]
        rounds = [(part, statutory.state(part)) for part in rounds_of(events)]
        rounds = [(part, s) for part, s in rounds if in_scope(s, census)]
        if rounds:
            found.append(build_child(case.person, rounds, census))
    # Sorted here, not in SQL: SQLite and PostgreSQL collate case differently.
    return sorted(found, key=lambda c: (c.person.surname.lower(), c.person.forename.lower(),
                                        c.person.id))


def build_child(person, rounds, census):
    """The child's modules; ``rounds`` is [(events, State)] in scope, oldest first."""
    record = records.record_of(person)
    child = Child(person=person, person_fields=[
        ("Surname", person.surname), ("Forename", person.forename),
        ("PersonBirthDate", person.date_of_birth), ("Sex", records.sex_of(person, record) or None),
        ("Ethnicity", records.ethnicity_of(person) or None), ("PostCode", person.postcode or None),
        ("UPN", records.upn_of(person, record) or None), ("UniqueLearnerNumber", record.uln or None),
        ("UPNunknown", record.upn_unknown or None)])
    states = [s for _part, s in rounds]
    # The officer's mediation and tribunal flags are one per child: each goes to the latest round
    # with a decision that could be disputed (a refusal first), "other" ones to the plan's round.
    flagged = {
        "request": _latest(states, lambda s: _said(s.assess, "no"))
        or _latest(states, lambda s: s.assess is not None),
        "assessment": _latest(states, lambda s: _said(s.issue, "no"))
        or _latest(states, lambda s: s.issue is not None or s.request is None),
        "other": _latest(states, lambda s: s.plan_start is not None)}
    start = reporting_year(census)[0]
    for part, s in rounds:
        opened = part[0] if part[0].kind == "transfer-in" else None
        child.rounds.append(_round(person, record, s, opened, census, start=start,
                                   flags={k for k, flagged_state in flagged.items()
                                          if flagged_state is s}))
    return child


def _said(event, outcome):
    return event is not None and event.outcome == outcome


def _latest(states, test):
    matching = [s for s in states if test(s)]
    return matching[-1] if matching else None


def _round(person, record, s, opened, census, *, start, flags):
    r = Round(state=s, transfer_in=opened, moved_in=opened is not None and opened.on >= start)
    r.requests = _requests(person, record, s, start, "request" in flags)
    r.assessment = _assessment(record, s, start, flags)
    if s.plan_start is None or r.assessment is None:
        return r
    placements = records.placements_of(person)
    r.named_plan = _named_plan(record, s)
    r.plan_detail = [_placement(p, dates=False) for p in placements]
    if s.ended is None or s.ended.on > census:
        r.active_plans = _active_plans(record, s, r.moved_in)
        r.placement_detail = [_placement(p, dates=True) for p in placements]
        r.sen_need = [[("SENtype", code), ("SENtypeRank", str(rank))]
                      for rank, code in enumerate(records.needs_of(person), start=1)]
    return r


def _outcome(event, start, *, stopped, yes):
    """(code, date) for the event that settles an outcome: Y/N with its date; H when it came
    before the reported year; W when the round stopped before it; A when it has not come yet."""
    if event is None:
        return ("W" if stopped else "A"), None
    if event.on < start:
        return "H", None
    return ("Y" if yes else "N"), event.on


def _issuing(s):
    return s.issue is not None and s.issue.outcome == "yes"


def _stopped(s):
    return s.withdrawn is not None or (s.ended is not None and s.plan_start is None)


def _requests(person, record, s, start, flags):
    if s.request is None:  # a plan transferred in (or recorded without its request)
        received, outcome, decided = s.plan_start, "H", None
    else:
        received = s.request.on
        outcome, decided = _outcome(s.assess, start, stopped=_stopped(s),
                                    yes=s.assess is not None and s.assess.outcome == "yes")
    exported = s.ended is not None and s.ended.kind == "transfer-out" and s.plan_start is None
    return [("ReceivedDate", received),
            ("RequestSource", records.request_source(person, s.request, record) or None),
            ("RYA", flag(record.rya)),
            ("RequestOutcomeDate", decided), ("RequestOutcome", outcome),
            ("RequestMediation", flag(flags and record.request_mediation)),
            ("RequestTribunal", flag(flags and record.request_tribunal)),
            ("Exported", flag(exported))]


def _assessment(record, s, start, flags):
    if s.request is None:
        outcome, issued = "H", None  # the importing council records a transferred plan as historical
    elif s.assess is None or s.assess.outcome != "yes":
        return None
    else:
        # A plan's outcome date is the day it was issued (blank until then), and that date, not
        # the decision's, says whether it is historical.
        if _issuing(s) and s.final is None:
            outcome, issued = "Y", None
        else:
            outcome, issued = _outcome(s.final if _issuing(s) else s.issue, start,
                                       stopped=_stopped(s), yes=_issuing(s))
    return [("AssessmentOutcome", outcome), ("AssessmentOutcomeDate", issued),
            ("AssessmentMediation", flag("assessment" in flags and record.assessment_mediation)),
            ("AssessmentTribunal", flag("assessment" in flags and record.assessment_tribunal)),
            ("OtherMediation", flag("other" in flags and record.other_mediation)),
            ("OtherTribunal", flag("other" in flags and record.other_tribunal)),
            ("Week20", flag(s.exceptions))]


def _named_plan(record, s):
    ceased = s.ended
    reason = record.cease_reason or ("5" if ceased is not None and ceased.kind == "transfer-out"
                                     else None)
    return [("StartDate", s.plan_start), ("PlanRes", record.plan_res or None),
            ("PlanWBP", flag(record.plan_wbp)), ("PB", flag(record.personal_budget)),
            ("OA", flag(record.organised_arrangements)), ("DP", flag(record.direct_payments)),
            ("CeaseDate", ceased.on if ceased else None),
            ("CeaseReason", reason if ceased else None)]


def _active_plans(record, s, moved_in):
    meeting, decision = s.last_meeting, s.review_decision
    return [("TransferLA", (record.transfer_la or None) if moved_in else None),
            ("ReviewMeeting", meeting.on if meeting else None),
            ("ReviewOutcome", codes.REVIEW_OUTCOME_FROM_EVENT.get(decision.outcome)
             if decision else None),
            ("LastReview", decision.on if decision else None)]


def _placement(p, *, dates):
    fields = [("URN", p.urn or None), ("UKPRN", p.ukprn or None), ("SENSetting", p.setting or None),
              ("SENSettingOther", p.setting_other or None), ("PlacementRank", str(p.rank))]
    if dates:
        fields += [("EntryDate", p.entry_date), ("LeavingDate", p.leaving_date)]
    fields += [("SENunitIndicator", flag(p.sen_unit)),
               ("ResourcedProvisionIndicator", flag(p.resourced))]
    if dates:
        fields += [("RES", p.res or None), ("WBP", flag(p.wbp))]
    return fields


# --- The fix list ---------------------------------------------------------------------------------

MANDATORY_PERSON = {"Sex": "Sex", "Ethnicity": "Ethnicity", "PostCode": "Postcode"}


def problems(child, duplicates=()):
    """What the DfE's validation would reject in ``child``'s modules, in plain English."""
    found, person = [], dict(child.person_fields)
    for name, words in MANDATORY_PERSON.items():
        if not person.get(name):
            found.append(f"{words} is missing")
    if not person.get("UPN") and not person.get("UPNunknown"):
        found.append("UPN is missing: enter it, or why it is not known")
    if person.get("UPN") and codes.upn_problem(person["UPN"]):
        found.append("UPN fails the check letter")
    for r in child.rounds:
        found += _round_problems(r)
    found += _code_problems(child)
    found += [f"Duplicate: {text}" for text in duplicates]
    return list(dict.fromkeys(found))  # two rounds can share a problem: say it once


def _round_problems(r):
    found, requests = [], dict(r.requests)
    if requests.get("RequestOutcome") != "H" and not requests.get("RequestSource"):
        found.append("Request source is missing (the request did not come through the portal)")
    found += _order_problems(r)
    if r.active_plans is not None:
        if not r.placement_detail:
            found.append("The active plan has no placement")
        if not r.sen_need:
            found.append("The active plan has no primary need")
        if r.moved_in and not dict(r.active_plans).get("TransferLA"):
            found.append("The plan was transferred in but the council it came from is missing")
    plan = dict(r.named_plan or [])
    if plan.get("CeaseDate") and not plan.get("CeaseReason"):
        found.append("The plan ended but the reason it ceased is missing")
    return found


def _order_problems(r):
    requests, assessment = dict(r.requests), dict(r.assessment or [])
    plan = dict(r.named_plan or [])
    steps = [("request", requests.get("ReceivedDate")),
             ("decision whether to assess", requests.get("RequestOutcomeDate")),
             ("assessment outcome", assessment.get("AssessmentOutcomeDate")),
             ("plan start", plan.get("StartDate") if r.assessment else None),
             ("plan end", plan.get("CeaseDate"))]
    known = [(name, day) for name, day in steps if day]
    found = [f"The {later} ({b}) is before the {earlier} ({a})"
             for (earlier, a), (later, b) in zip(known, known[1:]) if b < a]
    for fields in r.placement_detail:
        p = dict(fields)
        if p["EntryDate"] and p["LeavingDate"] and p["LeavingDate"] < p["EntryDate"]:
            found.append("A placement's leaving date is before its entry date")
    return found


CODED = {"Sex": "sex", "Ethnicity": "ethnicity", "UPNunknown": "upn_unknown",
         "RequestSource": "request_source", "RequestOutcome": "request_outcome",
         "AssessmentOutcome": "assessment_outcome", "CeaseReason": "cease_reason",
         "SENSetting": "sen_setting", "SENtype": "sen_type", "ReviewOutcome": "review_outcome",
         "PlanRes": "residential", "RES": "residential"}


def _code_problems(child):
    """Codes outside the DfE's lists (saved before a list changed, or written around the page)."""
    modules = [child.person_fields]
    for r in child.rounds:
        modules += [r.requests, r.assessment or [], r.named_plan or [], r.active_plans or [],
                    *r.plan_detail, *r.placement_detail, *r.sen_need]
    return [f"{name} {value!r} is not in the DfE's list" for fields in modules
            for name, value in fields
            if name in CODED and value is not None and value not in codes.CODES[CODED[name]]]


def duplicates(found):
    """{person id: [why]}: two children with one UPN, or one name and date of birth."""
    upns = Counter(dict(c.person_fields).get("UPN") for c in found)
    names = Counter(_identity(c) for c in found)
    result = {}
    for c in found:
        upn = dict(c.person_fields).get("UPN")
        why = ([f"another child has UPN {upn}"] if upn and upns[upn] > 1 else []) + \
              (["another child has the same name and date of birth"]
               if names[_identity(c)] > 1 else [])
        if why:
            result[c.person.id] = why
    return result


def _identity(child):
    p = child.person
    return (p.surname.strip().lower(), p.forename.strip().lower(), p.date_of_birth)


def fix_list(census):
    """[(Child, [problems])] for every child in the return, those with problems first."""
    found = children(census)
    twins = duplicates(found)
    rows = [(child, problems(child, twins.get(child.person.id, ()))) for child in found]
    return sorted(rows, key=lambda row: not row[1])
