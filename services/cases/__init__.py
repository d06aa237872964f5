"""The SEN team's cases: the statutory clock, caseload, case admin, merge, dashboard, audit trail."""
