"""Finding people by name: the one rule for a name search (Select Person, the caseload).

A search is at most five words (people.search_terms); a person matches when every word is part of
their forename, middle name or surname, in any case ("thom" finds Zzthompson). That is a LIKE
'%word%' (ILIKE on PostgreSQL), which no ordinary index can serve: the database's name search
index finds the people first (models.converge_name_search). On PostgreSQL the pg_trgm GIN
indexes serve ILIKE themselves (words of three characters or more). On SQLite every word is
looked up in person_name_fragment, every suffix of every name lowered by SQLite's lower(): a
name holds the word when one of its suffixes starts with it, a range of that table's index. The
LIKE stays in every joined query; the list of the people a search names is read from that
index alone on SQLite (the same meaning, see _named_by_fragments), so a search that names
1,000 people reads no person row to list them.
"""
import json
import string

from peewee import SQL

import models
from models import Person

TRIGRAM = 3  # PostgreSQL's trigram index finds words of at least this many characters
NAMED_AT_MOST = 2000  # people a search names, above which it is joined instead of listed
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # SQLite's lower()
_LAST = "\U0010ffff"  # above every character: a prefix's range ends at prefix + _LAST
_FRAGMENT_RANGE = "SELECT person_id FROM person_name_fragment WHERE fragment >= ? AND fragment < ?"


def name_matches(words):
    """The WHERE for people whose names hold every one of ``words`` (None: no words)."""
    where = None
    for word in words:
        columns = [getattr(Person, column) for column in models.NAME_COLUMNS]
        term = columns[0].contains(word)
        for column in columns[1:]:
            term |= column.contains(word)
        where = term if where is None else where & term
    if words and _fragments():
        for word in words:
            where &= Person.id.in_(SQL(f"({_FRAGMENT_RANGE})", _fragment_range(word)))
    return where


def _fragment_range(word):
    """The bounds of the suffixes starting with ``word`` as SQLite's lower() makes it."""
    start = word.translate(_ASCII_LOWER)
    return [start, start + _LAST]


def _named_by_fragments(words):
    """SQL and parameters for the ids of the people ``words`` name, from person_name_fragment
    alone (its index holds every suffix: no person row is read). Exactly name_matches' LIKE
    for names of up to models.NAME_POSITIONS characters (forms allow 100): a name holds a word
    when one of its suffixes starts with the word, and lower() folds case as LIKE does (ASCII
    letters only); the suffixes of all three names are in the one table. It trusts the triggers
    that keep the table (models.name_search_ready, asked once per process; converge_schema
    rebuilds them when a table rebuild dropped them, before the portal starts)."""
    if len(words) == 1:
        sql = _FRAGMENT_RANGE.replace("SELECT", "SELECT DISTINCT", 1)
    else:
        sql = " INTERSECT ".join([_FRAGMENT_RANGE] * len(words))
    bounds = [bound for word in words for bound in _fragment_range(word)]
    return sql + " LIMIT ?", bounds + [NAMED_AT_MOST + 1]


def _fragments():
    return isinstance(models.db.obj, models.SqliteDatabase) and models.name_search_ready()


def _indexed(words):
    """True when the name search index can find the people ``words`` name."""
    if not models.name_search_ready():
        return False
    return _fragments() or any(len(word) >= TRIGRAM for word in words)


def named_people(words):
    """The ids of the people ``words`` name, read through the name search index, or None when
    there are more than NAMED_AT_MOST or the index cannot find them (no index; on PostgreSQL, no
    word of three characters): then join with name_matches instead, as reading every person to
    list a few would be worse.

    Listing them lets a search find the user's links to them by the (user, person) index and
    the people by id, so it costs what its matches cost. Joining instead lets a planner read
    all of a user's links (PostgreSQL hashed 50,000 to keep 529) or walk the name order
    filtering each person; the matches of a surname lie together in that order, so a search for
    a name late in the alphabet read every name before it (measured: 431 ms at 100,000)."""
    if not _indexed(words):
        return None
    if _fragments():
        cursor = models.db.execute_sql(*_named_by_fragments(words))
    else:
        cursor = models.db.execute(Person.select(Person.id).where(name_matches(words))
                                   .limit(NAMED_AT_MOST + 1))
    named = [pid for (pid,) in cursor.fetchall()]  # the cursor's rows: no model per id
    return named if len(named) <= NAMED_AT_MOST else None


def one_of(column, ids):
    """``column IN ids`` as one parameter (a PostgreSQL array; a JSON list that SQLite's json_each
    reads): 2,000 placeholders cost peewee longer to write than the database takes to answer."""
    if isinstance(models.db.obj, models.PostgresqlDatabase):
        return column == SQL("ANY(%s)", [list(ids)])
    return column.in_(SQL("(SELECT value FROM json_each(?))", [json.dumps(list(ids))]))


def sorted_not_walked(order):
    """A search's ORDER BY, as values equal to ``order``'s but written so no index serves them:
    the matches are sorted after they are found, never found by walking the name order (see
    named_people). The first expressions get `` || ''``; the last (the id) is kept."""
    return tuple(expression.concat("") for expression in order[:-1]) + (order[-1],)
