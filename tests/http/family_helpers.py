"""Helpers for the citizen-view tests (test_citizen_*.py): ``Family``, a world with an officer, two
parents and two children, and helpers to make cases, documents, shares and forms. The ``family``
fixture that builds it is in tests/http/conftest.py."""
import secrets
from dataclasses import dataclass
from pathlib import Path

import models
from models import Case, Document, FormInstance, Link, Person, Share, Submission, User
from services.kernel import clock
from tests.helpers import csrf_from, legacy_case

TODAY = clock.uk_today()  # the portal's one "today" (UK)


@dataclass
class Family:
    app: object
    make_user: object
    signed_in: object
    officer: User
    parent: User
    child: Person
    other_parent: User
    other_child: Person

    def client_for(self, user, two_step_passed=True):
        client = self.app.test_client()
        self.signed_in(client, user, two_step_passed=two_step_passed)
        return client

    def token(self, client):
        return csrf_from(client.get("/"))

    def post(self, client, url, data=None):
        return client.post(url, data={"csrf_token": self.token(client), **(data or {})})

    def case(self, person=None, **facts):
        """A case as an older release recorded it, upgraded to events (tests/helpers.py)."""
        with self.app.app_context():
            return legacy_case(person or self.child, clock.uk_today(), **facts)

    def document(self, person=None, kind="draft-plan", title="Draft EHC Plan", body=b"%PDF-1.4 x",
                 share_with=None):
        person = person or self.child
        name = secrets.token_hex(24)
        upload_dir = Path(self.app.config["UPLOAD_DIR"])
        upload_dir.mkdir(parents=True, exist_ok=True)
        (upload_dir / name).write_bytes(body)
        with self.app.app_context():
            document = Document.create(person=person, kind=kind, tab="plan", title=title,
                                       filename="draft plan.pdf", stored_name=name,
                                       content_type="application/pdf", size=len(body),
                                       issued_on=TODAY, uploaded_by=self.officer)
            if share_with is not None:
                Share.create(person=person, recipient=share_with, document=document,
                             shared_by=self.officer)
            return document

    def instance(self, author, person=None, form_key="e4-educational-psychologist",
                 status="submitted", share_with=None):
        person = person or self.child
        with self.app.app_context():
            instance = FormInstance.create(
                person=person, form_key=form_key, schema_version=1, author=author,
                status=status, answers={},
                submitted_at=models.utcnow() if status != "draft" else None)
            if status != "draft":  # a submitted form always has its round 1 (what a share shows)
                Submission.create(instance=instance, round=1, answers={}, schema_version=1,
                                  submitted_by=author)
            if share_with is not None:
                Share.create(person=person, recipient=share_with, instance=instance,
                             shared_by=self.officer)
            return instance

    def link(self, user, person, how="parent", ended=False):
        with self.app.app_context():
            return Link.create(user=user, person=person, how=how, linked_by=self.officer,
                               ended_at=models.utcnow() if ended else None)

    def reload(self, model, row_id):
        with self.app.app_context():
            return model.get_by_id(row_id)
