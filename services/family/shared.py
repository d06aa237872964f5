"""What a family sees about their child: their children, what has been shared with them (Share
rows naming them; forms only once submitted), the forms they can fill in, and adding a child.

Every lookup of a child starts from the user's own live Link (how "parent" or "young-person"),
so another family's child, document or form simply does not exist here. No request objects.
"""
from __future__ import annotations

import models
from models import AdviceRequest, Document, FormInstance, Link, Person, Share
from services import audit
from services.cases import statutory
from services.forms import instances
from services.kernel import paging
from services.people import people


def _family_link(user):
    return (Link.user == user) & Link.ended_at.is_null()


def my_children(user, today=None):
    """[(person, case or None, next KeyDate or None)] for the user's live links, by first name."""
    rows = (Person.select(Person, Link).join(Link, on=(Link.person == Person.id), attr="link")
            .where(_family_link(user)).order_by(Person.forename, Person.surname, Person.id))
    out = []
    for person in rows:
        case = statutory.case_for(person)
        out.append((person, case, statutory.next_deadline(case, today) if case else None))
    return out


def child_for(user, person_id):
    """The child ``person_id`` if linked to ``user`` now, else None (forged ids too)."""
    return people.person_for(user, person_id)


def shared_documents(user, person):
    """Documents shared with ``user`` about ``person`` (not removed), newest first."""
    return list(Document.select().join(Share, on=(Share.document == Document.id))
                .where((Share.recipient == user) & (Share.person == person)
                       & (Document.person == person) & Document.removed_at.is_null())
                .order_by(Document.created_at.desc(), Document.id.desc()).distinct())


def shared_forms(user, person):
    """Forms shared with ``user`` about ``person`` — submitted or accepted only, so a draft
    (anyone's) never shows."""
    return list(FormInstance.select().join(Share, on=(Share.instance == FormInstance.id))
                .where((Share.recipient == user) & (Share.person == person)
                       & (FormInstance.person == person) & FormInstance.status.in_(instances.SUBMITTED))
                .order_by(FormInstance.submitted_at.desc(), FormInstance.id.desc()).distinct())


def document_for(user, person, document_id):
    """A document shared with ``user`` about ``person``, else None (another family's id too)."""
    document_id = paging.parse_id(document_id)
    if document_id is None:
        return None
    return (Document.select().join(Share, on=(Share.document == Document.id))
            .where((Document.id == document_id) & (Document.person == person)
                   & Document.removed_at.is_null() & (Share.recipient == user)
                   & (Share.person == person)).first())


def record_download(user, document, *, ip=""):
    with models.db.atomic():
        audit.record("document-downloaded", user=user, ip=ip, object_type="document",
                     object_id=document.id, person_id=document.person_id)


def record_view(user, person, *, ip=""):
    with models.db.atomic():
        audit.record("person-viewed", user=user, ip=ip, object_type="person", object_id=person.id,
                     person_id=person.id, page="citizen-child")


# --- The family's own forms -----------------------------------------------------------------------

def family_forms(registry):
    """The current forms a family may start, the request tab first, then by title."""
    order = {"request": 0, "assessment": 1, "plan": 2, "review": 3}
    return sorted((f for f in registry.current().values() if "citizen" in f.started_by),
                  key=lambda f: (order.get(f.tab, 9), f.title.lower()))


def my_forms(user, person):
    """The user's own forms about ``person``, newest first."""
    return list(FormInstance.select().where((FormInstance.author == user)
                                            & (FormInstance.person == person))
                .order_by(FormInstance.updated_at.desc(), FormInstance.id.desc()))


def asked_for(user, person):
    """What the SEN team has asked this family member for and not yet received."""
    return list(AdviceRequest.select().where(
        (AdviceRequest.recipient == user) & (AdviceRequest.person == person)
        & AdviceRequest.status.in_(("requested", "in-progress"))).order_by(AdviceRequest.due_date))


def add_child(user, details, *, ip=""):
    """A family tells us about a child so they can ask for an assessment (a legal right). The
    new Person is linked to the user and marked for the SEN team to match with its records; only
    what the family typed is on it, so nothing about anyone else is revealed."""
    how = "young-person" if user.citizen_kind == "young-person" else "parent"
    with models.db.atomic():
        person = Person.create(needs_matching=True, created_by=user, forename=details["forename"],
                               surname=details["surname"],
                               date_of_birth=details["date_of_birth"])
        Link.create(user=user, person=person, how=how, linked_by=user)
        audit.record("person-added", user=user, ip=ip, object_type="person", object_id=person.id,
                     person_id=person.id, by="citizen")
    return person
