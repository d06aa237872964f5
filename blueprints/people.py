"""The professional's SEND area (Stockton guide pp. 7-12, Coventry 1.2.1-1.2.6): Select Person,
Add Person, Child details, the forms section (tabs, actions, search, key dates, shared documents)
and Colleagues (give a colleague access, share drafts, hand over when leaving).

A professional sees only children linked to them (Link not ended); every other person id answers
404. Each view of a child's record is audited. Rules live in ``services/people/people.py``.
"""
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from blueprints.fields import PersonForm
from blueprints.web import (access, awaiting_verification, client_ip, flash_success, form_errors, render, safe_next,
                            send_stored_file)
import models
from services import audit
from services.forms import forms_section
from services.kernel import clock, paging, vocab
from services.people import colleagues, people

bp = Blueprint("people", __name__, url_prefix="/people")


# --- Helpers ------------------------------------------------------------------------------------

def _me():
    return current_user._get_current_object()


def _person_or_404(person_id):
    person = people.person_for(_me(), person_id)
    if person is None:
        abort(404)
    return person


bp.before_request(awaiting_verification)  # a council's "verified professionals only"


# --- Select Person ------------------------------------------------------------------------------

@bp.route("/")
@access("professional")
def index():
    """Select Person: my linked children, filtered (Active/Hidden/All), searched and paged."""
    show = people.normalise_filter(request.args.get("show"))
    search = " ".join(people.search_terms(request.args.get("q")))
    cursor = paging.Cursor.from_args(request.args, people.PERSON_CURSOR)
    page = people.linked_people(_me(), show=show, search=search, cursor=cursor)
    return render("people/index.html", "people/_results.html", listing=page, show=show,
                  search=search, filters=people.FILTERS, sector=people.sector)


@bp.route("/<id:person_id>/hide", methods=["POST"])
@access("professional")
def hide(person_id):
    """Hide Person: hides the child from my list only."""
    return _set_hidden(person_id, True)


@bp.route("/<id:person_id>/unhide", methods=["POST"])
@access("professional")
def unhide(person_id):
    return _set_hidden(person_id, False)


def _set_hidden(person_id, hidden):
    person = _person_or_404(person_id)
    people.set_hidden(_me(), person, hidden, ip=client_ip())
    name = f"{person.surname}, {person.forename}"
    flash_success(f"{name} is now hidden from your list. Choose Hidden in the Person Filter to "
                  "see them again." if hidden else f"{name} is back on your list.")
    back = safe_next(request.form.get("next"))
    if not back or not back.startswith(url_for("people.index")):
        back = url_for("people.index")
    return redirect(back, 303)


# --- Add Person ---------------------------------------------------------------------------------

@bp.route("/add", methods=["GET", "POST"])
@access("professional")
def add():
    """Add Person: a new record linked to me, for the SEN team to match with theirs."""
    form = PersonForm()
    if request.method == "POST" and form.validate():
        if request.form.get("confirm") != "new":
            same = people.linked_duplicates(_me(), form.forename.data, form.surname.data,
                                            form.dob.data)
            if same:
                return render("people/duplicate.html", form=form, matches=same)
        person = people.add_person(_me(), form.details(), ip=client_ip())
        flash_success(f"{person.forename} {person.surname} has been added to your list.")
        return redirect(url_for("people.details", person_id=person.id), 303)
    errors = form_errors(form)
    return render("people/add.html", form=form, errors=errors, status=422 if errors else 200)


# --- Child details ------------------------------------------------------------------------------

@bp.route("/<id:person_id>", methods=["GET", "POST"])
@access("professional")
def details(person_id):
    """Child details: shown and correctable; every change is audited; Continue goes to forms."""
    person = _person_or_404(person_id)
    if request.method == "GET":
        people.record_view(_me(), person, "details", ip=client_ip())
        form = PersonForm(obj=person, dob=person.date_of_birth)
    else:
        form = PersonForm()
        form.dob.unchanged = person.date_of_birth
        if form.validate():
            changes = people.update_details(_me(), person, form.details(), ip=client_ip())
            if changes:
                flash_success("The child's details have been updated.")
            return redirect(url_for("people.forms", person_id=person.id), 303)
    errors = form_errors(form)
    return render("people/details.html", form=form, person=person, errors=errors,
                  linked=people.link_description(person.link, _me()),
                  status=422 if errors else 200)


# --- The forms section --------------------------------------------------------------------------

@bp.route("/<id:person_id>/forms")
@access("professional")
def forms(person_id):
    """The forms section: tabs Request, Assessment, EHC Plan, EHCP Reviews (real links; htmx swaps
    just the panel), each form's status and actions (services/forms/forms_section.py), the form search
    (?q=) and the key-dates panel."""
    person = _person_or_404(person_id)
    tab = people.normalise_tab(request.args.get("tab"))
    search = forms_section.clean_search(request.args.get("q"))
    people.record_view(_me(), person, f"forms: {tab}", ip=client_ip())
    rows = forms_section.tab_rows(_me(), person, current_app.extensions["forms"], tab,
                                  search=search)
    return render("people/forms.html", "people/_forms_tab.html", person=person, tab=tab,
                  tabs=vocab.TABS, rows=rows, search=search,
                  elsewhere=forms_section.matches_elsewhere(current_app.extensions["forms"], tab,
                                                            search) if not rows else {},
                  key_dates=forms_section.key_dates_panel(person, today=clock.uk_today()))


@bp.route("/<id:person_id>/documents/<id:document_id>")
@access("professional")
def document(person_id, document_id):
    """A letter or plan the SEN team shared with me: always a download, never shown inline."""
    person = _person_or_404(person_id)
    shared = forms_section.shared_document(_me(), person, document_id)
    path = Path(current_app.config["UPLOAD_DIR"]) / shared.stored_name if shared else None
    if path is None or not path.is_file():
        abort(404)
    with models.db.atomic():
        audit.record("document-downloaded", user=_me(), ip=client_ip(), object_type="document",
                     object_id=shared.id, person_id=person.id, kind=shared.kind)
    return send_stored_file(path, shared.filename, shared.content_type)


# --- Colleagues ---------------------------------------------------------------------------------

def _colleagues_page(person, *, errors=None, status=200):
    drafts = colleagues.my_drafts(_me(), person)
    titles = {key: f.title for key, f in current_app.extensions["forms"].current().items()}
    return render("people/colleagues.html", person=person, errors=errors or {}, drafts=drafts,
                  colleagues=colleagues.colleagues_of(_me(), person), titles=titles,
                  sharing=colleagues.draft_sharing(drafts), status=status)


@bp.route("/<id:person_id>/colleagues", methods=["GET", "POST"], endpoint="colleagues")
@access("professional")
def colleagues_page(person_id):
    """Colleagues at my organisation: who has access to this child; Give access (POST)."""
    person = _person_or_404(person_id)
    if request.method == "GET":
        people.record_view(_me(), person, "colleagues", ip=client_ip())
        return _colleagues_page(person)
    try:
        chosen = colleagues.give_access(_me(), person, request.form.get("colleague"),
                                        share_drafts=request.form.get("drafts") == "yes",
                                        ip=client_ip())
    except colleagues.NotAColleague:
        return _colleagues_page(person, errors={"colleague": "Select a colleague from the list"},
                                status=422)
    flash_success(f"{chosen.user.display_name} can now see this child's record.")
    return redirect(url_for("people.colleagues", person_id=person.id), 303)


@bp.route("/<id:person_id>/colleagues/<id:colleague_id>/remove", methods=["POST"])
@access("professional")
def colleague_remove(person_id, colleague_id):
    """Remove access: only for access I gave."""
    person = _person_or_404(person_id)
    try:
        chosen = colleagues.remove_access(_me(), person, colleague_id, ip=client_ip())
    except colleagues.NotAColleague:
        abort(404)
    flash_success(f"{chosen.user.display_name} can no longer see this child's record.")
    return redirect(url_for("people.colleagues", person_id=person.id), 303)


@bp.route("/<id:person_id>/colleagues/drafts", methods=["POST"])
@access("professional")
def colleague_drafts(person_id):
    """Share one of my drafts with a colleague who has access (or stop sharing it)."""
    person = _person_or_404(person_id)
    draft, who = request.form.get("draft"), request.form.get("colleague")
    try:
        if request.form.get("stop") == "yes":
            done = colleagues.unshare_draft(_me(), person, draft, who, ip=client_ip())
        else:
            done = colleagues.share_draft(_me(), person, draft, who, ip=client_ip())
    except colleagues.NotAColleague:
        done = False
    if not done:
        return _colleagues_page(person, status=422, errors={
            f"colleague-{draft}" if str(draft).isdigit() else "drafts":
            "Select a colleague who can see this child"})
    flash_success("Draft sharing updated.")
    return redirect(url_for("people.colleagues", person_id=person.id) + "#drafts", 303)


@bp.route("/handover", methods=["GET", "POST"])
@access("professional")
def handover():
    """Hand over my children and drafts to a colleague (when I leave or change role)."""
    error = None
    if request.method == "POST":
        try:
            done = colleagues.hand_over(_me(), request.form.get("colleague"),
                                        current_app.extensions["forms"], ip=client_ip())
        except colleagues.NotAColleague:
            error = "Select a colleague to hand over to"
        else:
            flash_success(f"Handed over {done.children} children and {done.drafts} drafts to "
                          f"{done.colleague.display_name}.")
            return redirect(url_for("people.index"), 303)
    children, drafts = colleagues.handover_counts(_me())
    return render("people/colleagues_handover.html", colleagues=colleagues.colleagues_of(_me()),
                  children=children, drafts=drafts, errors={"colleague": error} if error else {},
                  status=422 if error else 200)
