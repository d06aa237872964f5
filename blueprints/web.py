"""What every blueprint shares: the access decorator, page-or-fragment rendering, headers, and
the one home of everything registered on the app itself — template globals and filters, the
``<id:...>`` URL converter, security headers.

This is not a blueprint; blueprints import it (and never each other).

Access is deny-by-default: a view without ``@access(...)`` answers 404 to everyone, and
``tests/http/test_access_declared.py`` walks ``app.url_map`` to prove every route declares it.
"""
import re
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    abort, current_app, flash, redirect, render_template, request, send_file, url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.routing import BaseConverter, ValidationError

from services import limits
from services.casework import messages
from services.forms import uploads
from services.kernel import clock
from services.kernel.paging import parse_id

PUBLIC = "public"
SIGNED_IN = "signed-in"  # signed in with a password; two-step verification not yet required
ROLES = ("professional", "officer", "citizen", "admin")


def access(*levels):
    """Declare who may use a view: PUBLIC, SIGNED_IN, or roles (which need two-step verification).

    Anonymous users are sent to sign in; a signed-in user of the wrong role gets 404 (we never
    confirm that something exists); a user who has not finished two-step verification is sent
    Home, where the SEND tile offers "Enable Two Step Verification now".
    """
    unknown = set(levels) - {PUBLIC, SIGNED_IN, *ROLES}
    if not levels or unknown:
        raise ValueError(f"access() needs levels from {PUBLIC}, {SIGNED_IN}, {ROLES}; got {levels}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if PUBLIC not in levels:
                refusal = _refusal(levels)
                if refusal is not None:
                    return refusal
            return view(*args, **kwargs)

        guarded.access_levels = levels
        return guarded

    return decorate


def _refusal(levels):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=_safe_next(request.full_path)))
    if SIGNED_IN in levels:
        return None
    if current_user.role not in levels:
        abort(404)
    if not current_user.two_step_passed:
        flash("You need to enable Two Step Verification before you can use this part of the portal.",
              "warning")
        return redirect(url_for("home.index"))
    return None


def awaiting_verification():
    """A council may keep children's records closed until it has checked a new professional's
    account (council setting ``send_access_requires_verification``): the one rule, registered as
    ``before_request`` on every blueprint that shows a child's information (/people, /forms,
    /messages). Returns the 403 page, or None to go on."""
    if (current_user.is_authenticated and current_user.role == "professional"
            and current_app.config["COUNCIL"].get("send_access_requires_verification")
            and not current_user.council_verified):
        return render_template("people/awaiting_verification.html"), 403
    return None


_CONTROLS = re.compile(r"[\x00-\x20\x7f]")


def _safe_next(path):
    """Only local paths may be used as a post-sign-in destination (no open redirects).

    Browsers drop tabs and newlines inside a URL ("/%09/evil.example" is "//evil.example"), so the
    controls and spaces go first; what is left must parse with no scheme and no host, and start
    with one "/" and no backslash. Anything else is None (Home), never an error."""
    path = _CONTROLS.sub("", str(path or "")).rstrip("?")
    try:
        parts = urlsplit(path)
    except ValueError:
        return None
    if (parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//")
            or "\\" in path):
        return None
    return path


safe_next = _safe_next


def is_partial():
    """htmx 4 asks for a fragment with ``HX-Request-Type: partial``."""
    return request.headers.get("HX-Request-Type") == "partial"


def render(page, fragment=None, status=200, **context):
    """One URL, two answers: the fragment for htmx partial requests, the whole page otherwise."""
    template = fragment if (fragment and is_partial()) else page
    return render_template(template, **context), status


def client_ip():
    """The client's address (trusting X-Forwarded-For only behind a proxy the deployer set up)."""
    return request.remote_addr or ""


def rate_limit(key, limit, per_seconds):
    """Count one hit on ``key``; past ``limit`` within ``per_seconds`` answer 429."""
    if not limits.hit(key, limit, per_seconds):
        abort(429)


def send_stored_file(path, filename, content_type):
    """A stored file (upload or case document), always as a download — Content-Disposition
    attachment under its own name, nosniff, never cached — so a browser never renders it inline."""
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_pdf(body, filename):
    """A PDF made on the fly, as a download named ``filename``."""
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


class IdConverter(BaseConverter):
    """``<id:person_id>``: a database id, by the one id rule (``services.kernel.paging``): digits
    only, 1..2**63-1. Anything else does not match the route, so it is a 404 rather than an
    overflow (500) in the database driver."""

    regex = r"[0-9]+"
    part_isolating = True

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))


def moved(bp, rule, endpoint, *levels, methods=("GET",)):
    """Keep an old URL working after its page moved to ``endpoint``: 301 for GET, 308 for POST
    (which keeps the method and body). ``levels`` are the old route's access levels, so who gets
    404 or the sign-in page is unchanged."""
    def redirect_to_new_home(**values):
        code = 301 if request.method in ("GET", "HEAD") else 308
        return redirect(url_for(endpoint, **values), code)

    name = f"moved_{endpoint.replace('.', '_')}"
    redirect_to_new_home.__name__ = name
    bp.add_url_rule(rule, name, access(*levels)(redirect_to_new_home), methods=list(methods))


# M5: the routes that take files. Only these accept a body up to MAX_CONTENT_LENGTH
# (PORTAL_MAX_UPLOAD_MB); every other route takes MAX_FORM_MEMORY_SIZE bytes and MAX_FORM_PARTS
# fields at most, refused with 413 on the Content-Length before anything is parsed.
UPLOAD_ENDPOINTS = frozenset({"forms.save", "forms.preview", "casework.upload_document"})


def limit_bodies(app):
    """Register the body-size check. Call it before CSRFProtect (whose check parses the form)."""
    @app.before_request
    def _limit_body():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        config = current_app.config
        upload = request.endpoint in UPLOAD_ENDPOINTS
        limit = config["MAX_CONTENT_LENGTH"] if upload else config["MAX_FORM_MEMORY_SIZE"]
        request.max_content_length = limit  # a chunked body without Content-Length too
        if (request.content_length or 0) > limit:
            abort(413)
        if not upload and request.mimetype == "application/x-www-form-urlencoded":
            # Werkzeug applies MAX_FORM_PARTS to multipart bodies only; count these (the body is
            # small now, and cached, so the form is parsed from the same bytes).
            if request.get_data(cache=True).count(b"&") >= config["MAX_FORM_PARTS"]:
                abort(413)
        return None


def init_app(app):
    """Everything registered on the app itself: the id converter, template globals and filters,
    the council's stylesheet, and the headers and access check for every response. Called
    before the blueprints are registered, so their routes can use ``<id:...>``."""
    app.url_map.converters["id"] = IdConverter
    htmx_failures(app)

    @app.context_processor
    def _globals():
        return {"council": current_app.config["COUNCIL"], "is_partial": is_partial,
                "errors_for_summary": errors_for_summary, "form_errors": form_errors,
                "unread_messages": unread_messages}

    app.add_template_filter(filesize)
    app.add_template_filter(file_types)
    app.add_template_filter(nl2br)
    app.add_template_filter(clock.long_date, "long_date")
    app.add_template_filter(council_text)
    app.add_template_global(condition_text)

    @app.route("/council.css")
    @access(PUBLIC)
    def council_css():
        colours = {name: value for name, value
                   in current_app.config["COUNCIL"].get("colours", {}).items()
                   if re.fullmatch(r"#[0-9a-fA-F]{3,8}", str(value))}
        body = render_template("council.css", colours=colours)
        return body, 200, {"Content-Type": "text/css; charset=utf-8",
                           "Cache-Control": "public, max-age=3600"}

    @app.before_request
    def _deny_undeclared():
        view = app.view_functions.get(request.endpoint)
        if view is None:
            return None  # 404/405 handled by Flask
        if request.endpoint != "static" and not getattr(view, "access_levels", None):
            abort(404)
        return None

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; object-src 'none'")
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if current_app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint not in ("static", "council_css"):
            headers["Cache-Control"] = "no-store"
            response.vary.add("HX-Request")
            response.vary.add("HX-Request-Type")
        return response


def flash_success(message):
    flash(message, "success")


def form_errors(form):
    """A WTForms form's errors as {where the summary links to: first message}, in field order:
    the field's id, or its ``anchor`` (a date input's first box)."""
    return {getattr(field, "anchor", field.id): field.errors[0] for field in form if field.errors}


def errors_for_summary(errors):
    """{field id: message} -> the GOV.UK error summary's list, each linking to its field."""
    return [{"text": message, "href": f"#{field_id}"} for field_id, message in errors.items()]


# --- template globals and filters ----------------------------------------------------------------

MESSAGE_READERS = ("professional", "citizen")


def unread_messages():
    """The Home tile's red number (counted only when a page asks)."""
    if not current_user.is_authenticated or current_user.role not in MESSAGE_READERS:
        return 0
    return messages.unread_count(current_user.id)


def council_text(text):
    """A form's guidance text with ``{council}`` as the running council's name ("Coventry City
    Council will use personal information..."); a filter, so imported macros can use it."""
    name = current_app.config["COUNCIL"].get("name", "The council")
    return str(text or "").replace("{council}", name)


def filesize(size):
    """A byte count in words ("2.1 MB")."""
    return uploads.human_size(int(size or 0))


def file_types(accept):
    """An upload field's accepted extensions as the kinds of file a user knows ("PDF, Word")."""
    return ", ".join(dict.fromkeys(uploads.ALLOWED[e][1] for e in uploads.allowed_extensions(accept)))


def nl2br(text):
    """Escape an answer and keep its line breaks (textarea answers in the summary)."""
    return Markup("<br>").join(escape(line) for line in str(text).split("\n"))


def condition_text(form, step, field):
    """When a conditional question applies, in words (the page shows every question without JS)."""
    cond = field.show_if
    try:
        target = (step if cond.step is None else form.step(cond.step)).field(cond.name)
    except KeyError:
        return ""
    answers = " or ".join(cond.values)
    return f"Only needed if your answer to “{target.label.rstrip(':')}” is {answers}."


# --- htmx failure paths (DESIGN.md §12) ----------------------------------------------------------
# A request htmx makes never gets a whole page back: a sign-in redirect, an expired CSRF token,
# a form no longer editable, a server error... each answers a one-line fragment with its status,
# and static/portal.js puts it in the status line of the form that asked ("Not saved — why").

NOT_SAVED = {
    401: "Not saved — you have been signed out.",
    403: "Not saved — this page has expired. Reload the page to carry on.",
    404: "Not saved — this page is no longer available.",
    409: "Not saved — this form has been sent or changed elsewhere and can no longer be changed "
         "here. Reload the page to see where it stands.",
    413: "Not saved — the file is too big.",
    429: "Not saved — too many attempts. Wait a minute and try again.",
}
SERVER_FAULT = "Not saved — something went wrong on our side. Try again in a minute."


def _page_url():
    """The page the htmx request came from (its own path), for "Sign in again"."""
    current = urlsplit(request.headers.get("HX-Current-URL") or request.referrer or "")
    return _safe_next(current.path + (f"?{current.query}" if current.query else ""))


def _signing_in(response):
    return (response.status_code in (301, 302, 303, 307, 308)
            and urlsplit(response.location or "").path == url_for("auth.login"))


def partial_failure(response):
    """``response`` as htmx should get it: a fragment for a failure, else unchanged."""
    if request.headers.get("HX-Request") != "true":
        return response
    status = response.status_code
    if _signing_in(response):
        status = 401
    elif status == 400:  # in a request htmx makes this is the CSRF check (the page is stale)
        status = 403
    elif status < 400 or status == 422 or response.headers.get("X-Portal-Failure"):
        return response  # a 422 is the step with its errors; 409 from a form is already a line
    elif response.mimetype == "text/html" and b"<html" not in response.get_data()[:2000]:
        return response  # a view's own fragment
    message = NOT_SAVED.get(status, SERVER_FAULT if status >= 500 else NOT_SAVED[404])
    body = render_template("partials/_not_saved.html", message=message, status=status,
                           sign_in=url_for("auth.login", next=_page_url()))
    failure = current_app.response_class(body, status=status, mimetype="text/html")
    failure.headers["X-Portal-Failure"] = str(status)
    return failure


def htmx_failures(app):
    """Register ``partial_failure`` for every response."""
    app.after_request(partial_failure)
