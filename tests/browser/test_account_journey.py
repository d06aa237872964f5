"""Issue 2's "Done when": the whole account journey in a real browser, with and without JavaScript.

register -> activation email -> sign in -> enable Two Step Verification (Email) -> sign out ->
sign in with the emailed code -> forgotten password -> reset -> sign in again.

axe-core checks every page on the way (WCAG 2.2 A and AA), including an error summary. Labels are
the ones in the councils' user guides (seeds 000 Stockton and 002 Coventry).
"""
from pathlib import Path

import yaml
from playwright.sync_api import expect

from tests.browser.conftest import js_enabled

COUNCIL = yaml.safe_load((Path(__file__).resolve().parents[2] / "schemas" / "councils" /
                          "stockton.yaml").read_text(encoding="utf-8"))
PASSWORD = "Zz-walrus-cobalt-lantern-47"
NEW_PASSWORD = "Zz-heron-saffron-kettle-83"
SECRET_ANSWER = "Zzmarmalade"


def test_register_activate_two_step_sign_out_in_and_reset_password(any_page, portal, axe):
    page = any_page
    email = f"zz.senco.{'js' if js_enabled(page) else 'nojs'}@example.org"

    def heading(text):
        expect(page.get_by_role("heading", level=1)).to_contain_text(text)

    # --- Register (Coventry 1.1.2-1.1.4) ---
    page.goto("/login")
    heading("Login")
    axe(page, "Login")
    page.get_by_role("main").get_by_role("link", name="Register").click()
    heading("Registration")
    axe(page, "Registration: Security Details")

    page.get_by_role("button", name="Next").click()  # nothing filled in: the error summary
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe(page, "Registration: Security Details with errors")

    page.get_by_label("Email Address", exact=True).fill(email)
    page.get_by_label("Confirm Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm Password").fill(PASSWORD)
    page.get_by_label("Secret Question").select_option(COUNCIL["secret_questions"][2])
    page.get_by_label("Secret Answer").fill(SECRET_ANSWER)
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_label("Forename")).to_be_visible()
    if js_enabled(page):  # the swapped-in step's heading has the focus (issue 13)
        expect(page.locator("#register-step h2")).to_be_focused()
    axe(page, "Registration: About you")
    page.get_by_label("Title").select_option("Mr")
    page.get_by_label("Forename").fill("Zzaron")
    page.get_by_label("Surname").fill("Zzaardvark")
    page.get_by_label("Gender").select_option("Male")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_label("Organisation Name")).to_be_visible()
    axe(page, "Registration: Work Details")
    page.get_by_label("Professional Role").select_option("SENCo")
    page.get_by_label("Organisation Name").fill("Zzbader Primary School")
    page.get_by_label("House Number").fill("12")
    page.get_by_label("Street Name").fill("Zzacacia Avenue")
    page.get_by_label("Town").fill("Stockton-on-Tees")
    page.get_by_label("Postcode").fill("TS18 1AA")
    page.get_by_label("Work Phone").fill("01642 000000")
    page.get_by_label("Work Phone").press("Enter")  # Enter is Submit Registration, not Previous

    heading("Check your email")
    axe(page, "Registration sent")

    # --- Activate (Coventry 1.1.5) ---
    activation = portal.last_email(email)
    page.goto(activation.link)  # opening the link only shows a button (issue 11, H1)
    heading("Activate your account")
    page.get_by_role("button", name="Activate my account").click()
    heading("Login")
    expect(page.get_by_role("main")).to_contain_text("Your account is now active")
    axe(page, "Login after activation (success banner)")

    # --- Sign in with the password only: Home offers Two Step Verification (Coventry 1.1.6) ---
    sign_in(page, email, PASSWORD)
    heading("Welcome")
    axe(page, "Home before Two Step Verification")
    page.get_by_role("link", name="Enable Two Step Verification now").click()

    # --- Enable Two Step Verification by Email (Coventry 1.1.7) ---
    heading("Two Step Verification")
    axe(page, "My Account: Two Step Verification")
    page.get_by_label("Preferred method").select_option(label="Email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Your Verification Code")).to_be_visible()
    axe(page, "My Account: enter the code to enable Two Step Verification")
    page.get_by_label("Your Verification Code").fill(portal.last_email(email, newer_than=activation).code)
    page.get_by_role("button", name="Verify").click()
    heading("Welcome")
    expect(page.get_by_role("main")).to_contain_text("Two Step Verification is now on")
    axe(page, "Home after enabling Two Step Verification")
    enabling_code_mail = portal.last_email(email)

    # --- Sign out, then sign in with the emailed code (Stockton p. 5, Coventry 1.1.8) ---
    page.get_by_role("button", name="Sign Out").click()
    heading("Login")
    expect(page.get_by_role("main")).to_contain_text("You have signed out")
    axe(page, "Login after signing out")

    sign_in(page, email, PASSWORD)
    heading("Verification Code")
    axe(page, "Verification Code sent")
    sign_in_code_mail = portal.last_email(email, newer_than=enabling_code_mail)
    page.get_by_label("Your Verification Code").fill(sign_in_code_mail.code)
    page.get_by_role("button", name="Verify").click()
    heading("Welcome")
    expect(page.get_by_role("link", name="Enable Two Step Verification now")).to_have_count(0)

    # --- Forgotten password (Stockton p. 13) ---
    page.get_by_role("button", name="Sign Out").click()
    heading("Login")
    page.get_by_role("link", name="Forgotten your password?").click()
    heading("Forgotten your password?")
    axe(page, "Forgotten your password?")
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Secret Answer").fill(SECRET_ANSWER)
    page.get_by_role("button", name="Reset password").click()
    heading("Password Change Requested")
    axe(page, "Password Change Requested")

    reset_mail = portal.last_email(email, newer_than=sign_in_code_mail)
    page.goto(reset_mail.link)
    heading("Choose a new password")
    axe(page, "Choose a new password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    heading("Login")
    expect(page.get_by_role("main")).to_contain_text("Your password has been changed")

    # --- The old password no longer works; the new one (and a fresh code) does ---
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("The email address or password is not correct")
    axe(page, "Login with an error")
    sign_in(page, email, NEW_PASSWORD)
    heading("Verification Code")
    page.get_by_label("Your Verification Code").fill(
        portal.last_email(email, newer_than=reset_mail).code)
    page.get_by_role("button", name="Verify").click()
    heading("Welcome")
    expect(page.get_by_role("banner").get_by_role("button", name="Sign Out")).to_be_visible()


def sign_in(page, email, password):
    """Stockton p. 4: Email Address, Password, Login."""
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Login").click()
