"""The one set of rules for links between a user and a child: link (or reopen), end.

A ``Link`` row per (user, person) is kept for the record: ending it sets ``ended_at``; linking
again reopens the same row. Call these inside the caller's transaction.
"""
from models import Link, utcnow


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
