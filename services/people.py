"""Children and young people as a professional sees them: only those linked to them.

Every lookup here starts from the user's own ``Link`` rows (not ended), so a person who is not
linked to the user simply does not exist for them: views answer 404 and nothing reveals whether
the record is real. Views pass plain values in; nothing here reads the request.
"""
import datetime as dt
import math
import re
from dataclasses import dataclass, field

from peewee import JOIN, fn

import models
from models import Link, Person, User, utcnow
from services import audit

PAGE_SIZE = 50
FILTERS = {"active": "Active", "hidden": "Hidden", "all": "All"}  # the "Person Filter"
DEFAULT_FILTER = "active"
MAX_SEARCH = 100  # characters of a name search that are looked at
MAX_AGE = 25  # the EHC process covers 0-25
SQL_MAX_ID = 2 ** 63 - 1  # larger ids cannot exist (and would overflow the driver)
DETAIL_FIELDS = ("forename", "middle_name", "surname", "gender", "date_of_birth",
                 "current_school", "ethnicity", "first_language", "address", "postcode")
DETAIL_LABELS = {"forename": "Forename", "middle_name": "Middle Name", "surname": "Surname",
                 "gender": "Gender", "date_of_birth": "Date of Birth",
                 "current_school": "Current School", "ethnicity": "Ethnicity",
                 "first_language": "First Language", "address": "Address", "postcode": "Postcode"}


# --- Paging ------------------------------------------------------------------------------------

@dataclass
class Page:
    """One page of a longer list: the rows, the total, and where we are."""
    rows: list
    total: int
    number: int
    per_page: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    def numbers(self):
        """Page numbers to offer, with None for an ellipsis (GOV.UK pagination)."""
        wanted = {1, self.pages, self.number - 1, self.number, self.number + 1}
        shown, previous = [], 0
        for n in sorted(n for n in wanted if 1 <= n <= self.pages):
            if n - previous > 1:
                shown.append(None)
            shown.append(n)
            previous = n
        return shown


def page_number(raw):
    """A requested page number from the query string: anything odd is page 1 (clamped later)."""
    text = str(raw or "").strip()
    if not re.fullmatch(r"[0-9]+", text):
        return 1
    if len(text) > 18:  # past any real page: the last one (and no huge int parsing)
        return 10 ** 18
    return max(1, int(text))


def clamp_page(number, total, per_page):
    """Keep a page number between 1 and the last page (page 10^9 of 3 pages is page 3)."""
    return min(max(1, number), max(1, math.ceil(total / per_page)))


# --- Finding my people -------------------------------------------------------------------------

def normalise_filter(value):
    """A Person Filter value; anything not in the list means Active."""
    value = str(value or "").strip().lower()
    return value if value in FILTERS else DEFAULT_FILTER


def search_terms(text):
    """The words of a name search ("Zzthompson, Zzpoppy" -> two words), at most five."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", str(text or ""))[:MAX_SEARCH]
    return [w for w in re.split(r"[\s,]+", text) if w][:5]


def _my_links(user):
    return (Link.user == user) & Link.ended_at.is_null()


def linked_people(user, *, show=DEFAULT_FILTER, search="", page=1, per_page=PAGE_SIZE):
    """The Select Person list: people linked to ``user``, by surname then forename.

    One query for the rows (a join on the user's links, LIMIT/OFFSET) and one COUNT. Each row is
    a Person with ``row.link`` set to the user's Link (hidden, how, linked_by).
    """
    show = normalise_filter(show)
    where = _my_links(user)
    if show == "active":
        where &= Link.hidden == False  # noqa: E712 (peewee expression)
    elif show == "hidden":
        where &= Link.hidden == True  # noqa: E712
    for word in search_terms(search):
        where &= (Person.forename.contains(word) | Person.surname.contains(word)
                  | Person.middle_name.contains(word))
    base = Person.select().join(Link, on=(Link.person == Person.id)).where(where)
    total = base.count()
    number = clamp_page(page, total, per_page)
    query = (Person.select(Person, Link).join(Link, on=(Link.person == Person.id), attr="link")
             .where(where)
             .order_by(fn.LOWER(Person.surname), fn.LOWER(Person.forename), Person.id)
             .limit(per_page).offset((number - 1) * per_page))
    return Page(list(query), total, number, per_page, {"show": show, "search": search})


def person_for(user, person_id):
    """The person ``person_id`` if linked to ``user`` (link not ended), else None.

    Unknown, forged and other people's ids all give None: the view answers 404 to each alike.
    ``person.link`` is the user's Link.
    """
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        return None
    if not 0 < person_id <= SQL_MAX_ID:
        return None
    return (Person.select(Person, Link).join(Link, on=(Link.person == Person.id), attr="link")
            .where(_my_links(user) & (Person.id == person_id)).first())


def linked_duplicates(user, forename, surname, date_of_birth):
    """People already linked to ``user`` with the same names (any case) and date of birth.

    Only the user's own links are searched: Add Person never reveals other children.
    """
    return list(Person.select(Person, Link).join(Link, on=(Link.person == Person.id), attr="link")
                .where(_my_links(user)
                       & (fn.LOWER(Person.forename) == (forename or "").strip().lower())
                       & (fn.LOWER(Person.surname) == (surname or "").strip().lower())
                       & (Person.date_of_birth == date_of_birth))
                .order_by(Person.id))


def is_linked(user, person):
    """True when ``user`` may see ``person`` now."""
    if user is None or person is None:
        return False
    return Link.select().where(_my_links(user) & (Link.person == person)).exists()


def link_description(link, user):
    """How a person came to be on the user's list, in words ("Added by you", ...)."""
    if link.how == "added" and link.linked_by_id == user.id:
        return "Added by you (linked by you)"
    if link.how == "sen-team":
        return "Linked by the SEN Team"
    if link.how == "colleague":
        return "Linked by a colleague"
    if link.how == "handover":
        return "Handed over to you"
    return "Linked to you"


# --- Rules on dates -----------------------------------------------------------------------------

def today():
    """Today's date (UTC, as every date the portal stores)."""
    return utcnow().date()


def age_on(date_of_birth, today):
    """Whole years old on ``today``."""
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def date_of_birth_problem(date_of_birth, today=None):
    """Why a date of birth cannot be right for a child or young person (0-25), or None."""
    today = today or utcnow().date()
    if date_of_birth > today:
        return "Date of birth must be today or in the past"
    if age_on(date_of_birth, today) > MAX_AGE:
        return f"The child or young person must be {MAX_AGE} or younger"
    return None


# --- Changes ------------------------------------------------------------------------------------

def _details(data):
    values = {name: data.get(name) for name in DETAIL_FIELDS}
    for name in DETAIL_FIELDS:
        if name != "date_of_birth":
            values[name] = (values[name] or "").strip()
    return values


def add_person(user, data, *, ip=""):
    """Create a person from Add Person, linked to ``user`` (how="added"), for the SEN team to match.

    ``data`` has DETAIL_FIELDS (date_of_birth a date). Returns the Person.
    """
    with models.db.atomic():
        person = Person.create(needs_matching=True, created_by=user, **_details(data))
        Link.create(user=user, person=person, how="added", linked_by=user)
        audit.record("person-added", user=user, ip=ip, object_type="person", object_id=person.id,
                     person_id=person.id)
    return person


def _text(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def update_details(user, person, data, *, ip=""):
    """Save changed child details; audit every change as {field: [before, after]}.

    Returns the changes (empty when nothing changed, and then nothing is written).
    """
    new = _details(data)
    changes = {name: [_text(getattr(person, name)), _text(new[name])]
               for name in DETAIL_FIELDS if getattr(person, name) != new[name]}
    if not changes:
        return changes
    with models.db.atomic():
        for name in changes:
            setattr(person, name, new[name])
        Person.update({getattr(Person, name): new[name] for name in changes}).where(
            Person.id == person.id).execute()
        audit.record("person-details-changed", user=user, ip=ip, object_type="person",
                     object_id=person.id, person_id=person.id, changes=changes)
    return changes


def set_hidden(user, person, hidden, *, ip=""):
    """Hide a person from the user's own list (or show them again); others' lists are untouched."""
    with models.db.atomic():
        (Link.update(hidden=bool(hidden))
         .where(_my_links(user) & (Link.person == person)).execute())
        audit.record("person-hidden" if hidden else "person-unhidden", user=user, ip=ip,
                     object_type="person", object_id=person.id, person_id=person.id)


def record_view(user, person, what, *, ip=""):
    """Audit that ``user`` looked at part of a child's record ("details", "forms: request")."""
    with models.db.atomic():
        audit.record("person-viewed", user=user, ip=ip, object_type="person", object_id=person.id,
                     person_id=person.id, page=what)


def link(person, user, *, how="sen-team", linked_by=None):
    """Link ``user`` to ``person`` (or reopen an ended link). Inside the caller's transaction."""
    existing = Link.get_or_none((Link.user == user) & (Link.person == person))
    if existing is None:
        return Link.create(user=user, person=person, how=how, linked_by=linked_by)
    if existing.ended_at is not None:
        existing.ended_at = None
        existing.how, existing.linked_by = how, linked_by
        existing.save()
    return existing


def linked_users(person):
    """Everyone currently linked to ``person`` (for the SEN team's view)."""
    return list(User.select().join(Link, JOIN.INNER, on=(Link.user == User.id))
                .where((Link.person == person) & Link.ended_at.is_null()).order_by(User.surname))


# --- The forms section -------------------------------------------------------------------------

TABS = {"request": "Request", "assessment": "Assessment", "plan": "EHC Plan",
        "review": "EHCP Reviews"}
# The seed's order within each tab; forms a council adds later follow, by title.
SEED_ORDER = (
    "early-years-request", "primary-request", "secondary-request", "post16-request",
    "e4-educational-psychologist", "e5a-designated-medical-officer", "e5b-speech-and-language",
    "e6-social-care", "e7-other-professionals", "ehc9c-child-views", "generic-file-upload",
    "adults-services-advice", "annual-review-pre-information", "annual-review-form",
)


def normalise_tab(value):
    """A forms-section tab; anything unknown is the first tab, Request."""
    value = str(value or "").strip().lower()
    return value if value in TABS else "request"


def forms_for_tab(registry, tab):
    """The current forms of one tab (``registry.current()``), in the seed's order."""
    def order(form):
        return (SEED_ORDER.index(form.key) if form.key in SEED_ORDER else len(SEED_ORDER),
                form.title.lower())
    return sorted((f for f in registry.current().values() if f.tab == tab), key=order)
