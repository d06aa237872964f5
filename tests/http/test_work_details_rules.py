"""Work details have one set of rules: registration's third step and My Account's "Add another
role" accept and refuse exactly the same inputs (one WorkForm), so nobody can register with
details My Account would refuse, or edit into details registration would."""
import pytest

from models import WorkProfile
from services.identity import accounts
from tests.helpers import csrf_from
from tests.http.test_auth_register import ABOUT, SECURITY, WORK, post_step

CASES = [
    ({}, True),
    ({"postcode": "ts181aa"}, True),
    ({"house_number": "", "house_name": "Zz House"}, True),
    ({"work_phone": "", "mobile": "07700 900 982"}, True),
    ({"country": ""}, True),
    ({"professional_role": ""}, False),
    ({"professional_role": "Wizard"}, False),
    ({"organisation_name": ""}, False),
    ({"organisation_name": "z" * 201}, False),
    ({"house_number": ""}, False),
    ({"town": ""}, False),
    ({"postcode": ""}, False),
    ({"postcode": "12345"}, False),
    ({"work_phone": "call me"}, False),
    ({"work_phone": ""}, False),
    ({"work_phone": "", "mobile": "01632 960 001"}, False),
    ({"country": "Narnia"}, False),
    ({"street": "s" * 101}, False),
]


def _registers(client, change):
    for data in (SECURITY, ABOUT):
        assert post_step(client, data).status_code == 303
    return post_step(client, {**WORK, **change}).status_code


def _adds_a_role(app, client, make_user, signed_in, change):
    user = make_user("me@example.org", two_step="")
    with app.app_context():
        WorkProfile.create(user=user, professional_role="SENCo",
                           organisation=accounts.organisation_named("Zz Primary School"),
                           postcode="TS18 1AA")
    signed_in(client, user, two_step_passed=False)
    page = client.get("/account/work/add")
    return client.post("/account/work/add",
                       data={**WORK, **change, "csrf_token": csrf_from(page)}).status_code


@pytest.mark.parametrize("change, accepted", CASES)
def test_registration_and_my_account_take_the_same_work_details(app, make_user, signed_in, change,
                                                                accepted):
    registering = _registers(app.test_client(), change)
    adding = _adds_a_role(app, app.test_client(), make_user, signed_in, change)
    assert (registering, adding) == ((303, 303) if accepted else (422, 422))
