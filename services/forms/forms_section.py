"""The forms section of a child's record (Stockton guide pp. 9-12): which forms each tab lists,
each row's status tag and the actions the seed allows, the form search and the key-dates panel.

The rules, in one place (the template only draws what these rows say):

- Start: the user's role is in the form's ``started_by`` and they have no open instance of it
  (draft, returned or being amended). With no instance the form has a row of its own, "Not
  started"; once it has instances, Start sits on the first of them (starting another one).
  A form the user may not start (a parent's form) is listed only through instances shared
  with them.
- Each of MY instances is a row of its own with its status:
  draft -> Continue (+ Delete while never submitted); returned -> Continue (with the SEN team's
  reason); amending -> Continue; submitted -> View Details, Edit, PDF; accepted -> View Details,
  PDF (no Edit). PDF only when the form has ``pdf: true``.
- A colleague's draft they let me continue (DraftAccess) -> Continue.
- An instance by someone else shared with me (Share), once submitted -> View Shared Form (+ PDF).
- A document shared with me (Share with a document) on its tab -> View Shared Form (a download).

Everything starts from the user's own rows (author, Share recipient, DraftAccess user); the view
has already checked the user's live Link to the child. No request objects here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from models import Document, DraftAccess, FormInstance, FormReview, Share, User
from services.cases import rules, statutory, windows
from services.forms import instances
from services.kernel import clock, paging, vocab
from services.people import people

MAX_SEARCH = 100  # characters of a form search that are looked at

DOCUMENT_KINDS = {"letter": "Letter", "draft-plan": "Draft EHC Plan",
                  "final-plan": "Final EHC Plan", "other": "Document"}


# --- rows and actions ---------------------------------------------------------------------------

@dataclass
class Action:
    """One button or link on a row. ``post`` actions are small forms with a CSRF token."""
    label: str
    endpoint: str
    args: dict
    post: bool = False
    secondary: bool = True
    warning: bool = False
    version: int | None = None  # the instance's version, for Edit's compare-and-set


@dataclass
class Row:
    """One line of a tab: a form (not started), an instance, or a shared document."""
    title: str
    key: str  # the form key (or "document")
    status: str | None = None  # a vocab.FORM_TAGS key; None for documents
    tag: tuple | None = None  # (label, class) when not a status
    note: str = ""
    reason: str = ""  # the SEN team's reason for returning it
    actions: list = field(default_factory=list)
    anchor: str = ""

    @property
    def tag_label(self):
        return self.tag[0] if self.tag else vocab.FORM_TAGS[self.status][0]

    @property
    def tag_class(self):
        return self.tag[1] if self.tag else vocab.FORM_TAGS[self.status][1]


def clean_search(text) -> str:
    """The search as it is looked at and shown back in the box: no control characters, at most
    100 characters and five words."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", str(text or ""))[:MAX_SEARCH]
    return " ".join(text.split()[:5])


def search_words(text) -> list[str]:
    """The words of a form search, lower-cased."""
    return clean_search(text).lower().split()


def _matches(title, words):
    title = title.lower()
    return all(w in title for w in words)


def _own_actions(user, form, instance, reviews):
    """Actions on one of my instances, by status (the seed's rules)."""
    actions, reason = [], ""
    if instance.status in instances.EDITABLE:
        actions.append(Action("Continue", "forms.resume", {"instance_id": instance.id},
                              secondary=False))
        if instance.status == "returned":
            reason = reviews.get(instance.id, "")
        if instances.can_delete(user, instance):
            actions.append(Action("Delete", "forms.delete", {"instance_id": instance.id},
                                  warning=True))
    else:
        actions.append(Action("View Details", "forms.view", {"instance_id": instance.id}))
        if instances.can_amend(user, instance):
            actions.append(Action("Edit", "forms.edit", {"instance_id": instance.id},
                                  post=True, version=instance.version))
        if form.pdf and instance.status in instances.SUBMITTED:
            actions.append(Action("PDF", "forms.pdf", {"instance_id": instance.id}))
    return actions, reason


def _start(form, person):
    return Action("Start", "forms.start", {"person_id": person.id, "form_key": form.key},
                  post=True, secondary=False)


def _returned_reasons(rows):
    """instance id -> the reason of the latest return, for returned instances."""
    ids = [i.id for i in rows if i.status == "returned"]
    if not ids:
        return {}
    reasons = {}
    for review in (FormReview.select().where(FormReview.instance.in_(ids)
                                             & (FormReview.decision == "returned"))
                   .order_by(FormReview.round)):
        reasons[review.instance_id] = review.reason
    return reasons


def _form_of(registry, instance):
    try:
        return instances.form_of(registry, instance)
    except KeyError:  # a form the council has since withdrawn: nothing to open it with
        return None


def tab_rows(user, person, registry, tab, *, search="") -> list[Row]:
    """The rows of one tab for ``user`` about ``person``, filtered by the form search."""
    words = search_words(search)
    forms = [f for f in people.forms_for_tab(registry, tab) if _matches(f.title, words)]
    keys = [f.key for f in forms]
    mine = list(FormInstance.select().where(
        (FormInstance.person == person) & (FormInstance.author == user)
        & FormInstance.form_key.in_(keys)).order_by(FormInstance.created_at.desc(),
                                                    FormInstance.id.desc()))
    theirs = list(FormInstance.select(FormInstance, User).join(User).switch(FormInstance)
                  .join(DraftAccess).where(
                      (DraftAccess.user == user) & (FormInstance.person == person)
                      & (FormInstance.author != user) & FormInstance.form_key.in_(keys)
                      & FormInstance.status.in_(instances.EDITABLE)).order_by(FormInstance.id))
    shared = list(FormInstance.select(FormInstance, User).join(User).switch(FormInstance)
                  .join(Share).where(
                      (Share.recipient == user) & (Share.person == person)
                      & (FormInstance.person == person) & (FormInstance.author != user)
                      & FormInstance.form_key.in_(keys)
                      & FormInstance.status.in_(instances.SUBMITTED))
                  .distinct().order_by(FormInstance.submitted_at.desc(), FormInstance.id))
    reasons = _returned_reasons(mine)
    rows = []
    for form in forms:
        rows.extend(_form_rows(user, person, registry, form, mine, theirs, shared, reasons))
    rows.extend(r for r in _document_rows(user, person, tab) if _matches(r.title, words))
    return rows


def matches_elsewhere(registry, tab, search) -> dict[str, int]:
    """Other tabs whose form titles match the search: {tab: count} (for "No forms match")."""
    words = search_words(search)
    if not words:
        return {}
    counts = {other: sum(1 for f in people.forms_for_tab(registry, other) if _matches(f.title, words))
              for other in vocab.TABS if other != tab}
    return {other: n for other, n in counts.items() if n}


def _form_rows(user, person, registry, form, mine, theirs, shared, reasons):
    own = [i for i in mine if i.form_key == form.key]
    may_start = instances.may_start(user, form)
    rows = []
    for instance in own:
        instance_form = _form_of(registry, instance) or form
        actions, reason = _own_actions(user, instance_form, instance, reasons)
        rows.append(Row(form.title, form.key, instance.status, reason=reason, actions=actions,
                        anchor=f"form-{instance.id}",
                        note=_dated(instance)))
    open_own = any(i.status in instances.EDITABLE for i in own)
    # A request for assessment already with the SEN team is not started again (a duplicate).
    duplicate = (user.role != "officer" and form.key in rules.REQUEST_FORMS
                 and windows.request_problem(person))
    if not own and may_start:
        rows.append(Row(form.title, form.key, "not-started", anchor=f"form-{form.key}",
                        note=duplicate or "", actions=[] if duplicate else [_start(form, person)]))
    elif may_start and not open_own and not duplicate:
        rows[0].actions.append(_start(form, person))
    for instance in (i for i in theirs if i.form_key == form.key):
        rows.append(Row(form.title, form.key, instance.status, anchor=f"form-{instance.id}",
                        note=f"Draft by {instance.author.display_name}, your colleague, "
                             "shared with you",
                        actions=[Action("Continue", "forms.resume",
                                        {"instance_id": instance.id}, secondary=False)]))
    for instance in (i for i in shared if i.form_key == form.key):
        instance_form = _form_of(registry, instance) or form
        actions = [Action("View Shared Form", "forms.view", {"instance_id": instance.id})]
        if instance_form.pdf:
            actions.append(Action("PDF", "forms.pdf", {"instance_id": instance.id}))
        rows.append(Row(form.title, form.key, instance.status, anchor=f"form-{instance.id}",
                        note=f"Shared with you: from {instance.author.display_name}",
                        actions=actions))
    return rows


def _dated(instance):
    if instance.submitted_at:
        return f"Submitted {clock.long_date(clock.uk_time(instance.submitted_at).date())}"
    return f"Started {clock.long_date(clock.uk_time(instance.created_at).date())}"


def _document_rows(user, person, tab):
    documents = (Document.select().join(Share).where(
        (Share.recipient == user) & (Share.person == person) & (Document.person == person)
        & (Document.tab == tab) & Document.removed_at.is_null())
        .distinct().order_by(Document.issued_on, Document.id))
    rows = []
    for document in documents:
        issued = f"Issued {clock.long_date(document.issued_on)}" if document.issued_on else ""
        rows.append(Row(document.title, "document", None,
                        tag=(DOCUMENT_KINDS.get(document.kind, "Document"), "govuk-tag--purple"),
                        note=issued, anchor=f"document-{document.id}",
                        actions=[Action("View Shared Form", "people.document",
                                        {"person_id": person.id,
                                         "document_id": document.id})]))
    return rows


# --- shared documents ---------------------------------------------------------------------------

def shared_document(user, person, document_id) -> Document | None:
    """A document of ``person`` shared with ``user`` (not removed), else None.

    The caller has checked the user's live Link to the person.
    """
    document_id = paging.parse_id(document_id)
    if document_id is None:
        return None
    return (Document.select().join(Share).where(
        (Document.id == document_id) & (Document.person == person)
        & Document.removed_at.is_null() & (Share.recipient == user)
        & (Share.person == person)).first())


# --- the key-dates panel ------------------------------------------------------------------------

@dataclass
class KeyDateRow:
    """One line of the key-dates panel, ready to show."""
    label: str
    happened: str  # "5 January 2026" or ""
    due: str  # the statutory date, "" when the step has no deadline
    describe: str  # "due in 3 days", "overdue by 2 days", "on time", ...
    status: str  # statutory.KeyDate.status: done | late | pending | overdue | recorded
    rule: str


def key_dates_panel(person, *, today) -> list[KeyDateRow] | None:
    """The key dates of the child's case (services.cases.statutory.key_dates), or None when the team
    has not recorded a request yet."""
    case = statutory.case_for(person)
    dates = statutory.key_dates(case, today) if case is not None else []
    if not dates:
        return None
    return [KeyDateRow(k.label, clock.long_date(k.happened), clock.long_date(k.due), k.describe(today),
                       k.status(today), k.rule)
            for k in dates]
