"""Portal messages (Stockton guide, "Portal Messages"): requests, reminders, information shared,
forms returned, and general notes from the SEN team.

``send_message`` writes the message and queues an email in the caller's transaction. The email
says only that there is a new message: the kind, the form's name, the due date and the child's
INITIALS — never the child's name, date of birth, or the message's own subject and body (which may
name the child). The reader signs in to see the rest.
"""
from flask import current_app

import models
from models import Message, utcnow
from services import audit, mail
from services.kernel import clock, paging
from services.kernel.council import absolute_url, current_council
from services.kernel.paging import Page, clamp_page
from services.kernel.vocab import TABS
from services.people.people import is_linked

KINDS = {
    "request": "Request to submit information",
    "reminder": "Reminder",
    "shared": "Information shared with you",
    "returned": "Form returned",
    "general": "Message",
    "new-request": "New request for assessment",
    "decision": "Decision letter",
    "accepted": "Request accepted",
}
PAGE_SIZE = 20


def form_title(form_key):
    """The current title of a form (its key if the form is unknown)."""
    if not form_key:
        return None
    registry = current_app.extensions.get("forms")
    try:
        return registry.get(form_key).title
    except (KeyError, AttributeError):
        return form_key


def portal_name(user) -> str:
    """What the reader calls this portal: families use the Citizen Portal, everyone else the
    council's professional portal ("Stockton Citizen Portal", "Stockton Professional Portal")."""
    council = current_council()
    name = (council.get("citizen_portal_name") or "Citizen Portal" if user.role == "citizen"
            else council.get("portal_name") or "SEND Portal")
    return f"{council.get('short_name', '')} {name}".strip()


def send_message(recipient, kind, subject, body, *, sender=None, person=None, form_key=None,
                 due_date=None, tab=None, headline=None, link=None, email=True):
    """Write a message to ``recipient`` and queue the "you have a new message" email.

    Call inside the caller's transaction (``models.db.atomic()``): a rolled-back change sends
    nothing. ``tab`` is where "Go to form" lands (defaults to the form's own tab). ``headline``
    says what happened without naming the child (the email's subject and first line); ``link``
    is where the email leads (default: the message itself). ``email=False`` writes the message
    only (the team inbox: the team's mailbox is told once instead).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    if tab is None and form_key:
        registry = current_app.extensions.get("forms")
        tab = registry.get(form_key).tab if registry and form_key in registry else None
    if tab is not None and tab not in TABS:
        raise ValueError(f"unknown tab {tab!r}")
    message = Message.create(recipient=recipient, sender=sender, person=person, kind=kind,
                             subject=subject[:300], body=body, form_key=form_key,
                             due_date=due_date, tab=tab)
    if email:
        mail.queue(recipient.email, "new-message", headline or "You have a new message",
                   kind="new-message", council=current_council(), kind_label=KINDS[kind],
                   initials=_initials(person), form_title=form_title(form_key),
                   due_date=due_date, headline=headline, portal_name=portal_name(recipient),
                   family=recipient.role == "citizen",
                   link=link or absolute_url("messages.show", message_id=message.id))
    return message


def _initials(person):
    if person is None:
        return None
    return ".".join(person.initials) + "." if person.initials else None


def unread_count(user):
    """How many of the user's messages are unread (the red number on the Messages tile)."""
    return Message.select().where((Message.recipient == user) & Message.read_at.is_null()).count()


def inbox(user, page=1, per_page=PAGE_SIZE):
    """The user's messages, newest first, one page at a time."""
    mine = Message.recipient == user
    total = Message.select().where(mine).count()
    number = clamp_page(page, total, per_page)
    rows = list(Message.select().where(mine)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(per_page).offset((number - 1) * per_page))
    return Page(rows, total, number, per_page)


def message_for(user, message_id):
    """The user's own message ``message_id``, or None (another user's message is None too)."""
    message_id = paging.parse_id(message_id)
    if message_id is None:
        return None
    return Message.get_or_none((Message.id == message_id) & (Message.recipient == user))


def open_message(user, message, *, ip=""):
    """The reader opened ``message``: mark it read and audit the view (it may name a child)."""
    with models.db.atomic():
        mark_read(message)
        audit.record("message-read", user=user, ip=ip, object_type="message",
                     object_id=message.id, person_id=message.person_id)
    return message


def mark_read(message):
    """Mark a message read the first time it is opened (later opens keep the first time)."""
    if message.read_at is None:
        message.read_at = utcnow()
        (Message.update(read_at=message.read_at)
         .where((Message.id == message.id) & Message.read_at.is_null()).execute())
    return message


def child_visible(user, message):
    """True when the message's child is still linked to the reader (so "Go to form" may show)."""
    return message.person_id is not None and is_linked(user, message.person_id)


def days_until(due_date, today=None):
    """Days from today to ``due_date`` (negative when overdue)."""
    if due_date is None:
        return None
    return (due_date - (today or clock.uk_today())).days
