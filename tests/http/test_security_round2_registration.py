"""Security round two (issue 11), H1: account pre-hijacking through a pending registration.

The attacker registers the victim's address with a password and secret answer of their own and
stops. These tests hold the fix to:

- a registration for an address that has only a *pending* account replaces that account's
  credentials (password, secret answer, names, work details) with the new registration's, and
  every earlier activation link stops working;
- ``/activate/<token>``: a GET only shows a page with a button (a ``<form method="post">``), so a
  mail gateway that pre-fetches links activates nothing; the POST (with the CSRF token) activates
  and answers 303 to ``/login``; a dead link answers 400 to both;
- a pending account expires ``ACTIVATION_MAX_AGE`` (48 hours) after it was registered
  (``User.created_at``): its link no longer activates it and a new registration replaces it;
- the same for family registration (``/family/register``).

Decided names: the activation route keeps its endpoint ``auth.activate`` and URL
``/activate/<token>`` with ``methods=["GET", "POST"]``; the activation page is
``templates/auth/activate.html``.
"""
import datetime as dt
import re

import pytest

from models import Outbox, User, WorkProfile, utcnow
from tests.helpers import csrf_from, link_from

VICTIM = "victim@school.example"
ATTACKER_PASSWORD = "attacker-chosen-pass-77"
VICTIM_PASSWORD = "victims-own-long-pass-93"

PRO_ABOUT = {"title": "Ms", "forename": "Zzvictoria", "surname": "Zzreal", "gender": "Female"}
ATTACKER_ABOUT = {"title": "Mr", "forename": "Zzmallory", "surname": "Zzfake", "gender": "Male"}
PRO_WORK = {"professional_role": "SENCo", "organisation_name": "Zz Real Primary School",
            "house_number": "1", "house_name": "", "building_name": "", "street": "Earl Street",
            "district": "", "town": "Coventry", "postcode": "cv15rr", "country": "United Kingdom",
            "work_phone": "01632 960 001", "mobile": ""}
ATTACKER_WORK = {**PRO_WORK, "organisation_name": "Zz Attacker Ltd", "street": "Fake Street"}


def security(password, answer):
    return {"email": VICTIM, "confirm_email": VICTIM, "password": password,
            "confirm_password": password, "secret_question": "Name of your first pet",
            "secret_answer": answer}


def register_professional(client, password, answer, about, work):
    for data in (security(password, answer), about, work):
        token = csrf_from(client.get("/register"))
        response = client.post("/register", data={**data, "action": "next", "csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def register_family(client, password, answer, about):
    for data in (security(password, answer), about):
        token = csrf_from(client.get("/family/register"))
        response = client.post("/family/register",
                               data={**data, "action": "next", "csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def activation_links(app):
    with app.app_context():
        rows = (Outbox.select().where(Outbox.to_addr == VICTIM)
                .where(Outbox.kind.in_(("activation", "citizen-activation"))).order_by(Outbox.id))
        return [link_from(row).replace(app.config["BASE_URL"], "") for row in rows]


def follow_activation(client, path):
    """What a person does with the link: open it, then press the button on the page (a POST with
    the page's CSRF token; the session's token from /login when the page has no form)."""
    page = client.get(path)
    html = page.get_data(as_text=True)
    token = (csrf_from(page) if re.search(r'name="csrf_token" value=', html)
             else csrf_from(client.get("/login")))
    return client.post(path, data={"csrf_token": token})


def status_of(app, email=VICTIM):
    with app.app_context():
        user = User.get_or_none(User.email == email)
        return user.status if user else None


def sign_in_password(client, password, email=VICTIM):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(page)})


def asks_reset(app, client, answer, email=VICTIM):
    """True when the forgotten-password form with ``answer`` emails a reset link."""
    before = Outbox.select().where(Outbox.kind == "password-reset")
    with app.app_context():
        count = before.count()
    page = client.get("/forgotten-password")
    client.post("/forgotten-password", data={"email": email, "secret_answer": answer,
                                             "csrf_token": csrf_from(page)})
    with app.app_context():
        return before.count() > count


# --- The attacker's journey ----------------------------------------------------------------------

def test_h1_second_registration_of_a_pending_address_takes_it_over(app):
    attacker, victim = app.test_client(), app.test_client()
    register_professional(attacker, ATTACKER_PASSWORD, "attackers answer", ATTACKER_ABOUT,
                          ATTACKER_WORK)
    register_professional(victim, VICTIM_PASSWORD, "victims answer", PRO_ABOUT, PRO_WORK)

    links = activation_links(app)
    assert len(links) == 2
    first, second = links
    # The attacker's (first) activation link is dead once the owner registered again.
    response = follow_activation(attacker, first)
    assert status_of(app) == "pending", "the first activation link still activates the account"
    assert response.status_code == 400
    # The owner's own link activates the account, now holding the owner's credentials.
    assert follow_activation(victim, second).status_code == 303
    assert status_of(app) == "active"
    assert sign_in_password(attacker, ATTACKER_PASSWORD).status_code == 422
    assert sign_in_password(victim, VICTIM_PASSWORD).status_code == 303
    with app.app_context():
        user = User.get(User.email == VICTIM)
        assert (user.forename, user.surname) == ("Zzvictoria", "Zzreal")
        organisations = {p.organisation.name for p in WorkProfile.select().where(
            WorkProfile.user == user)}
        assert organisations == {"Zz Real Primary School"}
    # The owner's reset works with the owner's own secret answer, and not the attacker's.
    assert asks_reset(app, app.test_client(), "attackers answer") is False
    assert asks_reset(app, app.test_client(), "victims answer") is True


def test_h1_every_earlier_activation_link_dies_even_if_unused(app):
    """Three registrations: only the newest link works, whichever order they are tried in."""
    for password in (ATTACKER_PASSWORD, "second-attacker-pass-11", VICTIM_PASSWORD):
        register_professional(app.test_client(), password, "an answer", PRO_ABOUT, PRO_WORK)
    first, second, third = activation_links(app)
    client = app.test_client()
    for dead in (second, first):
        follow_activation(client, dead)
        assert status_of(app) == "pending", f"an earlier link ({dead[:30]}...) still activates"
    follow_activation(client, third)
    assert status_of(app) == "active"


def test_h1_activation_get_shows_a_button_and_activates_nothing(app, client):
    register_professional(client, VICTIM_PASSWORD, "victims answer", PRO_ABOUT, PRO_WORK)
    (link,) = activation_links(app)
    page = app.test_client().get(link)  # a mail gateway pre-fetching the link
    assert status_of(app) == "pending", "a plain GET of the activation link activated the account"
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<form[^>]*method="post"', html) and "<button" in html


def test_h1_activation_post_activates_once(app, client):
    register_professional(client, VICTIM_PASSWORD, "victims answer", PRO_ABOUT, PRO_WORK)
    (link,) = activation_links(app)
    token = csrf_from(client.get("/login"))
    response = client.post(link, data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert status_of(app) == "active"
    again = client.post(link, data={"csrf_token": token})
    assert again.status_code == 400


def test_h1_activation_post_needs_the_csrf_token(app, client):
    register_professional(client, VICTIM_PASSWORD, "victims answer", PRO_ABOUT, PRO_WORK)
    (link,) = activation_links(app)
    response = client.post(link, data={})
    assert response.status_code == 400
    assert status_of(app) == "pending"


def _age_pending_account(app, hours):
    with app.app_context():
        User.update(created_at=utcnow() - dt.timedelta(hours=hours)).where(
            User.email == VICTIM).execute()


def test_h1_a_pending_account_older_than_48_hours_cannot_be_activated(app, client):
    register_professional(client, ATTACKER_PASSWORD, "attackers answer", ATTACKER_ABOUT,
                          ATTACKER_WORK)
    (link,) = activation_links(app)
    _age_pending_account(app, 49)
    response = follow_activation(client, link)
    assert status_of(app) != "active", "a pending account registered 49 hours ago was activated"
    assert response.status_code == 400


def test_h1_an_expired_pending_account_is_replaced_by_a_new_registration(app):
    attacker, victim = app.test_client(), app.test_client()
    register_professional(attacker, ATTACKER_PASSWORD, "attackers answer", ATTACKER_ABOUT,
                          ATTACKER_WORK)
    _age_pending_account(app, 49)
    register_professional(victim, VICTIM_PASSWORD, "victims answer", PRO_ABOUT, PRO_WORK)
    newest = activation_links(app)[-1]
    assert follow_activation(victim, newest).status_code == 303
    assert status_of(app) == "active"
    assert sign_in_password(attacker, ATTACKER_PASSWORD).status_code == 422
    assert sign_in_password(victim, VICTIM_PASSWORD).status_code == 303
    with app.app_context():
        user = User.get(User.email == VICTIM)
        assert user.created_at > utcnow() - dt.timedelta(hours=1)  # a fresh registration


def test_h1_family_registration_replaces_a_pending_account_too(app):
    attacker, victim = app.test_client(), app.test_client()
    register_family(attacker, ATTACKER_PASSWORD, "attackers answer",
                    {"citizen_kind": "parent", **ATTACKER_ABOUT})
    register_family(victim, VICTIM_PASSWORD, "victims answer",
                    {"citizen_kind": "parent", **PRO_ABOUT})
    first, second = activation_links(app)
    follow_activation(attacker, first)
    assert status_of(app) == "pending", "the attacker's family activation link still works"
    assert follow_activation(victim, second).status_code == 303
    assert sign_in_password(attacker, ATTACKER_PASSWORD).status_code == 422
    assert sign_in_password(victim, VICTIM_PASSWORD).status_code == 303
    assert asks_reset(app, app.test_client(), "victims answer") is True


def test_h1_a_professional_registration_replaces_a_pending_family_one(app):
    """The same address pending as a family account: the professional's registration wins it
    (no role, name or password of the first registrant survives)."""
    attacker, victim = app.test_client(), app.test_client()
    register_family(attacker, ATTACKER_PASSWORD, "attackers answer",
                    {"citizen_kind": "parent", **ATTACKER_ABOUT})
    register_professional(victim, VICTIM_PASSWORD, "victims answer", PRO_ABOUT, PRO_WORK)
    follow_activation(victim, activation_links(app)[-1])
    assert status_of(app) == "active"
    with app.app_context():
        user = User.get(User.email == VICTIM)
        assert (user.role, user.forename) == ("professional", "Zzvictoria")
    assert sign_in_password(victim, VICTIM_PASSWORD).status_code == 303


@pytest.mark.parametrize("address", ["a<b>@x.example", "x,y@x.example", "a b@x.example",
                                     "x@y@x.example", "x;y@x.example"])
def test_registration_refuses_addresses_smtp_would_split(client, address):
    """Low (last item): one strict address check everywhere; registration must refuse these."""
    token = csrf_from(client.get("/register"))
    data = {**security(VICTIM_PASSWORD, "an answer"), "email": address, "confirm_email": address}
    response = client.post("/register", data={**data, "action": "next", "csrf_token": token})
    assert response.status_code == 422, f"{address!r} accepted at Security Details"
    assert "correct format" in response.get_data(as_text=True)


@pytest.mark.parametrize("address", ["a<b>@x.example", "x,y@x.example"])
def test_family_registration_refuses_addresses_smtp_would_split(client, address):
    token = csrf_from(client.get("/family/register"))
    data = {**security(VICTIM_PASSWORD, "an answer"), "email": address, "confirm_email": address}
    response = client.post("/family/register",
                           data={**data, "action": "next", "csrf_token": token})
    assert response.status_code == 422, f"{address!r} accepted at Security Details"

