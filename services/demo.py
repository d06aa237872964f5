"""Demo data: invented people only ("Zz" names, as in the seeds). Never real personal data."""
import datetime as dt
import io

import pyotp
from flask import current_app

import models
from models import (Case, FormInstance, Link, Organisation, Person, Submission, User,
                    WorkProfile, utcnow)
from services.cases import events
from services.forms_design import store as forms_design
from services.sen2 import demo as sen2_demo
from services.casework import advice, documents, notices, sharing
from services.forms import pdf, review
from services.identity import accounts, secrets_at_rest
from services.people import links
from services.kernel import clock

DEMO_PASSWORD = "demo-portal-password-2026"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # printed, so the demo app user can sign in


# Where every invented professional works (a "Zz" street in Stockton).
WORK_ADDRESS = {"house_number": "1", "street": "Zz Lane", "town": "Stockton-on-Tees",
                "postcode": "TS18 1AA", "country": "United Kingdom", "work_phone": "01642 000000"}


def _organisation(name):
    key = " ".join(name.lower().split())
    return Organisation.get_or_none(Organisation.name_key == key) or Organisation.create(
        name=name, name_key=key)


def make_user(email, forename, surname, *, password, role="professional", two_step="email",
              secret_answer="zzbiscuit", status="active", professional_role=None,
              organisation=None, **fields):
    """Create a ready account (activated, "Name of your first pet" answered) and return it: the
    one way demo data, browser-test seeding and the tests' ``make_user`` fixture make users.

    ``password``/``secret_answer`` are hashed as accounts does (None: not set, as for an officer
    invited but not yet signed up); ``two_step`` is "email", "totp" or "" (not set up yet).
    With ``professional_role`` the user gets a work profile at ``organisation`` (a name, found or
    created) and WORK_ADDRESS. Other ``fields`` are User columns (title, council_verified,
    citizen_kind, totp_secret, activated_at...).
    """
    columns = {
        "email": email.lower(), "role": role, "status": status, "forename": forename,
        "surname": surname, "two_step_method": two_step, "activated_at": utcnow(),
        "password_hash": accounts.hash_secret(password) if password is not None else "",
    }
    if secret_answer is not None:
        columns.update(secret_question="Name of your first pet",
                       secret_answer_hash=accounts.hash_secret(
                           accounts.normalise_answer(secret_answer)))
    if fields.get("totp_secret"):  # seeds are stored sealed (services/identity/secrets_at_rest)
        fields["totp_secret"] = secrets_at_rest.seal(fields["totp_secret"])
    user = User.create(**{**columns, **fields})
    if professional_role:
        # A checked account's role is a confirmed membership of its organisation.
        confirmed = utcnow() if fields.get("council_verified") else None
        WorkProfile.create(user=user, professional_role=professional_role,
                           organisation=_organisation(organisation), confirmed_at=confirmed,
                           **WORK_ADDRESS)
    return user


def _user(email, forename, surname, *, role="professional", method="", prof_role=None, org=None):
    """A demo account: the demo password, title Ms, council-verified (Ms Zz... for everyone)."""
    return make_user(email, forename, surname, password=DEMO_PASSWORD, role=role,
                     two_step=method, totp_secret=DEMO_TOTP_SECRET if method == "totp" else "",
                     title="Ms", council_verified=True, professional_role=prof_role,
                     organisation=org)


def build(app, only_if_empty=False):
    """Fill an empty database with demo accounts; return the text listing the sign-ins."""
    if not (only_if_empty and User.select().exists()):
        if User.select().exists():
            return "The database already has users; demo data is only added to an empty database."
        with models.db.atomic():
            senco = _user("senco@demo.example", "Zzsally", "Zzsenco", method="email",
                          prof_role="SENCo", org="Zz Bader Primary School")
            _user("psychologist@demo.example", "Zzpeter", "Zzpsych", method="totp",
                  prof_role="Educational Psychologist", org="Zz Educational Psychology Service")
            _user("new.professional@demo.example", "Zznina", "Zznew", prof_role="Class Teacher",
                  org="Zz Bader Primary School")
            officer = _user("officer@demo.example", "Zzoliver", "Zzofficer", role="officer",
                            method="email")
            forms_design.grant_designer(None, officer)  # the first designer, as create-officer --designer
            _children_and_messages(senco, officer)
            officer2 = _user("officer2@demo.example", "Zzolga", "Zzofficer", role="officer",
                             method="email")
            _cases(officer, officer2)
            _families_and_casework(app, officer)
            sen2_demo.add_details()
    return sign_ins(app)


# The Stockton seed's Select Person list (invented "Zz" children), linked to the demo SENCo.
DEMO_CHILDREN = (
    ("Audrey", "ZzAubergine", "1999-08-02", "", "Female"),
    ("zzEbony", "zzRoberts", "2006-05-22", "Zz Bader Primary", "Female"),
    ("Zzpoppy", "Zzthompson", "2012-10-08", "", "Female"),
    ("Zztheodore", "Zzthompson", "2002-06-14", "Zz Bader Primary", "Male"),
    ("Veruca", "ZzHolet", "2003-01-01", "Zz Bader Primary", "Female"),
    ("Zzarlo", "Zzbeetroot", "2021-03-15", "Zz Little Acorns Nursery", "Male"),
    ("Zzmilo", "Zzokafor", "2016-11-03", "Zz Bader Primary", "Male"),
)


def _children_and_messages(senco, officer):
    """Zz children linked to the SENCo (by the SEN team, as in the seed), and the SENCo's messages,
    each made by the action that sends it in real use (so every message leads to something):
    asked for Zzarlo's request, asked for and reminded about Zzpoppy's E7 advice, a psychologist's
    Annual Review PRE Information about Veruca accepted and shared, and the SENCo's own Secondary
    request for zzEbony returned with a reason."""
    today = clock.uk_today()
    registry = current_app.extensions["forms"]
    children = []
    for forename, surname, born, school, gender in DEMO_CHILDREN:
        person = Person.create(forename=forename, surname=surname, gender=gender,
                               date_of_birth=dt.date.fromisoformat(born), current_school=school,
                               address="1 Zz Street, Stockton-on-Tees", postcode="TS18 1ZZ")
        links.link(person, senco, how="sen-team", linked_by=officer)
        children.append(person)
    ebony, poppy, veruca, arlo = children[1], children[2], children[4], children[5]
    advice.request_advice(arlo, officer=officer, registry=registry, form_key="early-years-request",
                          recipient_id=senco.id, today=today)
    asked = today - dt.timedelta(days=45)  # asked six weeks ago: due 3 days ago, now overdue
    advice.request_advice(poppy, officer=officer, registry=registry,
                          form_key="e7-other-professionals", recipient_id=senco.id, today=asked)
    advice.send_due_reminders(today)
    psychologist = User.get(User.email == "psychologist@demo.example")
    links.link(veruca, psychologist, how="sen-team", linked_by=officer)
    pre = _submitted(psychologist, veruca, "annual-review-pre-information", {
        "meeting_notes": "Zz demonstration: Veruca has settled well and attends every day."})
    review.decide(pre, officer=officer, decision="accepted", reason="", version=pre.version)
    sharing.share(veruca, officer=officer, recipient_ids=[senco.id], instance=pre)
    request = _submitted(senco, ebony, "secondary-request", {
        "reason": "Zz demonstration: zzEbony needs more help than the school can give."})
    review.decide(request, officer=officer, decision="returned", version=request.version,
                  reason="The Parental Consent form is not signed. Please attach a signed copy "
                         "and submit the form again.")


def _submitted(author, person, form_key, notes):
    """A form ``author`` sent in (round 1 kept, as instances.submit keeps it), with the child's
    details and a line of demonstration text in its first text step."""
    form = current_app.extensions["forms"].get(form_key)
    profile = WorkProfile.get_or_none(WorkProfile.user == author)
    answers = {}
    for step in form.steps:
        if step.kind == "work_profile" and profile is not None:
            answers[step.key] = {"work_profile_id": profile.id}
        elif step.kind == "child_details":
            answers[step.key] = {"forename": person.forename, "surname": person.surname,
                                 "gender": person.gender,
                                 "date_of_birth": person.date_of_birth.isoformat()}
        elif not answers.get("_text") and any(f.type == "textarea" for f in step.fields):
            field = next(f for f in step.fields if f.type == "textarea")
            answers[step.key] = {field.name: next(iter(notes.values()))}
            answers["_text"] = True
    answers.pop("_text", None)
    now = utcnow()
    instance = FormInstance.create(person=person, form_key=form_key, schema_version=form.version,
                                   author=author, work_profile=profile, status="submitted",
                                   answers=answers, submitted_at=now, updated_at=now)
    Submission.create(instance=instance, round=1, answers=answers,
                      schema_version=form.version, work_profile=profile, submitted_by=author,
                      submitted_at=now)
    return instance


def _cases(officer, officer2):
    """Cases at different stages (relative to today) for the SEN team's caseload and dashboard,
    a professional's duplicate record of Zzpoppy to match, and a registration to check."""


    today = clock.uk_today()
    weeks = lambda n: dt.timedelta(weeks=n)  # noqa: E731
    days = lambda n: dt.timedelta(days=n)  # noqa: E731

    def child(forename, surname):
        return Person.get((Person.forename == forename) & (Person.surname == surname))

    def case(person, who, steps):
        """Build the case through the same event functions officers use (no phase is set)."""
        events.record_all(who, person, steps, today=today)
        Case.update(officer=who).where(Case.person == person.id).execute()

    case(child("Zzarlo", "Zzbeetroot"), officer, [("request", today - days(20))])
    case(child("Zztheodore", "Zzthompson"), officer2,
         [("request", today - days(44))])  # decision whether to assess overdue by 2 days
    request = today - weeks(12)
    case(child("Zzpoppy", "Zzthompson"), officer,
         [("request", request), ("assess-decision", request + weeks(5), "yes")])
    request = today - weeks(19)
    case(child("zzEbony", "zzRoberts"), officer2,
         [("request", request), ("assess-decision", request + weeks(6), "yes"),
          ("issue-decision", request + weeks(15), "yes")])  # the draft: _families_and_casework
    issued = today - days(340)
    case(child("Veruca", "ZzHolet"), officer,
         [("request", issued - weeks(19)), ("assess-decision", issued - weeks(15), "yes"),
          ("issue-decision", issued - weeks(6), "yes"), ("draft-plan", issued - weeks(3)),
          ("family-response", issued - weeks(1), "no-comments"), ("final-plan", issued)])
    request = today - weeks(9)
    case(child("Zzmilo", "Zzokafor"), officer2,
         [("request", request), ("assess-decision", request + weeks(5), "no",
                                 {"reason": "The school's SEN support plan is meeting needs"})])
    psychologist = User.get(User.email == "psychologist@demo.example")
    duplicate = Person.create(forename="Zzpoppy", surname="Zzthompson", gender="Female",
                              date_of_birth=dt.date(2012, 10, 8), current_school="Zz Bader Primary",
                              needs_matching=True, created_by=psychologist)
    Link.create(user=psychologist, person=duplicate, how="added", linked_by=psychologist)
    User.update(council_verified=False).where(
        User.email == "new.professional@demo.example").execute()
    WorkProfile.update(confirmed_at=None).where(WorkProfile.user.in_(
        User.select(User.id).where(User.email == "new.professional@demo.example"))).execute()


def _families_and_casework(app, officer):
    """A parent linked to zzEbony with the draft plan issued to her (comment window open), and an
    E4 advice request to the psychologist about Zzpoppy."""


    today = clock.uk_today()
    parent = _user("parent@demo.example", "Zzpatricia", "Zzroberts", role="citizen", method="email")
    parent.citizen_kind = "parent"
    parent.save()
    ebony = Person.get((Person.forename == "zzEbony") & (Person.surname == "zzRoberts"))
    links.link(ebony, parent, how="parent", linked_by=officer)
    plan = pdf.render_html_pdf(
        "<html><body><h1>Draft Education, Health and Care Plan</h1>"
        "<p>zzEbony zzRoberts, born 22/05/2006. Demonstration document: invented data.</p>"
        "<h2>Section A: the views, interests and aspirations of zzEbony and her parents</h2>"
        "<p>zzEbony enjoys art and wants to work with animals.</p></body></html>")
    draft = documents.upload(ebony, officer=officer, kind="draft-plan", title="Draft EHC Plan",
                             filename="Draft EHC Plan - ZR.pdf", stream=io.BytesIO(plan),
                             issue=True, upload_dir=app.config["UPLOAD_DIR"],
                             max_bytes=app.config["MAX_UPLOAD_MB"] * 1024 * 1024, today=today)
    notices.event_recorded(draft.plan_event, officer)
    poppy = Person.get((Person.forename == "Zzpoppy") & (Person.surname == "Zzthompson")
                       & (Person.needs_matching == False))  # noqa: E712 (peewee expression)
    advice.request_advice(poppy, officer=officer, registry=app.extensions["forms"],
                          form_key="e4-educational-psychologist",
                          email="psychologist@demo.example", today=today)


def sign_ins(app):
    """The demo sign-ins, as printed by `flask demo` and `make run`."""
    now_code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    return "\n".join([
        "Demo sign-ins (password for all: %s)" % DEMO_PASSWORD,
        "  senco@demo.example              professional, two-step by email (the code is printed here, in the console)",
        "  psychologist@demo.example       professional, two-step by authenticator app",
        "                                  key %s (current code %s)" % (DEMO_TOTP_SECRET, now_code),
        "  new.professional@demo.example   professional, two-step not yet enabled",
        "  officer@demo.example            SEN team officer and form designer, two-step by email",
        "  officer2@demo.example           a second SEN team officer, two-step by email",
        "  parent@demo.example             parent of zzEbony (draft plan out for comments), two-step by email",
        "Secret answer for password resets: zzbiscuit",
    ])
