"""Who hears what when something happens to a case (issue 12, "Who hears what").

- A request for assessment submitted through the portal (the case opens): a message in the team
  inbox — one "new-request" message to every active officer, without a personal email each —
  and one email to the council's team mailbox (``team_email`` in schemas/councils/<key>.yaml).
- A decision (whether to assess, whether to issue, the final plan, the decision after an annual
  review, ceasing the plan): a letter from the council's wording (``letters:`` in the council's
  file) rendered as PDF, stored as a document on the case and shared with the family (linked
  parents / young person) and with whoever made the request, each told in their own words. A
  requester hears "accepted" when the council decides to assess.
- The draft plan recorded without an uploaded document: the family is told the date their
  comments are due and where the comments form is (an uploaded draft tells them through
  ``sharing.share_with_parents``).

Called after the event is recorded (``event_recorded``) or after a request is submitted
(``request_submitted_notice``); each runs in its own transaction. No request objects here.
"""
from __future__ import annotations

import logging

from flask import current_app, render_template

import models
from models import CaseEvent, FormInstance, User
from services import mail
from services.cases import rules, statutory
from services.casework import advice, documents, messages, sharing
from services.forms import pdf
from services.kernel import clock, vocab
from services.kernel.council import absolute_url, current_council

log = logging.getLogger("portal.notices")

# Event kinds that send a letter; the letter's key is "<kind>-<outcome>" or the kind itself.
LETTER_KINDS = ("assess-decision", "issue-decision", "final-plan", "review-decision",
                "plan-ceased")
LETTER_KEYS = ("assess-decision-yes", "assess-decision-no", "issue-decision-yes",
               "issue-decision-no", "final-plan", "review-decision-maintain",
               "review-decision-amend", "review-decision-cease", "plan-ceased")
# The letters that must give the right of appeal to the SEND Tribunal and mediation: a decision
# not to assess (reg 5), not to issue (reg 10), the final plan (reg 14), not to amend after a
# review and to cease (s.51 Children and Families Act 2014).
APPEAL_LETTERS = ("assess-decision-no", "issue-decision-no", "final-plan",
                  "review-decision-maintain", "review-decision-cease", "plan-ceased")


# --- A request submitted: the team inbox and the team's mailbox -----------------------------------

def _request_event(instance, submission):
    """The "request" event this submission opened, or None (the case already had a request)."""
    case = statutory.case_for(instance.person_id)
    if case is None:
        return None
    for event in statutory.events_of(case):
        detail = event.detail or {}
        if (event.kind == "request" and detail.get("form") == instance.id
                and detail.get("round") == submission.round):
            return event
    return None


def team_inbox(person):
    """Who the team inbox is: every active officer."""
    return list(User.select().where((User.role == "officer") & (User.status == "active"))
                .order_by(User.id))


def request_submitted_notice(instance, submission):
    """A submitted request form opened the case: tell the team. Returns the messages written
    (none when this submission did not open a case)."""
    event = _request_event(instance, submission)
    if event is None:
        return []
    person, author = instance.person, instance.author
    title = messages.form_title(instance.form_key)
    decision_due = rules.PERIODS["decision"].due(event.on)
    council = current_council()
    link = absolute_url("team.case", person_id=person.id)
    with models.db.atomic():
        sent = [messages.send_message(
            officer, "new-request", f"New request for assessment: {advice.list_name(person)}",
            f"{author.display_name} ({author.email}) submitted the {title} for "
            f"{person.full_name} on {clock.long_date(event.on)}. The case is open and the "
            f"decision whether to assess is due by {clock.long_date(decision_due)}.",
            sender=author, person=person, form_key=instance.form_key, due_date=decision_due,
            email=False) for officer in team_inbox(person)]
        address = council.get("team_email") or council.get("email")
        if address:
            mail.queue(address, "team-request", f"New request for assessment ({title})",
                       kind="team-request", council=council, form_title=title,
                       initials=messages._initials(person), received=clock.long_date(event.on),
                       decision_due=clock.long_date(decision_due), link=link)
    return sent


# --- A decision recorded: the letter, shared and explained --------------------------------------

def letter_key(event):
    return f"{event.kind}-{event.outcome}" if event.outcome else event.kind


def letter_wording(event):
    """The council's (title, body) for this event's letter, or None when there is none."""
    letters = current_council().get("letters") or {}
    found = letters.get(letter_key(event))
    return (found["title"], found["body"]) if found else None


def _facts(event, person):
    council = current_council()
    s = statutory.case_state(statutory.case_for(person))
    facts = {
        "child": person.full_name, "date": clock.long_date(event.on),
        "appeal_by": clock.long_date(rules.add_months(event.on, 2)),
        "final_due": clock.long_date(rules.PERIODS["final-plan"].due(s.request.on))
        if s.request else "",
        "comments_due": clock.long_date(event.on + statutory.COMMENT_WINDOW),
        "reason": (event.detail or {}).get("reason", ""),
        "team": council.get("team_name", "SEN Team"), "council": council.get("name", ""),
        "phone": council.get("phone", ""), "email": council.get("email", "")}
    rights = (current_council().get("letters") or {}).get("rights", "")
    facts["rights"] = rights.format_map(facts)
    return facts


def paragraphs(text):
    """Wording from YAML: paragraphs split on blank lines, the lines of each joined."""
    return [" ".join(line.strip() for line in block.splitlines() if line.strip())
            for block in text.split("\n\n") if block.strip()]


def letter_html(event, person):
    """(title, HTML) of the event's letter, or None when the council has no wording for it."""
    wording = letter_wording(event)
    if wording is None:
        return None
    title, body = wording
    return title, render_template(
        "pdf/letter.html", title=title, council=current_council(), person=person,
        paragraphs=paragraphs(body.format_map(_facts(event, person))),
        dated=clock.long_date(event.on),
        date_of_birth=person.date_of_birth.strftime("%d/%m/%Y") if person.date_of_birth else "",
        font_dir=(pdf.static_root() / "fonts").as_posix())


def render_letter(event, person):
    """(title, PDF bytes) of the event's letter, or None when the council has no wording."""
    made = letter_html(event, person)
    return (made[0], pdf.render_html_pdf(made[1])) if made else None


def requester(person):
    """The professional (or parent) whose submitted request form opened the current round."""
    s = statutory.case_state(statutory.case_for(person))
    form_id = (s.request.detail or {}).get("form") if s.request else None
    instance = FormInstance.get_or_none(FormInstance.id == form_id) if form_id else None
    return instance.author if instance else None


def event_recorded(event, actor, *, ip=""):
    """Tell the parties what ``event`` means for them. Returns the letter Document, if any."""
    person = event.case.person
    if event.kind == "draft-plan" and not (event.detail or {}).get("document"):
        with models.db.atomic():
            for user in advice.parties(person):
                if user.role == "citizen":
                    sharing.tell_family_draft(user, person, event.on, officer=actor)
        return None
    if event.kind not in LETTER_KINDS:
        return None
    try:
        made = render_letter(event, person)
    except (RuntimeError, KeyError, ValueError):  # a broken template must not undo the event
        log.exception("The %s letter could not be written; the event stands", event.kind)
        return None
    if made is None:
        return None
    title, data = made
    family = [u for u in advice.parties(person) if u.role == "citizen"]
    asker = requester(person)
    with models.db.atomic():
        document = documents.store_generated(
            person, officer=actor, kind="letter", title=title,
            filename=f"{title} - {''.join(person.initials or '')} - {event.on.isoformat()}.pdf",
            data=data, upload_dir=current_app.config["UPLOAD_DIR"], issued_on=event.on, ip=ip)
        detail = {**(event.detail or {}), "letter": document.id}
        CaseEvent.update(detail=detail).where(CaseEvent.id == event.id).execute()
        given = sharing.give_document(person, document, [*family, *([asker] if asker else [])],
                                      officer=actor)
        for user in given:
            _tell(user, person, event, title, actor)
    return document


def _tell(user, person, event, title, actor):
    accepted = event.kind == "assess-decision" and event.outcome == "yes"
    if user.role == "citizen":
        sharing.tell_family(
            user, person, "decision letter", officer=actor, kind="decision",
            subject=f"{title}: {person.forename}", headline=f"{title} (letter shared with you)",
            lead=f"{current_council()['name']} has made a decision about {person.full_name}: "
                 f"{title[0].lower() + title[1:]}. The letter explains what happens next"
                 + (" and your right to appeal" if "{rights}" in letter_wording(event)[1]
                    else "") + ".")
        return
    messages.send_message(
        user, "accepted" if accepted else "decision",
        (f"Request accepted: {advice.list_name(person)}" if accepted else
         f"{title}: {advice.list_name(person)}"),
        (f"The {advice._team()} has accepted your request for an EHC needs assessment for "
         f"{person.full_name} and will carry out the assessment." if accepted else
         f"The {advice._team()} has recorded a decision for {person.full_name}: {title}.")
        + f" The decision letter is shared with you on the {vocab.TABS['assessment']} tab.",
        sender=actor, person=person, tab="assessment",
        headline="Your request for assessment was accepted" if accepted else title)
