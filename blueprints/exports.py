"""A subject access request from the case page: an officer downloads everything the portal holds
about a child as one zip (services/ops/export.py, the same export as `flask export-person`).
Officers only (others get 404); every export is an audit event.
"""
import tempfile

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from blueprints.web import access, client_ip
from services.cases import admin
from services.ops import export

bp = Blueprint("exports", __name__, url_prefix="/team")


@bp.route("/people/<id:person_id>/subject-access-export", methods=["POST"])
@access("officer")
def subject_access_export(person_id):
    """The zip, written to a temporary file (files can be large) and sent as a download."""
    person = admin.person_by_id(person_id) or abort(404)
    out = tempfile.TemporaryFile()
    export.export_person(person, out=out, registry=current_app.extensions["forms"],
                         council=current_app.config["COUNCIL"],
                         upload_dir=current_app.config["UPLOAD_DIR"],
                         by=current_user._get_current_object(), ip=client_ip())
    out.seek(0)
    return send_file(out, mimetype="application/zip", as_attachment=True,
                     download_name=f"subject-access-request-{person.id}.zip")
