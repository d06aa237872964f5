"""Whether the portal can serve: for load balancers' health and readiness checks."""
import peewee

import models


def database_answers() -> bool:
    """True when the database answers ``SELECT 1`` (a dead PostgreSQL connection is replaced
    first, by models.ReconnectPostgresqlDatabase)."""
    try:
        return models.db.execute_sql("SELECT 1").fetchone()[0] == 1
    except (peewee.PeeweeException, OSError):
        return False
