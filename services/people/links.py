"""The links between a user and a child: the one link (or reopen) and end rules, the links an
officer makes and ends for professionals and parents, and a child's family links.

A ``Link`` row per (user, person) is kept for the record: ending it sets ``ended_at``; linking
again reopens the same row. ``link`` and ``end`` run inside the caller's transaction.
"""
from peewee import fn

import models
from models import Link, User, utcnow
from services import audit
from services.casework import messages
from services.identity import accounts
from services.kernel import checks, paging
from services.kernel.council import current_council, team_name


def link(person, user, *, how="sen-team", linked_by=None):
    """Link ``user`` to ``person``: a new link, or the ended one reopened. A live link is kept.

    A (re)opened link shows on the user's list even if they had hidden the child before.
    """
    existing = Link.get_or_none((Link.user == user) & (Link.person == person))
    if existing is None:
        return Link.create(user=user, person=person, how=how, linked_by=linked_by)
    if existing.ended_at is not None:
        existing.ended_at, existing.hidden = None, False
        existing.how, existing.linked_by = how, linked_by
        existing.created_at = utcnow()
        existing.save()
    return existing


def end(*rows) -> int:
    """End these links (the rows stay, ended, for the record); how many were still live."""
    if not rows:
        return 0
    return (Link.update(ended_at=utcnow())
            .where(Link.id.in_([row.id for row in rows]) & Link.ended_at.is_null()).execute())


LINK_KINDS = {"professional": "sen-team", "parent": "parent"}


def links_of(person):
    """The current links of a person with their users (professionals first, then families)."""
    return list(Link.select(Link, User).join(User, on=(Link.user == User.id))
                .where((Link.person == person) & Link.ended_at.is_null())
                .order_by(User.role.desc(), fn.LOWER(User.surname), fn.LOWER(User.forename)))


def _link_problem(user, kind):
    if user is None or user.role not in ("professional", "citizen"):
        if user is not None and user.role in ("officer", "admin"):
            return "That email address belongs to the SEN team: officers can see every child already"
        return ("There is no professional account with that email address. Ask them to register "
                "on the portal first" if kind == "professional" else
                "There is no parent or carer account with that email address. Ask them to "
                "register on the portal first")
    if kind == "professional" and user.role == "citizen":
        return ("That email address belongs to a parent or carer's account, not a professional's. "
                "Use Link a parent or carer instead")
    if kind == "parent" and user.role == "professional":
        return ("That email address belongs to a professional's account. Use Link a "
                "professional instead")
    if user.status == "disabled":
        return "That account has been disabled, so it cannot be linked"
    return None


def link_account(officer, person, email, kind, *, ip=""):
    """Link an existing professional (``kind`` "professional") or parent/carer ("parent") to a
    child and send them a portal message. Returns (link, None) or (None, message)."""
    if kind not in LINK_KINDS:
        return None, "Choose who to link"
    email = (email or "").strip().lower()
    problem = checks.email_problem(email)
    if problem:
        return None, problem
    user = accounts.find_user(email)
    problem = _link_problem(user, kind)
    if problem:
        return None, problem
    with models.db.atomic():
        existing = Link.get_or_none((Link.user == user) & (Link.person == person)
                                    & Link.ended_at.is_null())
        if existing is not None:
            return None, f"{user.display_name} is already linked to {person.full_name}"
        row = link(person, user, how=LINK_KINDS[kind], linked_by=officer)
        messages.send_message(
            user, "general", f"You have been linked to {person.full_name}",
            f"The {team_name()} has linked you to "
            f"{person.full_name} (born {person.date_of_birth:%d/%m/%Y}). You can now see their "
            + ("record under My children." if user.role == "citizen" else
               "record under Special Educational Needs and Disabilities."),
            sender=officer, person=person)
        audit.record("person-linked", user=officer, ip=ip, object_type="link", object_id=row.id,
                     person_id=person.id, linked_user=user.display_name, email=user.email,
                     how=row.how)
    return row, None


def live_link(person, link_id):
    """One current link of ``person``, or None."""
    link_id = paging.parse_id(link_id)
    if link_id is None:
        return None
    return (Link.select(Link, User).join(User, on=(Link.user == User.id))
            .where((Link.id == link_id) & (Link.person == person) & Link.ended_at.is_null())
            .first())


def end_link(officer, link, *, ip=""):
    """Unlink: the user no longer sees the child. The row stays (ended) for the record."""
    with models.db.atomic():
        end(link)
        audit.record("person-unlinked", user=officer, ip=ip, object_type="link",
                     object_id=link.id, person_id=link.person_id,
                     linked_user=link.user.display_name, email=link.user.email)


FAMILY_LINKS = ("parent", "young-person")


def family_links(person):
    """Parents and young people linked to ``person`` (ended links too: the council's record)."""
    return list(Link.select(Link, User).join(User, on=(Link.user == User.id))
                .where((Link.person == person) & Link.how.in_(FAMILY_LINKS))
                .order_by(Link.ended_at.is_null(False), User.surname, User.forename))


def recently_ended(limit=20):
    """Family links an officer ended lately (shown in the queue)."""
    return list(Link.select().where(Link.how.in_(FAMILY_LINKS) & Link.ended_at.is_null(False))
                .order_by(Link.ended_at.desc()).limit(limit))


def end_family_link(person, link_id, *, officer, ip=""):
    """End a parent's (or young person's) access to ``person``: what the council records. The
    family member is told. False when there is no such live family link."""
    link = Link.get_or_none((Link.id == paging.parse_id(link_id)) & (Link.person == person)
                            & Link.how.in_(FAMILY_LINKS) & Link.ended_at.is_null())
    if link is None:
        return False
    council = current_council()
    with models.db.atomic():
        end(link)
        messages.send_message(
            link.user, "general", "Your access to a child's information has ended",
            f"The {council.get('team_name', 'SEN Team')} has ended your access to information "
            f"about a child on this portal. If you think this is wrong, contact them on "
            f"{council.get('phone', '')}.", sender=officer)
        audit.record("family-link-ended", user=officer, ip=ip, object_type="user",
                     object_id=link.user_id, person_id=person.id)
    return True
