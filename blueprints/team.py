"""The SEN team's workspace: the caseload, people to match, a child's case page (built whole
here, casework lists included), merging duplicate records, the dashboard, professional accounts,
officers, and the families' side: reference codes and link requests.

Every route is for officers only (others get 404). Rules live in ``services/cases/team.py`` and the
statutory clock in ``services/cases/statutory.py``; views read the request and pass plain values in,
including ``today`` (``clock.uk_today()``), so tests control time.
"""
from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

# The Child details form is shared with the professional's page so the two never drift apart.
from blueprints.fields import PersonForm, read_date, typed_date
from blueprints.web import access, client_ip, flash_success, form_errors, render
from models import WorkProfile
from services.cases import admin, events, rules, statutory, trail
# The views caseload, dashboard, merge and officers share these modules' names.
from services.cases import caseload as caseload_service, dashboard as dashboard_service
from services.cases import merge as merge_service
from services.casework import case_page, messages, notices
from services.identity import officers as officers_service, registration
from services.kernel import clock, paging, vocab
from services.people import codes, links, people

bp = Blueprint("team", __name__, url_prefix="/team")


def _me():
    return current_user._get_current_object()

def _person_or_404(person_id):
    return admin.person_by_id(person_id) or abort(404)

def _case_url(person, anchor=None):
    return url_for("team.case", person_id=person.id, _anchor=anchor)

def _date(name, label, *, required=False):
    """Read a GOV.UK date input: (date or None, typed parts, error or None)."""
    return read_date(request.form, name, label, today=clock.uk_today(), required=required)

def _anchor(name):
    """Where an error summary link lands for a field (a date's first input)."""
    return f"{name}-day" if name in DATE_FIELDS else name

DATE_FIELDS = {"on", "request-received"}

# --- Caseload and People to match --------------------------------------------------------------

@bp.route("/")
@access("officer")
def caseload():
    """The officer's landing page: every person with a case, searched, filtered and paged."""
    filters = caseload_service.CaseloadFilters.from_args(request.args)
    cursor = paging.Cursor.from_args(request.args, caseload_service.CASE_CURSOR, nullable=(1,))
    listing = caseload_service.caseload(_me(), filters, cursor=cursor, today=clock.uk_today())
    return render("team/caseload.html", "team/_caseload_results.html", listing=listing,
                  filters=filters, officers=officers_service.officers(), phases=vocab.PHASE_LABELS,
                  dues=caseload_service.DUE_FILTERS, today=clock.uk_today(),
                  days_text=caseload_service.days_text,
                  phase_labels=vocab.PHASE_LABELS)

@bp.route("/match")
@access("officer")
def to_match():
    """People to match: records professionals added, waiting for a case or a merge."""
    search = " ".join(people.search_terms(request.args.get("q")))
    listing = caseload_service.people_to_match(search=search,
                                               page=paging.page_number(request.args.get("page")))
    return render("team/match.html", "team/_match_results.html", listing=listing, search=search)

# --- Dashboard ---------------------------------------------------------------------------------

@bp.route("/dashboard")
@access("officer")
def dashboard():
    """Open requests, decisions due this week, overdue advice, final plans within 20 weeks."""
    today = clock.uk_today()
    return render("team/dashboard.html", numbers=dashboard_service.dashboard(today), today=today,
                  week_end=today + caseload_service.WEEK,
                  days_text=caseload_service.days_text,
                  decision_due=lambda case: rules.PERIODS["decision"].due(case.request_received))

# --- Officers ----------------------------------------------------------------------------------

@bp.route("/officers", methods=["GET", "POST"])
@access("officer")
def officers():
    """The SEN team's officers, and "Invite an officer" (a set-password link by email)."""
    errors, email = {}, ""
    if request.method == "POST":
        email = request.form.get("email", "")[:300]
        user, problem = officers_service.invite_officer(_me(), email, ip=client_ip())
        if user is not None:
            flash_success(f"An invitation has been sent to {user.email}. They must set a "
                          "password and enable Two Step Verification before they can use the "
                          "SEN team's pages.")
            return redirect(url_for("team.officers"), 303)
        errors = {"email": problem}
    return render("team/officers.html", officers=officers_service.officers(), errors=errors,
                  email=email, status=422 if errors else 200)

# --- Professional accounts ---------------------------------------------------------------------

@bp.route("/accounts")
@access("officer")
def accounts():
    """New professional registrations, newest first, by check status."""
    show = officers_service.normalise_account_filter(request.args.get("show"))
    listing = officers_service.professional_accounts(
        show, paging.page_number(request.args.get("page")))
    return render("team/accounts.html", listing=listing, show=show,
                  filters=officers_service.ACCOUNT_FILTERS, state=officers_service.account_state)

def _account_or_404(user_id):
    return officers_service.professional_by_id(user_id) or abort(404)


@bp.route("/accounts/<id:user_id>")
@access("officer")
def account(user_id):
    """One professional's registration: Verify, or Reject with a reason."""
    user = _account_or_404(user_id)
    return _account_page(user)

def _account_page(user, errors=None, reason=""):
    return render("team/account.html", user=user, state=officers_service.account_state(user),
                  profiles=list(user.work_profiles.where(
                      WorkProfile.ended_at.is_null())),
                  errors=errors or {}, reason=reason, status=422 if errors else 200)


@bp.route("/accounts/<id:user_id>/verify", methods=["POST"])
@access("officer")
def verify_account(user_id):
    user = _account_or_404(user_id)
    officers_service.verify_account(_me(), user, ip=client_ip())
    flash_success(f"{user.display_name}'s account has been checked.")
    return redirect(url_for("team.accounts", show="awaiting"), 303)


@bp.route("/accounts/<id:user_id>/roles/<id:profile_id>/confirm", methods=["POST"])
@access("officer")
def confirm_role(user_id, profile_id):
    """Confirm a checked professional's role added (or moved to another organisation) later."""
    user = _account_or_404(user_id)
    if not user.council_verified:
        abort(404)
    profile = officers_service.unconfirmed_work_profile(user, profile_id) or abort(404)
    officers_service.confirm_work_profile(_me(), user, profile, ip=client_ip())
    flash_success(f"{user.display_name}'s role at {profile.organisation.name} has been confirmed.")
    return redirect(url_for("team.account", user_id=user.id), 303)


@bp.route("/accounts/<id:user_id>/reject", methods=["POST"])
@access("officer")
def reject_account(user_id):
    user = _account_or_404(user_id)
    reason = request.form.get("reason", "")[:5000]
    problem = officers_service.reject_account(_me(), user, reason, ip=client_ip())
    if problem:
        return _account_page(user, {"reason": problem}, reason)
    flash_success(f"{user.display_name}'s account has been rejected and they have been told why.")
    return redirect(url_for("team.accounts", show="awaiting"), 303)

# --- The case page -----------------------------------------------------------------------------

def _case_page(person, *, errors=None, typed=None, status=200):
    case = statutory.case_for(person)
    today = clock.uk_today()
    return render(
        "team/case.html", person=person, case=case, today=today,
        key_dates=statutory.key_dates(case, today) if case else [],
        comment_window=statutory.comment_window(case, today) if case else (False, None),
        history=statutory.events_of(case) if case else [], kind_labels=rules.KIND_LABELS,
        outcome_label=rules.outcome_label, phase_labels=vocab.PHASE_LABELS,
        links=links.links_of(person), officers=officers_service.officers(),
        trail=trail.audit_trail(person.id), casework=case_page.casework(person, today),
        # The casework partials on this page name forms, statuses and times with these.
        form_title=messages.form_title, uk_time=clock.uk_time,
        status_labels=vocab.FORM_STATUS_LABELS,
        errors=errors or {}, typed=typed or {}, status=status)


@bp.route("/people/<id:person_id>")
@access("officer")
def case(person_id):
    """A child's case: details, phase, key dates, who is linked, forms, documents, audit trail."""
    person = _person_or_404(person_id)
    admin.record_view(_me(), person, "case", ip=client_ip())
    return _case_page(person)


@bp.route("/people/<id:person_id>/details", methods=["GET", "POST"])
@access("officer")
def details(person_id):
    """Correct a child's details (audited with before and after)."""
    person = _person_or_404(person_id)
    if request.method == "GET":
        admin.record_view(_me(), person, "details", ip=client_ip())
        form = PersonForm(obj=person, dob=person.date_of_birth)
    else:
        form = PersonForm()
        form.dob.unchanged = person.date_of_birth
        if form.validate():
            if people.update_details(_me(), person, form.details(), ip=client_ip()):
                flash_success("The child's details have been updated.")
            return redirect(_case_url(person), 303)
    errors = form_errors(form)
    return render("team/details.html", form=form, person=person, errors=errors,
                  status=422 if errors else 200)


@bp.route("/people/<id:person_id>/open-case", methods=["GET", "POST"])
@access("officer")
def open_case(person_id):
    """Record a request that came by post or email (its date starts the clock) and open a case."""
    person = _person_or_404(person_id)
    if statutory.case_for(person) is not None:
        flash_success("This child already has a case.")
        return redirect(_case_url(person), 303)
    errors, typed, chosen, how = {}, typed_date(None), str(_me().id), "post"
    if request.method == "GET":
        admin.record_view(_me(), person, "open-case", ip=client_ip())
    else:
        received, typed, problem = _date("request-received", "Date the request was received",
                                         required=True)
        chosen, how = request.form.get("officer", "")[:20], request.form.get("how", "")[:20]
        assigned = officers_service.officer_by_id(chosen)
        errors = {k: v for k, v in (
            ("request-received-day", problem),
            ("how", None if how in dict(rules.REQUEST_ROUTES) else "Select how the request came"),
            ("officer", None if assigned or chosen == "" else "Select an officer from the list"))
            if v}
        if not errors:
            _case, problem = admin.open_case(_me(), person, request_received=received, how=how,
                                             assigned=assigned, ip=client_ip(),
                                             today=clock.uk_today())
            flash_success(problem or "The request has been recorded and the case opened.")
            return redirect(_case_url(person), 303)
    return render("team/open_case.html", person=person, errors=errors, typed=typed,
                  chosen=chosen, how=how, routes=rules.REQUEST_ROUTES,
                  officers=officers_service.officers(), status=422 if errors else 200)


@bp.route("/people/<id:person_id>/case", methods=["POST"])
@access("officer")
def update_case(person_id):
    """Assign the case to an officer (the phase follows from what has happened)."""
    person = _person_or_404(person_id)
    case = statutory.case_for(person) or abort(404)
    chosen = request.form.get("officer", "")[:20]
    assigned = officers_service.officer_by_id(chosen)
    if not assigned and chosen != "":
        return _case_page(person, errors={"officer": "Select an officer from the list"},
                          typed={"officer": chosen}, status=422)
    if admin.assign(_me(), case, assigned, ip=client_ip()):
        flash_success("The case has been updated.")
    return redirect(_case_url(person, "case"), 303)


@bp.route("/people/<id:person_id>/key-dates", methods=["GET", "POST"])
@access("officer")
def key_dates(person_id):
    """Record what happened (one event); the phase and the statutory dates follow from it."""
    person = _person_or_404(person_id)
    case = statutory.case_for(person) or abort(404)
    kinds = events.available_kinds(case)
    if request.method == "GET":
        admin.record_view(_me(), person, "key-dates", ip=client_ip())
        kind = request.args.get("kind", "")
        return _event_page(person, case, kinds, kind if kind in rules.KIND else "")
    posted = _read_event()
    errors = posted.pop("errors")
    if not errors:
        event, errors = events.record(_me(), person, ip=client_ip(), today=clock.uk_today(),
                                      **posted)
        if event is not None:
            notices.event_recorded(event, _me(), ip=client_ip())
            flash_success(f"Recorded: {rules.KIND_LABELS[event.kind]}.")
            return redirect(_case_url(person, "key-dates"), 303)
    return _event_page(person, case, kinds, posted["kind"], errors=errors, status=422)


@bp.route("/people/<id:person_id>/events/<id:event_id>", methods=["GET", "POST"])
@access("officer")
def change_event(person_id, event_id):
    """Correct a mistyped event (its date, outcome or reason); the change is audited."""
    person = _person_or_404(person_id)
    case = statutory.case_for(person) or abort(404)
    event = events.event_in(case, event_id) or abort(404)
    errors = {}
    if request.method == "POST":
        posted = _read_event(event.kind)
        errors = posted.pop("errors") or events.change(
            _me(), event, on=posted["on"], outcome=posted["outcome"],
            reason=posted["detail"].get("reason", ""), ip=client_ip(), today=clock.uk_today())
        if not errors:
            flash_success(f"{rules.KIND_LABELS[event.kind]}: the change has been saved.")
            return redirect(_case_url(person, "key-dates"), 303)
    return _event_page(person, case, [], event.kind, event=event, errors=errors,
                       status=422 if errors else 200)


@bp.route("/people/<id:person_id>/events/<id:event_id>/remove", methods=["POST"])
@access("officer")
def remove_event(person_id, event_id):
    """Take back the latest event when it was recorded by mistake (audited)."""
    person = _person_or_404(person_id)
    case = statutory.case_for(person) or abort(404)
    event = events.event_in(case, event_id) or abort(404)
    problem = events.remove(_me(), event, ip=client_ip(), today=clock.uk_today())
    if problem:
        return _event_page(person, case, [], event.kind, event=event,
                           errors={"remove": problem}, status=422)
    flash_success(f"Removed: {rules.KIND_LABELS[event.kind]}.")
    return redirect(_case_url(person, "key-dates"), 303)


def _event_page(person, case, kinds, kind, *, event=None, errors=None, status=200):
    typed = (_typed_event() if request.method == "POST" else
             {"on": typed_date(event.on if event else None),
              "outcome": event.outcome if event else "",
              "reason": (event.detail or {}).get("reason", "") if event else "",
              "early_reason": "", "how": "post"})
    open_, closes = statutory.comment_window(case, clock.uk_today())
    return render("team/key_dates.html", person=person, case=case, kinds=kinds,
                  kind=rules.KIND.get(kind), event=event, typed=typed,
                  errors={_anchor(k): v for k, v in (errors or {}).items()},
                  field_errors=errors or {}, routes=rules.REQUEST_ROUTES,
                  window_closes=closes if open_ else None,
                  latest=(statutory.events_of(case) or [None])[-1], status=status)


def _typed_event():
    form = request.form
    return {"on": {p: form.get(f"on-{p}", "")[:20] for p in ("day", "month", "year")},
            **{k: form.get(k, "")[:events.DETAIL_TEXT_MAX]
               for k in ("outcome", "reason", "early_reason", "how")}}


def _read_event(kind=None):
    """The posted event: {kind, on, outcome, detail, errors} (errors: the date's own problem)."""
    kind = kind or request.form.get("kind", "")[:30]
    label = rules.KIND_LABELS.get(kind, "Date")
    on, _typed, problem = _date("on", f"Date of the {label[0].lower()}{label[1:]}")
    typed = _typed_event()
    detail = {k: typed[k] for k in ("reason", "early_reason") if typed[k].strip()}
    if kind == "request":
        detail["how"] = typed["how"] if typed["how"] in dict(rules.REQUEST_ROUTES) else "post"
    return {"kind": kind, "on": on, "outcome": typed["outcome"][:30], "detail": detail,
            "errors": {"on": problem} if problem else {}}

# --- Linking professionals and parents ---------------------------------------------------------

@bp.route("/people/<id:person_id>/links", methods=["POST"])
@access("officer")
def link(person_id):
    """Link a professional or a parent/carer (an existing account, by email)."""
    person = _person_or_404(person_id)
    kind = request.form.get("kind", "")
    kind = kind if kind in links.LINK_KINDS else "professional"
    email = request.form.get("email", "")[:300]
    linked, problem = links.link_account(_me(), person, email, kind, ip=client_ip())
    if problem:
        return _case_page(person, errors={f"{kind}-email": problem},
                          typed={f"{kind}-email": email}, status=422)
    flash_success(f"{linked.user.display_name} has been linked to {person.full_name} and sent "
                  "a message.")
    return redirect(_case_url(person, "linked"), 303)


@bp.route("/people/<id:person_id>/links/<id:link_id>/end", methods=["POST"])
@access("officer")
def unlink(person_id, link_id):
    """Unlink: the person no longer sees the child (the link is kept as ended)."""
    person = _person_or_404(person_id)
    link = links.live_link(person, link_id) or abort(404)
    links.end_link(_me(), link, ip=client_ip())
    flash_success(f"{link.user.display_name} is no longer linked to {person.full_name}.")
    return redirect(_case_url(person, "linked"), 303)

# --- Merging duplicates ------------------------------------------------------------------------

@bp.route("/people/<id:person_id>/merge", methods=["GET", "POST"])
@access("officer")
def merge(person_id):
    """Merge two records of the same child: choose the other record, then the one to keep."""
    person = _person_or_404(person_id)
    raw = (request.form if request.method == "POST" else request.args).get("other", "")[:40]
    if request.method == "GET":
        admin.record_view(_me(), person, "merge", ip=client_ip())
    if not raw.strip():
        return _merge_choose(person)
    other = admin.person_by_id(raw.strip())
    if other is None or other.id == person.id:
        problem = ("There is no record with that number" if other is None else
                   "You cannot merge a record into itself. Choose a different record")
        return _merge_choose(person, {"other": problem}, raw)
    if request.method == "GET":
        return _merge_compare(person, other)
    keep_id = request.form.get("keep", "")
    if keep_id not in (str(person.id), str(other.id)):
        return _merge_compare(person, other, {"keep": "Choose the record to keep"})
    keep, gone = (person, other) if keep_id == str(person.id) else (other, person)
    carry = merge_service.carried_link_ids(request.form.getlist("carry_link"))
    problem = merge_service.merge_people(_me(), keep, gone, carry=carry, ip=client_ip())
    if problem:
        return _merge_compare(person, other, {"keep": problem})
    flash_success(f"The records have been merged. {keep.full_name}'s record (number {keep.id}) "
                  f"now holds everything from record {gone.id}.")
    return redirect(_case_url(keep), 303)

def _merge_choose(person, errors=None, typed=""):
    return render("team/merge_choose.html", person=person,
                  candidates=merge_service.possible_duplicates(person), errors=errors or {},
                  typed=typed, status=422 if errors else 200)

def _merge_compare(person, other, errors=None):
    problem = merge_service.merge_problem(person, other)
    if problem and not errors:
        errors = {"keep": problem}
    return render("team/merge_compare.html", person=person, other=other,
                  records=[(p, merge_service.record_summary(p)) for p in (person, other)],
                  linked={p.id: merge_service.linked_people(p) for p in (person, other)},
                  carried=merge_service.carried_link_ids(request.form.getlist("carry_link")),
                  errors=errors or {}, blocked=bool(problem),
                  status=422 if errors else 200)


# --- Families: reference codes and link requests (were under /family) -------------------------

@bp.route("/people/<id:person_id>/codes", methods=["GET", "POST"])
@access("officer")
def family_codes(person_id):
    """Reference codes for a child's family: create one (shown once), see unused ones, and the
    family members who can see this child (End link)."""
    person = _person_or_404(person_id)
    new_code = None
    if request.method == "POST":
        plain, row = codes.create_code(person, officer=_me(), ip=client_ip())
        new_code = (codes.format_code(plain), row)
    return render("team/family_codes.html", status=201 if new_code else 200, person=person,
                  new_code=new_code, codes=codes.codes_for(person),
                  links=links.family_links(person), show_date=clock.long_date,
                  kinds=registration.KINDS)


@bp.route("/people/<id:person_id>/codes/<id:code_id>/withdraw", methods=["POST"])
@access("officer")
def withdraw_code(person_id, code_id):
    person = _person_or_404(person_id)
    if not codes.withdraw_code(person, code_id, officer=_me(), ip=client_ip()):
        abort(404)
    flash_success("The reference code has been withdrawn. It can no longer be used.")
    return redirect(url_for("team.family_codes", person_id=person.id), 303)


@bp.route("/people/<id:person_id>/family-links/<id:link_id>/end", methods=["POST"])
@access("officer")
def end_family_link(person_id, link_id):
    """End a parent's (or young person's) access to this child."""
    person = _person_or_404(person_id)
    if not links.end_family_link(person, link_id, officer=_me(), ip=client_ip()):
        abort(404)
    flash_success("The link has ended. They can no longer see this child's information.")
    return redirect(url_for("team.family_codes", person_id=person.id), 303)


@bp.route("/link-requests")
@access("officer")
def link_requests():
    """Link requests: families who entered a reference code, waiting to be confirmed."""
    return _link_requests_page()


def _link_requests_page(errors=None):
    return render("team/link_requests.html", status=422 if errors else 200,
                  pending=codes.pending_requests(), decided=codes.recent_decisions(),
                  ended=links.recently_ended(), show_date=clock.long_date, today=clock.uk_today(),
                  age_on=people.age_on, errors=errors or {})


@bp.route("/link-requests/<id:request_id>", methods=["POST"])
@access("officer")
def decide_link_request(request_id):
    """Confirm (the family member is linked) or refuse a link request."""
    link_request = codes.request_by_id(request_id)
    action = request.form.get("action")
    if link_request is None or action not in ("confirm", "refuse"):
        abort(404)
    if action == "confirm":
        problem = codes.confirm(link_request, officer=_me(), ip=client_ip(), today=clock.uk_today())
    else:
        problem = codes.refuse(link_request, officer=_me(), ip=client_ip())
    if problem:
        return _link_requests_page({f"request-{request_id}": problem})
    flash_success("Request confirmed: they can now see this child's information."
                  if action == "confirm" else "Request refused. We have told them to contact you.")
    return redirect(url_for("team.link_requests"), 303)
