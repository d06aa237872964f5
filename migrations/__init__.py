"""Versioned migrations: numbered steps (``NNNN_name.py``, each with ``up(database)``) applied in
order, once each, recorded in the ``schemaversion`` table (models.SchemaVersion).

``migrate()`` (``flask init-db``; models.create_tables) on
- a fresh database: creates every table from the models and records every step as applied (the
  models are what the steps lead to);
- an existing one (with or without the version table: a database from before versioning has had
  no step): applies the missing steps in order, each in its own transaction where the engine
  allows, then ``models.converge_schema()`` (missing tables, indexes and columns; idempotent).

A step is written with ``playhouse.migrate`` (docs/decisions.md says why) and must stay as it was
released: a later change is a new step.
"""
import importlib.util
from pathlib import Path

import models
from models import SchemaVersion

FOLDER = Path(__file__).resolve().parent


class Step:
    def __init__(self, path: Path):
        self.version = int(path.name[:4])
        self.name = path.stem[5:]
        self.path = path

    def load(self):
        spec = importlib.util.spec_from_file_location(f"migrations.step_{self.version:04d}", self.path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def steps() -> list[Step]:
    found = [Step(p) for p in sorted(FOLDER.glob("[0-9][0-9][0-9][0-9]_*.py"))]
    versions = [s.version for s in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations/ must be numbered 0001, 0002, ... without gaps: {versions}")
    return found


def applied() -> set[int]:
    return {row.version for row in SchemaVersion.select(SchemaVersion.version)}


def migrate() -> list[str]:
    """Apply what is missing; return the names of the steps applied now."""
    database = models.db.obj
    tables = set(database.get_tables())
    fresh = not any(m._meta.table_name in tables for m in models.ALL_MODELS)
    with models.db.atomic():
        database.create_tables([SchemaVersion], safe=True)
    done, ran = applied(), []
    for step in steps():
        if step.version in done:
            continue
        if not fresh:
            step.load().up(database)
            ran.append(step.name)
        with models.db.atomic():
            SchemaVersion.create(version=step.version, name=step.name)
    models.converge_schema()
    return ran


def current_version() -> int:
    return max(applied(), default=0)


