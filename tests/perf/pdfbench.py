"""PDF: time and peak memory of services.forms.pdf.render_form_pdf, each case in its own process.

Cases: the Early Years request with 6 parents and 3 attachments, and a form with a 200-row Add
More group (a bench-only schema, since no shipped form allows 200 rows). Peak memory is the
process's maximum resident set (getrusage) — the interpreter and the portal's imports included,
so the "before" figure (after imports and a first app context) is shown beside it.
Run as ``python -m tests.perf.pdfbench CASE`` (prints JSON); ``measure()`` runs both.
"""
import json
import subprocess
import sys

from tests.perf.server import ROOT, _die_with_parent

TWO_HUNDRED_ROWS = """
key: bench-two-hundred-rows
title: Services involved with the child (bench form)
tab: request
version: 1
started_by: [professional]
pdf: true
steps:
  - key: services
    title: Services involved
    intro: One row for each service involved with the child.
    repeat: {min: 1, max: 200, label: service}
    fields:
      - {name: service, type: text, label: Name of the service, required: true}
      - {name: contact, type: text, label: Contact name}
      - {name: phone, type: tel, label: Telephone number}
      - {name: started, type: date, label: Date their involvement started, past: true}
      - {name: notes, type: textarea, label: What they do and how often}
"""

CASES = ("early-years", "two-hundred-rows")


def _child_process(case):
    import datetime as dt
    import os
    import resource
    import tempfile
    import time
    from types import SimpleNamespace

    tmp = tempfile.mkdtemp(prefix="send-bench-pdf-")
    os.environ["PORTAL_INSTANCE"] = tmp
    from engine import Journey, load_form_text
    from portal import create_app
    from services.forms import pdf
    from tests.perf.data import fill

    app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{tmp}/pdf.db"})
    if case == "early-years":
        form = app.extensions["forms"].get("early-years-request")
        files = {"consent.consent_form": [101], "documents.support_plans": [102],
                 "documents.professional_reports": [103]}
        answers = fill(form, rows_of={"parents": 6}, files=files)
    else:
        form = load_form_text(TWO_HUNDRED_ROWS, "bench-two-hundred-rows.yaml")
        answers = fill(form, rows_of={"services": 200},
                       long_text="Zz weekly speech and language sessions in school, 30 minutes.")
    names = {101: "Zz consent signed.pdf", 102: "Zz support plan 2024.docx",
             103: "Zz SALT report.pdf"}
    person = SimpleNamespace(forename="Zzalex", middle_name="Jo", surname="Zzexample",
                             full_name="Zzalex Jo Zzexample", initials="ZZ",
                             date_of_birth=dt.date(2020, 3, 1), gender="Male",
                             current_school="Zz Little Acorns Nursery", postcode="TS18 1AA")
    user = SimpleNamespace(display_name="Zzsam Zztester", email="zz.senco@example.org",
                           forename="Zzsam", surname="Zztester")
    instance = SimpleNamespace(id=1, answers=answers, status="submitted", schema_version=1,
                               submitted_at=dt.datetime(2025, 1, 14, 9, 30), form_key=form.key)
    rows = sum(len(v) for v in answers.values() if isinstance(v, list))

    def render():
        with app.app_context():
            return pdf.render_form_pdf(
                form=form, journey=Journey(form, answers), instance=instance, person=person,
                council=app.config["COUNCIL"], submitter=user,
                work_profile_text="Zzsam Zztester, SENCo, Zz Little Acorns Nursery",
                attachment_names=names.get)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    body = render()
    cold = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    warm = []
    for _ in range(2):
        t = time.perf_counter()
        render()
        warm.append(time.perf_counter() - t)
    from pypdf import PdfReader
    import io
    pages = len(PdfReader(io.BytesIO(body)).pages)
    print(json.dumps({"case": case, "cold_s": cold, "warm_s": min(warm), "peak_mb": peak,
                      "before_mb": before, "bytes": len(body), "pages": pages, "rows": rows}))
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)


def measure(timeout=300):
    """Both cases, each in a fresh process. Returns {case: figures or {"error": ...}}."""
    out = {}
    for case in CASES:
        done = subprocess.run([sys.executable, "-m", "tests.perf.pdfbench", case], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_die_with_parent)
        try:
            out[case] = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            out[case] = {"error": (done.stderr or done.stdout)[-500:]}
    return out


if __name__ == "__main__":
    _child_process(sys.argv[1])
