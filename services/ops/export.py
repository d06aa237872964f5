"""A subject access request: everything the portal holds about one child, as one zip.

``export_person(person, ...)`` writes ``records.json`` (every row that refers to the child —
found by walking the models' foreign keys from Person, so a new table is included without
editing this file — plus the linked adults' own account rows and the audit events about the
child), ``rounds/*.pdf`` (each submitted round of each form, as sent) and ``files/*`` (every
uploaded attachment and case document). Secrets (password hashes, TOTP seeds, tokens, code
hashes) are never written. The export itself is recorded in the audit trail.
"""
import io
import json
import re
import zipfile

from playhouse.shortcuts import model_to_dict

import models
from models import (Attachment, AuditEvent, BaseModel, Document, FormInstance, Link, Person,
                    Submission, User)
from services import audit
from services.forms import instances, pdf, uploads

_SECRET = re.compile(r"hash|secret|token|password|hmac|nonce", re.I)
_NOT_ABOUT_THE_CHILD = {User, AuditEvent}  # walked separately: only the adults' own rows


def _row(row) -> dict:
    data = model_to_dict(row, recurse=False)
    return {k: v for k, v in data.items() if not _SECRET.search(k)}


def _models():
    return [m for m in BaseModel.__subclasses__() if m not in _NOT_ABOUT_THE_CHILD]


def records_about(person) -> dict:
    """{table name: [rows]} for every row reachable from the child through foreign keys."""
    found = {Person: {person.id: person}}
    changed = True
    while changed:
        changed = False
        for model in _models():
            for field in model._meta.refs:  # foreign keys of this model
                target = field.rel_model
                if target not in found or target is model:
                    continue
                ids = list(found[target])
                for row in model.select().where(field.in_(ids)):
                    if row.id not in found.setdefault(model, {}):
                        found[model][row.id] = row
                        changed = True
    out = {m._meta.table_name: [_row(r) for r in sorted(rows.values(), key=lambda r: r.id)]
           for m, rows in found.items()}
    adults = User.select().join(Link, on=(Link.user == User.id)).where(Link.person == person)
    out["linked_adults"] = [_row(u) for u in adults]
    out["audit_events"] = [_row(e) for e in AuditEvent.select().where(
        AuditEvent.person_id == person.id).order_by(AuditEvent.id)]
    return out


def _round_pdfs(person, registry, council):
    for submission in (Submission.select().join(FormInstance)
                       .where(FormInstance.person == person).order_by(Submission.id)):
        instance = submission.instance
        form = registry.get(instance.form_key, submission.schema_version)
        as_sent = FormInstance(**instance.__data__)
        as_sent.answers, as_sent.submitted_at = submission.answers, submission.submitted_at
        body = pdf.render_form_pdf(
            form=form, journey=instances.journey_for(form, submission.answers), instance=as_sent,
            person=person, council=council, submitter=submission.submitted_by or instance.author,
            work_profile_text=instances.work_profile_text(instance),
            attachment_names=instances.attachment_names(instance))
        yield f"rounds/{instance.form_key}-{instance.id}-round-{submission.round}.pdf", body


def _files(person, upload_dir):
    attachments = Attachment.select().join(FormInstance).where(FormInstance.person == person)
    for a in attachments:
        yield f"files/attachment-{a.id}-{_safe(a.filename)}", uploads.path_of(a, upload_dir)
    for d in Document.select().where(Document.person == person):
        yield f"files/document-{d.id}-{_safe(getattr(d, 'filename', 'document'))}", \
            uploads.path_of(d, upload_dir)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100] or "file"


def export_person(person, *, out, registry, council, upload_dir, by=None, ip="") -> dict:
    """Write the zip to ``out`` (a path or file object); return what went in, by kind."""
    records = records_about(person)
    counts = {"records": sum(len(v) for v in records.values()), "pdfs": 0, "files": 0,
              "missing_files": 0}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("records.json", json.dumps(records, indent=1, default=str, sort_keys=True))
        for name, body in _round_pdfs(person, registry, council):
            zf.writestr(name, body)
            counts["pdfs"] += 1
        for name, path in _files(person, upload_dir):
            if path.exists():
                zf.write(path, name)
                counts["files"] += 1
            else:
                counts["missing_files"] += 1
    with models.db.atomic():
        audit.record("subject-access-export", user=by, ip=ip, object_type="person",
                     object_id=str(person.id), person_id=person.id, **counts)
    return counts
