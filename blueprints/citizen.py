"""The citizen view for parents, carers and young people (16+), and the SEN team's side of it.

Families: registration (Security Details, About you — no work details), My children, each child's
page (where things stand, what happens next and by when, what has been shared, their forms),
shared document downloads, starting family forms (the draft-plan comment window is checked here
and again on submit), "Link my child" with a reference code, and "Tell us about a child".
Officers: make a one-time reference code for a family, withdraw it, confirm or refuse link
requests, and end a family member's link.

HTTP only: the rules are in services/family/citizen.py. Anything a user may not see answers 404.
"""
import datetime as dt

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from blueprints.common import (PUBLIC, access, client_ip, flash_success, form_errors, rate_limit,
                               render, send_stored_file)
from blueprints.registration import (SECURITY, TITLES, Step, Wizard, choice_field, gender_field,
                                     name_field, strip)
from models import Person
from services.cases import statutory, windows
from services.casework import documents
from services.family import citizen
from services.forms import instances
from services.kernel import clock, vocab
from services.people import people

bp = Blueprint("citizen", __name__, url_prefix="/family")


# --- Forms -----------------------------------------------------------------------------------------

class AboutForm(FlaskForm):
    citizen_kind = RadioField("I am a", choices=list(citizen.KINDS.items()), validate_choice=False,
                              validators=[DataRequired("Select whether you are a parent or carer, "
                                                       "or a young person"),
                                          AnyOf(list(citizen.KINDS), message="Select whether you "
                                                "are a parent or carer, or a young person")])
    title = choice_field("Title", TITLES, "Select your title")
    forename = name_field("Forename")
    surname = name_field("Surname")
    gender = gender_field()


class LinkForm(FlaskForm):
    code = StringField("Reference code", filters=[strip], validators=[
        DataRequired("Enter the reference code from the SEN Team"),
        Length(max=40, message=citizen.CODE_FORMAT)])
    relationship = RadioField("Who are you to the child?", validate_choice=False, choices=[
        *((r, r) for r in citizen.RELATIONSHIPS), (citizen.MYSELF, "I am the young person (16 or over)")],
        validators=[DataRequired("Select who you are to the child")])

    def validate_code(self, field):
        if field.data and citizen.normalise_code(field.data) is None:
            raise ValidationError(citizen.CODE_FORMAT)

    def validate_relationship(self, field):
        if field.data not in [value for value, _ in field.choices]:
            raise ValidationError("Select who you are to the child")


class ChildForm(FlaskForm):
    forename = name_field("First name", "their")
    surname = name_field("Last name", "their")


# --- helpers ---------------------------------------------------------------------------------------

def _me():
    return current_user._get_current_object()


def _registry():
    return current_app.extensions["forms"]


def _child(person_id):
    person = citizen.child_for(_me(), person_id)
    if person is None:
        abort(404)
    return person


def _person(person_id):
    """Officers: any person (404 for none)."""
    person = Person.get_or_none(Person.id == person_id) if 0 < person_id < 2 ** 63 else None
    if person is None:
        abort(404)
    return person


# --- Registration ----------------------------------------------------------------------------------

WIZARD = Wizard(
    steps=(SECURITY, Step("About you", AboutForm)), session_key="family_registration",
    endpoint="citizen.register", page="citizen/register.html",
    fields="citizen/_register_fields.html", register=citizen.register_citizen,
    audit_detail={"role": "citizen"})


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
def register():
    """Registration for parents, carers and young people: two steps on one URL (works without JS)."""
    return WIZARD.view()


# --- My children -----------------------------------------------------------------------------------

@bp.route("/")
@access("citizen")
def home():
    """My children: each child with where things stand and the next date."""
    me = _me()
    return render("citizen/home.html", children=citizen.my_children(me, clock.uk_today()),
                  requests=citizen.my_requests(me), today=clock.uk_today(),
                  stage_text=citizen.stage_text,
                  show_date=clock.long_date, describe_days=statutory.describe_days)


def _child_page(person, *, status=200, problem=None):
    me, today = _me(), clock.uk_today()
    case = statutory.case_for(person)
    done, upcoming = citizen.timeline(case, today)
    window_open, closes = windows.comment_window(person, today)
    return render(
        "citizen/child.html", status=status, person=person, case=case, done=done,
        upcoming=upcoming, stage=citizen.stage_text(person, case),
        documents=citizen.shared_documents(me, person), shared=citizen.shared_forms(me, person),
        mine=citizen.my_forms(me, person), asked=citizen.asked_for(me, person),
        family_forms=citizen.family_forms(_registry()), comments_form=windows.COMMENTS_FORM,
        window_open=window_open, closes=closes, today=today, show_date=clock.long_date,
        describe_days=statutory.describe_days, form_title=_form_title,
        status_labels=vocab.FORM_STATUS_LABELS, can_delete=instances.can_delete,
        kind_label=documents.kind_label, problem=problem,
        errors={"start": problem} if problem else {})


def _form_title(key):
    try:
        return _registry().get(key).title
    except KeyError:
        return key


@bp.route("/children/<int:person_id>")
@access("citizen")
def child(person_id):
    """One child: where things stand, what happens next and by when, what was shared, forms."""
    person = _child(person_id)
    citizen.record_view(_me(), person, ip=client_ip())
    return _child_page(person)


@bp.route("/children/<int:person_id>/documents/<int:document_id>")
@access("citizen")
def document(person_id, document_id):
    """A document shared with me (draft or final plan, letter): always a download."""
    person = _child(person_id)
    found = citizen.document_for(_me(), person, document_id)
    path = documents.path_of(found, current_app.config["UPLOAD_DIR"]) if found else None
    if path is None or not path.is_file():
        abort(404)
    citizen.record_download(_me(), found, ip=client_ip())
    return send_stored_file(path, found.filename, found.content_type)


@bp.route("/children/<int:person_id>/forms/<form_key>/start", methods=["POST"])
@access("citizen")
def start_form(person_id, form_key):
    """Start a family form. "Comments on the Draft EHC Plan" only while the window is open."""
    person = _child(person_id)
    try:
        form = _registry().get(form_key)
    except KeyError:
        abort(404)
    if not instances.may_start(_me(), form):
        abort(404)
    problem = windows.window_problem(form.key, person, clock.uk_today())
    if problem:
        return _child_page(person, status=422, problem=problem)
    instance = instances.start(_me(), person, form, ip=client_ip())
    return redirect(url_for("forms.step", instance_id=instance.id, step_key=form.steps[0].key), 303)


# --- Link my child, tell us about a child ------------------------------------------------------------

@bp.route("/link", methods=["GET", "POST"])
@access("citizen")
def link_child():
    """Enter the reference code from the SEN team to ask to see a child's information."""
    form = LinkForm()
    if request.method == "GET":
        form.relationship.data = citizen.MYSELF if _me().citizen_kind == "young-person" else None
        return render("citizen/link.html", form=form, errors={})
    rate_limit(f"family-code:ip:{client_ip()}", 20, 3600)
    rate_limit(f"family-code:user:{_me().id}", 10, 3600)
    if not form.validate():
        return render("citizen/link.html", status=422, form=form, errors=form_errors(form))
    outcome = citizen.redeem(_me(), form.code.data, relationship=form.relationship.data,
                             ip=client_ip(), today=clock.uk_today())
    if outcome != "ok":
        message = {"linked": "You can already see this child's information. Go to My children.",
                   "too-young": "Young people can have their own account from age 16. Ask your "
                                "parent or carer to use this code."}.get(outcome, citizen.bad_code_message())
        form.code.errors = [message]
        return render("citizen/link.html", status=422, form=form, errors={"code": message})
    flash_success("Thank you. The SEN Team will check your request and let you know by email.")
    return redirect(url_for("citizen.home"), 303)


def _date_of_birth():
    """(date | None, message | None) from the day/month/year inputs."""
    parts = [request.form.get(f"date_of_birth-{p}", "").strip() for p in ("day", "month", "year")]
    if not all(parts):
        return None, "Enter their date of birth, like 27 3 2015"
    if not all(p.isdigit() and len(p) <= 4 for p in parts):
        return None, "Date of birth must be a real date, like 27 3 2015"
    try:
        day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None, "Date of birth must be a real date, like 27 3 2015"
    return day, people.date_of_birth_problem(day, clock.uk_today())


@bp.route("/children/add", methods=["GET", "POST"])
@access("citizen")
def add_child():
    """Tell us about a child (or yourself, as a young person) to ask for an assessment."""
    form = ChildForm()
    dob = {p: request.form.get(f"date_of_birth-{p}", "")[:4] for p in ("day", "month", "year")}
    if request.method == "GET":
        return render("citizen/add_child.html", form=form, dob=dob, errors={})
    rate_limit(f"family-add:user:{_me().id}", 10, 3600)
    valid = form.validate()
    day, problem = _date_of_birth()
    errors = form_errors(form)
    if problem:
        errors["date_of_birth-day"] = problem
    if not valid or problem:
        return render("citizen/add_child.html", status=422, form=form, dob=dob, errors=errors)
    person = citizen.add_child(_me(), {"forename": form.forename.data, "surname": form.surname.data,
                                       "date_of_birth": day}, ip=client_ip())
    flash_success(f"{person.forename} has been added. You can now ask for an assessment.")
    return redirect(url_for("citizen.child", person_id=person.id), 303)


# --- The SEN team's side ---------------------------------------------------------------------------

@bp.route("/codes/<int:person_id>", methods=["GET", "POST"])
@access("officer")
def codes(person_id):
    """Reference codes for a child's family: create one (shown once), see unused ones, and the
    family members who can see this child (End link)."""
    person = _person(person_id)
    new_code = None
    if request.method == "POST":
        plain, row = citizen.create_code(person, officer=_me(), ip=client_ip())
        new_code = (citizen.format_code(plain), row)
    return render("citizen/codes.html", status=201 if new_code else 200, person=person,
                  new_code=new_code, codes=citizen.codes_for(person),
                  links=citizen.family_links(person), show_date=clock.long_date,
                  kinds=citizen.KINDS)


@bp.route("/codes/<int:person_id>/<int:code_id>/withdraw", methods=["POST"])
@access("officer")
def withdraw_code(person_id, code_id):
    person = _person(person_id)
    if not citizen.withdraw_code(person, code_id, officer=_me(), ip=client_ip()):
        abort(404)
    flash_success("The reference code has been withdrawn. It can no longer be used.")
    return redirect(url_for("citizen.codes", person_id=person.id), 303)


@bp.route("/links/<int:person_id>/<int:link_id>/end", methods=["POST"])
@access("officer")
def end_link(person_id, link_id):
    """End a parent's (or young person's) access to this child."""
    person = _person(person_id)
    if not citizen.end_family_link(person, link_id, officer=_me(), ip=client_ip()):
        abort(404)
    flash_success("The link has ended. They can no longer see this child's information.")
    return redirect(url_for("citizen.codes", person_id=person.id), 303)


@bp.route("/requests")
@access("officer")
def requests():
    """Link requests: families who entered a reference code, waiting to be confirmed."""
    return render("citizen/requests.html", pending=citizen.pending_requests(),
                  decided=citizen.recent_decisions(), ended=citizen.recently_ended(),
                  show_date=clock.long_date, today=clock.uk_today(), age_on=people.age_on)


@bp.route("/requests/<int:request_id>", methods=["POST"])
@access("officer")
def decide(request_id):
    """Confirm (the family member is linked) or refuse a link request."""
    link_request = citizen.request_by_id(request_id)
    action = request.form.get("action")
    if link_request is None or action not in ("confirm", "refuse"):
        abort(404)
    if action == "confirm":
        problem = citizen.confirm(link_request, officer=_me(), ip=client_ip(),
                                  today=clock.uk_today())
    else:
        problem = citizen.refuse(link_request, officer=_me(), ip=client_ip())
    if problem:
        return render("citizen/requests.html", status=422, pending=citizen.pending_requests(),
                      decided=citizen.recent_decisions(), ended=citizen.recently_ended(),
                      show_date=clock.long_date, today=clock.uk_today(), age_on=people.age_on,
                      errors={f"request-{request_id}": problem})
    flash_success("Request confirmed: they can now see this child's information."
                  if action == "confirm" else "Request refused. We have told them to contact you.")
    return redirect(url_for("citizen.requests"), 303)
