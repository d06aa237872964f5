"""Shared set-up for the SEN team's casework tests (tests/http/test_casework_*.py); holds no tests.

The forms world (a professional with a work profile linked to an invented child) plus a signed-in
officer, a parent linked to the child and helpers to get a form submitted or accepted.
"""
import io
import re

import pytest

from models import FormInstance, Link, Message, Outbox
from tests.conftest import csrf_from
from tests.http.test_forms_support import (  # noqa: F401  (fixtures and helpers)
    PDF_BYTES, World, agree_all, docx_bytes, fill_generic, upload, version_from)


def real_pdf(pages=1):
    """A small PDF pypdf can read, with ``pages`` blank pages."""
    from pypdf import PdfWriter
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
            from tests.http.test_forms_support import select_profile
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
        from tests.http.test_forms_support import post_step
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


@pytest.fixture
def cw(app, make_user, signed_in):
    return Casework(app, make_user, signed_in)


def html(response):
    return response.get_data(as_text=True)
