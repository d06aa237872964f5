"""A small HTTP client for simulated users: one cookie jar each, real sockets, timed requests.

Standard library only (http.client), one new connection per request: gunicorn's sync workers
close the connection after every response anyway. Redirects are not followed (the portal's 303s
are part of what is measured); HTML forms are read back and posted as a browser would post them.
"""
import html
import http.client
import math
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    seconds: float

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        return self.headers.get("location", "")


class Recorder:
    """Every timed request: (label, started, seconds, status) — status 0 is a connection error."""

    def __init__(self):
        self.rows = []
        self._lock = threading.Lock()
        self.errors = []

    def add(self, label, started, seconds, status, error=""):
        with self._lock:
            self.rows.append((label, started, seconds, status))
            if error:
                self.errors.append((label, started, error))

    def window(self, start, end):
        return [r for r in self.rows if start <= r[1] < end]


class Browser:
    """One simulated user's browser: a cookie jar and a CSRF token."""

    def __init__(self, port, recorder=None, host="127.0.0.1", timeout=30):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = {}
        self.csrf = ""
        self.recorder = recorder

    def _cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _keep_cookies(self, response):
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or (
                    morsel["expires"] and "1970" in morsel["expires"])
                if expired or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method, path, data=None, *, label=None, headers=None, partial=False,
                body=None):
        """Send one request; returns a Reply (status 0 when the connection failed). ``body``:
        bytes sent as they are (give their Content-Type in ``headers``)."""
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Encoding": "identity",
                "User-Agent": "send-portal-bench"}
        if self.cookies:
            sent["Cookie"] = self._cookie_header()
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            if self.csrf:
                sent["X-CSRFToken"] = self.csrf
        if partial:
            sent["HX-Request"] = "true"
            sent["HX-Request-Type"] = "partial"
        sent.update(headers or {})
        started = time.time()
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            seconds = time.perf_counter() - t0
            self._keep_cookies(response)
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                          payload, seconds)
        except (OSError, http.client.HTTPException) as exc:
            seconds = time.perf_counter() - t0
            if self.recorder and label:
                self.recorder.add(label, started, seconds, 0, f"{type(exc).__name__}: {exc}")
            return Reply(0, {}, b"", seconds)
        finally:
            conn.close()
        if self.recorder and label:
            self.recorder.add(label, started, seconds, reply.status)
        return reply

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data, **kw):
        return self.request("POST", path, data, **kw)


# --- reading pages ---------------------------------------------------------------------------------

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'id="form-version" value="(\d+)"|value="(\d+)"[^>]*id="form-version"')


def csrf_of(text):
    match = CSRF_META.search(text) or CSRF_INPUT.search(text)
    return html.unescape(match.group(1)) if match else ""


def version_of(text):
    """The form version in a page or an autosave reply's OOB input (None when absent)."""
    match = VERSION.search(text)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


@dataclass
class HtmlForm:
    attrs: dict
    controls: list = field(default_factory=list)  # dicts: tag, type, name, value, checked, ...

    def fields(self, clicked=None, overrides=None):
        """What a browser posts: successful controls (+ the clicked button), overrides applied."""
        out = []
        for c in self.controls:
            name = c.get("name")
            if not name:
                continue
            kind = c.get("type", "")
            if c["tag"] == "input":
                if kind in ("submit", "button", "image", "reset", "file"):
                    continue
                if kind in ("checkbox", "radio") and not c.get("checked"):
                    continue
                out.append((name, c.get("value", "on" if kind in ("checkbox", "radio") else "")))
            elif c["tag"] == "textarea":
                out.append((name, c.get("text", "")))
            elif c["tag"] == "select":
                chosen = [o for o in c["options"] if o[1]] or c["options"][:1]
                out.extend((name, o[0]) for o in chosen)
        if clicked:
            out.append(clicked)
        if overrides:
            keys = set(overrides)
            out = [(k, v) for k, v in out if k not in keys] + list(overrides.items())
        return out


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._option, self._textarea = [], None, None, None, None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(a)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form.controls.append({"tag": "input", "type": a.get("type", "text").lower(),
                                        "name": a.get("name"), "value": a.get("value", ""),
                                        "checked": "checked" in a})
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", "name": a.get("name"), "text": ""}
            self._form.controls.append(self._textarea)
        elif tag == "select":
            self._select = {"tag": "select", "name": a.get("name"), "options": []}
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select["options"].append(self._option)
        elif tag == "button":
            self._form.controls.append({"tag": "button", "name": a.get("name"),
                                        "value": a.get("value", "")})

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            for o in (self._select or {}).get("options", []):
                if o[0] is None:
                    o[0] = o[2].strip()
            self._select = None
        elif tag == "option":
            self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option[2] += data


def forms_of(text):
    parser = _FormParser()
    parser.feed(text)
    return parser.forms


def form_with_class(text, css_class):
    for f in forms_of(text):
        if css_class in f.attrs.get("class", "").split():
            return f
    return None


def form_with_action(text, fragment):
    for f in forms_of(text):
        if fragment in f.attrs.get("action", ""):
            return f
    return None


# --- figures ---------------------------------------------------------------------------------------

def percentile(values, p):
    """The p-th percentile (nearest rank) of a list of numbers; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]
