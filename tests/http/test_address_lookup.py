"""Issue 13: Find Address on Work Details (Coventry 1.1.4), behind PORTAL_ADDRESS_LOOKUP.

The providers are tested against a stub HTTP server these tests start on 127.0.0.1, answering
as OS Places (/search/places/v1/postcode) and Ideal Postcodes (/v1/postcodes/<postcode>) do.
By default (no provider) Work Details has the typed fields only. With one: Find Address lists
the addresses at the postcode, "Use this address" fills the fields, "Use Another Address" leaves
them to be typed; every other answer on the page is kept whichever button is pressed, and a
provider that fails or a postcode with nothing found is a message at the postcode (never a 500).
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from models import WorkProfile
from services import addresses
from tests.helpers import PASSWORD, csrf_from, html

OS_PLACES = {"header": {"totalresults": 2}, "results": [
    {"DPA": {"UPRN": "100071", "UDPRN": "5001", "ORGANISATION_NAME": "COVENTRY CITY COUNCIL",
             "BUILDING_NAME": "COUNCIL HOUSE", "THOROUGHFARE_NAME": "EARL STREET",
             "POST_TOWN": "COVENTRY", "POSTCODE": "CV1 5RR"}},
    {"DPA": {"UPRN": "100072", "UDPRN": "5002", "BUILDING_NUMBER": "2",
             "THOROUGHFARE_NAME": "EARL STREET", "DEPENDENT_LOCALITY": "ZZ QUARTER",
             "POST_TOWN": "COVENTRY", "POSTCODE": "CV1 5RR"}}]}
IDEAL = {"code": 2000, "message": "Success", "result": [
    {"udprn": 7001, "building_number": "", "building_name": "Zz House",
     "organisation_name": "Zz Academy", "thoroughfare": "Zz Road", "dependant_locality": "",
     "post_town": "STOCKTON-ON-TEES", "postcode": "TS18 1AA"}]}


class Stub(BaseHTTPRequestHandler):
    """Answers like the providers; ``requests`` records each path and query."""
    requests = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        Stub.requests.append((parts.path, query))
        if parts.path == "/search/places/v1/postcode":
            found = query.get("postcode") == ["CV1 5RR"]
            body = OS_PLACES if found else {"header": {"totalresults": 0}}
            return self._send(200, body)
        if parts.path == "/v1/postcodes/TS181AA":
            return self._send(200, IDEAL)
        if parts.path.startswith("/v1/postcodes/"):
            return self._send(404, {"code": 4040, "message": "Postcode not found"})
        return self._send(500, {"error": "down"})

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def config(stub, provider="os-places"):
    return {"ADDRESS_LOOKUP": provider, "ADDRESS_LOOKUP_KEY": "zz-key", "ADDRESS_LOOKUP_URL": stub}


# --- the rule (services/addresses) ------------------------------------------------------------

def test_os_places_addresses_in_the_work_details_terms(stub):
    Stub.requests.clear()
    found = addresses.find(config(stub), "cv15rr")
    assert [a.fields() for a in found] == [
        {"house_number": "", "house_name": "Council House", "building_name": "Coventry City Council",
         "street": "Earl Street", "district": "", "town": "Coventry", "postcode": "CV1 5RR"},
        {"house_number": "2", "house_name": "", "building_name": "", "street": "Earl Street",
         "district": "Zz Quarter", "town": "Coventry", "postcode": "CV1 5RR"}]
    assert [a.id for a in found] == ["5001", "5002"]
    assert found[0].label == "Coventry City Council, Council House, Earl Street, Coventry, CV1 5RR"
    [(path, query)] = Stub.requests
    assert query["postcode"] == ["CV1 5RR"] and query["key"] == ["zz-key"]


def test_ideal_postcodes_addresses(stub):
    [address] = addresses.find(config(stub, "ideal-postcodes"), "TS18 1AA")
    assert address.id == "7001" and address.fields() == {
        "house_number": "", "house_name": "Zz House", "building_name": "Zz Academy",
        "street": "Zz Road", "district": "", "town": "Stockton-On-Tees", "postcode": "TS18 1AA"}
    assert addresses.find(config(stub, "ideal-postcodes"), "CV1 1AA") == []  # their 404


def test_nothing_found_failures_and_no_provider(stub):
    assert addresses.find(config(stub), "TS18 1AA") == []
    Stub.requests.clear()
    with pytest.raises(addresses.LookupFailed, match="Enter a real postcode"):
        addresses.find(config(stub), "not a postcode")
    assert Stub.requests == []  # a bad postcode is never sent
    with pytest.raises(addresses.LookupFailed, match="could not look up"):
        addresses.find(config(stub + "/broken", "ideal-postcodes"), "TS18 1AA")  # a 500
    with pytest.raises(addresses.LookupFailed, match="could not look up"):
        addresses.find(config("http://127.0.0.1:9"), "CV1 5RR")  # nobody listening
    assert addresses.provider({}) is None and addresses.provider({"ADDRESS_LOOKUP": "none"}) is None
    with pytest.raises(addresses.LookupFailed, match="not available"):
        addresses.find({"ADDRESS_LOOKUP": "none"}, "CV1 5RR")


# --- Work Details in My Account --------------------------------------------------------------

TYPED = {"professional_role": "SENCo", "organisation_name": "Zz Typed Organisation",
         "postcode": "cv1 5rr", "country": "United Kingdom", "work_phone": "01642 000000",
         "mobile": "07700 900982"}


@pytest.fixture
def pro(world):
    """A professional with one work profile, signed in (tests/http/forms_helpers.World)."""
    return world.client


def _post(client, data):
    page = client.get("/account/work/add")
    return client.post("/account/work/add", data={**data, "csrf_token": csrf_from(page)})


def test_without_a_provider_there_is_no_find_address(app, pro):
    assert app.config["ADDRESS_LOOKUP"] == "none"  # the default
    text = html(pro.get("/account/work/add"))
    assert "Find Address" not in text and 'name="house_number"' in text
    response = _post(pro, {**TYPED, "address_action": "find-address"})
    assert response.status_code == 422  # an ordinary save: the address is missing
    assert "Enter a house number, house name or building name" in html(response)


def test_find_then_use_this_address_fills_the_fields_and_keeps_the_rest(app, pro, stub):
    app.config.update(config(stub))
    text = html(pro.get("/account/work/add"))
    # Enter in a field saves: the form's first submit button is a Save without an action.
    first_button = text[text.index('action="/account/work/add"'):].split("<button", 2)[1]
    assert "Save" in first_button and "address_action" not in first_button
    found = _post(pro, {**TYPED, "address_action": "find-address"})
    text = html(found)
    assert found.status_code == 200 and "2 addresses found" in text
    assert "Coventry City Council, Council House, Earl Street, Coventry, CV1 5RR" in text
    assert 'value="Zz Typed Organisation"' in text and 'value="07700 900982"' in text
    assert "There is a problem" not in text
    used = _post(pro, {**TYPED, "address_action": "use-address", "address_id": "5002"})
    text = html(used)
    assert used.status_code == 200
    assert 'id="house_number" name="house_number" type="text" value="2"' in text
    assert 'value="Earl Street"' in text and 'value="Zz Quarter"' in text
    assert 'value="Coventry"' in text and 'value="Zz Typed Organisation"' in text
    with app.app_context():
        assert WorkProfile.select().count() == 1  # nothing saved until Save
    saved = _post(pro, {**TYPED, "house_number": "2", "street": "Earl Street",
                           "town": "Coventry"})
    assert saved.status_code == 303


def test_use_another_address_leaves_the_typed_fields(app, pro, stub):
    app.config.update(config(stub))
    typed = {**TYPED, "house_name": "Zz My Own House", "town": "Zz Town"}
    response = _post(pro, {**typed, "address_action": "another-address"})
    text = html(response)
    assert response.status_code == 200 and "addresses found" not in text
    assert 'value="Zz My Own House"' in text and 'value="Zz Town"' in text


@pytest.mark.parametrize("change,message", [
    ({"postcode": "TS18 1AA"}, "No addresses were found for this postcode"),
    ({"postcode": "nonsense"}, "Enter a real postcode"),
])
def test_lookup_problems_are_shown_at_the_postcode(app, pro, stub, change, message):
    app.config.update(config(stub))
    response = _post(pro, {**TYPED, **change, "address_action": "find-address"})
    text = html(response)
    assert response.status_code == 422
    assert "There is a problem" in text and text.count(message) == 2
    assert 'href="#postcode"' in text and 'value="Zz Typed Organisation"' in text


def test_a_provider_that_is_down_is_a_message_not_a_500(app, pro):
    app.config.update(config("http://127.0.0.1:9"))
    response = _post(pro, {**TYPED, "address_action": "find-address"})
    assert response.status_code == 422
    assert "We could not look up addresses just now. Type the address below" in html(response)


def test_an_address_id_that_is_not_listed_fills_nothing(app, pro, stub):
    app.config.update(config(stub))
    response = _post(pro, {**TYPED, "address_action": "use-address", "address_id": "<b>x"})
    text = html(response)
    assert response.status_code == 422 and "That address is no longer listed" in text
    assert 'value="Earl Street"' not in text


# --- Work Details in registration -------------------------------------------------------------

SECURITY = {"email": "new@example.org", "confirm_email": "new@example.org", "password": PASSWORD,
            "confirm_password": PASSWORD, "secret_question": "Name of your first pet",
            "secret_answer": "Zzbiscuit"}
ABOUT = {"title": "Ms", "forename": "Zzzoe", "surname": "Zzngu", "gender": "Female"}


def _register_step(client, data, partial=False):
    token = csrf_from(client.get("/register"))
    headers = {"HX-Request": "true", "HX-Request-Type": "partial"} if partial else {}
    return client.post("/register", data={**data, "csrf_token": token}, headers=headers)


@pytest.mark.parametrize("partial", [False, True], ids=["page", "htmx"])
def test_registration_finds_uses_and_then_registers_with_the_address(app, client, stub, partial):
    app.config.update(config(stub))
    for data in (SECURITY, ABOUT):
        assert _register_step(client, {**data, "action": "next"}).status_code == 303
    step = html(client.get("/register"))
    assert "Find Address" in step and 'class="portal-default-button"' in step
    work = {**TYPED, "house_number": "", "town": ""}
    found = _register_step(client, {**work, "address_action": "find-address"}, partial)
    assert found.status_code == 200 and "2 addresses found" in html(found)
    assert ("<html" in html(found)) is not partial
    used = _register_step(client, {**work, "address_action": "use-address", "address_id": "5001"},
                          partial)
    text = html(used)
    assert 'value="Council House"' in text and 'value="Zz Typed Organisation"' in text
    done = _register_step(client, {**work, "house_name": "Council House",
                                   "building_name": "Coventry City Council",
                                   "street": "Earl Street", "town": "Coventry", "action": "next"})
    assert done.status_code == 303 and done.headers["Location"] == "/register/check-your-email"
    with app.app_context():
        profile = WorkProfile.get()
        assert (profile.house_name, profile.street, profile.town) == (
            "Council House", "Earl Street", "Coventry")


def test_registration_without_a_provider_has_no_find_address(client):
    for data in (SECURITY, ABOUT):
        _register_step(client, {**data, "action": "next"})
    step = html(client.get("/register"))
    assert "Find Address" not in step and "portal-default-button" not in step
    assert 'name="house_number"' in step and 'name="postcode"' in step
