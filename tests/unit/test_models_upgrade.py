"""An instance made by an older release gains the new columns, and keeps its rows."""
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
