"""The children a professional reaches through one work role (issue 11, L1): ending the role ends
those links, so leaving a school does not keep its children's records open.

Links do not record the role they were made through, so it is worked out from what is known.
A live link of the user (other than one the SEN team made: that is the team's decision, about
the person) came through the role being ended when none of the user's remaining current roles
can account for it:

- it was made before any remaining role existed; or
- a colleague or hand-over link given by someone who works (or worked) at the ended role's
  organisation and at none of the remaining roles' organisations; or
- the user's forms about the child name the ended role and none names a remaining role.

No request objects here.
"""
from __future__ import annotations

from models import FormInstance, Link, Person, WorkProfile


def _organisations_of(user_id) -> set[int]:
    return {p.organisation_id for p in WorkProfile.select(WorkProfile.organisation)
            .where(WorkProfile.user == user_id)}


def links_through(user, profile) -> list[Link]:
    """The user's live links (with their Person) that came through ``profile`` alone."""
    others = list(WorkProfile.select().where(
        (WorkProfile.user == user) & WorkProfile.ended_at.is_null()
        & (WorkProfile.id != profile.id)))
    if not others:
        return []  # the only role cannot be ended
    other_ids = {p.id for p in others}
    other_orgs = {p.organisation_id for p in others}
    since = min(p.created_at for p in others)
    live = list(Link.select(Link, Person).join(Person, on=(Link.person == Person.id))
                .where((Link.user == user) & Link.ended_at.is_null() & (Link.how != "sen-team"))
                .order_by(Person.surname, Person.forename, Person.id))
    forms: dict[int, set] = {}
    if live:
        for form in FormInstance.select(FormInstance.person, FormInstance.work_profile).where(
                (FormInstance.author == user)
                & FormInstance.person.in_([link.person_id for link in live])
                & FormInstance.work_profile.is_null(False)):
            forms.setdefault(form.person_id, set()).add(form.work_profile_id)
    through = []
    for link in live:
        roles = forms.get(link.person_id, set())
        if link.created_at < since:
            through.append(link)
        elif link.how in ("colleague", "handover") and link.linked_by_id:
            giver = _organisations_of(link.linked_by_id)
            if profile.organisation_id in giver and not giver & other_orgs:
                through.append(link)
        elif profile.id in roles and not roles & other_ids:
            through.append(link)
    return through
