"""The caseload: the children an officer sees, filtered by phase, officer and due dates, and the
children still waiting to be matched to a case.

Views pass ``today`` in, so tests control time.
"""
import datetime as dt
from dataclasses import dataclass

from peewee import JOIN, SQL, Tuple, fn

from models import Case, Person, User
from services.cases import statutory
from services.identity.officers import officer_by_id
from services.kernel import paging, vocab
from services.kernel.paging import Page, clamp_page
from services.people.name_search import name_matches
from services.people.people import PAGE_SIZE, search_terms

WEEK = dt.timedelta(days=6)  # "due this week": today and the six days after it

DUE_FILTERS = {"overdue": "Overdue", "week": "Due this week"}


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


def _caseload_where(me, filters, today):
    where = SQL("TRUE")  # no column: a count of the due or phase filters reads an index alone
    names = name_matches(search_terms(filters.search))
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


# The caseload's order, soonest deadline first, no deadline last, then by name. Its first two
# keys are the case_deadline_order index (models.py); names break ties within a day.
CASE_CURSOR = ("flag", "date", "text", "text", "id")  # deadline is null, deadline, names, id


def case_order_key(case):
    """A case's place in the caseload's order (the keyset cursor's values)."""
    return (int(case.next_deadline is None), case.next_deadline, case.sort_surname,
            case.sort_forename, case.person.id)  # names as the database lowered them


def _parts_after(values, order, later):
    """The conditions for the rows after (``later``) or before a cursor in the caseload's order,
    one per part of the list to read in turn (forward: cases with a deadline, then those
    without; backward the other way). Each is an index range of case_deadline_order: on the
    cursor's part ``(deadline IS NULL) = flag AND deadline >= day`` (``<=`` backward), names
    only within that day; the undated part is all its cases, sorted by name (closed cases
    gather there); a part after the cursor's is the whole part. (A row value over the index's
    first expression, (deadline IS NULL, deadline) >= (…), is no range to SQLite 3.40: a deep
    page read every earlier case.)"""
    no_deadline, deadline, *names = values
    is_null, day = order[0], order[1]
    dated, undated = (is_null == False), (is_null == True)  # noqa: E712 (the index's expression)
    name_order = Tuple(*order[2:])
    beyond = name_order > Tuple(*names) if later else name_order < Tuple(*names)
    if no_deadline:
        return [undated & beyond] + ([] if later else [dated])
    same_day = day == deadline
    within = dated & (day >= deadline if later else day <= deadline) & ~(same_day & ~beyond)
    return [within, undated] if later else [within]


def count_cases(me, filters, today):
    """How many cases the caseload lists under ``filters``: the same WHERE, joined with the
    person only for a name search (every case has one), so the due and phase counts read the
    case indexes alone (case_due, case_open_requests)."""
    counted = Case.select()
    if filters.search:
        counted = counted.join(Person, on=(Case.person == Person.id))
    return counted.where(_caseload_where(me, filters, today)).count()


def caseload(me, filters, *, cursor=None, today, per_page=PAGE_SIZE):
    """Every person with a case, soonest statutory deadline first, then by name, one page.

    One COUNT and one joined SELECT (Case, Person, officer), paged by keyset on the order above
    (``cursor`` a paging.Cursor; None is page 1). Each row is a Case with ``.person`` and
    ``.officer`` loaded and ``.deadline`` (the next KeyDate, from the projection the case's
    events keep: no further queries).
    """
    where = _caseload_where(me, filters, today)
    total = count_cases(me, filters, today)
    Officer = User.alias()
    order = (Case.next_deadline.is_null(), Case.next_deadline,
             fn.LOWER(Person.surname), fn.LOWER(Person.forename), Person.id)

    def fetch(direction, values, limit, offset):
        query = (Case.select(Case, Person, Officer, order[2].alias("sort_surname"),
                             order[3].alias("sort_forename"))
                 .join(Person, on=(Case.person == Person.id), attr="person")
                 .switch(Case)
                 .join(Officer, JOIN.LEFT_OUTER, on=(Case.officer == Officer.id), attr="officer")
                 .where(where))
        if values is None:
            if direction == "before":
                return query.order_by(*(o.desc() for o in order)).limit(limit)
            return query.order_by(*order).limit(limit).offset(offset or None)
        # each part has one value of the first key: ordered by the rest, the index's own order
        ordered = [o.desc() for o in order[1:]] if direction == "before" else list(order[1:])
        rows = []
        for part in _parts_after(values, order, direction != "before"):
            if rows:  # a case whose deadline changed between the two reads is listed once
                part &= Case.id.not_in([row.id for row in rows])
            rows.extend(query.where(part).order_by(*ordered).limit(limit - len(rows)))
            if len(rows) >= limit:
                break
        return rows

    listing = paging.keyset_page(cursor or paging.Cursor(), total, per_page, fetch=fetch,
                                 key=case_order_key, extra={"filters": filters})
    for case in listing.rows:
        case.deadline = statutory.stored_deadline(case)
    return listing


def people_to_match(*, search="", page=1, per_page=PAGE_SIZE):
    """People added by professionals that the SEN team has not matched yet, oldest first."""
    where = Person.needs_matching == True  # noqa: E712
    names = name_matches(search_terms(search))
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
