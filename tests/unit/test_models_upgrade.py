"""An instance made by an older release gains the new columns, and keeps its rows."""
import pytest

import models
from models import User


def test_missing_columns_are_added_with_their_defaults(app):
    with app.app_context():
        User.create(email="zz.old@example.org", forename="Zzold")
        models.db.execute_sql('ALTER TABLE "user" DROP COLUMN "citizen_kind"')
        assert "citizen_kind" not in {c.name for c in models.db.get_columns("user")}
        models.create_tables()
        assert "citizen_kind" in {c.name for c in models.db.get_columns("user")}
        old = User.get(User.email == "zz.old@example.org")
        assert old.forename == "Zzold" and old.citizen_kind == ""
        assert models.add_missing_columns() == 0  # nothing left to do


def test_short_varchar_columns_are_widened_on_postgresql(app):
    """User.totp_secret holds a sealed seed (about 140 characters) since it was VARCHAR(64)."""
    with app.app_context():
        if not isinstance(models.db.obj, models.PostgresqlDatabase):
            pytest.skip("SQLite does not enforce VARCHAR lengths")
        User.create(email="zz.old@example.org", forename="Zzold")
        models.db.execute_sql('ALTER TABLE "user" ALTER COLUMN "totp_secret" TYPE VARCHAR(64)')
        models.create_tables()
        length = models.db.execute_sql(
            "SELECT character_maximum_length FROM information_schema.columns "
            "WHERE table_name = 'user' AND column_name = 'totp_secret'").fetchone()[0]
        assert length == 255
        User.update(totp_secret="g" * 200).execute()  # a sealed token fits
        assert User.get(User.email == "zz.old@example.org").forename == "Zzold"
