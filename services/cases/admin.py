"""A child's case, administered by the SEN team: open it, change its phase and officer, record
its statutory facts; and the audit of officers viewing a child's pages.

Every change is one transaction with its audit event. Views pass ``today`` in.
"""
import datetime as dt

import models
from models import Person, User
from services import audit
from services.cases import statutory
from services.kernel import paging, vocab


def person_by_id(person_id):
    """Any person (officers see everyone), or None for unknown and impossible ids."""
    person_id = paging.parse_id(person_id)
    if person_id is None:
        return None
    return Person.get_or_none(Person.id == person_id)


def record_view(officer, person, what, *, ip=""):
    """Audit an officer's look at a child's record (``what``: "case", "details", ...)."""
    with models.db.atomic():
        audit.record("person-viewed", user=officer, ip=ip, object_type="person",
                     object_id=person.id, person_id=person.id, page=what)


def open_case(officer, person, *, request_received, assigned=None, ip="", today):
    """Open a case for ``person`` (also matching a record a professional added).

    Returns (case, None), or (None, message) when the person already has a case.
    """
    with models.db.atomic():
        if statutory.case_for(person) is not None:
            return None, "This child already has a case"
        case = statutory.open_case(person, request_received=request_received, officer=assigned,
                               today=today)
        Person.update(needs_matching=False).where(Person.id == person.id).execute()
        person.needs_matching = False
        audit.record("case-opened", user=officer, ip=ip, object_type="case", object_id=case.id,
                     person_id=person.id, request_received=request_received.isoformat(),
                     officer=assigned.display_name if assigned else "")
    return case, None


def phase_problem(phase):
    return None if phase in vocab.PHASE_LABELS else "Select a phase from the list"


def update_case(officer, case, *, phase, assigned, ip="", today):
    """Change the phase and the officer of a case; audited with before and after."""
    new = {"phase": phase, "officer": assigned.id if assigned else None}
    old = {"phase": case.phase, "officer": case.officer_id}
    changed = {k for k in new if new[k] != old[k]}
    if not changed:
        return {}
    names = {u.id: u.display_name for u in User.select().where(
        User.id.in_([v for v in (new["officer"], old["officer"]) if v]))}
    changes = {}
    if "phase" in changed:
        changes["phase"] = [vocab.PHASE_LABELS.get(old["phase"], old["phase"]),
                            vocab.PHASE_LABELS[phase]]
    if "officer" in changed:
        changes["officer"] = [names.get(old["officer"], "Nobody"),
                              names.get(new["officer"], "Nobody")]
    with models.db.atomic():
        statutory.save_case(case, today, phase=phase, officer=assigned)
        audit.record("case-changed", user=officer, ip=ip, object_type="case", object_id=case.id,
                     person_id=case.person_id, changes=changes)
    return changes


def case_facts(case):
    """The recorded facts of a case, as the key-dates form holds them."""
    return {name: getattr(case, name) for name, _, _ in statutory.FACTS}


def record_facts(officer, case, facts, *, ip="", today):
    """Save key dates and decisions (already checked with statutory.fact_problems); audit changes."""
    def text(value):
        return value.isoformat() if isinstance(value, dt.date) else (value or "")
    changes = {name: [text(getattr(case, name)), text(facts[name])]
               for name, _, _ in statutory.FACTS if getattr(case, name) != facts[name]}
    if not changes:
        return changes
    with models.db.atomic():
        statutory.save_case(case, today, **facts)
        audit.record("case-dates-recorded", user=officer, ip=ip, object_type="case",
                     object_id=case.id, person_id=case.person_id, changes=changes)
    return changes
