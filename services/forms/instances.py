"""Form instance lifecycle: start, save (versioned), submit, edit, delete — and who may do what.

Statuses: ``draft`` (started, never sent), ``submitted``, ``amending`` (the author pressed Edit
on a submitted form; it is edited like a draft and its next submit becomes a new round),
``returned`` (the SEN team sent it back) and ``accepted``. Every submit writes a Submission row
(a snapshot), so earlier rounds stay readable after an edit.

Every write is a compare-and-set on ``FormInstance.version`` (``UPDATE ... WHERE id=? AND
version=?``): a save carrying a stale version raises VersionConflict and changes nothing, so a
second window or device can never silently overwrite newer answers.

Access answers "no" as None (the web layer turns that into 404): a professional or citizen sees
only their own instances about people they are linked to (Link with ended_at null); officers may
view every instance. No request objects here: views pass plain values.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field as dc_field
from typing import Callable

from engine import SUMMARY, Journey, check_declarations, prefill_child_details, save_step
from engine.fields import getone

import models
from models import (Attachment, DraftAccess, FormInstance, FormReview, Link, Person, Share,
                    Submission, WorkProfile, utcnow)
from services import audit
from services.cases import events, windows
from services.forms import uploads
from services.kernel import clock, paging

EDITABLE = ("draft", "returned", "amending")
SUBMITTED = ("submitted", "accepted")


class VersionConflict(Exception):
    """The instance changed since the page was loaded (or is no longer editable)."""


class NotEditable(Exception):
    """The instance is no longer in an editable state (e.g. already submitted)."""


class WindowClosed(Exception):
    """The form cannot be started today (the draft-plan comment window); ``str()`` says why."""


class FormRetired(WindowClosed):
    """The council has retired the form (services/forms_design): no new starts."""


# --- access ------------------------------------------------------------------------------------

def is_linked(user, person_id) -> bool:
    """True when ``user`` has a live Link to the person."""
    return Link.select().where((Link.user == user) & (Link.person == person_id)
                               & Link.ended_at.is_null()).exists()


def person_for(user, person_id) -> Person | None:
    """The person if ``user`` may work on their forms (linked; officers see everyone)."""
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        return None
    if user.role == "officer" or is_linked(user, person.id):
        return person
    return None


def may_start(user, form) -> bool:
    """Only the roles a form names in ``started_by`` may start it, and nobody a retired one."""
    return user.role in form.started_by and not form.retired


ALL_ROUNDS = "all"  # view_scope: every round and the current answers


def latest_accepted_round(instance) -> int | None:
    """The round the SEN team accepted last (what a share made without a round means), else the
    last submitted round."""
    review = (FormReview.select(FormReview.round)
              .where((FormReview.instance == instance) & (FormReview.decision == "accepted"))
              .order_by(FormReview.round.desc()).first())
    if review is not None:
        return review.round
    last = (Submission.select(Submission.round).where(Submission.instance == instance)
            .order_by(Submission.round.desc()).first())
    return last.round if last else None


def shared_rounds(user, instance) -> frozenset:
    """The rounds of ``instance`` shared with ``user`` ("View Shared Form"): each Share names one
    round (none named: the latest accepted one). Only once submitted — a share shows what was
    sent, never answers being edited."""
    if instance.status not in SUBMITTED:
        return frozenset()
    shares = Share.select(Share.round).where((Share.recipient == user) & (Share.instance == instance)
                                             & (Share.person == instance.person_id))
    rounds = {s.round if s.round is not None else latest_accepted_round(instance) for s in shares}
    return frozenset(r for r in rounds if r is not None)


def is_shared_with(user, instance) -> bool:
    """True when a round of the instance was shared with ``user``."""
    return bool(shared_rounds(user, instance))


def has_draft_access(user, instance) -> bool:
    """True when the author let ``user`` (a colleague) continue this instance (Colleagues page)
    and it is still being edited: the access ends when it is submitted (and comes back only
    when the SEN team returns it or the author edits it again)."""
    return instance.status in EDITABLE and DraftAccess.select().where(
        (DraftAccess.instance == instance) & (DraftAccess.user == user)).exists()


def view_scope(user, instance):
    """What of ``instance`` ``user`` may read: ALL_ROUNDS (officers; while linked to the child,
    the author and a colleague continuing the draft), the frozenset of rounds shared with them
    (a share recipient sees only those rounds and their files), or None (nothing: 404)."""
    if user.role == "officer":
        return ALL_ROUNDS
    if user.role not in ("professional", "citizen") or not is_linked(user, instance.person_id):
        return None
    if instance.author_id == user.id or has_draft_access(user, instance):
        return ALL_ROUNDS
    return shared_rounds(user, instance) or None


def may_view(user, instance) -> bool:
    """Officers see everything; others, while linked to the person: their own instances, the
    rounds shared with them and drafts a colleague lets them continue."""
    return view_scope(user, instance) is not None


def may_edit(user, instance) -> bool:
    """The author (or a colleague the author let in) may edit a draft, returned or amending
    instance while still linked to the person. Submitting and deleting stay the author's."""
    if instance.status not in EDITABLE:
        return False
    if instance.author_id != user.id and not (user.role == "professional"
                                              and has_draft_access(user, instance)):
        return False
    return user.role == "officer" or (user.role in ("professional", "citizen")
                                      and is_linked(user, instance.person_id))


def instance_for(user, instance_id, *, edit=False) -> FormInstance | None:
    """The instance if ``user`` may view it (or edit it, with ``edit=True``); else None."""
    instance = FormInstance.get_or_none(FormInstance.id == instance_id)
    if instance is None:
        return None
    allowed = may_edit(user, instance) if edit else may_view(user, instance)
    return instance if allowed else None


def can_amend(user, instance) -> bool:
    """Edit is offered on a submitted form to its author only (never after acceptance)."""
    return (instance.status == "submitted" and instance.author_id == user.id
            and (user.role == "officer" or is_linked(user, instance.person_id)))


def can_delete(user, instance) -> bool:
    """Delete is for drafts that were never submitted, by their author."""
    return (instance.status == "draft" and instance.author_id == user.id
            and not Submission.select().where(Submission.instance == instance).exists())


# --- forms and journeys ------------------------------------------------------------------------

def form_of(registry, instance):
    """The Form at the version the instance was filled with."""
    return registry.get(instance.form_key, instance.schema_version)


def journey_for(form, answers) -> Journey:
    return Journey(form, answers, today=clock.uk_today())


def person_details(person) -> dict:
    """The Person as the built-in child_details field names (for prefilling)."""
    return {
        "forename": person.forename, "middle_names": person.middle_name, "surname": person.surname,
        "gender": person.gender, "current_school": person.current_school,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "ethnicity": person.ethnicity, "first_language": person.first_language,
        "address": person.address, "postcode": person.postcode,
    }


def shown_journey(form, instance, step) -> Journey:
    """The journey whose values a step's inputs show: a child_details step not yet saved shows
    the Person's details for the user to confirm; a step not yet saved shows the author's own
    name in its ``autocomplete: name`` fields ("Your full name")."""
    if step.key in instance.answers:
        return journey_for(form, instance.answers)
    if step.kind == "child_details":
        return journey_for(form, prefill_child_details(form, instance.answers,
                                                       person_details(instance.person)))
    own = " ".join(p for p in (instance.author.forename, instance.author.surname) if p)
    names = {f.name: own for f in step.value_fields
             if f.autocomplete == "name" and own and not step.repeat}
    return journey_for(form, {**instance.answers, step.key: names} if names else instance.answers)


def start(user, person, form, *, ip="") -> FormInstance:
    """Create a draft. Child details are shown filled in from the Person (see shown_journey) but
    only saved when the user confirms them, so that step is not "complete" before it is seen.
    Raises WindowClosed outside a form's window in law, whichever page asked, and FormRetired
    (a WindowClosed) for a retired form."""
    if form.retired:
        raise FormRetired(f'"{form.title}" has been retired by the SEN team: it can no longer be '
                          "started. Forms already started can still be finished.")
    problem = windows.window_problem(form.key, person, clock.uk_today())
    if problem:
        raise WindowClosed(problem)
    with models.db.atomic():
        instance = FormInstance.create(person=person, form_key=form.key,
                                       schema_version=form.version, author=user, answers={})
        audit.record("form-started", user=user, ip=ip, object_type="form", object_id=instance.id,
                     person_id=person.id, form_key=form.key)
    return instance


def record_view(user, instance, *, ip="", what="form-viewed", **detail) -> None:
    """Audit a view of a form (or a download of its file or PDF)."""
    with models.db.atomic():
        audit.record(what, user=user, ip=ip, object_type="form", object_id=instance.id,
                     person_id=instance.person_id, form_key=instance.form_key, **detail)


# --- saving ------------------------------------------------------------------------------------

@dataclass
class Saved:
    """The outcome of one save: the new answers, the step's errors and the new version."""

    answers: dict
    errors: dict
    version: int
    saved_at: dt.datetime = dc_field(default_factory=clock.uk_now)


def _own_profile(user, value: str) -> WorkProfile | None:
    profile_id = paging.parse_id(value)
    if profile_id is None:
        return None
    return (WorkProfile.select().where((WorkProfile.id == profile_id) & (WorkProfile.user == user)
                                       & WorkProfile.ended_at.is_null()).first())


def field_key(step, name, row=None) -> str:
    """How an attachment names the answer it belongs to: "step.field" or "step.<row>.field"."""
    return f"{step.key}.{name}" if row is None else f"{step.key}.{row}.{name}"


def _inject_files(instance, step, raw: dict, stored_rows: int) -> None:
    """File answers come from the Attachment table, never from posted ids (which could name
    someone else's file)."""
    files = [f for f in step.value_fields if f.type == "file"]
    if not files:
        return
    live = uploads.live(instance, prefix=f"{step.key}.")
    for f in files:
        if not step.repeat:
            raw[f.name] = [str(a.id) for a in live if a.field == field_key(step, f.name)]
            continue
        rows = {int(a.field.split(".")[1]) for a in live
                if a.field.count(".") == 2 and a.field.split(".")[2] == f.name}
        for row in sorted(rows | set(range(stored_rows))):
            raw[f.input_name(row)] = [str(a.id) for a in live
                                      if a.field == field_key(step, f.name, row)]


def _shift_row_files(instance, step, removed_row: int, removed: list) -> None:
    """Keep attachments on the right Add More row when a row is removed (the removed row's files
    are added to ``removed``)."""
    for attachment in uploads.live(instance, prefix=f"{step.key}."):
        parts = attachment.field.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        row = int(parts[1])
        if row == removed_row:
            uploads.mark_removed(attachment)
            removed.append(attachment)
        elif row > removed_row:
            Attachment.update(field=f"{parts[0]}.{row - 1}.{parts[2]}").where(
                Attachment.id == attachment.id).execute()


def save(instance, form, step_key, posted: dict, *, version, user, add_row=False,
         remove_row=None, partial=False, remove_attachment=None, upload_dir=None) -> Saved:
    """Save one step's posted answers with a compare-and-set on ``version``.

    ``posted`` is name -> list of strings. A work profile must be one of the author's own; file
    answers are taken from the instance's attachments (``remove_attachment`` takes one off; a
    removed file no submitted round names leaves ``upload_dir`` once the save has committed).
    Valid answers are stored even when others have errors (the engine keeps what was typed).
    Raises VersionConflict when ``version`` is stale or the form is no longer editable.
    """
    step = form.step(step_key)
    raw = {k: list(v) for k, v in posted.items()}
    removed = []
    with models.db.atomic():
        current = FormInstance.get_by_id(instance.id)
        if current.version != version or current.status not in EDITABLE:
            raise VersionConflict()
        profile_update = {}
        if step.kind == "work_profile" and "work_profile_id" in raw:
            # The profile describes the author, also when a colleague continues the draft.
            profile = _own_profile(current.author_id, getone(raw, "work_profile_id"))
            raw["work_profile_id"] = [str(profile.id)] if profile else [""]
            profile_update = {"work_profile": profile}
        if remove_attachment is not None:
            attachment = Attachment.get_or_none(
                (Attachment.id == remove_attachment) & (Attachment.instance == instance)
                & Attachment.field.startswith(f"{step.key}.") & Attachment.removed_at.is_null())
            if attachment is not None:
                uploads.mark_removed(attachment)
                removed.append(attachment)
        stored = current.answers.get(step.key)
        # Files are injected at the rows' current positions; the engine then drops a removed
        # row, and the attachments are renumbered to match.
        _inject_files(instance, step, raw, len(stored) if isinstance(stored, list) else 0)
        if remove_row is not None and step.repeat:
            _shift_row_files(instance, step, remove_row, removed)
        answers, errors = save_step(form, current.answers, step_key, raw, add_row=add_row,
                                    remove_row=remove_row, partial=partial, today=clock.uk_today())
        changed = (FormInstance.update(answers=answers, version=version + 1, updated_at=utcnow(),
                                       **profile_update)
                   .where((FormInstance.id == instance.id) & (FormInstance.version == version))
                   .execute())
        if changed != 1:
            raise VersionConflict()
        gone = uploads.unreferenced(removed, upload_dir) if removed and upload_dir else []
    uploads.delete_files(gone)  # after the commit: a rolled-back save keeps its files
    instance.answers, instance.version = answers, version + 1
    if profile_update:
        instance.work_profile = profile_update["work_profile"]
    return Saved(answers, errors, version + 1)


def check_version(instance, version) -> None:
    """Raise VersionConflict unless ``version`` is the instance's current one (before an upload
    is written to disk, so a stale page never stores a file)."""
    current = FormInstance.get_by_id(instance.id)
    if current.version != version or current.status not in EDITABLE:
        raise VersionConflict()


def upload(instance, form, step_key, input_name, *, filename, stream, user, upload_dir,
           max_bytes, max_files_per_field=uploads.MAX_FILES_PER_FIELD,
           max_files_per_form=uploads.MAX_FILES_PER_FORM, clamd=""):
    """Store one file for a file field of ``step_key`` (``input_name`` is ``name`` or
    ``name-<row>``). A field takes its schema ``max`` files (else ``max_files_per_field``), a form
    ``max_files_per_form`` in all. Returns the Attachment; raises uploads.UploadError or KeyError."""
    step = form.step(step_key)
    name, _, row = input_name.partition("-")
    field = step.field(name)
    if field.type != "file" or (bool(row) != bool(step.repeat)) or (row and not row.isdigit()):
        raise KeyError(input_name)
    row_index = int(row) if row else None
    if step.repeat and row_index >= step.repeat.max:
        raise KeyError(input_name)
    key = field_key(step, field.name, row_index)
    quota = {"per_field": field.max if field.max is not None else max_files_per_field,
             "per_form": max_files_per_form}
    uploads.check_quota(instance, key, **quota)  # early: a full field writes nothing to disk
    return uploads.store(instance=instance, field_key=key, filename=filename, stream=stream,
                         user=user, upload_dir=upload_dir, max_bytes=max_bytes,
                         accept=field.accept, clamd=clamd, **quota)  # quota counted again inside


def error_anchors(step, errors: dict) -> dict:
    """Errors keyed by input name -> keyed by the id of the input to focus (dates: ``-day``)."""
    out = {}
    for name, message in errors.items():
        base, _, row = name.partition("-")
        try:
            f = step.field(base)
        except KeyError:
            out[name] = message
            continue
        out[f.input_id(int(row) if row.isdigit() else None)] = message
    return out


# --- submitting, editing, deleting -------------------------------------------------------------

@dataclass
class Refused:
    """Why a submit was refused: unticked declarations and what is still missing."""

    declarations: dict
    missing: list


def submit(instance, form, *, user, version, posted, council_statements, ip=""):
    """Submit (or resubmit) the form: every declaration agreed, nothing missing, version current.

    Returns a Refused when the user must do more; otherwise the new Submission round. Raises
    NotEditable when it was already submitted (a second click), VersionConflict when stale.
    """
    statements = form.declaration_statements(council_statements)
    declarations = check_declarations(statements, posted)
    missing = journey_for(form, instance.answers).missing_for_submit()
    sent_before = Submission.select().where(Submission.instance == instance).exists()
    closed = windows.window_problem(instance.form_key, instance.person_id, clock.uk_today(),
                                    resubmission=sent_before)
    if closed:
        missing = [(SUMMARY, closed), *missing]
    if declarations or missing:
        return Refused(declarations, missing)
    with models.db.atomic():
        current = FormInstance.get_by_id(instance.id)
        if current.status not in EDITABLE:
            raise NotEditable()
        if current.version != version:
            raise VersionConflict()
        now = utcnow()
        changed = (FormInstance.update(status="submitted", submitted_at=now, version=version + 1,
                                       updated_at=now)
                   .where((FormInstance.id == instance.id) & (FormInstance.version == version)
                          & FormInstance.status.in_(EDITABLE))
                   .execute())
        if changed != 1:
            raise VersionConflict()
        last = (Submission.select(Submission.round).where(Submission.instance == instance)
                .order_by(Submission.round.desc()).first())
        submission = Submission.create(
            instance=instance, round=(last.round + 1) if last else 1, answers=current.answers,
            schema_version=current.schema_version, work_profile=current.work_profile_id,
            submitted_by=user, submitted_at=now)
        events.form_submitted(user, current, submission, ip=ip)
        audit.record("form-submitted", user=user, ip=ip, object_type="form",
                     object_id=instance.id, person_id=instance.person_id,
                     form_key=instance.form_key, round=submission.round)
    return submission


def amend(instance, *, user, version, ip="") -> None:
    """Edit a submitted form: it becomes editable again; the submitted round is kept."""
    with models.db.atomic():
        changed = (FormInstance.update(status="amending", version=version + 1, updated_at=utcnow())
                   .where((FormInstance.id == instance.id) & (FormInstance.version == version)
                          & (FormInstance.status == "submitted"))
                   .execute())
        if changed != 1:
            raise VersionConflict()
        audit.record("form-amending", user=user, ip=ip, object_type="form",
                     object_id=instance.id, person_id=instance.person_id,
                     form_key=instance.form_key)


def delete(instance, *, user, upload_dir, ip="") -> bool:
    """Delete a draft that was never submitted (and its files). False when not allowed."""
    if not can_delete(user, instance):
        return False
    paths = [uploads.path_of(a, upload_dir)
             for a in Attachment.select().where(Attachment.instance == instance)]
    with models.db.atomic():
        FormInstance.delete().where((FormInstance.id == instance.id)
                                    & (FormInstance.status == "draft")).execute()
        audit.record("form-deleted", user=user, ip=ip, object_type="form", object_id=instance.id,
                     person_id=instance.person_id, form_key=instance.form_key)
    for path in paths:  # after the commit: a failed delete must not lose the files
        path.unlink(missing_ok=True)
    return True


def rounds(instance) -> list[Submission]:
    """Every submitted round, oldest first."""
    return list(Submission.select().where(Submission.instance == instance)
                .order_by(Submission.round))


def round_of(instance, number) -> Submission | None:
    return Submission.get_or_none((Submission.instance == instance)
                                  & (Submission.round == number))


def rounds_for(scope, instance) -> list[Submission]:
    """The rounds a reader with ``scope`` (view_scope) may open, oldest first."""
    return [r for r in rounds(instance) if scope == ALL_ROUNDS or r.round in scope]


def shown_round(scope, instance, number=None) -> Submission | None:
    """What a reader sees at View Details (``number`` None) or at round ``number``: a Submission,
    or None for the current answers (full readers only). A share recipient always sees a shared
    round. Raises LookupError for a round that is not theirs (the web layer answers 404)."""
    if scope != ALL_ROUNDS:
        number = max(scope) if number is None else number
        if number not in scope:
            raise LookupError(number)
    elif number is None:
        return None
    shown = round_of(instance, number)
    if shown is None:
        raise LookupError(number)
    return shown


def may_download(scope, instance, attachment) -> bool:
    """A file is for full readers while it is on the answers or on a submitted round; a share
    recipient gets only the files of the rounds shared with them."""
    if attachment.instance_id != instance.id:
        return False
    if scope == ALL_ROUNDS and attachment.removed_at is None:
        return True
    return any(uploads.in_answers(attachment, r.answers) for r in rounds_for(scope, instance))


# --- reading back ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileLink:
    """One attached file as its readers see it: a link to the authorised download with the
    name, the kind ("PDF") and the size ("12 KB")."""

    id: int
    name: str
    kind: str
    size: str

    def describe(self) -> str:
        """ "consent.pdf (PDF, 12 KB)": how the PDF lists a file."""
        return f"{self.name} ({self.kind}, {self.size})"


def attachment_info(instance) -> Callable:
    """``info(id)`` -> FileLink for the instance's files (removed ones too: an earlier round may
    name them), None for an id that is not one of its files."""
    links = {a.id: FileLink(a.id, a.filename, uploads.kind_of(a.filename), uploads.human_size(a.size))
             for a in Attachment.select().where(Attachment.instance == instance)}

    def info(attachment_id):
        try:
            return links.get(int(attachment_id))
        except (TypeError, ValueError):
            return None
    return info


def _described(instance, how) -> Callable:
    info = attachment_info(instance)

    def describe(attachment_id):
        link = info(attachment_id)
        return how(link) if link else None
    return describe


def attachment_names(instance) -> Callable:
    """``name(id)`` for the instance's files (removed ones too: an earlier round may list them)."""
    return _described(instance, lambda link: link.name)


def attachment_descriptions(instance) -> Callable:
    """``describe(id)``: "consent.pdf (PDF, 12 KB)" (the PDF lists each file this way)."""
    return _described(instance, FileLink.describe)


def work_profile_text(instance, profile_id=None) -> str | None:
    """ "Lesley Harris, Project Support, Coventry City Council" for the author's chosen profile."""
    profile_id = profile_id if profile_id is not None else instance.work_profile_id
    if not profile_id:
        return None
    profile = WorkProfile.get_or_none((WorkProfile.id == profile_id)
                                      & (WorkProfile.user == instance.author_id))
    if profile is None:
        return None
    parts = [instance.author.display_name, profile.professional_role, profile.organisation.name]
    return ", ".join(p for p in parts if p)


def work_profiles(user) -> list[WorkProfile]:
    """The user's current work profiles (Coventry 1.2.7: pick one with Select)."""
    return list(WorkProfile.select().where((WorkProfile.user == user)
                                           & WorkProfile.ended_at.is_null())
                .order_by(WorkProfile.id))


def files_by_field(instance, step) -> dict:
    """input name -> live attachments, for listing files under each file field of a step."""
    out: dict = {}
    for a in uploads.live(instance, prefix=f"{step.key}."):
        parts = a.field.split(".")
        name = parts[1] if len(parts) == 2 else f"{parts[2]}-{parts[1]}"
        out.setdefault(name, []).append(a)
    return out


def summary_for(form, answers, instance, profile_id=None):
    """The "check your answers" sections with file names and the work profile filled in."""
    return journey_for(form, answers).summary(
        file_name=attachment_names(instance), file_info=attachment_info(instance),
        work_profile=lambda _id: work_profile_text(instance, profile_id))


def after_save_step(journey, step_key, *, back=False, to_summary=False) -> str:
    """Where Save & Continue (or Back) goes next."""
    if back:
        return journey.previous_step(step_key) or step_key
    if to_summary and journey.can_visit(SUMMARY):
        return SUMMARY
    return journey.next_step(step_key) or SUMMARY
