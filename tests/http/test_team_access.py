"""Every SEN team route is for officers only: professionals and citizens get 404 for every route
and method (even with real ids and a valid CSRF token), anonymous visitors are sent to sign in,
and an officer without two-step verification is sent Home."""
import pytest

from models import CaseEvent, Link, Person, User
from tests.helpers import csrf_from
from tests.http.team_helpers import case_for, person

TEAM_AREAS = ("team.", "organisations.", "sen2.", "designer.")  # blueprints under /team


@pytest.fixture
def world(app, make_user):
    pro = make_user("senco@example.org")
    citizen = make_user("parent@example.org", role="citizen")
    child = person(app)
    case = case_for(app, child)
    with app.app_context():
        event = CaseEvent.get(CaseEvent.case == case.id)
        link = Link.create(user=pro, person=child)
        Link.create(user=citizen, person=child, how="parent")
    return {"pro": pro, "citizen": citizen, "person_id": child.id, "user_id": pro.id,
            "link_id": link.id, "code_id": 1, "request_id": 1, "profile_id": 1, "org_id": 1,
            "event_id": event.id,
            "form_key": "e4-educational-psychologist", "step_key": "involvement", "name": "seen"}


def team_urls(app, world):
    """(method, url) for every team route, with real ids filled in."""
    urls = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(TEAM_AREAS):
                continue
            values = {name: world[name] for name in rule.arguments}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((method, url_for(rule.endpoint, **values)))
    assert len(urls) >= 16
    return urls


def test_every_team_route_is_declared_for_officers_only(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(TEAM_AREAS):
            assert app.view_functions[rule.endpoint].access_levels == ("officer",), rule.rule


@pytest.mark.parametrize("who", ["pro", "citizen"])
def test_professionals_and_citizens_get_404_everywhere(app, client, signed_in, world, who):
    signed_in(client, world[who])
    token = csrf_from(client.get("/"))
    data = {"csrf_token": token, "email": "senco@example.org", "kind": "professional",
            "phase": "plan", "reason": "x", "other": "1", "keep": "1"}
    for method, url in team_urls(app, world):
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (who, method, url)
    with app.app_context():
        assert Person.select().count() == 1 and User.get_by_id(world["pro"].id).status == "active"
        assert Link.get_by_id(world["link_id"]).ended_at is None


def test_anonymous_visitors_are_sent_to_sign_in(app, client, world):
    for method, url in team_urls(app, world):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_officers_need_two_step_verification(app, client, make_user, signed_in, world):
    officer = make_user("officer@example.org", role="officer", two_step="")
    signed_in(client, officer, two_step_passed=False)
    for method, url in team_urls(app, world):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].endswith("/"), url


def test_posts_need_a_csrf_token(app, client, make_user, signed_in, world):
    officer = make_user("officer@example.org", role="officer")
    signed_in(client, officer)
    for method, url in team_urls(app, world):
        if method == "POST":
            assert client.post(url, data={"email": "x@example.org"}).status_code == 400, url
