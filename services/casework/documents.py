"""Documents the SEN team puts on a case: letters, the Draft EHC Plan and the Final EHC Plan.

Files are checked like form uploads (services/forms/uploads.py: extension allowlist AND content, so a
renamed .exe is refused) — plans must be PDF or DOCX — and kept under UPLOAD_DIR with a random
name. A letter lands on the Assessment tab, a plan on the EHC Plan tab. Issuing a draft plan
is the case event that opens the family's 15-day comment window (reg 13(1)) and shares it with the
linked parents; uploading the final plan is the event "Final EHC plan issued".
No request objects here.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import models
from models import Document
from services import audit
from services.cases import events, statutory
from services.casework import advice, sharing
from services.forms import uploads
from services.kernel import paging

# kind -> (label, tab, accepted extensions)
KINDS = {
    "letter": ("Letter", "assessment", ("pdf", "doc", "docx", "odt", "rtf")),
    "draft-plan": ("Draft EHC Plan", "plan", ("pdf", "docx")),
    "final-plan": ("Final EHC Plan", "plan", ("pdf", "docx")),
    "other": ("Other document", "assessment", ("pdf", "doc", "docx", "odt", "rtf", "jpg", "jpeg",
                                               "png")),
}
MAX_TITLE = 200


class DocumentProblem(Exception):
    """The upload was refused; ``errors`` is {field id: message}."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def kind_label(kind) -> str:
    return KINDS.get(kind, (kind,))[0]


def documents_of(person) -> list[Document]:
    """The case's documents (not removed), newest first."""
    return list(Document.select().where((Document.person == person)
                                        & Document.removed_at.is_null())
                .order_by(Document.created_at.desc(), Document.id.desc()))


def document_by_id(document_id) -> Document | None:
    document_id = paging.parse_id(document_id)
    if document_id is None:
        return None
    return Document.get_or_none((Document.id == document_id) & Document.removed_at.is_null())


def path_of(document, upload_dir) -> Path:
    return Path(upload_dir) / document.stored_name


def _check(kind, title, filename, stream, issue, person):
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "Select the type of document"
    if len(title) > MAX_TITLE:
        errors["title"] = f"Title must be {MAX_TITLE} characters or fewer"
    if not filename or stream is None:
        errors["file"] = "Select a file"
    elif kind in KINDS:
        accept = KINDS[kind][2]
        if uploads.extension_of(uploads.clean_filename(filename)) not in accept:
            errors["file"] = uploads.type_message(accept)
    if issue and kind in ("draft-plan", "final-plan") and not any(
            u.role == "citizen" for u in advice.parties(person)):
        errors["issue"] = ("No parent or young person is linked to this child or young person "
                           "yet. Link them before issuing the plan")
    if errors:
        raise DocumentProblem(errors)


def _record_plan(officer, person, kind, document, today, early_reason, ip):
    """Issuing a plan is the case event "draft-plan" / "final-plan" (unless already recorded in
    this round); the event's rules apply, so a final plan inside the comment window is refused
    without the family's response or a reason."""
    case = statutory.case_for(person)
    s = statutory.case_state(case) if case else statutory.State()
    if (s.draft if kind == "draft-plan" else s.final) is not None:
        return None
    event, found = events.record(officer, person, kind, today, ip=ip, today=today,
                                 detail={"document": document.id, "early_reason": early_reason})
    if found:
        key = "early_reason" if "early_reason" in found else "kind"
        raise DocumentProblem({key: next(iter(found.values()))})
    return event


def upload(person, *, officer, kind, title, filename, stream, issue=False, upload_dir, max_bytes,
           today, early_reason="", ip="", clamd="") -> Document:
    """Store a document on the case. A draft plan with ``issue`` records the event "Draft EHC
    plan issued" and shares the plan with the linked parents; a final plan records "Final EHC plan
    issued" (and is shared with the parents when ``issue``). Everything in one transaction;
    raises DocumentProblem with the messages to show. ``clamd`` (PORTAL_CLAMD_SOCKET): the file
    is scanned there before it is kept (uploads.virus_check)."""
    title = (title or "").strip()
    _check(kind, title, filename, stream, issue, person)
    label, tab, accept = KINDS[kind]
    name = uploads.clean_filename(filename)
    extension = uploads.extension_of(name)
    directory = Path(upload_dir)
    try:
        temp, size = uploads._write_temp(stream, directory, max_bytes)
    except uploads.UploadError as error:
        raise DocumentProblem({"file": str(error)}) from None
    try:
        if size == 0:
            raise DocumentProblem({"file": "The selected file is empty"})
        if not uploads.content_matches(extension, temp):
            raise DocumentProblem({"file": uploads.type_message(accept)})
        try:
            uploads.virus_check(temp, clamd, user=officer, person_id=person.id, ip=ip,
                                object_type="document", kind=kind)
        except uploads.UploadError as error:
            raise DocumentProblem({"file": str(error)}) from None
        stored_name = secrets.token_hex(24)
        with models.db.atomic():
            document = Document.create(
                person=person, kind=kind, tab=tab, title=title or label, filename=name,
                stored_name=stored_name, content_type=uploads.ALLOWED[extension][0], size=size,
                issued_on=today if kind in ("draft-plan", "final-plan") and (
                    issue or kind == "final-plan") else None,
                uploaded_by=officer)
            if kind == "final-plan" or (kind == "draft-plan" and issue):
                document.plan_event = _record_plan(officer, person, kind, document, today,
                                                   early_reason, ip)
            shared = (sharing.share_with_parents(person, document, officer=officer)
                      if issue and kind in ("draft-plan", "final-plan") else [])
            audit.record("document-uploaded", user=officer, ip=ip, object_type="document",
                         object_id=document.id, person_id=person.id, kind=kind,
                         issued=bool(document.issued_on), shared_with=[u.id for u in shared])
            os.replace(temp, directory / stored_name)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return document


def store_generated(person, *, officer, kind, title, filename, data, upload_dir, issued_on=None,
                    content_type="application/pdf", ip="") -> Document:
    """Store bytes the portal made itself (a decision letter rendered as PDF) as a document on the
    case. Inside the caller's transaction; the file is written before the row commits and removed
    again if the transaction fails before it is committed here."""
    label, tab, _accept = KINDS[kind]
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(24)
    path = directory / stored_name
    path.write_bytes(data)
    try:
        with models.db.atomic():
            document = Document.create(
                person=person, kind=kind, tab=tab, title=(title or label)[:MAX_TITLE],
                filename=uploads.clean_filename(filename), stored_name=stored_name,
                content_type=content_type, size=len(data), issued_on=issued_on,
                uploaded_by=officer)
            audit.record("document-generated", user=officer, ip=ip, object_type="document",
                         object_id=document.id, person_id=person.id, kind=kind)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return document


def record_download(officer, document, *, ip="") -> None:
    with models.db.atomic():
        audit.record("document-downloaded", user=officer, ip=ip, object_type="document",
                     object_id=document.id, person_id=document.person_id)
