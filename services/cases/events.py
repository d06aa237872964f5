"""Recording what happens to a case: the one way a CaseEvent is written, checked and projected.

``record`` checks an event against the law's order of things (``problems``), saves it with who
and when, audits it and refreshes the Case projection (phase, key dates, next deadline) that the
caseload and the dashboard query. ``change`` corrects a mistyped event (audited with before and
after); ``remove`` takes back the latest one. Every write is one transaction.
"""
import datetime as dt

import models
from models import Case, CaseEvent, Person, utcnow
from services import audit
from services.cases import rules, statutory
from services.cases.rules import KIND, KIND_LABELS
from services.kernel import clock

DETAIL_TEXT_MAX = 2000


_label = rules.lower_label


def _when(day):
    return clock.long_date(day)


def _needs(s, kind):
    """Why ``kind`` cannot follow the facts in ``s`` (a State), or None."""
    plan_live = s.plan_start is not None and s.ended is None
    round_live = s.request is not None and s.phase in ("request", "assessment", "plan")
    checks = {
        "request": (None if not round_live and not plan_live else
                    "This child has an EHC plan: record a review or amendment instead"
                    if plan_live else
                    f"A request is already being dealt with (received {_when(s.request.on)})"),
        "assess-decision": ("Record the request before a decision whether to assess"
                            if s.request is None else
                            "A decision whether to assess is already recorded"
                            if s.assess is not None else None),
        "issue-decision": ("Record a decision to assess before a decision whether to issue a plan"
                           if s.assess is None or s.assess.outcome != "yes" else
                           "A decision whether to issue an EHC plan is already recorded"
                           if s.issue is not None else None),
        "draft-plan": ("Record a decision to issue an EHC plan before the draft plan"
                       if s.issue is None or s.issue.outcome != "yes" else
                       "The draft plan is already recorded" if s.draft is not None else None),
        "family-response": ("Record the draft plan before the family's response"
                            if s.draft is None else
                            "The final plan has been issued" if s.final is not None else
                            "The family's response is already recorded"
                            if s.response is not None else None),
        "final-plan": ("Record the draft plan before the final plan" if s.draft is None else
                       "The final plan is already recorded" if s.final is not None else None),
        "review-meeting": None if plan_live else "Record the final plan before an annual review",
        "review-report": ("Record the annual review meeting before its report"
                          if s.last_meeting is None or not plan_live else
                          "The report for the last review meeting is already recorded"
                          if s.report is not None else None),
        "review-decision": ("Record the annual review meeting before its decision"
                            if s.last_meeting is None or not plan_live else
                            "The decision after the last review meeting is already recorded"
                            if s.review_decision is not None else None),
        "amendment-proposed": ("Record the final plan before proposing amendments"
                               if not plan_live else
                               "Proposed amendments are already waiting for the final amended plan"
                               if s.proposed is not None and s.amended is None else None),
        "amended-plan": ("Record the proposed amendments before the final amended plan"
                         if s.proposed is None or s.amended is not None or not plan_live
                         else None),
        "plan-ceased": None if plan_live else "There is no EHC plan to cease",
        "transfer-out": None if plan_live else "There is no EHC plan to transfer",
        "request-withdrawn": (None if round_live and s.final is None else
                              "There is no request being dealt with to close"),
        "transfer-in": ("This child already has an EHC plan here" if plan_live else
                        "A request is being dealt with: finish it first" if round_live else None),
        "exception": (None if s.request is not None and s.final is None and round_live else
                      "Exceptions apply while a request is being dealt with, before the final plan"),
    }
    return checks[kind]


def _earliest(s, kind):
    """(date, words): the event ``kind`` must not come before, or (None, "")."""
    before = {
        "assess-decision": (s.request, "the date the request was received"),
        "issue-decision": (s.assess, "the decision to assess"),
        "draft-plan": (s.issue, "the decision to issue"),
        "family-response": (s.draft, "the draft plan"),
        "final-plan": (s.draft, "the draft plan"),
        "review-meeting": (s.last_meeting or s.final, "the last review meeting" if s.last_meeting
                           else "the final plan"),
        "review-report": (s.last_meeting, "the review meeting"),
        "review-decision": (s.last_meeting, "the review meeting"),
        "amendment-proposed": (s.last_meeting or s.final, "the plan"),
        "amended-plan": (s.proposed, "the proposed amendments"),
        "plan-ceased": (s.final, "the final plan"),
        "transfer-out": (s.final, "the final plan"),
        "exception": (s.request, "the date the request was received"),
        "request-withdrawn": (s.request, "the date the request was received"),
    }
    event, words = before.get(kind, (None, ""))
    return (event.on, words) if event is not None else (None, "")


def problems(s, kind, on, outcome="", detail=None, today=None):
    """{field: message} for recording ``kind`` on ``on`` after the facts in ``s``; {} when fine.

    Fields: "kind", "on", "outcome", "reason", "early_reason".
    """
    today = today or clock.uk_today()
    detail = detail or {}
    if kind not in KIND:
        return {"kind": "Select what happened"}
    found = {}
    need = _needs(s, kind)
    if need:
        return {"kind": need}
    if on is None:
        found["on"] = f"Enter the date of the {_label(kind)}"
    elif on > today:
        found["on"] = "The date must be today or in the past"
    else:
        earliest, words = _earliest(s, kind)
        if earliest and on < earliest:
            found["on"] = f"The date must be on or after {words} ({_when(earliest)})"
    if KIND[kind].outcomes and outcome not in dict(KIND[kind].outcomes):
        found["outcome"] = f"Select the {_label(kind)}"
    if KIND[kind].needs_reason and not (detail.get("reason") or "").strip():
        found["reason"] = "Enter the reason"
    if kind == "final-plan" and on and "on" not in found and s.response is None:
        closes = s.draft.on + statutory.COMMENT_WINDOW
        if on < closes and not (detail.get("early_reason") or "").strip():
            found["early_reason"] = (
                f"The family has until {_when(closes)} to comment on the draft plan. Record "
                "their response (comments or \"no comments\") first, or enter why the final plan "
                "is issued early (for example, the family confirmed in writing they have no "
                "more comments)")
    return found


def _replay_problem(events, today):
    """The first event that the law's order no longer allows, as (event, message), or None."""
    s_events = []
    for event in statutory.ordered(events):
        s = statutory.state(s_events)
        found = problems(s, event.kind, event.on, event.outcome, event.detail, today)
        if found:
            return event, next(iter(found.values()))
        s_events.append(event)
    return None


def _clean_detail(detail):
    return {k: (v.strip()[:DETAIL_TEXT_MAX] if isinstance(v, str) else v)
            for k, v in (detail or {}).items() if v not in (None, "")}


def project(case, today=None):
    """Rewrite the Case row's projection from its events (call inside the writer's transaction)."""
    today = today or clock.uk_today()
    case._events = None
    s = statutory.case_state(case)
    on = statutory.date_of
    upcoming = statutory.next_deadline(case, today)
    columns = dict(
        phase=s.phase, request_received=on(s.request),
        decision_to_assess=s.assess.outcome if s.assess else "", decision_date=on(s.assess),
        assessment_start=on(s.assess) if s.assess and s.assess.outcome == "yes" else None,
        decision_to_issue=s.issue.outcome if s.issue else "", decision_to_issue_date=on(s.issue),
        draft_plan_issued=on(s.draft), final_plan_issued=on(s.final),
        annual_review_held=on(s.last_meeting), annual_review_decision=on(s.review_decision),
        next_deadline=upcoming.due if upcoming else None,
        next_step=upcoming.key if upcoming else "", updated_at=utcnow())
    for name, value in columns.items():
        setattr(case, name, value)
    Case.update(**columns).where(Case.id == case.id).execute()
    return case


def case_of(person):
    """The person's case, created (empty) when there is none: events need a case to belong to."""
    return statutory.case_for(person) or Case.create(person=person)


def _lock(case):
    """Take the case's write lock before reading its events (inside the writer's transaction): a
    row lock on PostgreSQL, the database write lock on SQLite. Two officers recording at once are
    then checked one after the other, so no outcome is recorded twice."""
    Case.update(updated_at=utcnow()).where(Case.id == case.id).execute()
    case._events = None


def form_submitted(user, instance, submission, *, ip=""):
    """What a submitted form means for the case, recorded on the UK day it was sent:
    - a request form, when no request is being dealt with (and no plan is in force): the request
      for assessment received — the case opens and the clock starts;
    - the family's "Comments on the Draft EHC Plan" inside the round's draft: their response.
    Returns the event, or None when the form means nothing new (a second request, a comment
    after the response was recorded: the form is still there for the team to review). Call inside
    the submitter's transaction."""
    kind = ("request" if instance.form_key in rules.REQUEST_FORMS else
            "family-response" if instance.form_key == rules.COMMENTS_FORM else None)
    if kind is None:
        return None
    person = Person.get_by_id(instance.person_id)
    on = clock.uk_time(submission.submitted_at).date()
    case = statutory.case_for(person)
    if kind == "family-response" and case is None:
        return None
    if case is not None and _needs(statutory.case_state(case), kind):
        return None
    event, found = record(user, person, kind, on, outcome="comments" if kind != "request" else "",
                          ip=ip, today=max(on, clock.uk_today()),
                          detail={"how": "portal", "form": instance.id,
                                  "form_key": instance.form_key, "round": submission.round})
    return event if not found else None


def record(actor, person, kind, on, *, outcome="", detail=None, ip="", today=None):
    """Record that ``kind`` happened to ``person``'s case on ``on``.

    Returns (event, {}) or (None, {field: message}). ``actor`` may be None (the system).
    """
    today = today or clock.uk_today()
    detail = _clean_detail(detail)
    with models.db.atomic():
        case = case_of(person)
        _lock(case)
        existing = statutory.events_of(case)
        before = [e for e in existing if e.on <= on] if on else existing
        found = problems(statutory.state(before), kind, on, outcome, detail, today)
        if "kind" in found and on is not None and kind in KIND:
            # Allowed after everything recorded, so only the date puts it before its step.
            full = statutory.state(existing)
            earliest, words = _earliest(full, kind)
            if not _needs(full, kind) and earliest and on < earliest:
                found = {"on": f"The date must be on or after {words} ({_when(earliest)})"}
        if found:
            return None, found
        event = CaseEvent(case=case, kind=kind, outcome=outcome, on=on, detail=detail,
                          recorded_by=actor, recorded_at=utcnow())
        later = _replay_problem([*existing, event], today)
        if later is not None:
            return None, {"on": f"On that date it would come before the {_label(later[0].kind)} "
                                f"already recorded on {_when(later[0].on)}, which must follow "
                                "it. Check the date, or change that event first"}
        event.save()
        audit.record("case-event-recorded", user=actor, ip=ip, object_type="case",
                     object_id=case.id, person_id=person.id, kind=kind, outcome=outcome,
                     on=on.isoformat())
        project(case, today)
    event.case = case
    return event, {}


def change(actor, event, *, on, outcome=None, reason=None, ip="", today=None):
    """Correct an event's date (and outcome or reason). Returns {} or {field: message}."""
    today = today or clock.uk_today()
    outcome = event.outcome if outcome is None else outcome
    detail = dict(event.detail or {})
    if reason is not None:
        detail["reason"] = reason.strip()[:DETAIL_TEXT_MAX]
    before = {"on": event.on.isoformat(), "outcome": event.outcome,
              "reason": (event.detail or {}).get("reason", "")}
    after = {"on": on.isoformat() if on else "", "outcome": outcome,
             "reason": detail.get("reason", "")}
    if before == after:
        return {}
    if on is None:
        return {"on": "Enter the date"}
    if on > today:
        return {"on": "The date must be today or in the past"}
    if KIND[event.kind].outcomes and outcome not in dict(KIND[event.kind].outcomes):
        return {"outcome": f"Select the {_label(event.kind)}"}
    if KIND[event.kind].needs_reason and not detail.get("reason"):
        return {"reason": "Enter the reason"}
    with models.db.atomic():
        case = Case.get_by_id(event.case_id)
        _lock(case)
        history = statutory.events_of(case)
        others = [e for e in history if e.id != event.id]
        earlier = statutory.state(history[:[e.id for e in history].index(event.id)])
        earliest, words = _earliest(earlier, event.kind)
        if earliest and on < earliest:
            return {"on": f"The date must be on or after {words} ({_when(earliest)})"}
        changed = CaseEvent(id=event.id, case=case, kind=event.kind, outcome=outcome, on=on,
                            detail=detail, recorded_at=event.recorded_at)
        broken = _replay_problem([*others, changed], today)
        if broken is not None:
            return {"on": broken[1] if broken[0].id == event.id else
                    f"That change would put {_label(broken[0].kind)} "
                    f"({_when(broken[0].on)}) out of order: {broken[1]}"}
        CaseEvent.update(on=on, outcome=outcome, detail=detail).where(
            CaseEvent.id == event.id).execute()
        audit.record("case-event-changed", user=actor, ip=ip, object_type="case",
                     object_id=case.id, person_id=case.person_id, kind=event.kind,
                     changes={k: [before[k], after[k]] for k in before if before[k] != after[k]})
        project(case, today)
    return {}


def remove(actor, event, *, ip="", today=None):
    """Take back an event recorded by mistake: only the latest of a case. Returns a problem or
    None."""
    with models.db.atomic():
        case = Case.get_by_id(event.case_id)
        _lock(case)
        events = statutory.events_of(case)
        if not events or events[-1].id != event.id:
            return "Only the latest event can be removed: change the date of this one instead"
        CaseEvent.delete().where(CaseEvent.id == event.id).execute()
        audit.record("case-event-removed", user=actor, ip=ip, object_type="case",
                     object_id=case.id, person_id=case.person_id, kind=event.kind,
                     outcome=event.outcome, on=event.on.isoformat())
        project(case, today)
    return None


def refresh_open_cases(today=None):
    """Re-project every case that is not closed (the daily `reminders` run does it): a deadline
    that begins to apply with time — a phase transfer from 1 September — enters the caseload's
    order. Returns how many cases' next deadline changed."""
    changed = 0
    for case in Case.select().where(Case.phase != "closed").iterator():
        before = (case.next_deadline, case.next_step)
        with models.db.atomic():
            project(case, today)
        changed += before != (case.next_deadline, case.next_step)
    return changed


def available_kinds(case):
    """The kinds that can be recorded next on ``case`` (for the officer's choices)."""
    s = statutory.case_state(case) if case is not None else statutory.State()
    return [k for k in rules.KINDS if _needs(s, k.key) is None]


def event_in(case, event_id):
    """One event of ``case``, or None."""
    return CaseEvent.get_or_none((CaseEvent.id == event_id) & (CaseEvent.case == case.id))


# --- Upgrading: cases recorded as columns become events -------------------------------------------

LEGACY_FACTS = (  # (column, kind, outcome column or fixed outcome)
    ("request_received", "request", None),
    ("decision_date", "assess-decision", "decision_to_assess"),
    ("decision_to_issue_date", "issue-decision", "decision_to_issue"),
    ("draft_plan_issued", "draft-plan", None),
    ("final_plan_issued", "final-plan", None),
    ("annual_review_held", "review-meeting", None),
)


def convert_legacy(case, today=None):
    """Turn a case recorded the old way (phase + date columns) into events, keeping every date.

    Dates are taken as they were typed (no rule can refuse what already happened); a phase with
    no date behind it becomes an event on the day the case was last changed, marked "estimated".
    Returns the number of events written; a case that already has events is left alone.
    """
    if CaseEvent.select().where(CaseEvent.case == case.id).exists():
        return 0
    estimated = min((case.updated_at or case.created_at or utcnow()).date(),
                    today or clock.uk_today())
    made = []

    def add(kind, on, outcome="", **detail):
        made.append(CaseEvent(case=case, kind=kind, on=on, outcome=outcome,
                              detail={"how": "upgrade", **detail}, recorded_at=utcnow()))

    for column, kind, outcome in LEGACY_FACTS:
        if getattr(case, column):
            add(kind, getattr(case, column), getattr(case, outcome) if outcome else "")
    if case.annual_review_decision and case.annual_review_held:
        add("review-decision", case.annual_review_decision, "maintain",
            reason="Recorded before the portal kept the review's outcome")
    kinds = {e.kind for e in made}
    order = ("request", "assess-decision", "issue-decision", "draft-plan", "final-plan")
    needed = {"assessment": order[:2], "plan": order[:3], "review": order}.get(case.phase, ())
    for kind in needed:
        if kind not in kinds:
            # Estimated: just before the next step recorded, else on the day of the last change.
            later = [e.on for e in made if e.kind in order[order.index(kind) + 1:]]
            add(kind, min(later) if later else max([e.on for e in made] + [estimated]),
                "yes" if kind.endswith("decision") else "", estimated=True)
    if case.phase == "closed" and not ({"plan-ceased", "transfer-out"} & kinds):
        closed_on = max([e.on for e in made] + [estimated])
        why = {"estimated": True, "reason": "Closed before the portal recorded why"}
        if "final-plan" in kinds:
            add("plan-ceased", closed_on, **why)
        elif made and "no" not in (case.decision_to_assess, case.decision_to_issue):
            add("request-withdrawn", closed_on, **why)
    process = [k.key for k in rules.KINDS]
    with models.db.atomic():
        now = utcnow()
        for event in sorted(made, key=lambda e: (e.on, process.index(e.kind))):
            event.recorded_at = now  # one moment: same-day events keep process order (by id)
            event.save()
        project(case, today)
    return len(made)


def convert_all_legacy():
    """Convert every case without events (``flask init-db`` runs it on upgrade)."""
    return sum(convert_legacy(case) for case in Case.select().where(
        ~Case.id.in_(CaseEvent.select(CaseEvent.case))))


def record_all(actor, person, steps, *, today=None):
    """Record several events in order — [(kind, date, outcome, detail?)] — stopping at the first
    refusal (demo data and tests build cases through the same rules as officers)."""
    event = None
    for step in steps:
        kind, on = step[0], step[1]
        outcome = step[2] if len(step) > 2 else ""
        detail = step[3] if len(step) > 3 else None
        event, found = record(actor, person, kind, on, outcome=outcome, detail=detail, today=today)
        if found:
            raise ValueError(f"{kind} on {on}: {found}")
    return event
