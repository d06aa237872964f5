"""The DfE SEN2 return: what officers fill in for it on a child's case (/team/sen2/people/<id>),
the fix list before sending (/team/sen2/), the XML itself (/team/sen2/return.xml) and the
published figures for any date range (/team/sen2/figures, and as CSV).

Officers only (others get 404), like every /team page. Rules live in ``services/sen2``.
"""
import csv
import datetime as dt
import io

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user

from blueprints.fields import read_date, typed_date
from blueprints.web import access, client_ip, flash_success, render
from services.cases import admin
from services.kernel import clock
from services.sen2 import codes, figures, records, returns, xml

bp = Blueprint("sen2", __name__, url_prefix="/team/sen2")

PLACEMENT_TEXTS = ("urn", "ukprn", "setting", "setting_other", "rank", "res")


def _person_or_404(person_id):
    return admin.person_by_id(person_id) or abort(404)


def _census():
    """The census date asked for (?census=YYYY-MM-DD), else the next one after today."""
    try:
        return dt.date.fromisoformat(request.args.get("census", "")[:10])
    except ValueError:
        return returns.next_census(clock.uk_today())


@bp.route("/people/<id:person_id>", methods=["GET", "POST"])
@access("officer")
def person(person_id):
    """The child's SEN2 details: identifiers, request source, flags, plan details and needs."""
    child = _person_or_404(person_id)
    errors, values = {}, records.values_of(child)
    if request.method == "POST":
        values = records.clean(request.form)
        errors = records.save(current_user._get_current_object(), child, values, ip=client_ip())
        if not errors:
            flash_success("The SEN2 details have been saved.")
            return redirect(url_for("sen2.person", person_id=child.id), 303)
    return _page(child, values, errors)


@bp.route("/people/<id:person_id>/placements", methods=["POST"])
@access("officer")
def placements(person_id):
    """Add a placement named in the plan, or remove one (``remove`` = its id)."""
    child, me = _person_or_404(person_id), current_user._get_current_object()
    if request.form.get("remove"):
        if records.remove_placement(me, child, request.form["remove"][:20], ip=client_ip()):
            flash_success("The placement has been removed.")
        return redirect(url_for("sen2.person", person_id=child.id, _anchor="placements"), 303)
    form = request.form
    values = {name: codes.normalise(form.get(name, ""))[:20] for name in PLACEMENT_TEXTS}
    values["setting_other"] = form.get("setting_other", "").strip()[:100]
    values.update(sen_unit=form.get("sen_unit") == "yes", resourced=form.get("resourced") == "yes",
                  wbp=form.get("wbp") == "yes")
    today = clock.uk_today()
    entry, typed_entry, entry_error = read_date(form, "entry", "Entry date", today=today,
                                                future=None)
    leaving, typed_leaving, leaving_error = read_date(form, "leaving", "Leaving date",
                                                      today=today, future=None)
    errors = {k: v for k, v in (("entry-day", entry_error), ("leaving-day", leaving_error)) if v}
    errors = errors or records.add_placement(me, child, values, entry, leaving, ip=client_ip())
    if not errors:
        flash_success("The placement has been added.")
        return redirect(url_for("sen2.person", person_id=child.id, _anchor="placements"), 303)
    return _page(child, records.values_of(child), {}, placement=values, placement_errors=errors,
                 typed_entry=typed_entry, typed_leaving=typed_leaving)


def _page(child, values, errors, placement=None, placement_errors=None, **typed):
    shown = {**errors, **(placement_errors or {})}
    return render("sen2/person.html", person=child, values=values, errors=shown,
                  placement=placement or {"rank": "1"}, placement_errors=placement_errors or {},
                  typed_entry=typed.get("typed_entry", typed_date(None)),
                  typed_leaving=typed.get("typed_leaving", typed_date(None)),
                  placements=records.placements_of(child), codes=codes,
                  request_source=records.request_source(child, records.request_event_of(child)),
                  ethnicity=records.ethnicity_of(child), status=422 if shown else 200)


@bp.route("/")
@access("officer")
def fix_list():
    """Every child in the return for a census date, with what the DfE would reject."""
    census = _census()
    return render("sen2/fix_list.html", census=census, rows=returns.fix_list(census))


@bp.route("/return.xml")
@access("officer")
def download():
    census = _census()
    body = xml.to_bytes(xml.build(census))
    return Response(body, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="sen2-{census.isoformat()}.xml"'})


def _range():
    """The date range asked for (GOV.UK date inputs ``from`` and ``to``): (start, end, typed, errors)."""
    today = clock.uk_today()
    start, end = figures.default_range(today)
    if not request.args.get("from-year") and not request.args.get("to-year"):
        return start, end, {"from": typed_date(start), "to": typed_date(end)}, {}
    start, typed_from, from_error = read_date(request.args, "from", "The start date", today=today,
                                              required=True, future=None)
    end, typed_to, to_error = read_date(request.args, "to", "The end date", today=today,
                                        required=True, future=None)
    errors = {k: v for k, v in (("from-day", from_error), ("to-day", to_error)) if v}
    if not errors and end < start:
        errors["to-day"] = "The end date must be on or after the start date"
    return start, end, {"from": typed_from, "to": typed_to}, errors


@bp.route("/figures")
@access("officer")
def published_figures():
    """The DfE's published measures for this council over a date range, each linked to its cases."""
    start, end, typed, errors = _range()
    found, ceased = figures.figures(start, end) if not errors else ({}, [])
    return render("sen2/figures.html", start=start, end=end, typed=typed, errors=errors,
                  found=found, ceased=ceased, status=422 if errors else 200)


@bp.route("/figures.csv")
@access("officer")
def figures_csv():
    start, end, _typed, errors = _range()
    if errors:
        return redirect(url_for("sen2.published_figures", **request.args), 303)
    out = io.StringIO()
    csv.writer(out).writerows(figures.csv_rows(*figures.figures(start, end)))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="sen2-figures-{start}-to-{end}.csv"'})
