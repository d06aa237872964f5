"""Baseline: what ``models.create_tables`` did before versioned migrations, for a database made by
any earlier release. Creates missing tables, adds missing columns (nullable, filled with their
defaults), widens 32-bit integers and short VARCHARs on PostgreSQL, and confirms the roles of
accounts already verified when WorkProfile.confirmed_at is new (models.converge_schema)."""
import models


def up(database):
    models.converge_schema()
