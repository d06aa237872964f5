"""The house everyone lives in: headers, error pages, deny by default, council branding."""


def test_security_headers_on_every_page(client):
    response = client.get("/accessibility")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.vary and "HX-Request-Type" in response.vary


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/accessibility").headers


def test_unknown_page_is_a_404_in_the_portal_look(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Stockton-on-Tees Borough Council" in response.data


def test_server_error_page_has_a_reference(app, client):
    from blueprints.web import PUBLIC, access

    @app.route("/boom")
    @access(PUBLIC)
    def boom():
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"reference" in response.data
    assert b"kaboom" not in response.data


def test_route_without_access_declaration_is_refused(app, client):
    @app.route("/undeclared")
    def undeclared():
        return "secret"

    assert client.get("/undeclared").status_code == 404


def test_council_css_uses_the_council_colours(client):
    response = client.get("/council.css")
    assert response.status_code == 200
    assert b"#1d3c6a" in response.data
    assert response.mimetype == "text/css"
