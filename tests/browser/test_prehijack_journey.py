"""Issue 11 H1 (account pre-hijacking) in real browsers, JavaScript on and off.

An attacker registers the owner's address with a password of their own and stops (the account
is pending). The owner later registers the same address with their own password, name and work
details. Each in their own browser: the attacker's activation link no longer works, the owner's
link shows a button that activates the account, the attacker's password does not sign in, and
the owner signs in to an account holding their own details.
"""
from pathlib import Path

import yaml
from playwright.sync_api import expect

from tests.browser.conftest import js_enabled

COUNCIL = yaml.safe_load((Path(__file__).resolve().parents[2] / "schemas" / "councils" /
                          "stockton.yaml").read_text(encoding="utf-8"))
ATTACKER_PASSWORD = "Zz-attacker-chosen-pass-77"
OWNER_PASSWORD = "Zz-owners-own-long-pass-93"


def heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def register(page, email, password, *, forename, organisation):
    """The three registration pages (Coventry 1.1.2-1.1.4), as either person fills them in."""
    page.goto("/register")
    page.get_by_label("Email Address", exact=True).fill(email)
    page.get_by_label("Confirm Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm Password").fill(password)
    page.get_by_label("Secret Question").select_option(COUNCIL["secret_questions"][0])
    page.get_by_label("Secret Answer").fill(f"{forename} answer")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Title").select_option("Ms")
    page.get_by_label("Forename").fill(forename)
    page.get_by_label("Surname").fill("Zzregistrant")
    page.get_by_label("Gender").select_option("Female")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Professional Role").select_option("SENCo")
    page.get_by_label("Organisation Name").fill(organisation)
    page.get_by_label("House Number").fill("12")
    page.get_by_label("Street Name").fill("Zzacacia Avenue")
    page.get_by_label("Town").fill("Stockton-on-Tees")
    page.get_by_label("Postcode").fill("TS18 1AA")
    page.get_by_label("Work Phone").fill("01642 000000")
    page.get_by_role("button", name="Submit Registration").click()
    heading(page, "Check your email")


def sign_in(page, email, password):
    page.goto("/login")
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Login").click()


def test_the_owner_wins_an_address_an_attacker_registered_first(any_page, new_page, portal, axe):
    owner = any_page
    attacker = new_page(js=js_enabled(owner))
    email = f"zz.victim.{'js' if js_enabled(owner) else 'nojs'}@school.example"

    register(attacker, email, ATTACKER_PASSWORD, forename="Zzmallory",
             organisation="Zz Attacker Ltd")
    attackers_mail = portal.last_email(email)
    register(owner, email, OWNER_PASSWORD, forename="Zzvictoria",
             organisation="Zz Real Primary School")
    owners_mail = portal.last_email(email, newer_than=attackers_mail)

    # The attacker's link died when the owner registered: no button, nothing activated.
    attacker.goto(attackers_mail.link)
    heading(attacker, "This link does not work")
    expect(attacker.get_by_role("button", name="Activate my account")).to_have_count(0)
    axe(attacker, "Activation link that no longer works")

    # The owner's link only shows a button; pressing it activates the account.
    owner.goto(owners_mail.link)
    heading(owner, "Activate your account")
    expect(owner.get_by_role("main")).to_contain_text(email)
    owner.get_by_role("button", name="Activate my account").click()
    heading(owner, "Login")
    expect(owner.get_by_role("main")).to_contain_text("Your account is now active")

    # The attacker's password does not sign in to the now active account.
    sign_in(attacker, email, ATTACKER_PASSWORD)
    expect(attacker.get_by_role("alert")).to_contain_text(
        "The email address or password is not correct")

    # The owner's does, into an account with the owner's own details.
    sign_in(owner, email, OWNER_PASSWORD)
    heading(owner, "Welcome")
    owner.goto("/account/")
    expect(owner.get_by_label("Forename")).to_have_value("Zzvictoria")
    owner.goto("/account/work")
    expect(owner.get_by_role("main")).to_contain_text("Zz Real Primary School")
    expect(owner.get_by_role("main")).not_to_contain_text("Zz Attacker Ltd")
