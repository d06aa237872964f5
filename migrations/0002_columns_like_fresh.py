"""Columns as a fresh database has them, so an upgraded database does not drift from a new one:

- a column the baseline added nullable becomes NOT NULL where the model says so (e.g.
  Case.next_step), once its empty cells hold the field's default;
- SQLite: a VARCHAR declared shorter than the model's max_length (User.totp_secret, 64 -> 255) is
  declared as the model says (PostgreSQL's were widened by the baseline).

SQLite changes a column by rebuilding its table (playhouse.migrate copies it, indexes included),
with foreign keys off meanwhile so dropping the old copy cascades nothing.
"""
import re

from peewee import CharField
from playhouse.migrate import SchemaMigrator, SqliteMigrator, migrate

import models


def _default(field):
    return field.default() if callable(field.default) else field.default


def _operations(database, migrator, sqlite):
    for model in models.ALL_MODELS:
        table = model._meta.table_name
        if not database.table_exists(table):
            continue
        columns = {c.name: c for c in database.get_columns(table)}
        for field in model._meta.sorted_fields:
            column = columns.get(field.column_name)
            if column is None or field.primary_key:
                continue
            loose = column.null and not field.null
            short = (sqlite and isinstance(field, CharField)
                     and column.data_type.lower() != f"varchar({field.max_length})")
            if not (loose or short):
                continue
            if loose and field.default is not None:
                with database.atomic():
                    model.update({field: _default(field)}).where(field.is_null()).execute()
            if sqlite:
                yield migrator._update_column(table, field.column_name,
                                              _redefined(field, loose, short))
            else:
                yield migrator.add_not_null(table, field.column_name)


def _redefined(field, loose, short):
    """SQLite: the column's definition as written in CREATE TABLE, with the model's VARCHAR
    length and NOT NULL (the rest, REFERENCES included, kept as it was)."""
    def rewrite(name, definition):
        if short:
            definition = re.sub(r"(?i)VARCHAR\(\d+\)", f"VARCHAR({field.max_length})", definition)
        if loose and "not null" not in definition.lower():
            definition += " NOT NULL"
        return definition
    return rewrite


def up(database):
    migrator = SchemaMigrator.from_database(database)
    sqlite = isinstance(migrator, SqliteMigrator)
    operations = list(_operations(database, migrator, sqlite))
    if not operations:
        return
    if sqlite:
        database.execute_sql("PRAGMA foreign_keys = OFF")  # no effect inside a transaction
    try:
        with database.atomic():
            migrate(*operations)
    finally:
        if sqlite:
            database.execute_sql("PRAGMA foreign_keys = ON")
