"""A child's audit trail in sentences: each event said in plain English for the case page.
"""
import datetime as dt

from models import User
from services import audit
from services.cases import rules
from services.casework import messages
from services.kernel import clock, vocab
from services.people.people import DETAIL_LABELS

_SENTENCES = {
    "person-added": "added the child to the portal",
    "person-details-changed": "changed the child's details",
    "person-hidden": "hid the child from their own list",
    "person-unhidden": "put the child back on their own list",
    "message-read": "read a message about the child",
    "case-opened": "opened a case",
    "case-changed": "changed the case",
    "case-dates-recorded": "recorded key dates",
    "case-event-changed": "corrected {event}",
    "case-event-removed": "removed {event}, recorded by mistake",
    "person-merged": "merged a duplicate record into this one",
    "form-started": "started {form}",
    "form-submitted": "submitted {form}",
    "form-amending": "began editing {form} after submitting it",
    "form-deleted": "deleted a draft of {form}",
    "form-viewed": "viewed {form}",
    "form-file-downloaded": "downloaded a file from {form}",
    "form-pdf-downloaded": "downloaded the PDF of {form}",
    "form-author-changed": "handed over a draft of {form} to a colleague",
    "draft-shared": "shared a draft of {form} with {colleague}",
    "draft-unshared": "stopped sharing a draft of {form}",
    "person-handed-over": "handed the child over to {colleague}",
    "link-ended-with-role": "lost access to the child when their role ended",
    "family-link-ended": "ended a family member's access to the child",
    "link-requested": "asked to be linked to the child with a reference code",
    "link-request-confirmed": "confirmed a family member's link to the child",
    "link-request-refused": "refused a family member's request to be linked",
    "reference-code-created": "made a reference code for the family",
    "reference-code-withdrawn": "withdrew a reference code",
    "advice-requested": "asked for advice ({form})",
    "advice-reminder-sent": "sent a reminder about advice that is due",
    "advice-pack-downloaded": "downloaded the advice pack",
    "document-uploaded": "uploaded a document",
    "document-generated": "made a letter from a template",
    "document-downloaded": "downloaded a document",
    "information-shared": "shared information (round {round})",
    "message-sent": "sent a message about the child",
    "upload-virus-found": "tried to upload a file that contains a virus (not kept)",
    "closed-case-removed": "removed the closed case under the council's retention schedule",
    "sen2.details": "changed the SEN2 return details",
    "sen2.placement-added": "added a placement to the SEN2 return details",
    "sen2.placement-removed": "removed a placement from the SEN2 return details",
    "subject-access-export": "exported everything held about the child (subject access request)",
}
_CHANGE_LABELS = {**DETAIL_LABELS, "phase": "Phase", "officer": "Officer", "on": "Date",
                  "outcome": "Outcome", "reason": "Reason"}


_PAGES = {"details": "viewed the child's details", "case": "viewed the case page",
          "key-dates": "viewed the key dates form", "open-case": "viewed the Open a case page",
          "merge": "viewed the merge page"}


def _viewed(page):
    page = str(page or "")
    if page in _PAGES:
        return _PAGES[page]
    if page.startswith("forms: "):
        tab = page[len("forms: "):]
        return f"viewed the forms section ({vocab.TABS.get(tab, tab)} tab)"
    return f"viewed the {page or 'record'}"


def _event_words(detail):
    kind = detail.get("kind")
    words = f"recorded: {rules.KIND_LABELS.get(kind, 'an event')}"
    if detail.get("outcome"):
        words += f" ({rules.outcome_label(kind, detail['outcome'])})"
    if detail.get("on"):
        words += f", on {clock.long_date(dt.date.fromisoformat(detail['on']))}"
    return words


def describe_event(event, who):
    """One audit event in words: {"at", "who", "what", "changes": [(label, before, after)]}."""
    detail = event.detail or {}
    form = messages.form_title(detail.get("form_key")) or "a form"
    if event.action == "person-viewed":
        what = _viewed(detail.get("page"))
    elif event.action == "person-linked":
        what = f"linked {detail.get('linked_user', 'someone')} to the child"
    elif event.action == "person-unlinked":
        what = f"unlinked {detail.get('linked_user', 'someone')} from the child"
    elif event.action == "person-merged":
        removed = detail.get("removed") or {}
        what = f"merged the duplicate record {removed.get('name', '')} into this one".replace("  ", " ")
    elif event.action == "case-event-recorded":
        what = _event_words(detail)
    elif event.action in _SENTENCES:
        what = _SENTENCES[event.action].format(
            form=form, event=rules.lower_label(detail.get("kind")),
            colleague=detail.get("colleague") or "a colleague", round=detail.get("round", "?"))
    else:
        what = event.action.replace("-", " ")
    changes = [(_CHANGE_LABELS.get(name, name.replace("_", " ")), *pair)
               for name, pair in (detail.get("changes") or {}).items()
               if isinstance(pair, list) and len(pair) == 2]
    return {"at": event.at, "who": who, "what": what, "changes": changes}


def audit_trail(person_id, limit=100):
    """The newest events about a child in words (one query for the events, one for names)."""
    events = audit.recent(person_id=person_id, limit=limit)
    ids = {e.user_id for e in events if e.user_id}
    names = ({u.id: u.display_name for u in User.select().where(User.id.in_(list(ids)))}
             if ids else {})
    return [describe_event(e, names.get(e.user_id, "The portal")) for e in events]
