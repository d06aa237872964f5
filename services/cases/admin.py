"""A child's case, administered by the SEN team: open it with a request that came by post or
email, assign its officer; and the audit of officers viewing a child's pages. What happens on the
case is recorded by ``services.cases.events``.

Every change is one transaction with its audit event. Views pass ``today`` in.
"""
import models
from models import Case, Person, User, utcnow
from services import audit
from services.cases import events, statutory
from services.kernel import paging


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


def open_case(officer, person, *, request_received, how="post", assigned=None, ip="", today):
    """Record a request that reached the team another way (post, email...) and so open the case.

    Returns (case, None), or (None, message) when the person already has a case.
    """
    with models.db.atomic():
        if statutory.case_for(person) is not None:
            return None, "This child already has a case"
        event, found = events.record(officer, person, "request", request_received,
                                     detail={"how": how}, ip=ip, today=today)
        if found:
            return None, next(iter(found.values()))
        case = event.case
        if assigned is not None:
            Case.update(officer=assigned).where(Case.id == case.id).execute()
            case.officer = assigned
        Person.update(needs_matching=False).where(Person.id == person.id).execute()
        person.needs_matching = False
        audit.record("case-opened", user=officer, ip=ip, object_type="case", object_id=case.id,
                     person_id=person.id, request_received=request_received.isoformat(),
                     officer=assigned.display_name if assigned else "")
    return case, None


def assign(officer, case, assigned, *, ip=""):
    """Give the case to an officer (or nobody); audited with before and after. Returns changes."""
    new, old = (assigned.id if assigned else None), case.officer_id
    if new == old:
        return {}
    names = {u.id: u.display_name for u in User.select().where(
        User.id.in_([v for v in (new, old) if v]))}
    changes = {"officer": [names.get(old, "Nobody"), names.get(new, "Nobody")]}
    with models.db.atomic():
        Case.update(officer=new, updated_at=utcnow()).where(Case.id == case.id).execute()
        audit.record("case-changed", user=officer, ip=ip, object_type="case", object_id=case.id,
                     person_id=case.person_id, changes=changes)
    return changes
