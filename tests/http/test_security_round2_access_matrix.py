"""Security round two (issue 11): the access matrix, generated from ``app.url_map``.

Every route with an id (the ``<id:...>`` converter) × six actors, with the status each must get:

- ``owner``: the professional who added the child, authored the form, holds the work profile
  and received the message and the advice request;
- ``second``: another professional linked to the same child (the SEN team linked them);
- ``colleague``: a professional at the owner's organisation with no link to the child and no
  draft access;
- ``parent``: the child's parent (citizen, linked), with the document shared with them;
- ``officer``: the SEN team;
- ``anonymous``: no session.

Each cell is an exact status, or ``OK`` for "allowed": the view ran for this actor (any status
but 302-to-login, 403, 404 and 5xx; e.g. 200, 303, 409 or 422 on an empty POST). Every cell of
a new route must be declared in ``EXPECTED``: a route missing from the table fails the suite.
POSTs send a valid CSRF token and no other data. Every request starts from fresh objects, so
one actor's POST cannot change what the next one sees.

Where today's behaviour is wrong per the issue, the table holds the secure value: today the
parent's cells for ``/forms/<id>/view/<n>`` (round 1) and ``/forms/<id>/files/<a>`` (a file
only in round 1) fail (H2). The professionals here are council-verified; L2 (unverified
professionals on ``/forms/*`` and ``/messages/*``) and L3 (draft access after submission) are in
test_security_round2_lows.py.
"""
import datetime as dt
import secrets
from pathlib import Path

import pytest

import models
from models import (AdviceRequest, Attachment, CaseEvent, FormReview, Document, FormInstance, Link, Message,
                    Organisation, Person, ReferenceCode, Share, Submission, User, WorkProfile)
from tests.helpers import csrf_from, legacy_case

OK = "ok"
LOGIN = 302
NO = 404
ACTORS = ("owner", "second", "colleague", "parent", "officer", "anonymous")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def row(owner=NO, second=NO, colleague=NO, parent=NO, officer=NO, anonymous=LOGIN):
    return {"owner": owner, "second": second, "colleague": colleague, "parent": parent,
            "officer": officer, "anonymous": anonymous}


def officer_only():
    return row(officer=OK)


# "METHOD rule" -> the status each actor must get.
EXPECTED = {
    # My Account: only one's own work profile.
    "GET /account/work/<id:profile_id>": row(owner=OK),
    "POST /account/work/<id:profile_id>": row(owner=OK),
    "GET /account/work/<id:profile_id>/end": row(owner=OK),
    "POST /account/work/<id:profile_id>/end": row(owner=OK),
    # The citizen view: the parent's own child; the SEN team's family-code pages.
    "GET /family/children/<id:person_id>": row(parent=OK),
    "GET /family/children/<id:person_id>/documents/<id:document_id>": row(parent=OK),
    "POST /family/children/<id:person_id>/forms/<form_key>/start": row(parent=OK),
    "GET /family/codes/<id:person_id>": officer_only(),
    "POST /family/codes/<id:person_id>": officer_only(),
    "POST /family/codes/<id:person_id>/<id:code_id>/withdraw": officer_only(),
    "POST /family/links/<id:person_id>/<id:link_id>/end": officer_only(),
    "POST /family/requests/<id:request_id>": officer_only(),
    # The owner's form: round 1 returned (with a file removed since), round 2 accepted and shared
    # with the parent. The parent gets round 2 and its files only (H2); the second professional
    # and the colleague get nothing.
    "GET /forms/<id:instance_id>": row(owner=OK, parent=OK, officer=OK),
    "GET /forms/<id:instance_id>/<step_key>": row(),  # submitted: no step is open to anyone
    "POST /forms/<id:instance_id>/<step_key>": row(),
    "GET /forms/<id:instance_id>/delete": row(),  # submitted: never deleted
    "POST /forms/<id:instance_id>/delete": row(),
    "POST /forms/<id:instance_id>/edit": row(),  # accepted: never amended
    "GET /forms/<id:instance_id>/files/<id:attachment_id>": row(owner=OK, officer=OK),  # H2
    "GET /forms/<id:instance_id>/pdf": row(owner=OK, parent=OK, officer=OK),
    "POST /forms/<id:instance_id>/submit": row(owner=OK),  # the author is told (422)
    "GET /forms/<id:instance_id>/submitted": row(owner=OK, parent=OK, officer=OK),
    "GET /forms/<id:instance_id>/summary": row(),  # submitted: View Details instead
    "GET /forms/<id:instance_id>/view": row(owner=OK, parent=OK, officer=OK),
    "GET /forms/<id:instance_id>/view/<id:round_number>": row(owner=OK, officer=OK),  # H2: round 1
    # Messages: the recipient only.
    "GET /messages/<id:message_id>": row(owner=OK),
    # The professional's view of a child: linked professionals only.
    "GET /people/<id:person_id>": row(owner=OK, second=OK),
    "POST /people/<id:person_id>": row(owner=OK, second=OK),
    "GET /people/<id:person_id>/colleagues": row(owner=OK, second=OK),
    "POST /people/<id:person_id>/colleagues": row(owner=OK, second=OK),
    # Only the professional who gave a colleague access removes it.
    "POST /people/<id:person_id>/colleagues/<id:colleague_id>/remove": row(owner=OK),
    "POST /people/<id:person_id>/colleagues/drafts": row(owner=OK, second=OK),
    "GET /people/<id:person_id>/documents/<id:document_id>": row(),  # shared with the parent only
    "GET /people/<id:person_id>/forms": row(owner=OK, second=OK),
    # The Generic File Upload Manager is a professional's form.
    "POST /people/<id:person_id>/forms/<form_key>/start": row(owner=OK, second=OK),
    "POST /people/<id:person_id>/hide": row(owner=OK, second=OK),
    "POST /people/<id:person_id>/unhide": row(owner=OK, second=OK),
    # The SEN team.
    "GET /team/accounts/<id:user_id>": officer_only(),
    "POST /team/accounts/<id:user_id>/reject": officer_only(),
    "POST /team/accounts/<id:user_id>/verify": officer_only(),
    # Officers only; here profile_id is the owner's role and user_id the newcomer, so even the
    # officer gets 404 (a role is confirmed only on its own account's page; the officer's success
    # is in test_security_round2_organisations.py).
    "POST /team/accounts/<id:user_id>/roles/<id:profile_id>/confirm": row(),
    "GET /team/organisations/<id:org_id>/merge": officer_only(),
    "POST /team/organisations/<id:org_id>/merge": officer_only(),
    "POST /team/advice/<id:advice_id>/remind": officer_only(),
    "GET /team/documents/<id:document_id>": officer_only(),
    "GET /team/people/<id:person_id>": officer_only(),
    "GET /team/sen2/people/<id:person_id>": officer_only(),
    "POST /team/sen2/people/<id:person_id>": officer_only(),
    "POST /team/sen2/people/<id:person_id>/placements": officer_only(),
    "GET /team/people/<id:person_id>/advice-pack": officer_only(),
    "GET /team/people/<id:person_id>/advice/new": officer_only(),
    "POST /team/people/<id:person_id>/advice/new": officer_only(),
    "POST /team/people/<id:person_id>/case": officer_only(),
    "GET /team/people/<id:person_id>/details": officer_only(),
    "POST /team/people/<id:person_id>/details": officer_only(),
    "GET /team/people/<id:person_id>/documents/new": officer_only(),
    "POST /team/people/<id:person_id>/documents/new": officer_only(),
    "GET /team/people/<id:person_id>/events/<id:event_id>": officer_only(),
    "POST /team/people/<id:person_id>/events/<id:event_id>": officer_only(),
    "POST /team/people/<id:person_id>/events/<id:event_id>/remove": officer_only(),
    "GET /team/people/<id:person_id>/key-dates": officer_only(),
    "POST /team/people/<id:person_id>/key-dates": officer_only(),
    "POST /team/people/<id:person_id>/links": officer_only(),
    "POST /team/people/<id:person_id>/subject-access-export": officer_only(),
    "POST /team/people/<id:person_id>/links/<id:link_id>/end": officer_only(),
    "GET /team/people/<id:person_id>/merge": officer_only(),
    "POST /team/people/<id:person_id>/merge": officer_only(),
    "GET /team/people/<id:person_id>/messages/new": officer_only(),
    "POST /team/people/<id:person_id>/messages/new": officer_only(),
    "GET /team/people/<id:person_id>/open-case": officer_only(),
    "POST /team/people/<id:person_id>/open-case": officer_only(),
    "GET /team/people/<id:person_id>/share": officer_only(),
    "POST /team/people/<id:person_id>/share": officer_only(),
    "GET /team/review/<id:instance_id>": officer_only(),
    # The family-code pages' new home (the /family/... rows above are their old addresses).
    "GET /team/people/<id:person_id>/codes": officer_only(),
    "POST /team/people/<id:person_id>/codes": officer_only(),
    "POST /team/people/<id:person_id>/codes/<id:code_id>/withdraw": officer_only(),
    "POST /team/people/<id:person_id>/family-links/<id:link_id>/end": officer_only(),
    "POST /team/link-requests/<id:request_id>": officer_only(),
    "POST /team/review/<id:instance_id>": officer_only(),
}


def id_routes(app):
    """{"METHOD rule": rule} for every rule with an id (the ``<id:...>`` converter, or a plain
    ``int`` one)."""
    found = {}
    for rule in app.url_map.iter_rules():
        converters = {type(c).__name__ for c in rule._converters.values()}
        if not converters & {"IdConverter", "IntegerConverter"}:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found[f"{method} {rule.rule}"] = rule
    return found


# --- The world ---------------------------------------------------------------------------------

class People:
    """The six actors (made once per test) and fresh objects for every request."""

    def __init__(self, app, make_user, signed_in):
        self.app = app
        self.users = {
            "owner": make_user("owner@example.org", council_verified=True),
            "second": make_user("second@example.org", council_verified=True),
            "colleague": make_user("colleague@example.org", council_verified=True),
            "parent": make_user("parent@example.org", role="citizen", citizen_kind="parent"),
            "officer": make_user("officer@example.org", role="officer"),
        }
        with app.app_context():
            self.org = Organisation.create(name="Zz Nursery", name_key="zz nursery")
            other = Organisation.create(name="Zz Clinic", name_key="zz clinic")
            WorkProfile.create(user=self.users["colleague"], professional_role="SENCo",
                               organisation=self.org)
            WorkProfile.create(user=self.users["second"], professional_role="Speech therapist",
                               organisation=other)
        self.signed_in = signed_in

    def client(self, actor):
        client = self.app.test_client()
        if actor != "anonymous":
            self.signed_in(client, self.users[actor])
        return client

    def fresh(self):
        """A new child with its links, form, file, round, document, message, request, codes."""
        u = self.users
        upload_dir = Path(self.app.config["UPLOAD_DIR"])
        upload_dir.mkdir(parents=True, exist_ok=True)
        with self.app.app_context(), models.db.atomic():
            profile = WorkProfile.create(user=u["owner"], professional_role="SENCo",
                                         organisation=self.org, street="1 Zz Street",
                                         town="Stockton", postcode="TS18 1AA",
                                         work_phone="01642 000000", confirmed_at=models.utcnow())
            child = Person.create(forename="Zzpoppy", surname="Zzthompson",
                                  date_of_birth=dt.date(2016, 3, 27), created_by=u["owner"])
            Link.create(user=u["owner"], person=child, how="added")
            second_link = Link.create(user=u["second"], person=child, how="sen-team",
                                      linked_by=u["officer"])
            parent_link = Link.create(user=u["parent"], person=child, how="parent",
                                      linked_by=u["officer"])
            # Round 1 (returned) had a file the author then removed; round 2 was accepted and
            # shared with the parent (H2: the parent gets round 2 and its files only).
            instance = FormInstance.create(person=child, form_key="generic-file-upload",
                                           schema_version=1, author=u["owner"],
                                           work_profile=profile, status="accepted",
                                           submitted_at=models.utcnow(), answers={})
            files = []
            for name in ("wrong-child.pdf", "letter.pdf"):
                stored = secrets.token_hex(24)
                (upload_dir / stored).write_bytes(PDF)
                files.append(Attachment.create(instance=instance, field="upload.files",
                                               filename=name, stored_name=stored,
                                               content_type="application/pdf", size=len(PDF),
                                               uploaded_by=u["owner"]))
            removed, kept = files
            removed.removed_at = models.utcnow()
            removed.save()

            def answers(description, attached):
                return {"work-details": {"work_profile_id": profile.id},
                        "upload": {"document_type": "Correspondence", "description": description,
                                   "files": [a.id for a in attached]}}
            instance.answers = answers("Cleaned advice", [kept])
            instance.save()
            for number, given, decision in ((1, answers("Another child's safeguarding notes",
                                                        files), "returned"),
                                            (2, instance.answers, "accepted")):
                Submission.create(instance=instance, round=number, answers=given,
                                  schema_version=1, work_profile=profile, submitted_by=u["owner"])
                FormReview.create(instance=instance, round=number, decision=decision,
                                  officer=u["officer"])
            Share.create(person=child, recipient=u["parent"], instance=instance,
                         shared_by=u["officer"])
            attachment = removed
            stored = secrets.token_hex(24)
            (upload_dir / stored).write_bytes(PDF)
            document = Document.create(person=child, kind="letter", tab="assessment",
                                       title="Decision", filename="decision.pdf",
                                       stored_name=stored, content_type="application/pdf",
                                       size=len(PDF), issued_on=dt.date.today(),
                                       uploaded_by=u["officer"])
            Share.create(person=child, recipient=u["parent"], document=document,
                         shared_by=u["officer"])
            message = Message.create(recipient=u["owner"], sender=u["officer"], person=child,
                                     subject="Please send advice", body="By Friday")
            advice = AdviceRequest.create(person=child, recipient=u["owner"],
                                          form_key="generic-file-upload",
                                          due_date=dt.date.today() + dt.timedelta(days=30),
                                          requested_by=u["officer"])
            code = ReferenceCode.create(person=child, code_hash=secrets.token_hex(32),
                                        created_by=u["officer"],
                                        expires_at=models.utcnow() + dt.timedelta(days=7))
            asker = User.create(email=f"asker{child.id}@example.org", role="citizen",
                                status="active")
            request = ReferenceCode.create(person=child, code_hash=secrets.token_hex(32),
                                           created_by=u["officer"], status="pending",
                                           used_by=asker, used_at=models.utcnow(),
                                           how="parent", relationship="Mother",
                                           expires_at=models.utcnow() + dt.timedelta(days=7))
            # a confirmed colleague (M2): checked by the SEN team, two-step on, membership confirmed
            granted = User.create(email=f"granted{child.id}@example.org", role="professional",
                                  status="active", council_verified=True, two_step_method="email")
            WorkProfile.create(user=granted, professional_role="SENCo", organisation=self.org,
                               confirmed_at=models.utcnow())
            Link.create(user=granted, person=child, how="colleague", linked_by=u["owner"])
            case = legacy_case(child, dt.date.today(), phase="assessment", officer=u["officer"],
                               request_received=dt.date.today() - dt.timedelta(days=10))
            event = CaseEvent.select().where(CaseEvent.case == case.id).order_by(
                CaseEvent.id.desc()).get()
            newcomer = User.create(email=f"new{child.id}@example.org", role="professional",
                                   status="active")
        return {
            "person_id": child.id, "instance_id": instance.id, "step_key": "upload",
            "attachment_id": attachment.id, "round_number": 1, "document_id": document.id,
            "message_id": message.id, "profile_id": profile.id, "user_id": newcomer.id,
            "advice_id": advice.id, "code_id": code.id, "request_id": request.id,
            "link_id": second_link.id, "family_link_id": parent_link.id,
            "colleague_id": granted.id, "version": instance.version, "org_id": self.org.id,
            "event_id": event.id,
        }


def form_key_for(rule):
    return "parent-carer-views" if rule.rule.startswith("/family/") else "generic-file-upload"


# What a real request to some routes carries besides the ids (so an allowed actor reaches the
# view's work, not its "missing parameter" 404): key -> values -> query string or form data.
EXTRA = {
    "GET /team/people/<id:person_id>/share": lambda v: {"document": v["document_id"]},
    "POST /team/people/<id:person_id>/share": lambda v: {"document": v["document_id"]},
    "POST /family/requests/<id:request_id>": lambda v: {"action": "refuse"},
    "POST /team/link-requests/<id:request_id>": lambda v: {"action": "refuse"},
    "POST /forms/<id:instance_id>/edit": lambda v: {"version": v["version"]},
    "POST /forms/<id:instance_id>/submit": lambda v: {"version": v["version"]},
    "POST /forms/<id:instance_id>/<step_key>": lambda v: {"version": v["version"]},
}


def status_of(people, key, rule, actor):
    method = key.split(" ")[0]
    values = people.fresh()
    if rule.rule.startswith("/family/links/") or "/family-links/" in rule.rule:
        values["link_id"] = values["family_link_id"]
    args = {name: values[name] for name in rule.arguments if name in values}
    if "form_key" in rule.arguments:
        args["form_key"] = form_key_for(rule)
    url = rule.build(args, append_unknown=False)[1]
    extra = {k: str(v) for k, v in EXTRA.get(key, lambda v: {})(values).items()}
    client = people.client(actor)
    if method == "GET":
        return client.get(url, query_string=extra)
    token = csrf_from(client.get("/login" if actor == "anonymous" else "/"))
    return client.post(url, data={"csrf_token": token, **extra})


def matches(response, expected):
    status = response.status_code
    if expected == OK:
        to_login = status == 302 and "/login" in response.headers.get("Location", "")
        return not to_login and status not in (403, 404) and status < 500
    if expected == LOGIN:
        return status == 302 and "/login" in response.headers.get("Location", "")
    return status == expected


@pytest.fixture
def people(app, make_user, signed_in):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is a cell that is wrong, not a crash
    return People(app, make_user, signed_in)


def test_every_route_with_an_id_has_a_row_in_the_matrix(app):
    routes = set(id_routes(app))
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    assert not missing, "Routes with an id but no row in EXPECTED: " + ", ".join(missing)
    assert not stale, "Rows in EXPECTED for routes that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("actor", ACTORS)
def test_access_matrix(app, people, actor):
    wrong = []
    for key, rule in sorted(id_routes(app).items()):
        expected = EXPECTED.get(key, {}).get(actor, "undeclared")
        response = status_of(people, key, rule, actor)
        if not matches(response, expected):
            wrong.append(f"{key}: got {response.status_code}, expected {expected}")
    assert not wrong, f"{actor}:\n  " + "\n  ".join(wrong)
