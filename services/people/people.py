"""Children and young people as a professional sees them: only those linked to them.

Every lookup here starts from the user's own ``Link`` rows (not ended), so a person who is not
linked to the user simply does not exist for them: views answer 404 and nothing reveals whether
the record is real. Views pass plain values in; nothing here reads the request.
"""
import datetime as dt
import re

from peewee import JOIN, Tuple, fn

import models
from models import Link, LinkTally, Person, User
from services import audit
from services.kernel import clock, paging, vocab
from services.people import name_search

PAGE_SIZE = 50
FILTERS = {"active": "Active", "hidden": "Hidden", "all": "All"}  # the "Person Filter"
DEFAULT_FILTER = "active"
MAX_SEARCH = 100  # characters of a name search that are looked at
MAX_AGE = 25  # the EHC process covers 0-25
DETAIL_FIELDS = ("forename", "middle_name", "surname", "gender", "date_of_birth",
                 "current_school", "ethnicity", "first_language", "address", "postcode")
DETAIL_LABELS = {"forename": "Forename", "middle_name": "Middle Name", "surname": "Surname",
                 "gender": "Gender", "date_of_birth": "Date of Birth",
                 "current_school": "Current School", "ethnicity": "Ethnicity",
                 "first_language": "First Language", "address": "Address", "postcode": "Postcode"}


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


PERSON_CURSOR = ("text", "text", "id")  # lower(surname), lower(forename), id
# A list this long, linked to at least 1 in WALK_SHARE of all people, is read by walking the
# person_name_order index and probing the user's links (no sort); a shorter one is read from the
# user's links and sorted. PostgreSQL's planner chooses by its statistics; SQLite has none (the
# portal never runs ANALYZE) and always starts from the links, so there the walk is asked for
# with SQLite's CROSS JOIN, which fixes the join order ("Keyset paging", docs/decisions.md).
WALK_FROM = 2000
WALK_SHARE = 20


def _shown(show):
    """The Person Filter as a condition on the user's links (the same rule as LinkTally's
    triggers, models.SQLITE_LINK_TALLY / POSTGRES_LINK_TALLY: shown = not hidden)."""
    show = normalise_filter(show)
    if show == "active":
        return Link.hidden == False  # noqa: E712 (peewee expression)
    if show == "hidden":
        return Link.hidden == True  # noqa: E712
    return Link.id.is_null(False)


def linked_count(user, show=DEFAULT_FILTER):
    """How many people ``user`` is linked to now under the Person Filter ``show`` (from
    LinkTally, which the database's triggers keep equal to counting the links)."""
    if not models.link_tally_trusted():  # its triggers are gone (flask doctor says so)
        return Link.select().where(_my_links(user) & _shown(show)).count()
    tally = LinkTally.get_or_none(LinkTally.user_id == user.id)
    if tally is None:
        return 0
    return {"active": tally.shown, "hidden": tally.hidden,
            "all": tally.shown + tally.hidden}[normalise_filter(show)]


def person_order_key(person):
    """A person's place in Select Person's order (the keyset cursor's values), as the database
    computed it (SQLite's lower() leaves non-ASCII letters alone; Python's does not)."""
    return (person.sort_surname, person.sort_forename, person.id)


def linked_people(user, *, show=DEFAULT_FILTER, search="", cursor=None, per_page=PAGE_SIZE):
    """The Select Person list: people linked to ``user``, by surname then forename, one page.

    The number found (LinkTally's row; a name search: the people it names, then a COUNT of the
    user's links to them) and one joined SELECT, paged by keyset on (lower(surname),
    lower(forename), id) — without a search the person_name_order index, so a page deep in the
    list costs what page 1 costs; a search's matches are sorted after they are found.
    ``cursor`` is a paging.Cursor (None: page 1). Each row is a Person with ``row.link`` set to
    the user's Link (hidden, how, linked_by).
    """
    show = normalise_filter(show)
    where = _my_links(user) & _shown(show)
    words = search_terms(search)
    order = (fn.LOWER(Person.surname), fn.LOWER(Person.forename), Person.id)
    if words:  # the people the words name, then the user's links to them
        named = name_search.named_people(words)
        if named is None:  # a great many: joined
            where &= name_search.name_matches(words)
            total = Person.select().join(Link, on=(Link.person == Person.id)).where(where).count()
        else:
            where &= name_search.one_of(Link.person, named)
            total = Link.select().where(where).count()
            where &= name_search.one_of(Person.id, named)  # planners do not infer it
        order = name_search.sorted_not_walked(order)
    else:  # the database keeps the numbers (models.LinkTally): one row, however long the list
        total = linked_count(user, show)
    join = JOIN.INNER
    if (not words and total >= WALK_FROM and isinstance(models.db.obj, models.SqliteDatabase)
            and total * WALK_SHARE >= (Person.select(fn.MAX(Person.id)).scalar() or 0)):
        join = "CROSS JOIN "  # SQLite: person first (the trailing space keeps peewee's ON)

    def fetch(direction, values, limit, offset):
        query = (Person.select(Person, Link, order[0].alias("sort_surname"),
                               order[1].alias("sort_forename"))
                 .join(Link, join, on=(Link.person == Person.id), attr="link").where(where))
        if direction == "before":
            if values is not None:
                query = query.where(_beyond(order, values, later=False))
            return query.order_by(*(o.desc() for o in order)).limit(limit)
        if values is not None:
            query = query.where(_beyond(order, values, later=True))
        return query.order_by(*order).limit(limit).offset(offset or None)

    return paging.keyset_page(cursor or paging.Cursor(), total, per_page, fetch=fetch,
                              key=person_order_key, extra={"show": show, "search": search})


def _beyond(order, values, *, later):
    """Rows after (``later``) or before a cursor's ``values`` in ``order``: the row comparison,
    and its first term's bound written out as well. SQLite (3.40) starts an index range at a row
    value of plain columns but not of expressions like lower(surname): without the bound a page
    deep in the list read the name order from A (page 500 of 100,000: 9.9 ms, with it 0.2)."""
    if later:
        return (Tuple(*order) > Tuple(*values)) & (order[0] >= values[0])
    return (Tuple(*order) < Tuple(*values)) & (order[0] <= values[0])


def person_for(user, person_id):
    """The person ``person_id`` if linked to ``user`` (link not ended), else None.

    Unknown, forged and other people's ids all give None: the view answers 404 to each alike.
    ``person.link`` is the user's Link.
    """
    person_id = paging.parse_id(person_id)
    if person_id is None:
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

def age_on(date_of_birth, today):
    """Whole years old on ``today``."""
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


SECTORS = ((4, "Early Years"), (11, "Primary"), (16, "Secondary"))


def sector(date_of_birth, today=None):
    """The education sector a child's age puts them in this school year (England: the year
    runs from 1 September and goes by age on the 31 August before it). Reception (4) to Year 6
    is Primary, Years 7-11 Secondary, from Year 12 (16) Post 16; younger is Early Years."""
    today = today or clock.uk_today()
    start = today.year if (today.month, today.day) >= (9, 1) else today.year - 1
    age = age_on(date_of_birth, dt.date(start, 8, 31))
    return next((name for below, name in SECTORS if age < below), "Post 16")


def date_of_birth_problem(date_of_birth, today=None):
    """Why a date of birth cannot be right for a child or young person (0-25), or None."""
    today = today or clock.uk_today()
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


def linked_users(person):
    """Everyone currently linked to ``person`` (for the SEN team's view)."""
    return list(User.select().join(Link, JOIN.INNER, on=(Link.user == User.id))
                .where((Link.person == person) & Link.ended_at.is_null()).order_by(User.surname))


# --- The forms section -------------------------------------------------------------------------



def normalise_tab(value):
    """A forms-section tab; anything unknown is the first tab, Request."""
    value = str(value or "").strip().lower()
    return value if value in vocab.TABS else "request"


def forms_for_tab(registry, tab):
    """The current forms of one tab (``registry.current()``), in the seed's order."""
    def order(form):
        seeds = vocab.SEED_ORDER
        return (seeds.index(form.key) if form.key in seeds else len(seeds),
                form.title.lower())
    return sorted((f for f in registry.current().values() if f.tab == tab), key=order)
