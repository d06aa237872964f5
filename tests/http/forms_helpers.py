"""Helpers for the form runner's and the SEN team's casework HTTP tests (test_forms_*.py,
test_casework_*.py); their fixtures ``world`` and ``cw`` are in tests/http/conftest.py.

``World``: a professional with a work profile, linked to an invented child, signed in without the
UI (the ``signed_in`` fixture). ``Casework``: that world plus a signed-in officer, a parent linked
to the child and an unlinked professional, with helpers to get a form submitted or accepted.
``post_step`` scrapes the CSRF token and version from the page.
"""
import datetime as dt
import io
import re
import zipfile

from pypdf import PdfWriter

from models import FormInstance, Link, Message, Organisation, Outbox, Person, WorkProfile
from tests.helpers import csrf_from

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def real_pdf(pages=1):
    """A small PDF pypdf can read, with ``pages`` blank pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class World:
    """Who and what a test works with."""

    def __init__(self, app, make_user, signed_in):
        self.app = app
        self.make_user = make_user
        self.signed_in = signed_in
        self.pro = make_user("pro@example.org", forename="Lesley", surname="Harris")
        with app.app_context():
            org = Organisation.create(name="Zz Nursery", name_key="zz nursery")
            self.profile = WorkProfile.create(user=self.pro, professional_role="SENCo",
                                              organisation=org, street="1 Zz Street",
                                              town="Stockton", postcode="TS18 1AA",
                                              work_phone="01642 000000")
            self.child = Person.create(forename="Zzpoppy", surname="Zzthompson", gender="Female",
                                       date_of_birth=dt.date(2021, 10, 8))
            Link.create(user=self.pro, person=self.child, how="added")
        self.client = app.test_client()
        signed_in(self.client, self.pro)

    def user_client(self, email, *, role="professional", link=True, profile=False):
        """Another signed-in browser for a new user (linked to the child unless link=False)."""
        user = self.make_user(email, role=role)
        with self.app.app_context():
            if link:
                Link.create(user=user, person=self.child, how="added")
            if profile:
                org = Organisation.get_or_create(name="Zz Other", name_key="zz other")[0]
                WorkProfile.create(user=user, professional_role="SENCo", organisation=org)
        client = self.app.test_client()
        self.signed_in(client, user)
        return user, client

    def start(self, form_key="generic-file-upload", client=None):
        """Start a form (with a CSRF token from the home page); returns the instance id."""
        client = client or self.client
        token = csrf_from(client.get("/"))
        response = client.post(f"/people/{self.child.id}/forms/{form_key}/start",
                               data={"csrf_token": token})
        assert response.status_code == 303, response.status_code
        return int(re.search(r"/forms/(\d+)/", response.headers["Location"]).group(1))

    def instance(self, instance_id):
        with self.app.app_context():
            return FormInstance.get_by_id(instance_id)


def version_from(response):
    match = re.search(r'name="version" id="form-version" value="(\d+)"', response.get_data(as_text=True))
    return match.group(1)


def post_step(client, path, data, *, page=None, headers=None, version=None, **kwargs):
    """POST a step like the browser would: CSRF token and version scraped from the page."""
    page = page or client.get(path.split("#")[0])
    body = {"csrf_token": csrf_from(page), "version": version or version_from(page), **data}
    return client.post(path, data=body, headers=headers or {}, **kwargs)


def select_profile(world, instance_id, client=None):
    client = client or world.client
    return post_step(client, f"/forms/{instance_id}/work-details",
                     {"work_profile_id": str(world.profile.id)})


def upload(client, instance_id, step, field, filename, content, extra=None):
    path = f"/forms/{instance_id}/{step}"
    return post_step(client, path, {"upload": field, field: (io.BytesIO(content), filename),
                                    **(extra or {})}, content_type="multipart/form-data")


def fill_generic(world, instance_id, *, with_file=True):
    """Complete the Generic File Upload Manager up to its Summary."""
    assert select_profile(world, instance_id).status_code == 303
    answers = {"document_type": "Correspondence", "description": "A letter from the GP"}
    if with_file:
        response = upload(world.client, instance_id, "upload", "files", "letter.pdf", PDF_BYTES,
                          answers)
        assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return post_step(world.client, f"/forms/{instance_id}/upload", answers)


def agree_all(count=2):
    return {f"agree-{i}": "yes" for i in range(count)}


class Casework(World):
    """The forms world plus an officer, a parent and an unlinked professional."""

    def __init__(self, app, make_user, signed_in):
        super().__init__(app, make_user, signed_in)
        self.officer = make_user("officer@example.org", role="officer", forename="Olive",
                                 surname="Officer")
        self.officer_client = app.test_client()
        signed_in(self.officer_client, self.officer)
        self.parent = make_user("parent@example.org", role="citizen", forename="Pat",
                                surname="Parent")
        self.outsider = make_user("other-pro@example.org", forename="Otto", surname="Outsider")
        with app.app_context():
            Link.create(user=self.parent, person=self.child, how="parent")
        self.parent_client = app.test_client()
        signed_in(self.parent_client, self.parent)

    # --- officer actions ---------------------------------------------------------------------

    def get(self, path, **kwargs):
        return self.officer_client.get(path, **kwargs)

    def post(self, path, data=None, *, page=None, **kwargs):
        """POST as the officer with a CSRF token from ``page`` (or the casework overview)."""
        page = page or self.officer_client.get(f"/team/people/{self.child.id}")
        return self.officer_client.post(path, data={"csrf_token": csrf_from(page), **(data or {})},
                                        **kwargs)

    def request_advice(self, **data):
        body = {"recipient": str(self.pro.id), "form_key": "generic-file-upload", **data}
        return self.post(f"/team/people/{self.child.id}/advice/new", body)

    def submitted(self, *, file_content=None, filename="report.pdf"):
        """The professional fills in and submits the Generic File Upload Manager; returns its id."""
        instance_id = self.start()
        if file_content is not None:
            select_profile(self, instance_id)
            answers = {"document_type": "Correspondence", "description": "A letter from the GP"}
            response = upload(self.client, instance_id, "upload", "files", filename, file_content,
                              answers)
            assert response.status_code == 303
            response = self._post_upload_step(instance_id, answers)
        else:
            response = fill_generic(self, instance_id)
        assert response.headers["Location"].endswith("/summary"), response.status_code
        self.submit(instance_id)
        return instance_id

    def _post_upload_step(self, instance_id, answers):
        return post_step(self.client, f"/forms/{instance_id}/upload", answers)

    def submit(self, instance_id):
        page = self.client.get(f"/forms/{instance_id}/summary")
        response = self.client.post(f"/forms/{instance_id}/submit",
                                    data={"csrf_token": csrf_from(page),
                                          "version": version_from(page), **agree_all()})
        assert response.status_code == 303, response.status_code
        return response

    def decide(self, instance_id, decision, reason="", version=None, page=None):
        page = page or self.get(f"/team/review/{instance_id}")
        if version is None:
            version = re.search(r'name="version" value="(\d+)"',
                                page.get_data(as_text=True)).group(1)
        return self.officer_client.post(
            f"/team/review/{instance_id}",
            data={"csrf_token": csrf_from(page), "version": version, "decision": decision,
                  "reason": reason})

    def accepted(self, **kwargs):
        instance_id = self.submitted(**kwargs)
        assert self.decide(instance_id, "accept").status_code == 303
        return instance_id

    # --- reading back ------------------------------------------------------------------------

    def messages_to(self, user, kind=None):
        with self.app.app_context():
            query = Message.select().where(Message.recipient == user)
            if kind:
                query = query.where(Message.kind == kind)
            return list(query.order_by(Message.id))

    def emails_to(self, user):
        with self.app.app_context():
            return list(Outbox.select().where(Outbox.to_addr == user.email).order_by(Outbox.id))

    def instance(self, instance_id):
        with self.app.app_context():
            return FormInstance.get_by_id(instance_id)
