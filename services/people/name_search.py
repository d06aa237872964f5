"""Finding people by name: the one rule for a name search (Select Person, the caseload).

A search is at most five words (people.search_terms); a person matches when every word is part of
their forename, middle name or surname, in any case ("thom" finds Zzthompson). That is a LIKE
'%word%' (ILIKE on PostgreSQL), which no ordinary index can serve: the database's name search
index finds the candidates first (models.converge_name_search). On PostgreSQL the pg_trgm GIN
indexes serve ILIKE themselves; on SQLite the FTS5 trigram table is asked for the people whose
names hold every word of three letters or more, and the LIKE keeps its exact meaning (SQLite's
LIKE folds ASCII letters only; the trigram table folds more, so it finds a superset).
"""
import json

from peewee import SQL

import models
from models import Person

TRIGRAM = 3  # a trigram index finds words of at least this many characters
NAMED_AT_MOST = 2000  # people a search names, above which it is joined instead of listed


def name_matches(words):
    """The WHERE for people whose names hold every one of ``words`` (None: no words)."""
    where = None
    for word in words:
        columns = [getattr(Person, column) for column in models.NAME_COLUMNS]
        term = columns[0].contains(word)
        for column in columns[1:]:
            term |= column.contains(word)
        where = term if where is None else where & term
    indexed = [word for word in words if len(word) >= TRIGRAM]
    if indexed and models.sqlite_name_search():
        phrase = " ".join('"' + word.replace('"', '""') + '"' for word in indexed)
        where &= Person.id.in_(SQL("(SELECT rowid FROM person_name_search"
                                   " WHERE person_name_search MATCH ?)", [phrase]))
    return where


def named_people(words):
    """The ids of the people ``words`` name, read through the name search index, or None when
    there are more than NAMED_AT_MOST or no word is long enough for the index (then join with
    name_matches instead: without the index, reading every person to list a few is worse).

    Listing them lets a search find the user's links to them by the (user, person) index and
    the people by id, so it costs what its matches cost. Joining instead lets a planner read
    all of a user's links (PostgreSQL hashed 50,000 to keep 529) or walk the name order
    filtering each person; the matches of a surname lie together in that order, so a search for
    a name late in the alphabet read every name before it (measured: 431 ms at 100,000)."""
    if not any(len(word) >= TRIGRAM for word in words):
        return None
    named = [pid for (pid,) in Person.select(Person.id).where(name_matches(words))
             .limit(NAMED_AT_MOST + 1).tuples()]
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
