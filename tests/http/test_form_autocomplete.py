"""Issue 13: browsers offer the user's own details only where the form asks about the user.

Every form schema is scanned: "Your full name" is ``autocomplete="name"``; a field that would
autocomplete personal details (name, email, tel, postal-code...) must say ``off`` unless it is on
the step of a family form that asks about the person filling it in (the step with "Your full
name"). So a professional's browser never fills the parent's phone with the professional's own.
Then the rendered pages: the family's "Your full name" comes pre-filled with the signed-in
person's name; the professional's parent phone and email are rendered autocomplete="off".
"""
import re

import pytest

from engine import load_registry
from models import FormInstance
from engine.schema import CHILD_DETAILS_FIELDS
from tests.helpers import csrf_from

REGISTRY = load_registry("schemas/forms")
FORMS = [REGISTRY.get(key, version) for key in REGISTRY.current()
         for version in REGISTRY.versions(key)]


def effective(field):
    return field.autocomplete or field.field_type.autocomplete


def about_the_filler(form, step):
    """A family form's step that asks about the person filling it in."""
    return set(form.started_by) == {"citizen"} and any(
        f.label == "Your full name" for f in step.value_fields)


def every_field():
    for form in FORMS:
        for step in form.steps:
            fields = CHILD_DETAILS_FIELDS if step.kind == "child_details" else step.value_fields
            for f in fields:
                yield form, step, f


def test_the_scan_sees_the_forms_and_fields_it_is_about():
    keys = {form.key for form in FORMS}
    assert {"parent-request", "parental-consent", "parent-carer-views", "draft-plan-comments",
            "primary-request", "post16-request"} <= keys
    kinds = {f.type for _, _, f in every_field()}
    assert {"tel", "email", "postcode", "text"} <= kinds


@pytest.mark.parametrize("form", FORMS, ids=lambda form: f"{form.key}@{form.version}")
def test_your_full_name_autocompletes_the_users_name(form):
    asked = [f for step in form.steps for f in step.value_fields if f.label == "Your full name"]
    assert all(effective(f) == "name" for f in asked), form.key


@pytest.mark.parametrize("form", FORMS, ids=lambda form: f"{form.key}@{form.version}")
def test_fields_about_other_people_never_autocomplete_the_users_details(form):
    wrong = [f"{step.key}.{f.name} ({f.label}): {effective(f)}"
             for form_, step, f in every_field() if form_ is form
             and effective(f) not in (None, "off") and not about_the_filler(form, step)]
    assert not wrong, f"{form.key}: " + "; ".join(wrong)


def test_family_forms_ask_your_full_name_in_all_three_plus_consent():
    named = {form.key for form in FORMS for step in form.steps for f in step.value_fields
             if f.label == "Your full name"}
    assert {"parent-request", "parent-carer-views", "draft-plan-comments",
            "parental-consent"} <= named


def _start(family, client, form_key):
    """Start a family form for the family's child; its instance id."""
    token = csrf_from(client.get("/"))
    response = client.post(f"/family/children/{family.child.id}/forms/{form_key}/start",
                           data={"csrf_token": token})
    assert response.status_code == 303
    return int(re.search(r"/forms/(\d+)/", response.headers["Location"]).group(1))


def _input(html, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


@pytest.mark.parametrize("form_key,step_key", [("parent-carer-views", "about-you"),
                                               ("parental-consent", "about-you")])
def test_your_full_name_is_pre_filled_with_the_signed_in_persons_name(family, form_key, step_key):
    client = family.client_for(family.parent)
    instance_id = _start(family, client, form_key)
    html = client.get(f"/forms/{instance_id}/{step_key}").get_data(as_text=True)
    field = _input(html, "your_name")
    assert 'value="Zzpat Zzparent"' in field and 'autocomplete="name"' in field
    assert 'autocomplete="tel"' in _input(html, "phone")  # the parent's own phone


def test_a_name_the_family_changed_is_kept(family):
    client = family.client_for(family.parent)
    instance_id = _start(family, client, "parental-consent")
    with family.app.app_context():
        row = FormInstance.get_by_id(instance_id)
        row.answers = {"about-you": {"your_name": "Zzpatricia Zzparent-Smith"}}
        row.save()
    html = client.get(f"/forms/{instance_id}/about-you").get_data(as_text=True)
    assert 'value="Zzpatricia Zzparent-Smith"' in _input(html, "your_name")


def test_the_professionals_parent_phone_email_and_child_postcode_are_not_autocompleted(world):
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    for step, names in (("parents", ("phone", "email")), ("young-person", ("yp_phone", "yp_email")),
                        ("child-details", ("postcode",))):  # every step, as an officer's preview
        html = client.get(f"/forms/preview/post16-request/{step}").get_data(as_text=True)
        for name in names:
            field = re.search(rf'<input[^>]*name="{name}(-0)?"[^>]*>', html).group(0)
            assert 'autocomplete="off"' in field, (step, field)
