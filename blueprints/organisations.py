"""The SEN team's organisations (issue 11, M2): the list with member counts, and merging a
duplicate into the real organisation (choose, confirm, merged).

Officers only, like every /team page. Rules in ``services/people/organisations.py``.
"""
from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from blueprints.web import access, client_ip, flash_success, render
from services.people import organisations as service

bp = Blueprint("organisations", __name__, url_prefix="/team/organisations")


@bp.route("/")
@access("officer")
def index():
    """Every organisation with its members; each can be merged into another."""
    return render("team/organisations.html", listing=service.organisations())


@bp.route("/<id:org_id>/merge", methods=["GET", "POST"])
@access("officer")
def merge(org_id):
    """Choose the organisation to merge into (GET, or POST without ``confirm``), confirm, merge."""
    duplicate = service.organisation_by_id(org_id) or abort(404)
    if request.method == "GET":
        return _choose(duplicate)
    into = service.organisation_by_id(request.form.get("into", "")[:40])
    problem = service.merge_problem(duplicate, into)
    if problem:
        return _choose(duplicate, {"into": problem})
    if request.form.get("confirm") != "yes":
        return render("team/organisations_confirm.html", duplicate=duplicate, into=into,
                      members=duplicate.work_profiles.count())
    moved = service.merge(current_user._get_current_object(), duplicate, into, ip=client_ip())
    flash_success(f"{duplicate.name} has been merged into {into.name}: "
                  f"{moved} work role{'' if moved == 1 else 's'} moved.")
    return redirect(url_for("organisations.index"), 303)


def _choose(duplicate, errors=None):
    return render("team/organisations_merge.html", duplicate=duplicate,
                  targets=service.merge_targets(duplicate), errors=errors or {},
                  status=422 if errors else 200)
