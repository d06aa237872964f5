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


def test_narrow_columns_are_widened_on_postgresql(app):
    """User.totp_secret holds a sealed seed (about 140 characters) since it was VARCHAR(64);
    Throttle.window holds epoch seconds past 2**31 since it was INTEGER."""
    with app.app_context():
        if not isinstance(models.db.obj, models.PostgresqlDatabase):
            pytest.skip("SQLite does not enforce VARCHAR lengths and has 64-bit integers")
        User.create(email="zz.old@example.org", forename="Zzold")
        models.db.execute_sql('ALTER TABLE "user" ALTER COLUMN "totp_secret" TYPE VARCHAR(64)')
        models.db.execute_sql('ALTER TABLE "throttle" ALTER COLUMN "window" TYPE INTEGER')
        models.create_tables()
        column = ("SELECT data_type, character_maximum_length FROM information_schema.columns "
                  "WHERE table_name = %s AND column_name = %s")
        assert models.db.execute_sql(column, ("user", "totp_secret")).fetchone() == \
            ("character varying", 255)
        assert models.db.execute_sql(column, ("throttle", "window")).fetchone()[0] == "bigint"
        User.update(totp_secret="g" * 200).execute()  # a sealed token fits
        assert User.get(User.email == "zz.old@example.org").forename == "Zzold"


def test_upgrading_confirms_the_roles_of_accounts_already_verified(app):
    """A release before WorkProfile.confirmed_at: the SEN team had checked the account with its
    roles, so they count as confirmed; an unchecked account's roles still wait (issue 11, M2)."""
    from models import Organisation, WorkProfile
    with app.app_context():
        org = Organisation.create(name="Zz Primary", name_key="zz primary")
        checked = User.create(email="zz.checked@example.org", council_verified=True)
        unchecked = User.create(email="zz.new@example.org", council_verified=False)
        roles = {u.id: WorkProfile.create(user=u, professional_role="SENCo", organisation=org)
                 for u in (checked, unchecked)}
        ended = WorkProfile.create(user=checked, professional_role="Teacher", organisation=org,
                                   ended_at=models.utcnow())
        models.db.execute_sql(f'ALTER TABLE "{WorkProfile._meta.table_name}" DROP COLUMN "confirmed_at"')
        models.create_tables()
        assert WorkProfile.get_by_id(roles[checked.id].id).confirmed_at is not None
        assert WorkProfile.get_by_id(roles[unchecked.id].id).confirmed_at is None
        assert WorkProfile.get_by_id(ended.id).confirmed_at is None
        later = WorkProfile.create(user=checked, professional_role="Head", organisation=org)
        models.create_tables()  # the column is there now: nothing more is confirmed
        assert WorkProfile.get_by_id(later.id).confirmed_at is None
