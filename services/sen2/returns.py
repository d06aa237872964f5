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
class Child:
    person: Person
    state: statutory.State
    person_fields: list
    requests: list = field(default_factory=list)
    assessment: list | None = None
    named_plan: list | None = None
    plan_detail: list = field(default_factory=list)  # [[fields], ...]
    active_plans: list | None = None
    placement_detail: list = field(default_factory=list)
    sen_need: list = field(default_factory=list)


def in_scope(s, census):
    """Whether a case's state as at the census belongs in the return."""
    start, end = reporting_year(census)
    if s.request is None and s.plan_start is None:
        return False
    if s.plan_start is not None and (s.ended is None or start <= s.ended.on):
        return True  # an active plan, or one ceased in the year
    finished = [e.on for e in (s.assess, s.issue, s.final) if e is not None]
    if s.phase != "closed":
        return True  # a request or assessment still in progress at the census
    return any(start <= day <= end for day in finished)


def children(census):
    """Every child in the return for ``census``, in surname order."""
    found = []
    for case in Case.select(Case, Person).join(Person):
        events = [e for e in statutory.events_of(case) if e.on <= census]
        s = statutory.state(events)
        if in_scope(s, census):
            found.append(build_child(case.person, s, census))
    # Sorted here, not in SQL: SQLite and PostgreSQL collate case differently.
    return sorted(found, key=lambda c: (c.person.surname.lower(), c.person.forename.lower(),
                                        c.person.id))


def build_child(person, s, census):
    record = records.record_of(person)
    child = Child(person=person, state=s, person_fields=[
        ("Surname", person.surname), ("Forename", person.forename),
        ("PersonBirthDate", person.date_of_birth), ("Sex", records.sex_of(person, record) or None),
        ("Ethnicity", records.ethnicity_of(person) or None), ("PostCode", person.postcode or None),
        ("UPN", records.upn_of(person, record) or None), ("UniqueLearnerNumber", record.uln or None),
        ("UPNunknown", record.upn_unknown or None)])
    if s.request is not None:
        child.requests = _requests(person, record, s)
        child.assessment = _assessment(record, s)
    if s.plan_start is not None:
        placements = records.placements_of(person)
        child.named_plan = _named_plan(record, s)
        child.plan_detail = [_placement(p, dates=False) for p in placements]
        if s.ended is None or s.ended.on > census:
            child.active_plans = _active_plans(s)
            child.placement_detail = [_placement(p, dates=True) for p in placements]
            child.sen_need = [[("SENtype", code), ("SENtypeRank", str(rank))]
                              for rank, code in enumerate(records.needs_of(person), start=1)]
    return child


def _requests(person, record, s):
    assess = s.assess
    exported = s.ended is not None and s.ended.kind == "transfer-out" and s.plan_start is None
    return [("ReceivedDate", s.request.on),
            ("RequestSource", records.request_source(person, s.request, record) or None),
            ("RequestOutcomeDate", assess.on if assess else None),
            ("RequestOutcome", ("Y" if assess.outcome == "yes" else "N") if assess else "A"),
            ("RequestMediation", flag(record.request_mediation)),
            ("RequestTribunal", flag(record.request_tribunal)),
            ("Exported", flag(exported))]


def _assessment(record, s):
    if s.assess is None or s.assess.outcome != "yes":
        return None
    issue = s.issue
    return [("AssessmentOutcome", ("Y" if issue.outcome == "yes" else "N") if issue else "A"),
            ("AssessmentOutcomeDate", issue.on if issue else None),
            ("AssessmentMediation", flag(record.assessment_mediation)),
            ("AssessmentTribunal", flag(record.assessment_tribunal)),
            ("Week20", flag(s.exceptions))]


def _named_plan(record, s):
    ceased = s.ended
    reason = record.cease_reason or ("5" if ceased is not None and ceased.kind == "transfer-out"
                                     else None)
    return [("StartDate", s.plan_start), ("PB", flag(record.personal_budget)),
            ("OA", flag(record.organised_arrangements)), ("DP", flag(record.direct_payments)),
            ("CeaseDate", ceased.on if ceased else None),
            ("CeaseReason", reason if ceased else None)]


def _active_plans(s):
    meeting, decision = s.last_meeting, s.review_decision
    return [("ReviewMeeting", meeting.on if meeting else None),
            ("LastReview", decision.on if decision else None)]


def _placement(p, *, dates):
    fields = [("URN", p.urn or None), ("UKPRN", p.ukprn or None), ("SENSetting", p.setting or None),
              ("SENSettingOther", p.setting_other or None), ("PlacementRank", str(p.rank))]
    if dates:
        fields += [("EntryDate", p.entry_date), ("LeavingDate", p.leaving_date)]
    return fields + [("SENunitIndicator", flag(p.sen_unit)),
                     ("ResourcedProvisionIndicator", flag(p.resourced))]


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
    requests = dict(child.requests)
    if child.requests and not requests.get("RequestSource"):
        found.append("Request source is missing (the request did not come through the portal)")
    found += _order_problems(child)
    found += _code_problems(child)
    if child.active_plans is not None:
        if not child.placement_detail:
            found.append("The active plan has no placement")
        if not child.sen_need:
            found.append("The active plan has no primary need")
    plan = dict(child.named_plan or [])
    if plan.get("CeaseDate") and not plan.get("CeaseReason"):
        found.append("The plan ended but the reason it ceased is missing")
    found += [f"Duplicate: {text}" for text in duplicates]
    return found


def _order_problems(child):
    requests, assessment = dict(child.requests), dict(child.assessment or [])
    plan = dict(child.named_plan or [])
    steps = [("request", requests.get("ReceivedDate")),
             ("decision whether to assess", requests.get("RequestOutcomeDate")),
             ("decision whether to issue", assessment.get("AssessmentOutcomeDate")),
             ("plan start", plan.get("StartDate") if child.assessment else None),
             ("plan end", plan.get("CeaseDate"))]
    known = [(name, day) for name, day in steps if day]
    found = [f"The {later} ({b}) is before the {earlier} ({a})"
             for (earlier, a), (later, b) in zip(known, known[1:]) if b < a]
    for fields in child.placement_detail:
        p = dict(fields)
        if p["EntryDate"] and p["LeavingDate"] and p["LeavingDate"] < p["EntryDate"]:
            found.append("A placement's leaving date is before its entry date")
    return found


CODED = {"Sex": "sex", "Ethnicity": "ethnicity", "UPNunknown": "upn_unknown",
         "RequestSource": "request_source", "RequestOutcome": "request_outcome",
         "AssessmentOutcome": "assessment_outcome", "CeaseReason": "cease_reason",
         "SENSetting": "sen_setting", "SENtype": "sen_type"}


def _code_problems(child):
    """Codes outside the DfE's lists (saved before a list changed, or written around the page)."""
    modules = [child.person_fields, child.requests, child.assessment or [], child.named_plan or [],
               *child.plan_detail, *child.placement_detail, *child.sen_need]
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
