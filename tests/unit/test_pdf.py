"""services/forms/pdf.py: the PDF of a form, its file name, escaping and the resource lock-down."""
import datetime as dt
import io
import socket
import urllib.request
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from engine import Journey, load_form_text
from models import FormInstance, Person, User
from services.forms import pdf
from tests.perf.data import value_for  # one filler for the PDF tests and the PDF benchmark

FORM_KEY = "early-years-request"
ATTACHMENTS = {101: "Zz consent signed.pdf", 102: "Zz support plan 2024.docx",
               103: "Zz SALT report.pdf"}
WORK_PROFILE = "Zzsam Zztester, SENCo, Zz Little Acorns Nursery"


def fill(form, parents=6, long_text=None):
    """Answers for every field of ``form`` (every yes/no says Yes, so follow-ups show too).

    Text answers name their step and field, so a test can look for each one in the PDF.
    """
    answers = {}
    for step in form.steps:
        rows = []
        count = (parents if step.key == "parents" else 2) if step.repeat else 1
        for row in range(count):
            values = {}
            for field in step.value_fields:
                values[field.name] = value_for(step, field, row, long_text)
            rows.append(values)
        answers[step.key] = rows if step.repeat else rows[0]
    answers["consent"]["consent_form"] = [101]
    answers["documents"]["support_plans"] = [102]
    answers["documents"]["professional_reports"] = [103]
    answers["documents"]["other_documents"] = []
    return answers


@pytest.fixture
def people(app):
    """A child, a submitter and a submitted Early Years request (stored rows)."""
    with app.app_context():
        user = User.create(email="zz.senco@example.org", forename="Zzsam", surname="Zztester",
                           role="professional", status="active")
        child = Person.create(forename="Zzalex", middle_name="Jo", surname="Zzexample",
                              date_of_birth=dt.date(2020, 3, 1))
        form = app.extensions["forms"].get(FORM_KEY)
        instance = FormInstance.create(person=child, form_key=FORM_KEY, schema_version=form.version,
                                       author=user, status="submitted", answers=fill(form),
                                       submitted_at=dt.datetime(2025, 1, 14, 9, 30))
        return SimpleNamespace(user=user, child=child, instance=instance, form=form)


def render(app, people, answers=None, **kw):
    form = people.form
    instance = people.instance
    if answers is not None:
        instance.answers = answers
    kw.setdefault("work_profile_text", WORK_PROFILE)
    kw.setdefault("attachment_names", ATTACHMENTS.get)
    with app.app_context():
        data = pdf.render_form_pdf(
            form=form, journey=Journey(form, instance.answers), instance=instance,
            person=people.child, council=app.config["COUNCIL"], submitter=people.user, **kw)
    return data


def text_of(data):
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def squash(text):
    """Extracted text with every run of whitespace made one space (answers wrap over lines)."""
    return " ".join(text.split())


def test_pdf_holds_the_child_the_submitter_and_every_answer(app, people):
    data = render(app, people)
    assert data.startswith(b"%PDF")
    text, pages = text_of(data)
    flat = squash(text)
    council = app.config["COUNCIL"]
    assert council["name"] in flat
    assert "Special Educational Needs and Disabilities" in flat
    assert "Early Years Setting Request for EHCP Assessment" in flat
    assert "Form version 1" in flat
    assert "Zzalex Jo Zzexample" in flat
    assert "01/03/2020" in flat
    assert "Submitted" in flat and "14/01/2025" in flat
    assert "Zzsam Zztester" in flat and "zz.senco@example.org" in flat
    assert WORK_PROFILE in flat
    # Every answer of every visible step, in step order.
    journey = Journey(people.form, people.instance.answers)
    position = 0
    for section in journey.summary(file_name=ATTACHMENTS.get, work_profile=lambda _: WORK_PROFILE):
        found = flat.find(squash(section.title), position)
        assert found >= 0, section.title
        position = found
        for row in section.rows:
            assert squash(row.text) in flat, (section.step_key, row.name, row.text)
    for n in range(1, 7):
        assert f"Parent/Carer {n}" in flat
        assert f"Zz parents name row {n}" in flat
    for name in ATTACHMENTS.values():
        assert name in flat
    assert "Not provided" in flat  # other_documents was left empty
    for statement in people.form.declaration_statements(council["declarations"]):
        assert squash(statement)[:60] in flat
    assert "OFFICIAL-SENSITIVE" in flat
    assert "Page 1 of %d" % pages in flat
    assert pages > 1 and "Page %d of %d" % (pages, pages) in flat


def test_skipped_answers_read_not_provided_and_draft_says_so(app, people):
    people.instance.status = "draft"
    people.instance.submitted_at = None
    answers = {"parents": [{"name": "Zz only parent"}]}
    text, _ = text_of(render(app, people, answers=answers, work_profile_text=None))
    flat = squash(text)
    assert "Zz only parent" in flat and "Parent/Carer 1" in flat
    assert "Not yet submitted" in flat and "Draft" in flat
    assert flat.count("Not provided") > 20


def test_long_answers_keep_their_lines_and_split_over_pages(app, people):
    # A textarea at its 10,000-character limit, one line per paragraph.
    essay = "\n".join(f"Zz line {i} " + "lorem ipsum dolor sit amet " * 8 for i in range(45))
    answers = fill(people.form, parents=1)
    answers["provision"]["support_in_place"] = essay
    answers["views"]["parent_views"] = essay.replace("\n", " ")  # one unbroken paragraph
    text, pages = text_of(render(app, people, answers=answers))
    assert pages >= 4
    assert "Zz line 0 " in text and "Zz line 44 " in text
    # Line breaks typed by the user are kept: each line starts a new line in the PDF.
    assert "\nZz line 1 " in text


def test_typed_markup_is_printed_as_text(app, people):
    answers = fill(people.form, parents=1)
    answers["communication"]["ci_strengths"] = "<script>alert(1)</script>"
    answers["communication"]["ci_concerns"] = '<img src=x> & <b>bold</b>'
    answers["parents"][0]["name"] = '<img src="http://127.0.0.1:9/x.png">'
    answers["cognition"]["cl_strengths"] = '<img src="file:///etc/passwd"> <link href="/etc/passwd">'
    text, _ = text_of(render(app, people, answers=answers))
    flat = squash(text)
    assert "<script>alert(1)</script>" in flat
    assert "<img src=x> & <b>bold</b>" in flat
    assert '<img src="http://127.0.0.1:9/x.png">' in flat
    assert '<img src="file:///etc/passwd">' in flat
    assert "root:" not in flat


def test_nothing_is_fetched_even_from_raw_html(app, monkeypatch, tmp_path):
    """render_html_pdf on hostile markup: no socket is opened, no file outside static/ read."""
    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red } /* zz-secret-marker */")
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:9/x.css">
      <link rel="stylesheet" href="file://{secret}">
      <style>@import url("https://example.com/a.css");
        @font-face {{ font-family: Zz; src: url("http://127.0.0.1:9/f.ttf"); }}</style>
      </head><body>
      <p>Zz body text</p>
      <img src="http://127.0.0.1:9/x.png"><img src="https://169.254.169.254/latest/meta-data/">
      <img src="file:///etc/passwd"><img src="/etc/passwd"><img src="../../../../etc/passwd">
      <img src="ftp://127.0.0.1/x.png"><img src="//127.0.0.1:9/x.png">
      <img src="{secret}">
      </body></html>"""
    with app.app_context():
        data = pdf.render_html_pdf(html)
    assert data.startswith(b"%PDF")
    text, _ = text_of(data)
    assert "Zz body text" in text
    assert "root:" not in text and "zz-secret-marker" not in text


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1:9/x.png",
    "https://example.com/logo.png",
    "HTTP://EXAMPLE.COM/logo.png",
    "ftp://127.0.0.1/x.png",
    "gopher://127.0.0.1/x",
    "//127.0.0.1:9/x.png",
    "file:///etc/passwd",
    "file://remote-host/share/x.png",
    "/etc/passwd",
    "../../../../etc/passwd",
    "/static/../../../etc/passwd",
    "static/../portal.py",
    "../portal.py",
    "/static/does-not-exist.png",
    "C:\\Windows\\win.ini",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/portal.css\x00.png",
    "javascript:alert(1)",
    "",
    None,
])
def test_link_callback_refuses_everything_outside_static(app, uri):
    with app.app_context():
        assert pdf.link_callback(uri, None) == ""


def test_link_callback_allows_static_files_and_data_uris(app):
    with app.app_context():
        static = pdf.static_root()
        css = static / "portal.css"
        assert pdf.link_callback("/static/portal.css", None) == str(css)
        assert pdf.link_callback("static/portal.css", None) == str(css)
        assert pdf.link_callback("portal.css", None) == str(css)
        assert pdf.link_callback(css.as_uri(), None) == str(css)
        assert pdf.link_callback(str(css), None) == str(css)
        assert pdf.link_callback("data:image/png;base64,AAAA", None) == "data:image/png;base64,AAAA"


def test_link_callback_refuses_a_symlink_out_of_static(app, tmp_path, monkeypatch):
    outside = tmp_path / "outside.txt"
    outside.write_text("zz")
    static = tmp_path / "static"
    static.mkdir()
    (static / "inside.txt").write_text("ok")
    (static / "link.txt").symlink_to(outside)
    monkeypatch.setattr(app, "static_folder", str(static))
    with app.app_context():
        assert pdf.link_callback("/static/inside.txt", None) == str((static / "inside.txt").resolve())
        assert pdf.link_callback("/static/link.txt", None) == ""


def test_refusals_reach_xhtml2pdf_as_nothing_rather_than_the_original_address(app):
    # xhtml2pdf keeps the original URI when link_callback answers "" (falsy).
    with app.app_context():
        assert pdf._pisa_link_callback("http://127.0.0.1:9/x.png", None) == "data:,"
        policy = pdf.resource_policy()
    assert policy.allow_remote is False


@pytest.mark.parametrize("title, initials, expected", [
    ("Early Years Setting Request for EHCP Assessment", "ZZ",
     "Early Years Setting Request for EHCP Assessment - ZZ - 2025-01-14.pdf"),
    ('E5a: Medical/"Health" Advice <v2>?', "AB", "E5a Medical Health Advice v2 - AB - 2025-01-14.pdf"),
    ("..\\..\\etc|passwd*\n", "Q", "etc passwd - Q - 2025-01-14.pdf"),
])
def test_pdf_filename(title, initials, expected):
    form = SimpleNamespace(title=title)
    person = SimpleNamespace(initials=initials)
    assert pdf.pdf_filename(form, person, dt.date(2025, 1, 14)) == expected
    assert pdf.pdf_filename(form, person, dt.datetime(2025, 1, 14, 23, 59)) == expected


def test_pdf_filename_uses_the_person_initials(app, people):
    assert pdf.pdf_filename(people.form, people.child, dt.date(2025, 2, 3)) == (
        "Early Years Setting Request for EHCP Assessment - ZZ - 2025-02-03.pdf")


def test_stand_in_objects_are_enough(app):
    """The form runner may pass plain objects: only the documented attributes are used."""
    form = load_form_text("""
key: zz-test
title: Zz Test Form
tab: request
version: 3
started_by: [professional]
pdf: true
steps:
  - key: people
    title: Helper Details
    repeat: {min: 1, max: 300, label: Helper}
    fields:
      - {name: name, type: text, label: Helper name}
""")
    answers = {"people": [{"name": f"Zz helper {i}"} for i in range(30)]}
    person = SimpleNamespace(forename="Zzkim", middle_name="", surname="Zzstand",
                             date_of_birth=dt.date(2012, 12, 25), initials="ZZ",
                             full_name="Zzkim Zzstand")
    instance = SimpleNamespace(status="returned", submitted_at=None, schema_version=3)
    submitter = SimpleNamespace(display_name="Zz Officer", email="zz.officer@example.org")
    council = {"name": "Zz Borough Council", "team_name": "Zz SEN Team", "phone": "01234 567890",
               "email": "sen@example.org"}
    with app.app_context():
        data = pdf.render_form_pdf(form=form, journey=Journey(form, answers), instance=instance,
                                   person=person, council=council, submitter=submitter)
    flat = squash(text_of(data)[0])
    assert "Zz Borough Council" in flat and "Zz SEN Team" in flat
    assert "Zzkim Zzstand" in flat and "25/12/2012" in flat and "Form version 3" in flat
    assert "Helper 1" in flat and "Helper 30" in flat and "Zz helper 29" in flat
    assert "Returned" in flat


def test_times_are_shown_in_uk_time(app):
    form = load_form_text("""
key: zz-time
title: Zz Time Form
tab: request
version: 1
started_by: [professional]
pdf: true
steps:
  - key: work
    title: Work Details
    kind: work_profile
""")
    person = SimpleNamespace(full_name="Zzkim Zzstand", date_of_birth=dt.date(2012, 12, 25),
                             initials="ZZ")
    instance = SimpleNamespace(status="submitted", schema_version=1,
                               submitted_at=dt.datetime(2025, 7, 1, 8, 5))  # naive UTC
    submitter = SimpleNamespace(display_name="Zz Officer", email="zz.officer@example.org")
    with app.app_context():
        data = pdf.render_form_pdf(form=form, journey=Journey(form, {"work": {"work_profile_id": 9}}),
                                   instance=instance, person=person, council={"name": "Zz Council"},
                                   submitter=submitter)
    flat = squash(text_of(data)[0])
    assert "01/07/2025 at 09:05" in flat  # British Summer Time
    assert "Work profile Not available" in flat  # never the profile's database id


def test_non_latin_names_are_printed_not_boxed(app):
    """DejaVu Sans is embedded so names like Nguyễn and Łukasz survive into the PDF."""
    from pypdf import PdfReader
    import io
    from services.forms.pdf import render_html_pdf, static_root
    with app.app_context():
        font = (static_root() / "fonts" / "DejaVuSans.ttf").as_posix()
        html = ('<html><head><style>@font-face { font-family: P; src: url("%s"); } '
                'body { font-family: P; }</style></head>'
                '<body><p>Zoë Siobhán Nguyễn Łukasz</p></body></html>' % font)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_html_pdf(html))).pages)
    assert "Nguyễn" in text and "Łukasz" in text and "Siobhán" in text


def test_form_pdf_prints_non_latin_answers(app, people):
    answers = fill(people.form, parents=1)
    answers["parents"][0]["name"] = "Nguyễn Thị Zzlan, Łukasz Zzkowalski"
    flat = squash(text_of(render(app, people, answers=answers))[0])
    assert "Nguyễn Thị Zzlan, Łukasz Zzkowalski" in flat
