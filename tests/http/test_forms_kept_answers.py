"""Issue 13: a session that ends loses nothing. Save & Continue posted after the session ended
keeps the answers for that form and that user (signed ``kept_for`` on the page), and the step
shows them, saved, when the same user signs in again. The timeout warning and "Stay signed in"."""
import datetime as dt
import re

from models import KeptAnswers, UserSession, utcnow
from tests.helpers import csrf_from, html
from tests.http.forms_helpers import select_profile, version_from

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def _end_session(world):
    with world.app.app_context():
        UserSession.update(last_seen=utcnow() - dt.timedelta(hours=1)).execute()


def _post_after_the_end(world, instance_id, page, *, kept_for=None, headers=None):
    token = kept_for if kept_for is not None else re.search(
        r'name="kept_for" value="([^"]+)"', html(page)).group(1)
    return world.client.post(f"/forms/{instance_id}/upload", headers=headers or {}, data={
        "csrf_token": csrf_from(page), "version": version_from(page), "kept_for": token,
        "document_type": "Correspondence", "description": "Zz typed before the timeout"})


def test_answers_posted_after_the_session_ended_come_back_after_signing_in(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    page = world.client.get(f"/forms/{instance_id}/upload")
    _end_session(world)
    response = _post_after_the_end(world, instance_id, page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert f"next=/forms/{instance_id}/upload" in response.headers["Location"].replace("%2F", "/")
    assert world.instance(instance_id).answers.get("upload", {}).get("description") is None
    world.signed_in(world.client, world.pro)
    back = html(world.client.get(f"/forms/{instance_id}/upload"))
    assert "We kept them" in back and "Zz typed before the timeout" in back
    assert world.instance(instance_id).answers["upload"]["description"] == "Zz typed before the timeout"
    with world.app.app_context():
        assert KeptAnswers.select().count() == 0  # put back once


def test_with_htmx_the_answers_are_kept_too_and_the_line_says_signed_out(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    page = world.client.get(f"/forms/{instance_id}/upload")
    _end_session(world)
    response = _post_after_the_end(world, instance_id, page, headers=HTMX)
    assert response.status_code == 401 and "Not saved — you have been signed out." in html(response)
    with world.app.app_context():
        assert KeptAnswers.get().posted["description"] == ["Zz typed before the timeout"]


def test_nothing_is_kept_without_a_valid_signature_or_for_another_user(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    page = world.client.get(f"/forms/{instance_id}/upload")
    _end_session(world)
    _post_after_the_end(world, instance_id, page, kept_for="forged")
    with world.app.app_context():
        assert KeptAnswers.select().count() == 0
    # a signature made for this form and user is only ever given back to that user
    _post_after_the_end(world, instance_id, page)
    other, client = world.user_client("other@example.org")
    from services.forms import instances
    with world.app.app_context():
        assert KeptAnswers.select().count() == 1
        assert instances.instance_for(other, instance_id, edit=True) is None
    assert client.get(f"/forms/{instance_id}/upload").status_code == 404
    with world.app.app_context():
        assert KeptAnswers.select().count() == 1  # still waiting for its own user


def test_every_signed_in_page_says_when_the_session_ends_and_offers_stay_signed_in(world):
    page = html(world.client.get("/"))
    assert re.search(r"this session ends at \d\d:\d\d", page)
    assert "we sign you out after 30 minutes without activity" in page
    assert 'data-idle-seconds="1800" data-warn-seconds="120"' in page
    assert "Stay signed in" in page
    token = csrf_from(world.client.get("/"))
    assert world.client.post("/session/stay", data={"csrf_token": token}).status_code == 204
    anonymous = world.app.test_client()
    assert "this session ends" not in html(anonymous.get("/login"))
