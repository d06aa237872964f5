"""The advice pack: every accepted form for one child as one PDF (an index first, then each form
and its PDF attachments), recorded in the audit trail.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

import models
from models import Attachment, FormInstance
from services import audit
from services.forms import instances, pdf, uploads
from services.kernel import clock


@dataclass
class PackEntry:
    """One line of the advice pack's index."""
    title: str
    author: str
    date: dt.date | None
    page: int | None = None
    pages: int = 0
    note: str = ""
    attachment: bool = False


def accepted_instances(person) -> list[FormInstance]:
    """The child's accepted advice, in the order it was submitted."""
    return list(FormInstance.select().where((FormInstance.person == person)
                                            & (FormInstance.status == "accepted"))
                .order_by(FormInstance.submitted_at, FormInstance.id))


def _pdf_attachments(instance):
    return list(Attachment.select().where((Attachment.instance == instance)
                                          & Attachment.removed_at.is_null()
                                          & (Attachment.content_type == "application/pdf"))
                .order_by(Attachment.id))


def _read_pdf(path):
    """A PdfReader with every page readable, or None (missing, damaged or encrypted file)."""
    try:
        data = path.read_bytes()
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return None
        for page in reader.pages:  # touch every page now: a broken one must not stop the pack
            page.mediabox  # noqa: B018
        return reader if len(reader.pages) else None
    except Exception:  # pypdf raises many kinds for damaged files; the index says it was skipped
        return None


def advice_pack(person, *, registry, council, upload_dir, today, render_index):
    """One PDF for the panel: an index page, then each accepted form's PDF followed by its PDF
    attachments. ``render_index(entries) -> bytes`` draws the index (a template, in the view's
    app context). Unreadable attachments are skipped with a note in the index.

    Returns (pdf bytes, entries), or (None, []) when there is no accepted advice.
    """
    accepted = accepted_instances(person)
    if not accepted:
        return None, []
    parts, entries = [], []
    for instance in accepted:
        form = registry.get(instance.form_key, instance.schema_version)
        body = pdf.render_form_pdf(
            form=form, journey=instances.journey_for(form, instance.answers),
            instance=instance, person=person, council=council, submitter=instance.author,
            work_profile_text=instances.work_profile_text(instance),
            attachment_names=instances.attachment_names(instance))
        reader = PdfReader(io.BytesIO(body))
        submitted = clock.uk_time(instance.submitted_at)
        entries.append(PackEntry(form.title, instance.author.display_name,
                                 submitted.date() if submitted else None, pages=len(reader.pages)))
        parts.append(reader)
        for attachment in _pdf_attachments(instance):
            attached = _read_pdf(uploads.path_of(attachment, upload_dir))
            if attached is None:
                entries.append(PackEntry(attachment.filename, instance.author.display_name, None,
                                         note="Could not be included: the file is damaged, "
                                              "protected or missing", attachment=True))
                continue
            entries.append(PackEntry(attachment.filename, instance.author.display_name, None,
                                     pages=len(attached.pages), attachment=True))
            parts.append(attached)
    index_pages = 1
    for _attempt in range(3):  # page numbers depend on how long the index itself is
        start = index_pages + 1
        for entry in entries:
            entry.page = start if entry.pages else None
            start += entry.pages
        index = PdfReader(io.BytesIO(render_index(entries)))
        if len(index.pages) == index_pages:
            break
        index_pages = len(index.pages)
    writer = PdfWriter()
    for reader in [index, *parts]:
        for page in reader.pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), entries


def pack_filename(person, today) -> str:
    return f"Advice pack - {person.initials} - {today.isoformat()}.pdf"


def record_pack(officer, person, entries, *, ip="") -> None:
    with models.db.atomic():
        audit.record("advice-pack-downloaded", user=officer, ip=ip, object_type="person",
                     object_id=person.id, person_id=person.id,
                     forms=sum(1 for e in entries if not e.attachment))
