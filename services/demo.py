"""Demo data: invented people only ("Zz" names, as in the seeds). Never real personal data."""
import pyotp

import models
from models import Organisation, User, WorkProfile, utcnow
from services import accounts

DEMO_PASSWORD = "demo-portal-password-2026"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # printed, so the demo app user can sign in


def _organisation(name):
    key = " ".join(name.lower().split())
    return Organisation.get_or_none(Organisation.name_key == key) or Organisation.create(
        name=name, name_key=key)


def _user(email, forename, surname, *, role="professional", method="", prof_role=None, org=None):
    user = User.create(
        email=email, role=role, status="active", title="Ms", forename=forename, surname=surname,
        password_hash=accounts.hash_secret(DEMO_PASSWORD), activated_at=utcnow(),
        secret_question="Name of your first pet",
        secret_answer_hash=accounts.hash_secret(accounts.normalise_answer("zzbiscuit")),
        two_step_method=method, totp_secret=DEMO_TOTP_SECRET if method == "totp" else "",
        council_verified=True)
    if prof_role:
        WorkProfile.create(user=user, professional_role=prof_role, organisation=_organisation(org),
                           street="1 Zz Lane", town="Stockton-on-Tees", postcode="TS18 1AA",
                           country="United Kingdom", work_phone="01642 000000")
    return user


def build(app, only_if_empty=False):
    """Fill an empty database with demo accounts; return the text listing the sign-ins."""
    if not (only_if_empty and User.select().exists()):
        if User.select().exists():
            return "The database already has users; demo data is only added to an empty database."
        with models.db.atomic():
            _user("senco@demo.example", "Zzsally", "Zzsenco", method="email", prof_role="SENCo",
                  org="Zz Bader Primary School")
            _user("psychologist@demo.example", "Zzpeter", "Zzpsych", method="totp",
                  prof_role="Educational Psychologist", org="Zz Educational Psychology Service")
            _user("new.professional@demo.example", "Zznina", "Zznew", prof_role="Class Teacher",
                  org="Zz Bader Primary School")
            _user("officer@demo.example", "Zzoliver", "Zzofficer", role="officer", method="email")
    return sign_ins(app)


def sign_ins(app):
    """The demo sign-ins, as printed by `flask demo` and `make run`."""
    now_code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    return "\n".join([
        "Demo sign-ins (password for all: %s)" % DEMO_PASSWORD,
        "  senco@demo.example              professional, two-step by email (the code is printed here, in the console)",
        "  psychologist@demo.example       professional, two-step by authenticator app",
        "                                  key %s (current code %s)" % (DEMO_TOTP_SECRET, now_code),
        "  new.professional@demo.example   professional, two-step not yet enabled",
        "  officer@demo.example            SEN team officer, two-step by email",
        "Secret answer for password resets: zzbiscuit",
    ])
