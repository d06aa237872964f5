"""Merging duplicate records of one child: the likely duplicates, what refuses a merge, and the
merge itself (every reference moved to the kept record, in one transaction with its audit).
"""
from peewee import fn

import models
from models import AuditEvent, Case, FormInstance, Link, Person, User, utcnow
from services import audit
from services.cases import statutory
from services.kernel import paging


def possible_duplicates(person, limit=20):
    """Other people who may be the same child: same date of birth, or the same names."""
    same_names = ((fn.LOWER(Person.surname) == person.surname.lower())
                  & (fn.LOWER(Person.forename) == person.forename.lower()))
    return list(Person.select()
                .where((Person.id != person.id)
                       & ((Person.date_of_birth == person.date_of_birth) | same_names))
                .order_by(fn.LOWER(Person.surname), fn.LOWER(Person.forename), Person.id)
                .limit(limit))


def merge_problem(keep, other):
    """Why these two records cannot be merged, or None."""
    if keep.id == other.id:
        return "You cannot merge a record into itself. Choose a different record"
    if statutory.case_for(keep) is not None and statutory.case_for(other) is not None:
        return ("Both records have a case, so they cannot be merged: merging would lose one "
                "case's key dates. Record the dates on the case you keep and ask the portal's "
                "system owner to remove the other case first")
    return None


def record_summary(person):
    """What a record holds, for the merge page: counts of links, forms, documents, case."""
    return {
        "links": Link.select().where((Link.person == person) & Link.ended_at.is_null()).count(),
        "forms": FormInstance.select().where(FormInstance.person == person).count(),
        "case": statutory.case_for(person),
    }


def linked_people(person):
    """The live links of a record with their users, for the merge page's ``carry_link`` boxes."""
    return list(Link.select(Link, User).join(User, on=(Link.user == User.id))
                .where((Link.person == person) & Link.ended_at.is_null())
                .order_by(User.role.desc(), fn.LOWER(User.surname), fn.LOWER(User.forename)))


def carried_link_ids(values):
    """The Link ids ticked on the merge page (anything else is ignored)."""
    return {i for i in (paging.parse_id(v) for v in values or []) if i is not None}


def _person_references():
    """Every (model, field) pointing at Person, except Link and Case (merged with care)."""
    for model in models.ALL_MODELS:
        if model in (Link, Case, Person):
            continue
        for field in model._meta.sorted_fields:
            if isinstance(field, models.ForeignKeyField) and field.rel_model is Person:
                yield model, field


def merge_people(officer, keep, other, *, carry=(), ip=""):
    """Merge ``other`` into ``keep`` in one transaction; ``other`` is deleted.

    Only the links of ``other`` whose ids are in ``carry`` (the officer ticked them) give their
    user access to ``keep`` (joined per user: a live link wins); the others end, so adding a
    duplicate of a child never hands its adder the real record (M3). Forms, attachments (they hang off forms),
    messages, advice requests, documents, shares, the case (when ``keep`` has none) and audit
    events move to ``keep``. Returns a message when refused (merge_problem), else None.
    """
    problem = merge_problem(keep, other)
    if problem:
        return problem
    with models.db.atomic():
        moved = {"links": 0}
        carry = set(carry)
        ended = []
        kept_links = {link.user_id: link for link in Link.select().where(Link.person == keep)}
        for link in list(Link.select().where(Link.person == other)):
            mine = kept_links.get(link.user_id)
            if link.id not in carry and link.ended_at is None:
                ended.append(link.user_id)
                if mine is None:  # kept, ended, for the record
                    Link.update(person=keep.id, ended_at=utcnow()).where(
                        Link.id == link.id).execute()
                else:
                    link.delete_instance()
                continue
            if mine is None:
                Link.update(person=keep.id).where(Link.id == link.id).execute()
                moved["links"] += 1
                continue
            if mine.ended_at is not None and link.ended_at is None:
                mine.ended_at, mine.hidden, mine.how = None, link.hidden, link.how
                mine.save()
                moved["links"] += 1
            link.delete_instance()
        if statutory.case_for(keep) is None:
            moved["case"] = Case.update(person=keep.id).where(Case.person == other.id).execute()
        for model, field in _person_references():
            count = model.update({field: keep.id}).where(field == other.id).execute()
            if count:
                moved[model._meta.table_name] = count
        AuditEvent.update(person_id=keep.id).where(AuditEvent.person_id == other.id).execute()
        Person.update(needs_matching=False).where(Person.id == keep.id).execute()
        keep.needs_matching = False
        removed = {"id": other.id, "name": other.full_name,
                   "date_of_birth": other.date_of_birth.isoformat()}
        Person.delete().where(Person.id == other.id).execute()
        audit.record("person-merged", user=officer, ip=ip, object_type="person",
                     object_id=keep.id, person_id=keep.id, removed=removed, moved=moved,
                     links_not_carried=ended)
    return None
