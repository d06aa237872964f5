"""Files attached to form answers: checked by name AND content, stored outside static/.

A file is accepted only when its extension is on the allowlist (narrowed by the field's
``accept``) and its first bytes say it really is that kind of file, so an .exe renamed .pdf is
refused. Files are written to a temporary name in UPLOAD_DIR and renamed into place only when
complete and checked: an interrupted or refused upload leaves nothing behind. On disk a file has
a random name; the name the user gave it is kept in the database and only ever sent back in a
Content-Disposition header by an authorised download view.

When a virus scanner is configured (PORTAL_CLAMD_SOCKET, passed in as ``clamd``), every file is
streamed to clamd after these checks and before it is kept (``virus_check``): a file clamd finds
infected is refused at the field and audited; when clamd cannot answer the file is refused too —
never kept unchecked.

No request objects here: views pass the uploaded file's name and a readable binary stream.
"""
from __future__ import annotations

import logging
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

import models
from models import Attachment, FormInstance, Submission, utcnow
from services import audit
from services.ops import clamd as clamd_client

log = logging.getLogger("portal.uploads")

# extension -> (content type, what it is called in messages)
ALLOWED = {
    "pdf": ("application/pdf", "PDF"),
    "doc": ("application/msword", "DOC"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "rtf": ("application/rtf", "RTF"),
    "txt": ("text/plain", "TXT"),
    "xls": ("application/vnd.ms-excel", "XLS"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "csv": ("text/csv", "CSV"),
    "jpg": ("image/jpeg", "JPG"),
    "jpeg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
}
CHUNK = 64 * 1024
MAX_FILES_PER_FIELD = 10  # config UPLOAD_MAX_FILES_PER_FIELD (a field's own ``max`` wins)
MAX_FILES_PER_FORM = 30  # config UPLOAD_MAX_FILES_PER_FORM: live files on one form instance
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
VIRUS_FOUND = "The selected file contains a virus"
CANNOT_SCAN = "The selected file cannot be checked for viruses right now. Try again later."


class UploadError(Exception):
    """A file was refused; ``str(error)`` is the GOV.UK message to show at the field."""


def virus_check(path: Path, clamd: str, *, user, person_id, ip: str = "", **where) -> None:
    """Refuse the file at ``path`` unless clamd says it is clean (nothing to do when ``clamd`` is
    empty). Infected: an audit event "upload-virus-found" (``where`` says which form field or
    case document), then UploadError(VIRUS_FOUND). No answer: UploadError(CANNOT_SCAN)."""
    if not clamd:
        return
    try:
        with open(path, "rb") as f:
            signature = clamd_client.scan(clamd, f)
    except clamd_client.Unavailable as exc:
        log.warning("virus scan unavailable, upload refused: %s", exc)
        raise UploadError(CANNOT_SCAN) from None
    if signature:
        with models.db.atomic():
            audit.record("upload-virus-found", user=user, ip=ip, person_id=person_id,
                         signature=signature, size=path.stat().st_size, **where)
        raise UploadError(VIRUS_FOUND)


@dataclass(frozen=True)
class Checked:
    extension: str
    content_type: str


def allowed_extensions(accept=()) -> list[str]:
    """The extensions a field takes: its ``accept`` list within the allowlist, else all of it."""
    if accept:
        return [a for a in accept if a in ALLOWED]
    return list(ALLOWED)


def type_message(accept=()) -> str:
    """ "The selected file must be a PDF, DOCX, JPG or PNG" for a field's accepted types."""
    names = []
    for ext in allowed_extensions(accept):
        name = ALLOWED[ext][1]
        if name == "JPEG" and "JPG" in names:
            continue
        if name not in names:
            names.append(name)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"The selected file must be a {listed}"


def extension_of(filename: str) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[1] if "." in name else ""


def clean_filename(filename: str) -> str:
    """The user's file name without any folder part or control characters (display only)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "file"


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _zip_has(path: Path, member: str, content: bytes | None = None) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            if member not in archive.namelist():
                return False
            if content is not None:
                return archive.read(member).strip() == content
            return True
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return False


def content_matches(extension: str, path: Path) -> bool:
    """True when the file's bytes are what its extension claims (magic numbers, zip parts)."""
    with open(path, "rb") as f:
        head = f.read(16)
    if extension == "pdf":
        return head.startswith(b"%PDF")
    if extension in ("doc", "xls"):
        return head.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
    if extension == "rtf":
        return head.startswith(b"{\\rtf")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("docx", "xlsx", "odt"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        if extension == "docx":
            return _zip_has(path, "word/document.xml")
        if extension == "xlsx":
            return _zip_has(path, "xl/workbook.xml")
        return _zip_has(path, "mimetype", ODT_MIMETYPE)
    if extension in ("txt", "csv"):
        return _looks_like_text(path.read_bytes())
    return False


def _write_temp(stream, directory: Path, max_bytes: int) -> tuple[Path, int]:
    """Copy ``stream`` to a temporary file in ``directory``; refuses anything over max_bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    temp = directory / f".part-{secrets.token_hex(16)}"
    size = 0
    try:
        with open(temp, "xb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(f"The selected file must be smaller than "
                                      f"{max_bytes // (1024 * 1024)}MB")
                out.write(chunk)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp, size


def store(*, instance, field_key: str, filename: str, stream, user, upload_dir, max_bytes: int,
          accept=(), per_field: int = MAX_FILES_PER_FIELD,
          per_form: int = MAX_FILES_PER_FORM, clamd: str = "") -> Attachment:
    """Check and keep one uploaded file for ``instance`` under ``field_key`` ("step.field" or
    "step.<row>.field"). Raises UploadError with the message to show at the field.

    The quota (``per_field``, ``per_form``) is counted inside the transaction that adds the file,
    with the form instance's row locked, so two uploads at once cannot both take the last place.
    ``clamd`` (PORTAL_CLAMD_SOCKET): scan the file there before keeping it (``virus_check``)."""
    name = clean_filename(filename)
    if not filename or stream is None:
        raise UploadError("Select a file")
    extension = extension_of(name)
    if extension not in allowed_extensions(accept):
        raise UploadError(type_message(accept))
    directory = Path(upload_dir)
    temp, size = _write_temp(stream, directory, max_bytes)
    try:
        if size == 0:
            raise UploadError("The selected file is empty")
        if not content_matches(extension, temp):
            raise UploadError(type_message(accept))
        virus_check(temp, clamd, user=user, person_id=instance.person_id,
                    object_type="form-instance", object_id=str(instance.id), field=field_key)
        stored_name = secrets.token_hex(24)
        with models.db.atomic():
            _lock(instance)
            check_quota(instance, field_key, per_field=per_field, per_form=per_form)
            attachment = Attachment.create(
                instance=instance, field=field_key, filename=name, stored_name=stored_name,
                content_type=ALLOWED[extension][0], size=size, uploaded_by=user)
            os.replace(temp, directory / stored_name)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return attachment


def _lock(instance) -> None:
    """Hold the instance's row until the transaction ends (a no-op UPDATE: a row lock on
    PostgreSQL, the write lock on SQLite), so quota counts that follow see every upload before."""
    FormInstance.update(id=FormInstance.id).where(FormInstance.id == instance.id).execute()


def path_of(attachment: Attachment, upload_dir) -> Path:
    """Where a stored file lives (random name inside UPLOAD_DIR)."""
    return Path(upload_dir) / attachment.stored_name


def live(instance, prefix: str | None = None) -> list[Attachment]:
    """The instance's attachments not removed, oldest first (optionally under one step)."""
    query = Attachment.select().where((Attachment.instance == instance)
                                      & Attachment.removed_at.is_null())
    if prefix:
        query = query.where(Attachment.field.startswith(prefix))
    return list(query.order_by(Attachment.id))


def mark_removed(attachment: Attachment) -> None:
    """Take a file off its answer (the caller then calls ``unreferenced`` to drop it from disk)."""
    Attachment.update(removed_at=utcnow()).where(Attachment.id == attachment.id).execute()


def in_answers(attachment: Attachment, answers) -> bool:
    """True when ``answers`` (current or a submitted round's) name the file, on its own field
    ("step.field", or "step.<row>.field" on any row: rows move when one is removed)."""
    parts = attachment.field.split(".")
    step, name = parts[0], parts[-1]
    value = (answers or {}).get(step)
    for row in value if isinstance(value, list) else [value]:
        ids = row.get(name) if isinstance(row, dict) else None
        if isinstance(ids, list) and any(str(i) == str(attachment.id) for i in ids):
            return True
    return False


def referenced(attachment: Attachment) -> bool:
    """True when a submitted round of the file's form names it (that round keeps it)."""
    return any(in_answers(attachment, s.answers)
               for s in Submission.select(Submission.answers)
               .where(Submission.instance == attachment.instance_id))


def unreferenced(attachments, upload_dir) -> list[Path]:
    """The disk paths of removed files no submitted round names: the caller deletes them once
    its transaction has committed (``delete_files``)."""
    return [path_of(a, upload_dir) for a in attachments if not referenced(a)]


def delete_files(paths) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def count_live(instance, field_key: str | None = None) -> int:
    """How many files are on the form now (or on one field of it): what the upload quota counts."""
    query = Attachment.select().where((Attachment.instance == instance)
                                      & Attachment.removed_at.is_null())
    if field_key is not None:
        query = query.where(Attachment.field == field_key)
    return query.count()


def check_quota(instance, field_key: str, *, per_field: int, per_form: int) -> None:
    """Refuse one more file when the field or the form already has as many as allowed."""
    if count_live(instance, field_key) >= per_field:
        raise UploadError(f"You can upload up to {per_field} "
                          f"{'file' if per_field == 1 else 'files'} here. "
                          "Remove a file to add another")
    if count_live(instance) >= per_form:
        raise UploadError(f"You can upload up to {per_form} files on this form. "
                          "Remove a file to add another")


def kind_of(filename: str) -> str:
    """ "PDF", "DOCX"... for a stored file's name ("File" for anything off the allowlist)."""
    return ALLOWED.get(extension_of(filename), (None, "File"))[1]


def human_size(size: int) -> str:
    """ "840 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"
