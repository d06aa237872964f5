"""Who saw or changed what, when (DESIGN.md §6).

Events never hold passwords, one-time codes or tokens: callers pass only identifiers and plain
facts ("email code sent", "wrong code").
"""
from models import AuditEvent


def record(action, *, user=None, ip="", object_type="", object_id="", person_id=None, **detail):
    """Write one audit event (inside the caller's transaction when there is one)."""
    return AuditEvent.create(
        action=action, user=user, ip=ip or "", object_type=object_type,
        object_id=str(object_id or ""), person_id=person_id, detail=detail)


def recent(*, user=None, person_id=None, limit=100):
    """Newest events first, for the SEN team's audit trail."""
    query = AuditEvent.select().order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if user is not None:
        query = query.where(AuditEvent.user == user)
    if person_id is not None:
        query = query.where(AuditEvent.person_id == person_id)
    return list(query.limit(limit))
