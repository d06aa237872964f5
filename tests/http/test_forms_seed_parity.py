"""Issue 13, what the seeds show: required questions marked (the council's way, asterisk by
default, with one line saying so), the form's intro on its first step, and show_if questions
carrying what portal.js needs to show them only when they apply (the words stay for no JS)."""
import html as htmllib
import json
import re

from tests.helpers import html
from tests.http.forms_helpers import select_profile

INTRO = "Use this form to send the SEN team documents about this child"


def _upload_step(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    return instance_id, html(world.client.get(f"/forms/{instance_id}/upload"))


def test_required_questions_get_the_asterisk_and_one_line_explains_it(world):
    _id, page = _upload_step(world)
    assert "Questions marked with an asterisk (<span class=\"portal-required-mark\">*</span>) must be answered." in page
    required = re.findall(r'<div class="portal-required[^"]*"[^>]*>\s*(?:<p[^>]*>.*?</p>\s*)?'
                          r'<div class="govuk-form-group[^"]*"[^>]*>\s*<[^>]*for="(\w+)"', page, re.S)
    assert "document_type" in required and "description" in required
    assert 'for="document_date' not in "".join(required)  # optional: no mark
    assert len(re.findall(r'class="portal-required[ "]', page)) == 4  # type, please say, description, files


def test_the_council_can_choose_optional_instead(app, world):
    app.config["COUNCIL"] = {**app.config["COUNCIL"], "required_mark": "optional"}
    _id, page = _upload_step(world)
    assert "portal-required" not in page and "must be answered" not in page
    assert page.count('class="portal-optional') == 1  # the date


def test_the_forms_intro_is_on_its_first_step_only(world):
    instance_id = world.start()
    first = html(world.client.get(f"/forms/{instance_id}/work-details"))
    assert INTRO in first
    select_profile(world, instance_id)
    assert INTRO not in html(world.client.get(f"/forms/{instance_id}/upload"))


def test_a_show_if_question_says_what_it_depends_on_for_the_script_and_in_words(world):
    _id, page = _upload_step(world)
    box = re.search(r'<div class="portal-required portal-conditional" data-show-if="(\w+)" '
                    r'data-show-if-values="([^"]+)">', page)
    assert box and box.group(1) == "document_type"
    assert json.loads(htmllib.unescape(box.group(2))) == ["Other"]
    assert "Only needed if your answer to “Type of document” is Other." in page
