"""PDFs of submitted forms: HTML rendered with xhtml2pdf under a locked-down resource policy.

The HTML comes from Jinja templates (templates/pdf/), so everything a user typed is escaped
before xhtml2pdf sees it. Even so, the renderer is never allowed to fetch anything on the
document's behalf: ``link_callback`` refuses every remote URL and every path outside the
project's static/ folder, and the xhtml2pdf resource policy says the same thing again inside the
fetcher itself (some xhtml2pdf code paths do not go through ``link_callback``). Two locks on the
same door, because a PDF of a child's record must never become a way to read the server's files
or reach its internal network.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import urllib.parse
import urllib.request
from pathlib import Path

from flask import current_app, has_app_context, render_template
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from services.kernel import clock

ROOT = Path(__file__).resolve().parents[2]

# What a refused resource becomes: an empty inline document. xhtml2pdf treats an empty (falsy)
# answer from link_callback as "no rewrite" and would fetch the ORIGINAL address, so the
# callback handed to xhtml2pdf turns a refusal into this instead.
_NOTHING = "data:,"

# Characters Windows, macOS or a Content-Disposition header cannot take in a file name.
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')



def static_root() -> Path:
    """The project's static/ folder: the only place a PDF may read files from."""
    if has_app_context() and current_app.static_folder:
        return Path(current_app.static_folder).resolve()
    return (ROOT / "static").resolve()


def link_callback(uri, rel=None) -> str:
    """xhtml2pdf's resource hook: the local path of ``uri`` when allowed, else "".

    Allowed: ``data:`` URIs, and files inside static/ named as ``/static/x``, ``static/x``,
    a relative ``x`` (taken inside static/) or ``file://`` with an absolute path inside static/.
    Refused (""): http, https, ftp and every other scheme, network-path references (``//host``),
    and any path that resolves (symlinks and ``..`` included) outside static/.
    """
    if not isinstance(uri, str):
        return ""
    uri = uri.strip()
    if not uri:
        return ""
    if uri.lower().startswith("data:"):
        return uri
    parts = urllib.parse.urlsplit(uri)
    scheme = parts.scheme.lower()
    root = static_root()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            return ""
        candidate = Path(urllib.request.url2pathname(parts.path))
    elif scheme or parts.netloc or uri.startswith("//") or "\\" in uri:
        # http:, https:, ftp:, gopher:, C:\..., //host/x and the like: never.
        return ""
    else:
        path = urllib.parse.unquote(parts.path)
        if path.startswith("/static/"):
            candidate = root / path[len("/static/"):]
        elif path.startswith("static/"):
            candidate = root / path[len("static/"):]
        elif path.startswith("/"):
            candidate = Path(path)
        else:
            candidate = root / path
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError, ValueError):
        return ""
    if resolved != root and root in resolved.parents and resolved.is_file():
        return str(resolved)
    return ""


def _pisa_link_callback(uri, rel=None) -> str:
    # A refusal must replace the address, not leave it standing (see _NOTHING).
    return link_callback(uri, rel) or _NOTHING


def resource_policy() -> ResourceAccessPolicy:
    """The fetcher-level policy: no network at all, local reads only inside static/."""
    return ResourceAccessPolicy.server(
        static_root(), allow_remote=False, allowed_hosts=frozenset(),
        allow_remote_pdf_backgrounds=False)


def render_html_pdf(html: str) -> bytes:
    """Render an HTML document (xhtml2pdf dialect) to PDF bytes under the locked-down policy.

    Raises RuntimeError when xhtml2pdf reports errors, so a broken PDF is never handed out.
    """
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8",
                            link_callback=_pisa_link_callback, resource_policy=resource_policy())
    if status.err:
        raise RuntimeError(f"PDF rendering failed with {status.err} error(s)")
    return out.getvalue()


def _paragraphs(text) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def render_form_pdf(*, form, journey, instance, person, council, submitter,
                    work_profile_text=None, attachment_names=None) -> bytes:
    """The PDF of one form instance: header, child, submitter, every answer, declarations.

    ``journey`` is the engine Journey over ``instance.answers``; ``attachment_names(id)``
    names an uploaded file; ``work_profile_text`` describes the chosen work profile in one line.
    Call inside an app context (the HTML comes from templates/pdf/form.html).
    """
    # Without a description the engine would print the profile's database id; a missing one
    # (the profile was deleted since) is better said plainly.
    sections = journey.summary(file_name=attachment_names,
                               work_profile=lambda _id: work_profile_text or "Not available")
    declarations = [_paragraphs(s) for s in
                    form.declaration_statements((council or {}).get("declarations"))]
    dob = getattr(person, "date_of_birth", None)
    html = render_template(
        "pdf/form.html",
        form=form, sections=sections, instance=instance, person=person, council=council or {},
        submitter=submitter, work_profile_text=work_profile_text, declarations=declarations,
        date_of_birth=dob.strftime("%d/%m/%Y") if dob else "Not provided",
        status=(getattr(instance, "status", "") or "draft"),
        submitted_at=clock.uk_time(getattr(instance, "submitted_at", None)),
        version=getattr(instance, "schema_version", None) or form.version,
        generated_at=clock.uk_now(),
        font_dir=(static_root() / "fonts").as_posix(),
    )
    return render_html_pdf(html)


def pdf_filename(form, person, date) -> str:
    """``<form title> - <child initials> - <YYYY-MM-DD>.pdf`` with unsafe characters removed."""
    day = date.date() if isinstance(date, dt.datetime) else date
    parts = [form.title, getattr(person, "initials", "") or "", day.isoformat()]
    cleaned = []
    for part in parts:
        part = _UNSAFE_IN_FILE_NAME.sub(" ", str(part))
        part = re.sub(r"\s+", " ", part).strip(" .")
        if part:
            cleaned.append(part)
    return " - ".join(cleaned)[:200] + ".pdf"
