"""Closed cases past the council's schedule: the child's whole record is deleted (``purge``).

A case is due when all of these hold (``due``):
- its phase is "closed" (services/cases: a request withdrawn, refused, not issued, a plan ceased
  or transferred out), and its last case event — the closure — is older than
  ``closed_cases_days`` (default 2557: 7 years, as audit events);
- the child is older than ``closed_cases_min_age_years`` (default 31: IRMS's "date of birth +
  31 years" for SEN files, so a claim a child may bring as an adult can still be answered);
- nothing about the child has changed since that cut-off: no form saved, no document, no
  message (someone is still working on it, so the schedule has not really started).

Removing deletes the Person row and everything that hangs off it — case and case events, forms,
rounds, attachments, documents, shares, messages, advice requests, reference codes, SEN2 details
(peewee's recursive delete, the same as the database's ON DELETE CASCADE) — and the audit events
about the child; one "closed-case-removed" audit event (ids, dates and counts, no name) records
it. The files are returned for deletion once the transaction has committed. The linked adults'
accounts stay: they are their own records. docs/decisions.md, "Closed cases".
"""
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from peewee import JOIN, fn

from models import (AdviceRequest, AuditEvent, Attachment, Case, CaseEvent, Document, FormInstance,
                    Link, Message, Person, Sen2Record)
from services import audit


@dataclass(frozen=True)
class Due:
    person_id: int
    case_id: int
    closed_on: dt.date


def _cut_off(now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(days=days)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _touched_since(person_ids, since):
    """Children whose record anyone touched since ``since``: added to the portal, a case event
    recorded (whatever date it says it happened on), the case changed, a link made, advice asked
    for or received, SEN2 details changed, a form saved, a document added or a message sent."""
    ids = list(person_ids)
    checks = (
        Person.select(Person.id).where(Person.id.in_(ids) & (Person.created_at >= since)),
        Case.select(Case.person).where(Case.person.in_(ids) & (Case.updated_at >= since)),
        CaseEvent.select(Case.person).join(Case).where(
            Case.person.in_(ids) & (CaseEvent.recorded_at >= since)),
        Link.select(Link.person).where(Link.person.in_(ids) & (Link.created_at >= since)),
        AdviceRequest.select(AdviceRequest.person).where(
            AdviceRequest.person.in_(ids) & ((AdviceRequest.requested_at >= since)
                                            | (AdviceRequest.received_at >= since))),
        Sen2Record.select(Sen2Record.person).where(
            Sen2Record.person.in_(ids) & (Sen2Record.updated_at >= since)),
        FormInstance.select(FormInstance.person).where(
            FormInstance.person.in_(ids) & (FormInstance.updated_at >= since)),
        Document.select(Document.person).where(
            Document.person.in_(ids) & (Document.created_at >= since)),
        Message.select(Message.person).where(
            Message.person.in_(ids) & (Message.created_at >= since)),
    )
    busy = set()
    for query in checks:
        busy.update(person_id for (person_id,) in query.tuples())
    return busy


def due(table: dict, now: dt.datetime) -> list[Due]:
    """The closed cases past their date, oldest closure first (``table``: retention.limits)."""
    since = _cut_off(now, table["closed_cases_days"])
    born_before = _years_before(now.date(), table["closed_cases_min_age_years"])
    closed_on = fn.MAX(CaseEvent.on)
    rows = (Case.select(Case.id, Case.person, Case.updated_at, closed_on.alias("closed_on"))
            .join(Person).switch(Case).join(CaseEvent, on=(CaseEvent.case == Case.id),
                                            join_type=JOIN.LEFT_OUTER)
            .where((Case.phase == "closed") & (Person.date_of_birth < born_before))
            .group_by(Case.id, Case.person, Case.updated_at))
    found = []
    for row in rows:
        closed = row.closed_on or row.updated_at.date()
        if isinstance(closed, str):  # SQLite hands MAX() back as text
            closed = dt.date.fromisoformat(closed[:10])
        if closed < since.date():
            found.append(Due(row.person_id, row.id, closed))
    busy = _touched_since([d.person_id for d in found], since) if found else set()
    return sorted((d for d in found if d.person_id not in busy), key=lambda d: d.closed_on)


def remove(cases, upload_dir) -> list[Path]:
    """Delete each child's record (inside the caller's transaction); returns the files to delete
    after the commit."""
    paths = []
    for case in cases:
        person = Person.get_by_id(case.person_id)
        files = ([a.stored_name for a in Attachment.select(Attachment.stored_name)
                  .join(FormInstance).where(FormInstance.person == person)]
                 + [d.stored_name for d in Document.select(Document.stored_name)
                    .where(Document.person == person)])
        person.delete_instance(recursive=True, delete_nullable=True)
        trail = AuditEvent.delete().where(AuditEvent.person_id == case.person_id).execute()
        audit.record("closed-case-removed", object_type="person", object_id=case.person_id,
                     person_id=case.person_id, case_id=case.case_id,
                     closed_on=case.closed_on.isoformat(), files=len(files),
                     audit_events=trail)
        if upload_dir:
            paths += [Path(upload_dir) / name for name in files]
    return paths
