"""Organisations the SEN team looks after (issue 11, M2): the list with member counts, and merging
a duplicate (typed differently at registration) into the real one.

Registration folds a typed name to one record ("St  Mary's" == "st mary's"), but "Zz Ed Psych
Service" and "Zz Educational Psychology Service" stay two. Merging moves every work role of the
duplicate to the organisation kept, keeping each role's confirmation as it was (a membership the
SEN team confirmed stays confirmed, an unconfirmed one still waits: merging confirms nobody), then
deletes the duplicate. One transaction with its audit event. No request objects.
"""
from dataclasses import dataclass
from difflib import SequenceMatcher

from peewee import JOIN, Case, fn

import models
from models import Organisation, WorkProfile
from services import audit
from services.kernel import paging

SIMILAR = 0.6  # name likeness (0..1) from which another organisation is offered first


@dataclass
class OrganisationRow:
    organisation: Organisation
    members: int  # current work roles
    confirmed: int  # of which the SEN team confirmed


def organisations():
    """Every organisation by name, with its current and confirmed members."""
    current = WorkProfile.ended_at.is_null()
    confirmed = fn.SUM(Case(None, [(WorkProfile.confirmed_at.is_null(False), 1)], 0))
    query = (Organisation.select(Organisation, fn.COUNT(WorkProfile.id).alias("members"),
                                 fn.COALESCE(confirmed, 0).alias("confirmed"))
             .join(WorkProfile, JOIN.LEFT_OUTER,
                   on=(WorkProfile.organisation == Organisation.id) & current)
             .group_by(Organisation.id).order_by(Organisation.name_key, Organisation.id))
    return [OrganisationRow(org, org.members, int(org.confirmed)) for org in query]


def organisation_by_id(raw):
    """The organisation ``raw`` (an id as text or int), or None."""
    org_id = paging.parse_id(raw)
    return None if org_id is None else Organisation.get_or_none(Organisation.id == org_id)


def likeness(one, other):
    return SequenceMatcher(None, one.name_key, other.name_key).ratio()


def merge_targets(duplicate):
    """The other organisations, the likeliest originals of ``duplicate`` first, then by name."""
    rows = [row for row in organisations() if row.organisation.id != duplicate.id]
    return sorted(rows, key=lambda r: (likeness(duplicate, r.organisation) < SIMILAR,
                                       r.organisation.name_key))


def merge_problem(duplicate, into):
    """Why ``duplicate`` cannot be merged into ``into`` (a sentence), or None."""
    if into is None:
        return "Choose the organisation to merge into"
    if into.id == duplicate.id:
        return "You cannot merge an organisation into itself. Choose a different organisation"
    return None


def merge(officer, duplicate, into, *, ip=""):
    """Move every work role at ``duplicate`` to ``into`` and delete ``duplicate``.
    Returns how many work roles moved."""
    with models.db.atomic():
        moved = (WorkProfile.update(organisation=into)
                 .where(WorkProfile.organisation == duplicate.id).execute())
        Organisation.delete().where(Organisation.id == duplicate.id).execute()
        audit.record("organisation-merged", user=officer, ip=ip, object_type="organisation",
                     object_id=into.id, into=into.name, merged=duplicate.name,
                     merged_id=duplicate.id, work_roles=moved)
    return moved
