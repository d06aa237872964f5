"""Deny by default: every route declares who may use it, and undeclared ones answer 404."""
from blueprints.web import PUBLIC, ROLES, SIGNED_IN


def test_every_route_declares_its_access(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        levels = getattr(view, "access_levels", None)
        if not levels or not set(levels) <= {PUBLIC, SIGNED_IN, *ROLES}:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    assert not undeclared, "Routes without @access(...): " + ", ".join(undeclared)


def test_role_pages_send_anonymous_users_to_sign_in(app, client):
    """Every GET route that is not public redirects an anonymous visitor to the sign-in page."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods or rule.arguments:
            continue
        levels = app.view_functions[rule.endpoint].access_levels
        if PUBLIC in levels:
            continue
        response = client.get(rule.rule)
        assert response.status_code == 302, rule.rule
        assert "/login" in response.headers["Location"], rule.rule
