"""Steps as fragments (issue 13): with htmx, Save & Continue, Back and the step bar swap
#form-step, the server pushes the new URL (HX-Push-Url) and the fragment carries the <title>;
errors come back 422 with the step and its error summary. Without htmx: whole pages, unchanged."""
import re

from tests.helpers import html
from tests.http.forms_helpers import post_step, select_profile

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def _fragment(response):
    body = html(response)
    assert "<html" not in body and "govuk-header" not in body
    assert body.count('<div id="form-step">') == 1
    return body


def test_save_and_continue_answers_the_next_step_as_a_fragment_with_its_url(world):
    instance_id = world.start()
    response = post_step(world.client, f"/forms/{instance_id}/work-details",
                         {"work_profile_id": str(world.profile.id)}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == f"/forms/{instance_id}/upload"
    body = _fragment(response)
    assert re.search(r"<title>Upload Documents - Generic File Upload Manager - [^<]+</title>", body)
    assert 'id="step-heading" tabindex="-1">2. Upload Documents</h2>' in body
    assert f'action="/forms/{instance_id}/upload"' in body  # the new step posts to itself


def test_errors_come_back_422_with_the_step_and_its_error_summary(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = post_step(world.client, f"/forms/{instance_id}/upload", {"description": ""},
                         headers=HTMX)
    assert response.status_code == 422
    assert "HX-Push-Url" not in response.headers
    body = _fragment(response)
    assert "govuk-error-summary" in body and "<title>Error: Upload Documents" in body


def test_back_and_the_summary_come_as_fragments(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    back = post_step(world.client, f"/forms/{instance_id}/upload", {"back": "1"}, headers=HTMX)
    assert back.status_code == 200
    assert back.headers["HX-Push-Url"] == f"/forms/{instance_id}/work-details"
    assert "1. Work Details" in _fragment(back)
    from tests.http.forms_helpers import PDF_BYTES, upload
    upload(world.client, instance_id, "upload", "files", "a.pdf", PDF_BYTES)
    done = post_step(world.client, f"/forms/{instance_id}/upload",
                     {"document_type": "Correspondence", "description": "x"}, headers=HTMX)
    assert done.headers["HX-Push-Url"] == f"/forms/{instance_id}/summary"
    assert "<title>Summary - Generic File Upload Manager" in _fragment(done)


def test_the_step_bar_and_buttons_ask_for_the_fragment(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    page = html(world.client.get(f"/forms/{instance_id}/upload"))
    assert f'hx-get="/forms/{instance_id}/work-details" hx-target="#form-step"' in page
    buttons = re.findall(r'<button type="submit"[^>]*>(?:Save &amp; Continue|Back)</button>', page)
    assert len(buttons) == 3 and all('hx-target="#form-step"' in b for b in buttons)
    # the first submit button of the form is Save & Continue: Enter means it (never Back/Remove)
    form = page[page.index('class="portal-step-form"'):]
    first = re.search(r'<button type="submit"[^>]*>([^<]*)', form).group(1)
    assert first == "Save &amp; Continue"
    partial = world.client.get(f"/forms/{instance_id}/work-details", headers=HTMX)
    assert partial.status_code == 200 and "<title>Work Details" in _fragment(partial)


def test_without_htmx_pages_are_unchanged(world):
    instance_id = world.start()
    response = select_profile(world, instance_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/forms/{instance_id}/upload")
    assert "<title>" not in html(world.client.get(f"/forms/{instance_id}/upload")).split("<body")[1]
