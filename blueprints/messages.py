"""Portal Messages (Stockton guide p. 6): the list (unread first marked, newest first, paged) and
the read view, which marks a message read. A user sees only their own messages; any other id
answers 404. Messages are written by ``services.casework.messages.send_message`` (the SEN team,
reminders).
"""
from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from blueprints.web import MESSAGE_READERS, access, awaiting_verification, client_ip, render
from services.casework import messages
from services.kernel import clock, paging

bp = Blueprint("messages", __name__, url_prefix="/messages")
bp.before_request(awaiting_verification)  # a council's "verified professionals only"


def _me():
    return current_user._get_current_object()


@bp.route("/")
@access(*MESSAGE_READERS)
def index():
    """My messages, newest first; unread ones tagged "Unread" and in bold."""
    page = messages.inbox(_me(), paging.page_number(request.args.get("page")))
    return render("messages/index.html", "messages/_list.html", listing=page, kinds=messages.KINDS)


@bp.route("/<id:message_id>")
@access(*MESSAGE_READERS)
def show(message_id):
    """One message; opening it marks it read. "Go to form" lands on the child's right tab."""
    me = _me()
    message = messages.message_for(me, message_id)
    if message is None:
        abort(404)
    child_visible = messages.child_visible(me, message)
    messages.open_message(me, message, ip=client_ip())
    go_to_form = None
    if child_visible and message.form_key:
        # Professionals land on the child's tab; families on their child's page, which lists
        # what the SEN team asked for and the forms they can fill in.
        go_to_form = (url_for("citizen.child", person_id=message.person_id)
                      if me.role == "citizen" else
                      url_for("people.forms", person_id=message.person_id, tab=message.tab or "request"))
    return render("messages/show.html", message=message, kinds=messages.KINDS,
                  child_visible=child_visible, go_to_form=go_to_form,
                  form_title=messages.form_title(message.form_key),
                  days_left=messages.days_until(message.due_date, clock.uk_today()))
