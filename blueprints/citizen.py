"""The citizen view for parents, carers and young people (16+).

Families: registration (Security Details, About you — no work details), My children, each child's
page (where things stand, what happens next and by when, what has been shared, their forms),
shared document downloads, starting family forms (the draft-plan comment window is checked here
and again on submit), "Link my child" with a reference code, and "Tell us about a child".
The SEN team's side (reference codes, link requests) is in blueprints/team.py; its old /family
URLs redirect there.

HTTP only: the rules are in services/family/citizen.py. Anything a user may not see answers 404.
"""
from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from blueprints.fields import AboutForm, DateOfBirthField, name_field, offered, options, strip
from blueprints.registration import SECURITY, Step, Wizard
from blueprints.web import (PUBLIC, access, client_ip, flash_success, form_errors, rate_limit,
                            moved, render, send_stored_file)
from services.cases import rules, statutory, windows
from services.casework import documents
from services.family import shared, timeline
from services.forms import instances
from services.identity import registration
from services.kernel import clock, vocab
from services.people import codes

bp = Blueprint("citizen", __name__, url_prefix="/family")


# --- Forms -----------------------------------------------------------------------------------------

class FamilyAboutForm(AboutForm):
    """About you, plus whether a parent or carer or a young person is registering."""
    citizen_kind = RadioField("I am a", choices=options(registration.KINDS), validate_choice=False,
                              validators=[DataRequired("Select whether you are a parent or carer, "
                                                       "or a young person"),
                                          AnyOf(list(registration.KINDS),
                                                message="Select whether you are a parent or carer, "
                                                "or a young person")])

    def __iter__(self):
        """"I am a" is first on the page, so it is first in the error summary too."""
        kind = self._fields["citizen_kind"]
        return iter([kind, *(f for f in self._fields.values() if f is not kind)])


class LinkForm(FlaskForm):
    code = StringField("Reference code", filters=[strip], validators=[
        DataRequired("Enter the reference code from the SEN Team"),
        Length(max=40, message=codes.CODE_FORMAT)])
    relationship = RadioField("Who are you to the child?", validate_choice=False, choices=options({
        **{r: r for r in codes.RELATIONSHIPS}, codes.MYSELF: "I am the young person (16 or over)"}),
        validators=[DataRequired("Select who you are to the child"),
                    offered("Select who you are to the child")])

    def validate_code(self, field):
        if field.data and codes.normalise_code(field.data) is None:
            raise ValidationError(codes.CODE_FORMAT)


class ChildForm(FlaskForm):
    """Tell us about a child (or yourself, as a young person)."""
    forename = name_field("First name", "their")
    surname = name_field("Last name", "their")
    date_of_birth = DateOfBirthField("Date of birth",
                                     missing="Enter their date of birth, like 27 3 2015")


# --- helpers ---------------------------------------------------------------------------------------

def _me():
    return current_user._get_current_object()


def _registry():
    return current_app.extensions["forms"]


def _child(person_id):
    person = shared.child_for(_me(), person_id)
    if person is None:
        abort(404)
    return person


# --- Registration ----------------------------------------------------------------------------------

WIZARD = Wizard(
    steps=(SECURITY, Step("About you", FamilyAboutForm)), session_key="family_registration",
    endpoint="citizen.register", page="citizen/register.html",
    fields="citizen/_register_fields.html", register=registration.register_citizen,
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
    return render("citizen/home.html", children=shared.my_children(me, clock.uk_today()),
                  requests=codes.my_requests(me), today=clock.uk_today(),
                  stage_text=timeline.stage_text,
                  show_date=clock.long_date, describe_days=statutory.describe_days)


def _child_page(person, *, status=200, problem=None):
    me, today = _me(), clock.uk_today()
    case = statutory.case_for(person)
    done, upcoming = timeline.timeline(case, today)
    window_open, closes = windows.comment_window(person, today)
    return render(
        "citizen/child.html", status=status, person=person, case=case, done=done,
        upcoming=upcoming, stage=timeline.stage_text(person, case),
        documents=shared.shared_documents(me, person), shared=shared.shared_forms(me, person),
        mine=shared.my_forms(me, person), asked=shared.asked_for(me, person),
        family_forms=[f for f in shared.family_forms(_registry()) if not f.retired],
        comments_form=windows.COMMENTS_FORM,
        request_forms=rules.REQUEST_FORMS, request_problem=windows.request_problem(person),
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


@bp.route("/children/<id:person_id>")
@access("citizen")
def child(person_id):
    """One child: where things stand, what happens next and by when, what was shared, forms."""
    person = _child(person_id)
    shared.record_view(_me(), person, ip=client_ip())
    return _child_page(person)


@bp.route("/children/<id:person_id>/documents/<id:document_id>")
@access("citizen")
def document(person_id, document_id):
    """A document shared with me (draft or final plan, letter): always a download."""
    person = _child(person_id)
    found = shared.document_for(_me(), person, document_id)
    path = documents.path_of(found, current_app.config["UPLOAD_DIR"]) if found else None
    if path is None or not path.is_file():
        abort(404)
    shared.record_download(_me(), found, ip=client_ip())
    return send_stored_file(path, found.filename, found.content_type)


@bp.route("/children/<id:person_id>/forms/<form_key>/start", methods=["POST"])
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
        form.relationship.data = codes.MYSELF if _me().citizen_kind == "young-person" else None
        return render("citizen/link.html", form=form, errors={})
    rate_limit(f"family-code:ip:{client_ip()}", 20, 3600)
    rate_limit(f"family-code:user:{_me().id}", 10, 3600)
    if not form.validate():
        return render("citizen/link.html", status=422, form=form, errors=form_errors(form))
    outcome = codes.redeem(_me(), form.code.data, relationship=form.relationship.data,
                           ip=client_ip(), today=clock.uk_today())
    if outcome != "ok":
        message = {"linked": "You can already see this child's information. Go to My children.",
                   "too-young": "Young people can have their own account from age 16. Ask your "
                                "parent or carer to use this code."}.get(outcome,
                                                                         codes.bad_code_message())
        form.code.errors = [message]
        return render("citizen/link.html", status=422, form=form, errors={"code": message})
    flash_success("Thank you. The SEN Team will check your request and let you know by email.")
    return redirect(url_for("citizen.home"), 303)


@bp.route("/children/add", methods=["GET", "POST"])
@access("citizen")
def add_child():
    """Tell us about a child (or yourself, as a young person) to ask for an assessment."""
    form = ChildForm()
    dob = form.date_of_birth.typed
    if request.method == "GET":
        return render("citizen/add_child.html", form=form, dob=dob, errors={})
    rate_limit(f"family-add:user:{_me().id}", 10, 3600)
    if not form.validate():
        return render("citizen/add_child.html", status=422, form=form, dob=dob,
                      errors=form_errors(form))
    person = shared.add_child(_me(), {"forename": form.forename.data, "surname": form.surname.data,
                                      "date_of_birth": form.date_of_birth.data}, ip=client_ip())
    flash_success(f"{person.forename} has been added. You can now ask for an assessment.")
    return redirect(url_for("citizen.child", person_id=person.id), 303)


# --- Officer pages that used to live here ------------------------------------------------------

# They are the SEN team's pages, now under /team; old links and bookmarks keep working.
moved(bp, "/codes/<id:person_id>", "team.family_codes", "officer", methods=("GET", "POST"))
moved(bp, "/codes/<id:person_id>/<id:code_id>/withdraw", "team.withdraw_code", "officer",
      methods=("POST",))
moved(bp, "/links/<id:person_id>/<id:link_id>/end", "team.end_family_link", "officer",
      methods=("POST",))
moved(bp, "/requests", "team.link_requests", "officer")
moved(bp, "/requests/<id:request_id>", "team.decide_link_request", "officer", methods=("POST",))
