"""The council running this portal, and absolute links for emails."""
from flask import current_app


def council() -> dict:
    """The council's details (name, team name, email, phone...) from the app's config."""
    return current_app.config["COUNCIL"]


def team_name() -> str:
    """The SEN team's name as people see it ("Stockton SEN Team")."""
    return council().get("team_name", "SEN Team")


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for an email (BASE_URL + the endpoint's path).

    From the URL map, not url_for: no request context is needed, so it works inside a
    transaction, from the CLI and from background jobs.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
