"""Casework is for the SEN team only: professionals and citizens get 404 on every route (GET and
POST), anonymous visitors are sent to sign in, and CSRF is required."""
import io

import pytest

from models import AdviceRequest, Document
from tests.helpers import csrf_from
from tests.http.forms_helpers import real_pdf


def _urls(cw):
    """Every casework route with real ids filled in (so a 404 is about who asks, not the id)."""
    instance_id = cw.submitted()
    cw.request_advice()
    cw.post(f"/team/people/{cw.child.id}/documents/new",
            {"kind": "letter", "file": (io.BytesIO(real_pdf()), "a.pdf")},
            content_type="multipart/form-data")
    with cw.app.app_context():
        advice_id = AdviceRequest.get().id
        document_id = Document.get().id
    values = {"person_id": cw.child.id, "advice_id": advice_id, "instance_id": instance_id,
              "document_id": document_id}
    urls = []
    for rule in cw.app.url_map.iter_rules():
        if not rule.endpoint.startswith("casework."):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<id:{name}>", str(values[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_every_casework_route_is_officers_only(cw):
    urls = _urls(cw)
    assert len(urls) >= 12
    for who, client in (("professional", cw.client), ("citizen", cw.parent_client)):
        token = csrf_from(client.get("/"))
        for method, path in urls:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": token, "decision": "accept",
                                                   "version": "1", "reason": "x"})
            assert response.status_code == 404, (who, method, path, response.status_code)


def test_officer_can_open_every_get_route(cw):
    for method, path in _urls(cw):
        if method != "GET":
            continue
        response = cw.get(path + ("?instance=0" if path.endswith("/share") else ""))
        assert response.status_code in (200, 303, 404), path
        assert response.status_code != 500


def test_anonymous_visitors_are_sent_to_sign_in(cw):
    anonymous = cw.app.test_client()
    for method, path in _urls(cw):
        response = anonymous.get(path) if method == "GET" else anonymous.post(path)
        if method == "GET":
            assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_posts_need_the_csrf_token(cw):
    response = cw.officer_client.post(f"/team/people/{cw.child.id}/messages/new",
                                      data={"action": "send", "recipient": str(cw.pro.id),
                                            "subject": "x", "body": "y"})
    assert response.status_code == 400
    assert cw.messages_to(cw.pro) == []


def test_nothing_changed_by_refused_posts(cw):
    instance_id = cw.submitted()
    token = csrf_from(cw.client.get("/"))
    cw.client.post(f"/team/review/{instance_id}",
                   data={"csrf_token": token, "decision": "accept", "version": "2"})
    assert cw.instance(instance_id).status == "submitted"


@pytest.mark.parametrize("path", ["/team/people/999999/advice/new", "/team/people/0/share",
                                  "/team/people/999999/documents/new",
                                  "/team/people/999999/messages/new",
                                  "/team/people/999999/advice-pack",
                                  "/team/people/99999999999999999999/advice-pack"])
def test_unknown_people_are_404_for_officers(cw, path):
    assert cw.get(path).status_code == 404
