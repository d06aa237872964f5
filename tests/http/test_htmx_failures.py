"""DESIGN.md §12: a request htmx makes never gets a whole page back. Not signed in (401), a stale
CSRF token (403), a form no longer editable (409), a server error (500): each answers one line for
the status line, "Not saved — why", and says so in X-Portal-Failure (static/portal.js)."""
import datetime as dt

import pytest

from models import UserSession, utcnow

from tests.helpers import html
from tests.http.forms_helpers import agree_all, fill_generic, post_step, version_from
from tests.helpers import csrf_from

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def _is_fragment(response):
    body = html(response)
    assert "<html" not in body and "<header" not in body and "<footer" not in body, body[:500]
    assert response.headers["X-Portal-Failure"] == str(response.status_code)
    return body


def _idle_past_the_limit(world):
    """The session ends as it does after SESSION_IDLE_MINUTES without a request."""
    with world.app.app_context():
        UserSession.update(last_seen=utcnow() - dt.timedelta(hours=1)).execute()


@pytest.fixture
def at_upload(world):
    instance_id = world.start()
    assert fill_generic(world, instance_id, with_file=True).status_code == 303
    return instance_id


def test_signed_out_autosave_gets_401_and_a_sign_in_link_not_the_login_page(app, world, at_upload):
    path = f"/forms/{at_upload}/upload"
    page = world.client.get(path)
    _idle_past_the_limit(world)
    response = world.client.post(path, data={"autosave": "1", "description": "typed",
                                             "csrf_token": csrf_from(page),
                                             "version": version_from(page)},
                                 headers={**HTMX, "HX-Current-URL": f"http://localhost{path}"})
    assert response.status_code == 401
    body = _is_fragment(response)
    assert "Not saved — you have been signed out." in body
    assert f'href="/login?next={path.replace("/", "%2F")}"' in body or f"next=/forms/{at_upload}" in body
    # without htmx: unchanged, the sign-in page
    plain = world.client.get(path)
    assert plain.status_code == 302 and "/login" in plain.headers["Location"]


def test_a_stale_csrf_token_gets_403_not_the_expired_page(world, at_upload):
    path = f"/forms/{at_upload}/upload"
    page = world.client.get(path)
    response = world.client.post(path, data={"autosave": "1", "description": "typed",
                                              "csrf_token": "stale", "version": version_from(page)},
                                 headers=HTMX)
    assert response.status_code == 403
    assert "Not saved — this page has expired." in _is_fragment(response)
    assert world.instance(at_upload).answers["upload"]["description"] != "typed"
    # without htmx: the full "page expired" page as before
    plain = world.client.post(path, data={"description": "typed", "csrf_token": "stale"})
    assert plain.status_code == 400 and "<html" in html(plain)


def test_autosave_on_a_form_sent_from_another_tab_is_409(world, at_upload):
    path = f"/forms/{at_upload}/upload"
    stale = world.client.get(path)
    summary = world.client.get(f"/forms/{at_upload}/summary")
    sent = world.client.post(f"/forms/{at_upload}/submit",
                             data={"csrf_token": csrf_from(summary),
                                   "version": version_from(summary), **agree_all()})
    assert sent.status_code == 303
    response = post_step(world.client, path, {"autosave": "1", "description": "typed"},
                         page=stale, headers=HTMX)
    assert response.status_code == 409
    assert "can no longer be changed here" in _is_fragment(response)
    # a full page (no htmx) is still the plain 404 of a step that is not there to edit
    assert post_step(world.client, path, {"description": "typed"}, page=stale).status_code == 404


def test_a_server_error_in_a_partial_request_is_a_500_line(app, world, at_upload, monkeypatch):
    from services.forms import instances

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(instances, "save", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"autosave": "1", "description": "typed"}, headers=HTMX)
    assert response.status_code == 500
    assert "Not saved — something went wrong on our side" in _is_fragment(response)


def test_a_fragment_a_view_meant_is_left_alone(world, at_upload):
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"autosave": "1", "description": "typed"}, headers=HTMX)
    assert response.status_code == 200 and "Saved" in html(response)
    assert "X-Portal-Failure" not in response.headers
