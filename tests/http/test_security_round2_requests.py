"""Security round two (issue 11): M1 open redirect, M4 the proxy's address, M5 large bodies.

Names the fix implements to (deployers' contract, DESIGN.md §7 / README):

- ``TRUSTED_PROXIES`` config key, from the environment variable ``PORTAL_TRUSTED_PROXIES``: the
  number of reverse-proxy hops in front of the portal (default 0). When > 0 the app is wrapped in
  ``werkzeug.middleware.proxy_fix.ProxyFix(x_for=N, x_proto=N, x_host=N)``, so
  ``request.remote_addr`` (and so every per-address rate limit and every audit record's ``ip``) is
  the client's address the last N proxies appended to ``X-Forwarded-For``; with 0 that header is
  never read.
- ``MAX_FORM_MEMORY_SIZE`` and ``MAX_FORM_PARTS`` (Flask's own config keys) limit every form body,
  url-encoded as well as multipart: a body over ``MAX_FORM_MEMORY_SIZE`` bytes or with more than
  ``MAX_FORM_PARTS`` fields answers 413 *before* it is parsed (checked on Content-Length), on every
  route that is not an upload route. ``MAX_CONTENT_LENGTH`` (from ``PORTAL_MAX_UPLOAD_MB``) is
  allowed only on the upload routes (a form step that takes files, the SEN team's document upload).
- M1: ``next`` is accepted only when, after removing ASCII control characters and whitespace,
  ``urllib.parse.urlsplit`` finds no scheme and no netloc and the path starts with a single "/"
  (no "//", no "/\\"); anything else is ignored (Home).
"""
import re
from urllib.parse import urlsplit

import pytest

import models
from models import AuditEvent
from tests.helpers import PASSWORD, code_from, csrf_from, last_email
from tests.http.forms_helpers import (  # noqa: F401  (fixtures and helpers)
    PDF_BYTES, post_step, select_profile, upload)

PROXY = "10.0.0.1"  # the reverse proxy's own address, as the portal's socket sees it
CONTROL = re.compile(r"[\x00-\x20\x7f]")


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """make_app(env={...}, **config): the portal as conftest's ``app`` builds it, with extra
    environment variables and config (one app per test: the database binding is global)."""
    made = []

    def make(env=None, **config):
        from portal import create_app
        monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        app = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_DIR": str(tmp_path / "mail"),
            "PASSWORD_METHOD": "scrypt:1024:8:1", **config})
        with app.app_context():
            models.create_tables()
        made.append(app)
        return app
    yield make
    models.db.close()


def post_login(client, email, password=PASSWORD, *, headers=None, environ=None, **extra):
    headers, environ = headers or {}, environ or {}
    page = client.get("/login", headers=headers, environ_base=environ)
    data = {"email": email, "password": password, "csrf_token": csrf_from(page), **extra}
    return client.post("/login", data=data, headers=headers, environ_base=environ)


def sign_in_with_next(app, client, email, next_value):
    """The journey of M1: open /login?next=..., sign in with the password and the emailed code."""
    page = client.get("/login", query_string={"next": next_value})
    assert page.status_code == 200, page.status_code
    response = client.post("/login", data={  # the hidden "next" field posts the value back
        "email": email, "password": PASSWORD, "csrf_token": csrf_from(page), "next": next_value})
    if response.status_code != 303 or "/verify" not in response.headers["Location"]:
        return response
    page = client.get("/verify")
    return client.post("/verify", data={"code": code_from(last_email(app, to=email)),
                                        "csrf_token": csrf_from(page)})


def assert_same_origin(location):
    """What a browser would follow stays on this site: strip what browsers strip, then no scheme,
    no host, one leading slash."""
    cleaned = CONTROL.sub("", location)
    parts = urlsplit(cleaned)
    assert not parts.scheme and not parts.netloc, f"Location {location!r} leaves the site"
    assert cleaned.startswith("/") and not cleaned.startswith(("//", "/\\")), location


# --- M1 open redirect ----------------------------------------------------------------------------

@pytest.mark.parametrize("next_value", [
    "/\t/evil.example/x",       # the issue's /%09/evil.example/x
    "/\n/evil.example/x",
    "/\r\n/evil.example/x",
    "/ /evil.example/x",
    "/\x0b/evil.example/x",
    "\t//evil.example/x",
    "/\\evil.example/x",
    "https://evil.example/x",
])
def test_m1_next_with_controls_never_leaves_the_site(app, client, make_user, next_value):
    make_user("pro@example.org")
    response = sign_in_with_next(app, client, "pro@example.org", next_value)
    assert response.status_code == 303, f"{next_value!r} gave {response.status_code}"
    assert_same_origin(response.headers["Location"])


def test_m1_newline_in_next_is_not_a_server_error(app, client, make_user):
    """``next=/%0A/x`` gave 500 after the code; it must sign in and land somewhere local."""
    make_user("pro@example.org")
    response = sign_in_with_next(app, client, "pro@example.org", "/\n/x")
    assert response.status_code == 303
    assert "\n" not in response.headers["Location"] and "\r" not in response.headers["Location"]
    assert_same_origin(response.headers["Location"])


def test_m1_without_two_step_too(client, make_user):
    make_user("plain@example.org", two_step="")
    response = post_login(client, "plain@example.org", next="/\t/evil.example/x")
    assert response.status_code == 303
    assert_same_origin(response.headers["Location"])


def test_m1_a_real_local_next_still_works(app, client, make_user):
    """Regression: a plain local path (with its query) is still honoured."""
    make_user("pro@example.org")
    response = sign_in_with_next(app, client, "pro@example.org", "/messages/?page=2")
    assert response.status_code == 303 and response.headers["Location"] == "/messages/?page=2"


# --- M4 the proxy's address ------------------------------------------------------------------------

def _sign_in_failures_from(client, addresses, environ):
    return [post_login(client, f"user{n}@example.org", "wrong-password-x",
                       headers={"X-Forwarded-For": address}, environ=environ).status_code
            for n, address in enumerate(addresses)]


def test_m4_behind_one_trusted_proxy_limits_count_the_client_address(make_app):
    app = make_app(env={"PORTAL_TRUSTED_PROXIES": "1"})
    assert app.config["TRUSTED_PROXIES"] == 1
    client = app.test_client()
    addresses = [f"203.0.113.{n}" for n in range(1, 26)]  # 25 people behind the council's proxy
    statuses = _sign_in_failures_from(client, addresses, {"REMOTE_ADDR": PROXY})
    assert 429 not in statuses, "one shared limit for every client behind the proxy"


def test_m4_behind_one_trusted_proxy_one_client_is_still_limited(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    statuses = _sign_in_failures_from(client, ["203.0.113.9"] * 21, {"REMOTE_ADDR": PROXY})
    assert statuses[-1] == 429 and 429 not in statuses[:20]


def test_m4_behind_one_trusted_proxy_a_forged_header_part_is_ignored(make_app):
    """The client adds its own X-Forwarded-For entries; only the proxy's (rightmost) one counts."""
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    addresses = [f"198.51.100.{n}, 203.0.113.9" for n in range(1, 22)]
    statuses = _sign_in_failures_from(client, addresses, {"REMOTE_ADDR": PROXY})
    assert statuses[-1] == 429 and 429 not in statuses[:20]


def test_m4_behind_one_trusted_proxy_audit_records_the_client_address(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    post_login(client, "nobody@example.org", "wrong-password-x",
               headers={"X-Forwarded-For": "203.0.113.7"}, environ={"REMOTE_ADDR": PROXY})
    with app.app_context():
        ips = {e.ip for e in AuditEvent.select().where(AuditEvent.action == "sign-in-failed")}
    assert ips == {"203.0.113.7"}


def test_m4_without_trusted_proxies_the_header_is_never_read(make_app):
    """Regression (secure today): the default 0 ignores a client's X-Forwarded-For."""
    app = make_app()
    assert app.config.get("TRUSTED_PROXIES", 0) == 0
    client = app.test_client()
    addresses = [f"203.0.113.{n}" for n in range(1, 22)]
    statuses = _sign_in_failures_from(client, addresses, {"REMOTE_ADDR": PROXY})
    assert statuses[-1] == 429 and 429 not in statuses[:20]
    with app.app_context():
        ips = {e.ip for e in AuditEvent.select().where(AuditEvent.action == "sign-in-failed")}
    assert ips == {PROXY}


def test_m4_the_setting_is_zero_by_default_and_read_from_the_environment(make_app):
    app = make_app(env={"PORTAL_TRUSTED_PROXIES": "2"})
    assert app.config["TRUSTED_PROXIES"] == 2


# --- M5 large bodies -------------------------------------------------------------------------------

SMALL = {"MAX_FORM_MEMORY_SIZE": 64 * 1024, "MAX_FORM_PARTS": 100}


def test_m5_a_19_mb_urlencoded_sign_in_is_refused_with_413(make_app):
    """The issue's body, with the default settings: refused on its length, before parsing."""
    app = make_app()
    client = app.test_client()
    body = b"email=x%40example.org&password=" + b"a" * (19 * 1024 * 1024)
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_m5_a_form_body_over_max_form_memory_size_is_413(make_app):
    app = make_app(**SMALL)
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    response = client.post("/login", data={"email": "x@example.org", "csrf_token": token,
                                           "password": "a" * (200 * 1024)})
    assert response.status_code == 413


def test_m5_too_many_urlencoded_fields_are_413(make_app):
    app = make_app(**SMALL)
    client = app.test_client()
    body = "&".join(f"f{n}=v" for n in range(5000)).encode()
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_m5_a_file_posted_to_a_route_that_takes_no_upload_is_413(make_app):
    """A multipart body with a big file part on /login: files are for upload routes only."""
    import io
    app = make_app(**SMALL)
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    response = client.post("/login", content_type="multipart/form-data", data={
        "email": "x@example.org", "password": "wrong-password-x", "csrf_token": token,
        "junk": (io.BytesIO(b"a" * (2 * 1024 * 1024)), "junk.pdf")})
    assert response.status_code == 413


def test_m5_the_upload_route_still_takes_a_file_bigger_than_the_form_limit(world):
    """Regression: with the form limit small, an upload step takes a file up to MAX_UPLOAD_MB."""
    world.app.config.update(SMALL)
    instance_id = world.start()
    select_profile(world, instance_id)
    big_pdf = PDF_BYTES + b"%" + b"x" * (300 * 1024)
    response = upload(world.client, instance_id, "upload", "files", "big.pdf", big_pdf,
                      {"document_type": "Correspondence", "description": "A long report"})
    assert response.status_code == 303, response.status_code
