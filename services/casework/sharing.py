"""Sharing an accepted form or a document with parties on a case ("View Shared Form").

What is shared of a form is ONE submitted round: the accepted one, or the one the officer picks.
The Share row records it, and a recipient sees that round's answers and files and nothing else
(services.forms.instances.view_scope); earlier rounds stay with the author and the SEN team.

Only people linked to the child now (professionals, parents and young people) can be chosen;
anyone else is refused, so sharing can never widen who knows about a child. Each new recipient
gets a Share row and a "shared" message (with its email) in the same transaction. Sharing again
with someone who already has it adds nothing. No request objects here.
"""
from __future__ import annotations

from flask import current_app

import models
from models import Document, FormInstance, Share, User
from services import audit
from services.cases import statutory
from services.cases.windows import COMMENTS_FORM
from services.casework import advice, messages
from services.forms import instances as form_instances
from services.kernel import clock, paging, vocab
from services.kernel.council import absolute_url, current_council


class SharingProblem(Exception):
    """The share cannot be made; ``errors`` is {field id: message}."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def shareable_instance(person, instance_id) -> FormInstance | None:
    """An accepted form about ``person`` (only accepted advice is shared), else None."""
    instance_id = paging.parse_id(instance_id)
    if instance_id is None:
        return None
    return FormInstance.get_or_none((FormInstance.id == instance_id)
                                    & (FormInstance.person == person)
                                    & (FormInstance.status == "accepted"))


def shareable_document(person, document_id) -> Document | None:
    """A document on ``person``'s case that has not been removed, else None."""
    document_id = paging.parse_id(document_id)
    if document_id is None:
        return None
    return Document.get_or_none((Document.id == document_id) & (Document.person == person)
                                & Document.removed_at.is_null())


def rounds(instance) -> list:
    """The submitted rounds an officer may share, oldest first."""
    return form_instances.rounds(instance)


def default_round(instance) -> int | None:
    """The round shared when the officer picks none: the accepted one."""
    return form_instances.latest_accepted_round(instance)


def round_to_share(instance, raw) -> int:
    """The round the officer picked (``raw``, from the form), or the accepted one. Raises
    SharingProblem for a round the form does not have."""
    if raw in (None, ""):
        number = default_round(instance)
    else:
        number = paging.parse_id(raw)
        if number not in {r.round for r in rounds(instance)}:
            number = None
    if number is None:
        raise SharingProblem({"round": "Select which submission to share"})
    return number


def candidates(person, *, instance=None) -> list[User]:
    """Who the SEN team can share with: the case's parties (not the form's own author)."""
    author_id = instance.author_id if instance is not None else None
    return [u for u in advice.parties(person) if u.id != author_id]


def shared_with(*, instance=None, document=None, round_number=None) -> list[User]:
    """Everyone the form (``round_number``: that round of it) or document has been shared with."""
    where = (Share.instance == instance) if instance is not None else (Share.document == document)
    if instance is not None and round_number is not None:
        same = Share.round == round_number
        if round_number == default_round(instance):  # older shares name no round
            same = same | Share.round.is_null()
        where = where & same
    return list(User.select().join(Share, on=(Share.recipient == User.id)).where(where)
                .order_by(User.surname, User.forename).distinct())


def _what(instance, document):
    if instance is not None:
        return messages.form_title(instance.form_key), instance.form_key, None
    return document.title, None, document.tab


def share(person, *, officer, recipient_ids, instance=None, document=None, round_number=None,
          ip="", tab_names=vocab.TABS) -> list[Share]:
    """Share ``instance`` (its round ``round_number``, from the form: none means the accepted
    round) or ``document`` with the chosen parties. Raises SharingProblem when nobody is chosen,
    when someone chosen is not on the case, when the round is not one of the form's, or when all
    of them already have it. Returns the new Share rows."""
    if (instance is None) == (document is None):
        raise ValueError("share exactly one of instance or document")
    number = round_to_share(instance, round_number) if instance is not None else None
    allowed = {u.id: u for u in candidates(person, instance=instance)}
    chosen, strangers = [], []
    for raw in dict.fromkeys(recipient_ids or []):
        user = allowed.get(paging.parse_id(raw))
        (chosen if user else strangers).append(user)
    if strangers:
        raise SharingProblem({"recipients": "You can only share with people linked to this "
                                            "child or young person"})
    if not chosen:
        raise SharingProblem({"recipients": "Select who to share this with"})
    title, form_key, tab = _what(instance, document)
    with models.db.atomic():
        have = {u.id for u in shared_with(instance=instance, document=document,
                                          round_number=number)}
        new = [u for u in chosen if u.id not in have]
        if not new:
            names = ", ".join(u.display_name for u in chosen)
            raise SharingProblem({"recipients": f"This has already been shared with {names}"})
        rows = []
        for user in new:
            rows.append(Share.create(person=person, recipient=user, instance=instance,
                                     document=document, round=number, shared_by=officer))
            if user.role == "citizen":
                tell_family(user, person, title, officer=officer, form_key=form_key, tab=tab)
                continue
            where = tab_names.get(tab or _form_tab(form_key), "")
            messages.send_message(
                user, "shared", f"Information shared with you: {advice.list_name(person)}",
                f"The {advice._team()} has shared the {title} with you for {person.full_name}."
                + (f" You can find it on the {where} tab." if where else ""),
                sender=officer, person=person, form_key=form_key, tab=tab)
        audit.record("information-shared", user=officer, ip=ip,
                     object_type="form" if instance is not None else "document",
                     object_id=(instance or document).id, person_id=person.id,
                     recipients=[u.id for u in new], round=number)
    return rows


def _form_tab(form_key):
    registry = current_app.extensions.get("forms")
    if form_key and registry is not None and form_key in registry:
        return registry.get(form_key).tab
    return None


def share_with_parents(person, document, *, officer) -> list[User]:
    """Give every linked parent/young person the document (issuing a plan). Inside the caller's
    transaction; returns who got it."""
    have = {u.id for u in shared_with(document=document)}
    parents = [u for u in advice.parties(person) if u.role == "citizen" and u.id not in have]
    for user in parents:
        Share.create(person=person, recipient=user, document=document, shared_by=officer)
        if document.kind == "draft-plan":
            tell_family_draft(user, person, document.issued_on or clock.uk_today(),
                              officer=officer, document=document)
        else:
            tell_family(user, person, document.title, officer=officer, tab=document.tab)
    return parents


def give_document(person, document, users, *, officer) -> list[User]:
    """Share a document the portal made (a decision letter) with ``users`` — only those linked to
    the child now, and only once each — without a message (the caller says what happened).
    Inside the caller's transaction; returns who got it."""
    linked = {u.id for u in advice.parties(person)}
    have = {u.id for u in shared_with(document=document)}
    given = []
    for user in users:
        if user.id in linked and user.id not in have:
            Share.create(person=person, recipient=user, document=document, shared_by=officer)
            have.add(user.id)
            given.append(user)
    return given


# --- What families are told: family words (no tabs), what changed, where, by when -----------------

def day_month(day) -> str:
    """3 March (a deadline in a subject line)."""
    return f"{day.day} {day:%B}"


def family_link(person, anchor="shared-with-you") -> str:
    """Straight to the child's page in the Citizen Portal, at the part that changed."""
    return absolute_url("citizen.child", person_id=person.id) + f"#{anchor}"


def tell_family(user, person, title, *, officer=None, form_key=None, tab=None, subject=None,
                headline=None, lead=None, kind="shared"):
    """Tell a parent or young person that ``title`` about ``person`` is now theirs to read."""
    council = current_council()
    link = family_link(person)
    lead = lead or f"{council['name']} has shared the {title} about {person.full_name} with you."
    messages.send_message(
        user, kind, subject or f"{title} for {person.forename}: shared with you",
        f"{lead}\n\nYou can read it under \"Shared with you\" on {person.forename}'s page in "
        f"the {messages.portal_name(user)}:\n{link}\n\nIf you have a question, call the "
        f"{council.get('team_name', 'SEN Team')} on {council.get('phone', '')}.",
        sender=officer, person=person, form_key=form_key, tab=tab, link=link,
        headline=headline or f"{title} shared with you")


def tell_family_draft(user, person, issued_on, *, officer=None, document=None):
    """The draft plan: what it is, the date comments are due (15 days) and the comments form."""
    council = current_council()
    due = issued_on + statutory.COMMENT_WINDOW
    when = day_month(due)
    link = family_link(person, "forms-to-fill-in")
    where = ("It is under \"Shared with you\" on " if document is not None else
             "We have sent it to you. You can reply on ")
    messages.send_message(
        user, "shared", f"Draft EHC plan for {person.forename}: comments due by {when}",
        f"{council['name']} has issued the draft Education, Health and Care plan for "
        f"{person.full_name}.\n\nYour comments on the draft plan are due by "
        f"{clock.long_date(due)}. Please also tell us which school or setting you would like "
        f"named in the plan.\n\n{where}{person.forename}'s page in the "
        f"{messages.portal_name(user)}, where you can fill in the form "
        f"\"{messages.form_title(COMMENTS_FORM)}\":\n{link}\n\nIf you have no comments, "
        "please tell us: call the "
        f"{council.get('team_name', 'SEN Team')} on {council.get('phone', '')}.",
        sender=officer, person=person, form_key=COMMENTS_FORM, due_date=due, link=link,
        headline=f"Draft EHC plan: your comments are due by {when}")
