"""Colleagues: a professional shares a child (and their drafts) with a colleague at the same
organisation, and hands everything over when they leave.

Councils' top complaint about the commercial portals is that drafts cannot be shared and that
links break when staff leave. Here:

- A colleague is an active professional, checked by the SEN team, with two-step verification
  on, and a current work role at one of MY organisations whose membership the SEN team
  confirmed (WorkProfile.confirmed_at; typing an organisation's name joins nothing). Nobody else is ever listed or accepted (a forged id is "not a colleague"), so
  nothing about people at other organisations is revealed.
- Give access: a Link how="colleague", linked_by=me. Remove access ends only links I made.
- Share a draft: a DraftAccess row; the colleague may Continue it while linked to the child.
  Submitting and deleting stay with the author (the declaration is the author's own).
- Hand over: for each of my live links the colleague gets a Link how="handover" (unless they
  already have one), my open drafts become theirs (author changes; the work profile, which
  describes me, is cleared), then my links end.

Every change is audited with the child's id, so the SEN team sees it in the child's audit trail.
No request objects here.
"""
from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

import models
from models import DraftAccess, FormInstance, Link, Organisation, User, WorkProfile, utcnow
from services import audit
from services.casework import messages
from services.forms import instances
from services.kernel import paging
from services.people import links


class NotAColleague(Exception):
    """The chosen user is not a colleague of the current user (or does not exist)."""


@dataclass
class Colleague:
    """A colleague as listed: the user, the organisations we share, and their access to a child."""
    user: User
    organisations: list
    link: Link | None = None  # their live Link to the child, when there is one

    @property
    def has_access(self):
        return self.link is not None

    @property
    def removable_by(self):
        """The id of the user who may remove this access (the one who gave it as a colleague)."""
        if self.link is None or self.link.how != "colleague":
            return None
        return self.link.linked_by_id


def _confirmed():
    """A current work role whose membership the SEN team confirmed."""
    return WorkProfile.ended_at.is_null() & WorkProfile.confirmed_at.is_null(False)


def my_organisation_ids(user) -> list[int]:
    """The organisations of the user's current, confirmed work profiles."""
    return [p.organisation_id for p in WorkProfile.select(WorkProfile.organisation).where(
        (WorkProfile.user == user) & _confirmed()).distinct()]


def colleagues_of(user, person=None) -> list[Colleague]:
    """Active professionals at my organisations (not me), by name; with ``person``, each has
    ``link`` set when they are linked to that child."""
    orgs = my_organisation_ids(user)
    if not orgs:
        return []
    profiles = (WorkProfile.select(WorkProfile, User, Organisation)
                .join(User, on=(WorkProfile.user == User.id)).switch(WorkProfile)
                .join(Organisation, on=(WorkProfile.organisation == Organisation.id))
                .where((User.role == "professional") & (User.status == "active")
                       & (User.council_verified == True)  # noqa: E712
                       & (User.two_step_method != "")
                       & (User.id != user.id) & _confirmed()
                       & WorkProfile.organisation.in_(orgs))
                .order_by(fn.LOWER(User.surname), fn.LOWER(User.forename), User.id,
                          Organisation.name))
    found: dict[int, Colleague] = {}
    for profile in profiles:
        entry = found.setdefault(profile.user.id, Colleague(profile.user, []))
        if profile.organisation.name not in entry.organisations:
            entry.organisations.append(profile.organisation.name)
    if person is not None and found:
        for link in Link.select().where((Link.person == person) & Link.ended_at.is_null()
                                        & Link.user.in_(list(found))):
            found[link.user_id].link = link
    return list(found.values())


def colleague(user, colleague_id, person=None) -> Colleague:
    """The colleague ``colleague_id`` (a string from a form) or NotAColleague."""
    colleague_id = paging.parse_id(colleague_id)
    if colleague_id is None:
        raise NotAColleague()
    chosen = next((c for c in colleagues_of(user, person) if c.user.id == colleague_id), None)
    if chosen is None:
        raise NotAColleague()
    return chosen


def _record(action, user, person_id, colleague_user, ip, **detail):
    audit.record(action, user=user, ip=ip, object_type="user", object_id=colleague_user.id,
                 person_id=person_id, colleague=colleague_user.display_name, **detail)


# --- access to one child ------------------------------------------------------------------------

def give_access(user, person, colleague_id, *, share_drafts=False, ip="") -> Colleague:
    """Link a colleague to ``person`` (how="colleague", linked_by=me); optionally let them
    continue my open drafts of that child. Returns the colleague; raises NotAColleague."""
    chosen = colleague(user, colleague_id, person)
    with models.db.atomic():
        if not chosen.has_access:
            chosen.link = links.link(person, chosen.user, how="colleague", linked_by=user)
            _record("colleague-access-given", user, person.id, chosen.user, ip)
            messages.send_message(
                chosen.user, "general", "A colleague gave you access to a child's record",
                f"{user.display_name} gave you access to the record of {person.forename} "
                f"{person.surname}. You will find them in your SEND area.",
                sender=user, person=person)
        if share_drafts:
            for draft in my_drafts(user, person):
                _share(user, draft, chosen.user, ip)
    return chosen


def remove_access(user, person, colleague_id, *, ip="") -> Colleague:
    """End a colleague's access that I gave (and their access to my drafts of that child)."""
    chosen = colleague(user, colleague_id, person)
    if chosen.removable_by != user.id:
        raise NotAColleague()
    with models.db.atomic():
        links.end(chosen.link)
        drafts = [d.id for d in FormInstance.select(FormInstance.id).where(
            (FormInstance.person == person) & (FormInstance.author == user))]
        if drafts:
            DraftAccess.delete().where(DraftAccess.instance.in_(drafts)
                                       & (DraftAccess.user == chosen.user)).execute()
        _record("colleague-access-removed", user, person.id, chosen.user, ip)
    chosen.link = None
    return chosen


# --- drafts -------------------------------------------------------------------------------------

def my_drafts(user, person) -> list[FormInstance]:
    """My open instances (draft, returned, being amended) about ``person``."""
    return list(FormInstance.select().where(
        (FormInstance.person == person) & (FormInstance.author == user)
        & FormInstance.status.in_(instances.EDITABLE)).order_by(FormInstance.id))


def draft_sharing(drafts) -> dict[int, list[User]]:
    """instance id -> the colleagues who may continue it."""
    out: dict[int, list[User]] = {d.id: [] for d in drafts}
    if not drafts:
        return out
    for access in (DraftAccess.select(DraftAccess, User).join(User, on=(DraftAccess.user == User.id))
                   .where(DraftAccess.instance.in_(list(out))).order_by(User.surname)):
        out[access.instance_id].append(access.user)
    return out


def _own_draft(user, person, instance_id):
    instance_id = paging.parse_id(instance_id)
    if instance_id is None:
        return None
    return next((d for d in my_drafts(user, person) if d.id == instance_id), None)


def _share(user, draft, colleague_user, ip):
    created = (DraftAccess.insert(instance=draft, user=colleague_user, granted_by=user)
               .on_conflict_ignore().execute())
    if created:
        audit.record("draft-shared", user=user, ip=ip, object_type="form", object_id=draft.id,
                     person_id=draft.person_id, form_key=draft.form_key,
                     colleague=colleague_user.display_name, colleague_id=colleague_user.id)


def share_draft(user, person, instance_id, colleague_id, *, ip="") -> bool:
    """Let a colleague who has access to the child continue one of my drafts.
    False when the draft is not mine/open; NotAColleague when the colleague is not one (or has
    no access to the child)."""
    draft = _own_draft(user, person, instance_id)
    chosen = colleague(user, colleague_id, person)
    if draft is None:
        return False
    if not chosen.has_access:
        raise NotAColleague()
    with models.db.atomic():
        _share(user, draft, chosen.user, ip)
    return True


def unshare_draft(user, person, instance_id, colleague_id, *, ip="") -> bool:
    """Stop a colleague continuing one of my drafts."""
    draft = _own_draft(user, person, instance_id)
    colleague_id = paging.parse_id(colleague_id)
    if draft is None or colleague_id is None:
        return False
    with models.db.atomic():
        gone = DraftAccess.delete().where((DraftAccess.instance == draft)
                                          & (DraftAccess.user == colleague_id)).execute()
        if gone:
            audit.record("draft-unshared", user=user, ip=ip, object_type="form",
                         object_id=draft.id, person_id=draft.person_id,
                         form_key=draft.form_key, colleague_id=colleague_id)
    return bool(gone)


# --- handing over -------------------------------------------------------------------------------

@dataclass
class Handover:
    """What a handover did (for the confirmation message)."""
    colleague: User
    children: int
    drafts: int


def handover_counts(user) -> tuple[int, int]:
    """(my live links, my open drafts about those children) — what a handover would move."""
    mine = Link.select().where((Link.user == user) & Link.ended_at.is_null())
    people_ids = [link.person_id for link in mine]
    drafts = (FormInstance.select().where(
        (FormInstance.author == user) & FormInstance.status.in_(instances.EDITABLE)
        & FormInstance.person.in_(people_ids)).count() if people_ids else 0)
    return len(people_ids), drafts


def _work_profile_steps(registry, instance):
    try:
        form = instances.form_of(registry, instance)
    except KeyError:
        return []
    return [s.key for s in form.steps if s.kind == "work_profile"]


def hand_over(user, colleague_id, registry, *, ip="") -> Handover:
    """Hand my children and open drafts to a colleague, then end my links. Raises NotAColleague.

    Drafts about children I am no longer linked to stay mine (nobody could open them anyway).
    The work profile step of each moved draft is cleared: it described me.
    """
    chosen = colleague(user, colleague_id).user
    now = utcnow()
    with models.db.atomic():
        mine = list(Link.select().where((Link.user == user) & Link.ended_at.is_null()))
        for link in mine:
            theirs = Link.get_or_none((Link.user == chosen) & (Link.person == link.person_id))
            if theirs is None or theirs.ended_at is not None:
                links.link(link.person_id, chosen, how="handover", linked_by=user)
            audit.record("person-handed-over", user=user, ip=ip, object_type="person",
                         object_id=link.person_id, person_id=link.person_id,
                         colleague=chosen.display_name, colleague_id=chosen.id)
        drafts = list(FormInstance.select().where(
            (FormInstance.author == user) & FormInstance.status.in_(instances.EDITABLE)
            & FormInstance.person.in_([link.person_id for link in mine]))) if mine else []
        for draft in drafts:
            answers = {k: v for k, v in draft.answers.items()
                       if k not in _work_profile_steps(registry, draft)}
            FormInstance.update(author=chosen, work_profile=None, answers=answers,
                                version=FormInstance.version + 1, updated_at=now).where(
                FormInstance.id == draft.id).execute()
            DraftAccess.delete().where((DraftAccess.instance == draft)
                                       & (DraftAccess.user == chosen)).execute()
            audit.record("form-author-changed", user=user, ip=ip, object_type="form",
                         object_id=draft.id, person_id=draft.person_id, form_key=draft.form_key,
                         from_user=user.id, to_user=chosen.id, colleague=chosen.display_name)
        if mine:
            links.end(*mine)
        audit.record("handover", user=user, ip=ip, object_type="user", object_id=chosen.id,
                     colleague=chosen.display_name, children=len(mine), drafts=len(drafts))
        if mine:
            messages.send_message(
                chosen, "general", "A colleague handed their children over to you",
                f"{user.display_name} handed over {len(mine)} child"
                f"{'' if len(mine) == 1 else 'ren'} and {len(drafts)} draft form"
                f"{'' if len(drafts) == 1 else 's'} to you. You will find them in your SEND area.",
                sender=user)
    return Handover(chosen, len(mine), len(drafts))
