"""The SEN team's workspace: officers, professional accounts, the caseload, a child's case,
merging duplicate records and the dashboard.

Officers see every child; what they may not do is decided here (merge refusals, who can be
linked to a child, which dates can be recorded). Every change is one transaction with its audit
event and its emails. Views pass plain values in, including ``today``, so tests control time.
"""
import datetime as dt
from dataclasses import dataclass

from peewee import JOIN, Case as SQLCase, fn

import models
from models import (
    AdviceRequest, AuditEvent, Case, FormInstance, Link, Person, User, WorkProfile, utcnow,
)
from services import audit, mail
from services.cases import statutory
from services.casework import messages
from services.identity import accounts
from services.kernel import checks, paging, vocab
from services.kernel.council import absolute_url, current_council, team_name
from services.kernel.paging import Page, clamp_page
from services.people import links
from services.people.people import DETAIL_LABELS, PAGE_SIZE, search_terms

WEEK = dt.timedelta(days=6)  # "due this week": today and the six days after it
MAX_REASON = 1000

DUE_FILTERS = {"overdue": "Overdue", "week": "Due this week"}
ACCOUNT_FILTERS = {"awaiting": "Awaiting check", "checked": "Checked", "rejected": "Rejected"}


def person_by_id(person_id):
    """Any person (officers see everyone), or None for unknown and impossible ids."""
    person_id = paging.parse_id(person_id)
    if person_id is None:
        return None
    return Person.get_or_none(Person.id == person_id)


def officers():
    """Every officer account, by name."""
    return list(User.select().where(User.role == "officer")
                .order_by(fn.LOWER(User.surname), fn.LOWER(User.forename), User.email))


def officer_by_id(user_id):
    """The officer ``user_id`` (as text or int), or None."""
    user_id = paging.parse_id(user_id)
    if user_id is None:
        return None
    return User.get_or_none((User.id == user_id) & (User.role == "officer"))


# --- Officers ----------------------------------------------------------------------------------

def invite_officer(inviter, email, *, ip=""):
    """Create an officer account and queue its set-password link in the same transaction.

    Returns (user, None) or (None, message) when the email cannot be used.
    """
    email = (email or "").strip().lower()
    problem = checks.email_problem(email)
    if problem:
        return None, problem
    with models.db.atomic():
        if accounts.find_user(email) is not None:
            return None, "That email address already has an account on the portal"
        user = User.create(email=email, role="officer", status="active", password_hash="",
                           activated_at=utcnow())
        token = accounts.make_token("invite", {"user": user.id,
                                               "fp": accounts.password_fingerprint(user)})
        mail.queue(email, "officer-invitation", "You have been invited to the SEND Portal",
                   kind="officer-invitation", council=current_council(),
                   link=absolute_url("auth.reset_password", token=token),
                   hours=accounts.INVITE_MAX_AGE // 3600)
        audit.record("officer-invited", user=inviter, ip=ip, object_type="user",
                     object_id=user.id, email=email)
    return user, None


# --- Professional accounts ---------------------------------------------------------------------

def normalise_account_filter(value):
    value = str(value or "").strip().lower()
    return value if value in ACCOUNT_FILTERS else "awaiting"


def _account_filter(show):
    professional = User.role == "professional"
    if show == "checked":
        return professional & (User.council_verified == True)  # noqa: E712
    if show == "rejected":
        return professional & (User.council_verified == False) & (User.status == "disabled")  # noqa: E712
    return professional & (User.council_verified == False) & (User.status != "disabled")  # noqa: E712


def professional_accounts(show="awaiting", page=1, per_page=PAGE_SIZE):
    """Professionals, newest registration first, with their current work profiles
    (``user.profiles``). One COUNT, one SELECT, one query for the profiles of the page."""
    show = normalise_account_filter(show)
    where = _account_filter(show)
    total = User.select().where(where).count()
    number = clamp_page(page, total, per_page)
    rows = list(User.select().where(where).order_by(User.created_at.desc(), User.id.desc())
                .limit(per_page).offset((number - 1) * per_page))
    profiles = {}
    if rows:
        for profile in (WorkProfile.select(WorkProfile, models.Organisation)
                        .join(models.Organisation)
                        .where(WorkProfile.user.in_([u.id for u in rows])
                               & WorkProfile.ended_at.is_null())
                        .order_by(WorkProfile.id)):
            profiles.setdefault(profile.user_id, []).append(profile)
    for user in rows:
        user.profiles = profiles.get(user.id, [])
    return Page(rows, total, number, per_page, {"show": show})


def professional_by_id(user_id):
    """A professional account, or None."""
    user_id = paging.parse_id(user_id)
    if user_id is None:
        return None
    return User.get_or_none((User.id == user_id) & (User.role == "professional"))


def account_state(user):
    """awaiting | checked | rejected (the three filters of the accounts page)."""
    if user.council_verified:
        return "checked"
    return "rejected" if user.status == "disabled" else "awaiting"


def verify_account(officer, user, *, ip=""):
    """Mark a professional's account as checked by the SEN team (re-enabling a rejected one)."""
    with models.db.atomic():
        before = account_state(user)
        user.council_verified = True
        if user.status == "disabled":
            user.status = "active" if user.activated_at else "pending"
        user.save()
        mail.queue(user.email, "team-account-verified", "Your account has been checked",
                   kind="team-account-verified", council=current_council(),
                   user=user, link=absolute_url("home.index"))
        audit.record("account-verified", user=officer, ip=ip, object_type="user",
                     object_id=user.id, before=before)


def reject_account(officer, user, reason, *, ip=""):
    """Reject a registration: the account is disabled, signed out everywhere, and told why.

    Returns a message for the reason field when it cannot be used, else None.
    """
    reason = (reason or "").strip()
    if not reason:
        return "Enter the reason the account is being rejected"
    if len(reason) > MAX_REASON:
        return f"The reason must be {MAX_REASON} characters or fewer"
    with models.db.atomic():
        user.council_verified = False
        user.status = "disabled"
        user.save()
        accounts.end_all_sessions(user)
        mail.queue(user.email, "team-account-rejected", "Your account has not been approved",
                   kind="team-account-rejected", council=current_council(),
                   user=user, reason=reason)
        audit.record("account-rejected", user=officer, ip=ip, object_type="user",
                     object_id=user.id, reason=reason)
    return None


# --- Caseload ----------------------------------------------------------------------------------

@dataclass
class CaseloadFilters:
    """The caseload's query string, made safe: anything unknown means "all"."""
    search: str = ""
    phase: str = ""
    officer: str = ""  # "" | "mine" | "none" | an officer's id
    due: str = ""

    @classmethod
    def from_args(cls, args):
        phase = str(args.get("phase") or "").strip().lower()
        officer = str(args.get("officer") or "").strip().lower()
        due = str(args.get("due") or "").strip().lower()
        if officer not in ("", "mine", "none") and officer_by_id(officer) is None:
            officer = ""
        return cls(search=" ".join(search_terms(args.get("q"))),
                   phase=phase if phase in vocab.PHASE_LABELS else "",
                   officer=officer, due=due if due in DUE_FILTERS else "")

    def args(self):
        """The non-empty filters, for links that keep them (paging)."""
        return {k: v for k, v in (("q", self.search), ("phase", self.phase),
                                  ("officer", self.officer), ("due", self.due)) if v}


def _name_filter(search):
    where = None
    for word in search_terms(search):
        term = (Person.forename.contains(word) | Person.surname.contains(word)
                | Person.middle_name.contains(word))
        where = term if where is None else where & term
    return where


def _caseload_where(me, filters, today):
    where = Case.id.is_null(False)
    names = _name_filter(filters.search)
    if names is not None:
        where &= names
    if filters.phase:
        where &= Case.phase == filters.phase
    if filters.officer == "mine":
        where &= Case.officer == me.id
    elif filters.officer == "none":
        where &= Case.officer.is_null()
    elif filters.officer:
        where &= Case.officer == int(filters.officer)
    if filters.due:
        # Filters read the stored next deadline (kept fresh by save_case): a step going overdue
        # does not change the date, only how it compares with today.
        where &= Case.phase != "closed"
        if filters.due == "overdue":
            where &= Case.next_deadline < today
        else:
            where &= Case.next_deadline.between(today, today + WEEK)
    return where


def caseload(me, filters, *, page=1, today, per_page=PAGE_SIZE):
    """Every person with a case, soonest statutory deadline first, then by name.

    One COUNT and one joined SELECT (Case, Person, officer) with LIMIT/OFFSET on indexed
    columns. Each row is a Case with ``.person`` and ``.officer`` loaded and ``.deadline``
    (the next KeyDate, computed in Python from the row: no further queries).
    """
    where = _caseload_where(me, filters, today)
    total = Case.select().join(Person, on=(Case.person == Person.id)).where(where).count()
    number = clamp_page(page, total, per_page)
    Officer = User.alias()
    query = (Case.select(Case, Person, Officer)
             .join(Person, on=(Case.person == Person.id), attr="person")
             .switch(Case)
             .join(Officer, JOIN.LEFT_OUTER, on=(Case.officer == Officer.id), attr="officer")
             .where(where)
             .order_by(Case.next_deadline.is_null(), Case.next_deadline,
                       fn.LOWER(Person.surname), fn.LOWER(Person.forename), Person.id)
             .limit(per_page).offset((number - 1) * per_page))
    rows = list(query)
    for case in rows:
        case.deadline = None if case.phase == "closed" else statutory.next_deadline(case, today)
    return Page(rows, total, number, per_page, {"filters": filters})


def people_to_match(*, search="", page=1, per_page=PAGE_SIZE):
    """People added by professionals that the SEN team has not matched yet, oldest first."""
    where = Person.needs_matching == True  # noqa: E712
    names = _name_filter(search)
    if names is not None:
        where &= names
    total = Person.select().where(where).count()
    number = clamp_page(page, total, per_page)
    AddedBy = User.alias()
    rows = list(Person.select(Person, AddedBy)
                .join(AddedBy, JOIN.LEFT_OUTER, on=(Person.created_by == AddedBy.id),
                      attr="added_by")
                .where(where).order_by(Person.created_at, Person.id)
                .limit(per_page).offset((number - 1) * per_page))
    return Page(rows, total, number, per_page, {"search": search})


def days_text(day, today):
    """"due in 3 days" / "overdue by 2 days" for a date, or "" without one."""
    return statutory.describe_days((day - today).days) if day else ""


# --- A child's case ----------------------------------------------------------------------------

def record_view(officer, person, what, *, ip=""):
    """Audit an officer's look at a child's record (``what``: "case", "details", ...)."""
    with models.db.atomic():
        audit.record("person-viewed", user=officer, ip=ip, object_type="person",
                     object_id=person.id, person_id=person.id, page=what)


def open_case(officer, person, *, request_received, assigned=None, ip="", today):
    """Open a case for ``person`` (also matching a record a professional added).

    Returns (case, None), or (None, message) when the person already has a case.
    """
    with models.db.atomic():
        if statutory.case_for(person) is not None:
            return None, "This child already has a case"
        case = statutory.open_case(person, request_received=request_received, officer=assigned,
                               today=today)
        Person.update(needs_matching=False).where(Person.id == person.id).execute()
        person.needs_matching = False
        audit.record("case-opened", user=officer, ip=ip, object_type="case", object_id=case.id,
                     person_id=person.id, request_received=request_received.isoformat(),
                     officer=assigned.display_name if assigned else "")
    return case, None


def phase_problem(phase):
    return None if phase in vocab.PHASE_LABELS else "Select a phase from the list"


def update_case(officer, case, *, phase, assigned, ip="", today):
    """Change the phase and the officer of a case; audited with before and after."""
    new = {"phase": phase, "officer": assigned.id if assigned else None}
    old = {"phase": case.phase, "officer": case.officer_id}
    changed = {k for k in new if new[k] != old[k]}
    if not changed:
        return {}
    names = {u.id: u.display_name for u in User.select().where(
        User.id.in_([v for v in (new["officer"], old["officer"]) if v]))}
    changes = {}
    if "phase" in changed:
        changes["phase"] = [vocab.PHASE_LABELS.get(old["phase"], old["phase"]),
                            vocab.PHASE_LABELS[phase]]
    if "officer" in changed:
        changes["officer"] = [names.get(old["officer"], "Nobody"),
                              names.get(new["officer"], "Nobody")]
    with models.db.atomic():
        statutory.save_case(case, today, phase=phase, officer=assigned)
        audit.record("case-changed", user=officer, ip=ip, object_type="case", object_id=case.id,
                     person_id=case.person_id, changes=changes)
    return changes


def case_facts(case):
    """The recorded facts of a case, as the key-dates form holds them."""
    return {name: getattr(case, name) for name, _, _ in statutory.FACTS}


def record_facts(officer, case, facts, *, ip="", today):
    """Save key dates and decisions (already checked with statutory.fact_problems); audit changes."""
    def text(value):
        return value.isoformat() if isinstance(value, dt.date) else (value or "")
    changes = {name: [text(getattr(case, name)), text(facts[name])]
               for name, _, _ in statutory.FACTS if getattr(case, name) != facts[name]}
    if not changes:
        return changes
    with models.db.atomic():
        statutory.save_case(case, today, **facts)
        audit.record("case-dates-recorded", user=officer, ip=ip, object_type="case",
                     object_id=case.id, person_id=case.person_id, changes=changes)
    return changes


# --- Links -------------------------------------------------------------------------------------

LINK_KINDS = {"professional": "sen-team", "parent": "parent"}


def links_of(person):
    """The current links of a person with their users (professionals first, then families)."""
    return list(Link.select(Link, User).join(User, on=(Link.user == User.id))
                .where((Link.person == person) & Link.ended_at.is_null())
                .order_by(User.role.desc(), fn.LOWER(User.surname), fn.LOWER(User.forename)))


def _link_problem(user, kind):
    if user is None or user.role not in ("professional", "citizen"):
        if user is not None and user.role in ("officer", "admin"):
            return "That email address belongs to the SEN team: officers can see every child already"
        return ("There is no professional account with that email address. Ask them to register "
                "on the portal first" if kind == "professional" else
                "There is no parent or carer account with that email address. Ask them to "
                "register on the portal first")
    if kind == "professional" and user.role == "citizen":
        return ("That email address belongs to a parent or carer's account, not a professional's. "
                "Use Link a parent or carer instead")
    if kind == "parent" and user.role == "professional":
        return ("That email address belongs to a professional's account. Use Link a "
                "professional instead")
    if user.status == "disabled":
        return "That account has been disabled, so it cannot be linked"
    return None


def link_account(officer, person, email, kind, *, ip=""):
    """Link an existing professional (``kind`` "professional") or parent/carer ("parent") to a
    child and send them a portal message. Returns (link, None) or (None, message)."""
    if kind not in LINK_KINDS:
        return None, "Choose who to link"
    email = (email or "").strip().lower()
    problem = checks.email_problem(email)
    if problem:
        return None, problem
    user = accounts.find_user(email)
    problem = _link_problem(user, kind)
    if problem:
        return None, problem
    with models.db.atomic():
        existing = Link.get_or_none((Link.user == user) & (Link.person == person)
                                    & Link.ended_at.is_null())
        if existing is not None:
            return None, f"{user.display_name} is already linked to {person.full_name}"
        link = links.link(person, user, how=LINK_KINDS[kind], linked_by=officer)
        messages.send_message(
            user, "general", f"You have been linked to {person.full_name}",
            f"The {team_name()} has linked you to "
            f"{person.full_name} (born {person.date_of_birth:%d/%m/%Y}). You can now see their "
            "record under Special Educational Needs and Disabilities.",
            sender=officer, person=person)
        audit.record("person-linked", user=officer, ip=ip, object_type="link", object_id=link.id,
                     person_id=person.id, linked_user=user.display_name, email=user.email,
                     how=link.how)
    return link, None


def live_link(person, link_id):
    """One current link of ``person``, or None."""
    link_id = paging.parse_id(link_id)
    if link_id is None:
        return None
    return (Link.select(Link, User).join(User, on=(Link.user == User.id))
            .where((Link.id == link_id) & (Link.person == person) & Link.ended_at.is_null())
            .first())


def end_link(officer, link, *, ip=""):
    """Unlink: the user no longer sees the child. The row stays (ended) for the record."""
    with models.db.atomic():
        links.end(link)
        audit.record("person-unlinked", user=officer, ip=ip, object_type="link",
                     object_id=link.id, person_id=link.person_id,
                     linked_user=link.user.display_name, email=link.user.email)


# --- Merging duplicate records -----------------------------------------------------------------

def possible_duplicates(person, limit=20):
    """Other people who may be the same child: same date of birth, or the same names."""
    same_names = ((fn.LOWER(Person.surname) == person.surname.lower())
                  & (fn.LOWER(Person.forename) == person.forename.lower()))
    return list(Person.select()
                .where((Person.id != person.id)
                       & ((Person.date_of_birth == person.date_of_birth) | same_names))
                .order_by(fn.LOWER(Person.surname), fn.LOWER(Person.forename), Person.id)
                .limit(limit))


def merge_problem(keep, other):
    """Why these two records cannot be merged, or None."""
    if keep.id == other.id:
        return "You cannot merge a record into itself. Choose a different record"
    if statutory.case_for(keep) is not None and statutory.case_for(other) is not None:
        return ("Both records have a case, so they cannot be merged: merging would lose one "
                "case's key dates. Record the dates on the case you keep and ask the portal's "
                "system owner to remove the other case first")
    return None


def record_summary(person):
    """What a record holds, for the merge page: counts of links, forms, documents, case."""
    return {
        "links": Link.select().where((Link.person == person) & Link.ended_at.is_null()).count(),
        "forms": FormInstance.select().where(FormInstance.person == person).count(),
        "case": statutory.case_for(person),
    }


def _person_references():
    """Every (model, field) pointing at Person, except Link and Case (merged with care)."""
    for model in models.ALL_MODELS:
        if model in (Link, Case, Person):
            continue
        for field in model._meta.sorted_fields:
            if isinstance(field, models.ForeignKeyField) and field.rel_model is Person:
                yield model, field


def merge_people(officer, keep, other, *, ip=""):
    """Merge ``other`` into ``keep`` in one transaction; ``other`` is deleted.

    Links (joined per user: a live link wins), forms, attachments (they hang off forms),
    messages, advice requests, documents, shares, the case (when ``keep`` has none) and audit
    events move to ``keep``. Returns a message when refused (merge_problem), else None.
    """
    problem = merge_problem(keep, other)
    if problem:
        return problem
    with models.db.atomic():
        moved = {"links": 0}
        kept_links = {link.user_id: link for link in Link.select().where(Link.person == keep)}
        for link in list(Link.select().where(Link.person == other)):
            mine = kept_links.get(link.user_id)
            if mine is None:
                Link.update(person=keep.id).where(Link.id == link.id).execute()
                moved["links"] += 1
                continue
            if mine.ended_at is not None and link.ended_at is None:
                mine.ended_at, mine.hidden, mine.how = None, link.hidden, link.how
                mine.save()
                moved["links"] += 1
            link.delete_instance()
        if statutory.case_for(keep) is None:
            moved["case"] = Case.update(person=keep.id).where(Case.person == other.id).execute()
        for model, field in _person_references():
            count = model.update({field: keep.id}).where(field == other.id).execute()
            if count:
                moved[model._meta.table_name] = count
        AuditEvent.update(person_id=keep.id).where(AuditEvent.person_id == other.id).execute()
        Person.update(needs_matching=False).where(Person.id == keep.id).execute()
        keep.needs_matching = False
        removed = {"id": other.id, "name": other.full_name,
                   "date_of_birth": other.date_of_birth.isoformat()}
        Person.delete().where(Person.id == other.id).execute()
        audit.record("person-merged", user=officer, ip=ip, object_type="person",
                     object_id=keep.id, person_id=keep.id, removed=removed, moved=moved)
    return None


# --- Dashboard ---------------------------------------------------------------------------------

def _days_between(later, earlier):
    """SQL for the number of days from ``earlier`` to ``later`` (date columns)."""
    if isinstance(models.db.obj, models.SqliteDatabase):
        return fn.julianday(later) - fn.julianday(earlier)
    return later - earlier  # PostgreSQL: date - date is a number of days


def dashboard(today, *, listed=10):
    """The SEN team's numbers (aggregate SQL), with the first few rows of each list."""
    open_requests = (Case.phase == "request") & (Case.decision_to_assess == "")
    # Decision whether to assess is due 6 weeks after the request: due this week means the
    # request arrived between 6 weeks ago and 6 weeks less 6 days ago (an index range).
    due_from = today - statutory.DECISION_TO_ASSESS
    decisions_due = ((Case.decision_to_assess == "") & (Case.phase != "closed")
                     & Case.request_received.between(due_from, due_from + WEEK))
    overdue_advice = (AdviceRequest.status.in_(("requested", "in-progress"))
                      & (AdviceRequest.due_date < today))
    since = statutory.add_months(today, -12)
    issued = Case.final_plan_issued.between(since + dt.timedelta(days=1), today)
    on_time = _days_between(Case.final_plan_issued, Case.request_received) <= statutory.FINAL_PLAN.days
    totals = (Case.select(fn.COUNT(Case.id).alias("total"),
                          fn.SUM(SQLCase(None, [(on_time, 1)], 0)).alias("on_time"))
              .where(issued & Case.request_received.is_null(False)).dicts().get())
    plans_total, plans_on_time = totals["total"] or 0, totals["on_time"] or 0

    def cases_where(where, order):
        return list(Case.select(Case, Person).join(Person, attr="person").where(where)
                    .order_by(order, Person.id).limit(listed))

    AdvicePerson = Person.alias()
    return {
        "open_requests": Case.select().where(open_requests).count(),
        "open_request_rows": cases_where(open_requests, Case.request_received),
        "decisions_due": Case.select().where(decisions_due).count(),
        "decision_rows": cases_where(decisions_due, Case.request_received),
        "overdue_advice": AdviceRequest.select().where(overdue_advice).count(),
        "advice_rows": list(AdviceRequest.select(AdviceRequest, AdvicePerson, User)
                            .join(AdvicePerson, on=(AdviceRequest.person == AdvicePerson.id),
                                  attr="person")
                            .switch(AdviceRequest)
                            .join(User, on=(AdviceRequest.recipient == User.id), attr="recipient")
                            .where(overdue_advice)
                            .order_by(AdviceRequest.due_date, AdviceRequest.id).limit(listed)),
        "plans_total": plans_total,
        "plans_on_time": plans_on_time,
        "plans_percent": round(100 * plans_on_time / plans_total) if plans_total else None,
        "since": since,
    }


# --- The audit trail, in words -----------------------------------------------------------------

_SENTENCES = {
    "person-added": "added the child to the portal",
    "person-details-changed": "changed the child's details",
    "person-hidden": "hid the child from their own list",
    "person-unhidden": "put the child back on their own list",
    "message-read": "read a message about the child",
    "case-opened": "opened a case",
    "case-changed": "changed the case",
    "case-dates-recorded": "recorded key dates",
    "person-merged": "merged a duplicate record into this one",
    "form-started": "started {form}",
    "form-submitted": "submitted {form}",
    "form-amending": "began editing {form} after submitting it",
    "form-deleted": "deleted a draft of {form}",
    "form-viewed": "viewed {form}",
    "form-file-downloaded": "downloaded a file from {form}",
    "form-pdf-downloaded": "downloaded the PDF of {form}",
}
_CHANGE_LABELS = {**DETAIL_LABELS, **statutory.FACT_LABELS, "phase": "Phase", "officer": "Officer"}


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
    elif event.action in _SENTENCES:
        what = _SENTENCES[event.action].format(form=form)
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
