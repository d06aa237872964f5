"""Page weight: bytes a first visit downloads, and the size of each htmx fragment.

Two measurements of the same visits. *Computed* (the old figures, ``Browser``): asks for
``identity`` and computes each body's gzip size (level 6, what a reverse proxy such as nginx
would typically send). *On the wire* (``WireBrowser``, issue 15): asks with
``Accept-Encoding: gzip, br`` like a browser and counts the bytes the portal actually sends
(WhiteNoise's precompressed static files, Flask-Compress for pages), plus a *repeat visit*: the
page again with a warm cache, where only files without a fresh ``Cache-Control`` are fetched
again. A first visit counts the page's HTML plus every
stylesheet, script (and module it imports), icon and image it references, and the images and
fonts its stylesheets reference when the page has an element they apply to — as if the
browser's cache were empty. Response headers are counted as sent (uncompressed; HTTP/2 would
compress them).
"""
import gzip
import re
import urllib.parse

from tests.perf.client import Browser

LINK = re.compile(r"<link\b[^>]*>", re.I)
SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
IMG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
HREF = re.compile(r"\bhref=\"([^\"]+)\"")
REL = re.compile(r"\brel=\"([^\"]+)\"")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
JS_IMPORT = re.compile(r"""(?:import|from)\s*["']([^"']+\.m?js)["']""")
CLASS = re.compile(r"\.([A-Za-z_][\w-]*)")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg",
              "image/x-icon", "image/vnd.microsoft.icon")


class WireBrowser(Browser):
    """A browser that accepts compressed answers. Each reply's ``wire`` is the body's length as
    sent; its ``body`` is decoded, so pages are read as usual (sign-in, forms)."""

    def request(self, method, path, data=None, *, headers=None, **kw):
        reply = super().request(method, path, data,
                                headers={"Accept-Encoding": "gzip, br", **(headers or {})}, **kw)
        reply.wire = len(reply.body)
        reply.body = _decoded(reply.body, reply.headers.get("content-encoding", ""))
        return reply


def gzip_size(body):
    return len(gzip.compress(body, compresslevel=6, mtime=0))


def wire_size(reply):
    """(body bytes, header bytes). For a WireBrowser's reply the body as sent;
    otherwise as a compressing proxy would send it (gzip level 6 of text)."""
    headers = sum(len(k) + len(v) + 4 for k, v in reply.headers.items()) + 17
    if hasattr(reply, "wire"):
        return reply.wire, headers
    kind = reply.headers.get("content-type", "")
    compressible = any(kind.startswith(t) for t in TEXT_TYPES)
    body = min(gzip_size(reply.body), len(reply.body)) if compressible else len(reply.body)
    return body, headers


def fresh_in_cache(reply) -> bool:
    """True when a browser may reuse the answer without asking again (max-age > 0, no no-cache)."""
    control = reply.headers.get("cache-control", "").lower()
    age = re.search(r"max-age=(\d+)", control)
    return bool(age and int(age[1]) > 0 and "no-cache" not in control
                and "no-store" not in control)


def _css_assets(css, page_html, base):
    """Assets a stylesheet references, when the page has an element the rule applies to."""
    classes_in_page = set(re.findall(r'class="([^"]*)"', page_html))
    page_classes = {c for group in classes_in_page for c in group.split()}
    found = []
    for match in CSS_URL.finditer(css):
        url = match.group(1)
        if url.startswith("data:"):
            continue
        rule_start = css.rfind("}", 0, match.start()) + 1
        selector = css[rule_start:css.find("{", rule_start)]
        if "@font-face" in selector or any(c in page_classes for c in CLASS.findall(selector)):
            found.append(urllib.parse.urljoin(base, url))
    return found


def first_visit(browser, path, page=None):
    """Fetch ``path`` and everything it references once. Returns (rows, html reply).

    rows: (url, raw bytes, wire bytes, header bytes, status, content-encoding, fresh in cache)
    — "raw" is the decoded body."""
    page = page or browser.get(path)
    html = page.text
    rows, seen, queue = [], set(), []
    body, head = wire_size(page)
    rows.append((path, len(page.body), body, head, page.status,
                 page.headers.get("content-encoding", ""), fresh_in_cache(page)))
    for tag in LINK.findall(html):
        rel = (REL.search(tag) or [None, ""])[1].lower()
        href = HREF.search(tag)
        if href and any(r in rel for r in ("stylesheet", "icon", "preload", "modulepreload")):
            queue.append(href.group(1))
    queue += SCRIPT.findall(html) + IMG.findall(html)
    while queue:
        url = urllib.parse.urljoin(path, queue.pop(0).replace("&amp;", "&"))
        if url in seen:
            continue
        seen.add(url)
        reply = browser.get(url)
        body, head = wire_size(reply)
        rows.append((url, len(reply.body), body, head, reply.status,
                     reply.headers.get("content-encoding", ""), fresh_in_cache(reply)))
        kind = reply.headers.get("content-type", "")
        if kind.startswith("text/css"):
            queue += _css_assets(reply.text, html, url)
        elif "javascript" in kind:
            queue += [urllib.parse.urljoin(url, m) for m in JS_IMPORT.findall(reply.text)]
    return rows, page


def _decoded(body: bytes, encoding: str) -> bytes:
    """The body with the Content-Encoding the portal chose undone."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli
        return brotli.decompress(body)
    return body


def repeat_visit(browser, path, first_rows):
    """The page again with a warm cache: the page itself, plus every file of the first visit a
    browser could not reuse without asking (no fresh Cache-Control). Returns a dict."""
    page = browser.get(path)
    body, head = wire_size(page)
    again = [r for r in first_rows[1:] if not r[6]]
    return {"requests": 1 + len(again), "wire": body + sum(r[2] for r in again),
            "headers": head + sum(r[3] for r in again), "status": page.status,
            "refetched": [r[0] for r in again]}


def fragment(reply):
    body, head = wire_size(reply)
    return {"raw": len(reply.body), "wire": body, "headers": head, "status": reply.status,
            "encoding": reply.headers.get("content-encoding", "")}


def measure(port, account, person_id, instance_id, sign_in):
    """First visits (sign-in page, Select Person, a form step) and the htmx fragments, computed
    (the old figures) and on the wire (``out["wire"]``, with the repeat visit).

    ``sign_in(browser)`` signs the browser in. Returns a dict for the report."""
    first = []

    def once(browser):
        """Sign in once (an authenticator code cannot be used twice in its 30 s); the second
        browser shares the first one's cookie jar, so the same session."""
        if first:
            browser.cookies = first[0].cookies
            return
        sign_in(browser)
        first.append(browser)

    out = _visits(Browser, port, person_id, instance_id, once)
    out["wire"] = _visits(WireBrowser, port, person_id, instance_id, once)
    return out


def _visits(kind, port, person_id, instance_id, sign_in):
    from tests.perf.client import csrf_of, form_with_class, version_of
    from tests.perf.data import AUTOSAVE_STEP, ROWS_STEP

    out = {"pages": {}, "fragments": {}}
    anonymous = kind(port)
    rows, _ = first_visit(anonymous, "/login")
    out["pages"]["Sign-in page (/login)"] = rows
    b = kind(port)
    sign_in(b)
    rows, _ = first_visit(b, "/people/")
    out["pages"]["Select Person (/people/)"] = rows
    step_path = f"/forms/{instance_id}/{AUTOSAVE_STEP}"
    rows, page = first_visit(b, step_path)
    out["pages"]["Form step (/forms/<id>/views)"] = rows
    out["repeat"] = {"Form step (/forms/<id>/views)": repeat_visit(b, step_path, rows)}
    b.csrf = csrf_of(page.text)
    swap = b.get(f"/forms/{instance_id}/{ROWS_STEP}", partial=True)
    out["fragments"]["Step swap (GET step, partial)"] = fragment(swap)
    form = form_with_class(swap.text, "portal-step-form")
    added = b.post(f"/forms/{instance_id}/{ROWS_STEP}",
                   form.fields(clicked=("add", ROWS_STEP),
                               overrides={"version": str(version_of(swap.text))}), partial=True)
    out["fragments"]["Add More row (POST add, partial)"] = fragment(added)
    rows = sum(1 for c in form.controls if (c.get("name") or "").startswith("name-"))
    b.post(f"/forms/{instance_id}/{ROWS_STEP}",
           form.fields(clicked=("remove", str(rows)),
                       overrides={"version": str(version_of(added.text))}), partial=True)
    tab = b.get(f"/people/{person_id}/forms?tab=assessment", partial=True)
    out["fragments"]["Tab switch (people.forms?tab=assessment, partial)"] = fragment(tab)
    step = b.get(step_path)
    form = form_with_class(step.text, "portal-step-form")
    saved = b.post(step_path, form.fields(overrides={"autosave": "1"}), partial=True)
    out["fragments"]["Autosave reply (POST autosave=1)"] = fragment(saved)
    return out


# --- on the wire: the issue-15 targets, the report's rows and a runner for this part alone ------

TARGET_WIRE_FIRST_VISIT_KB = 50  # first visit to a form step, everything it loads
TARGET_WIRE_REPEAT_KB = 5  # the same page again: one request
TARGET_WIRE_FRAGMENT_KB = 3  # each htmx fragment
WIRE_WHY = (
    "On the wire (Accept-Encoding: gzip, br): a first visit over 50 KB, a repeat visit that "
    "needs more than one request or 5 KB, or a fragment over 3 KB. The static files come "
    "precompressed with a year's immutable cache (services/ops/static_files.py) and pages "
    "through Flask-Compress; the row names what was fetched again or what is large.")


def _kb(n):
    return f"{n / 1024:.1f} KB"


def wire_rows(weight: dict) -> list:
    """(section, what, figure, target, ok or None) for the on-the-wire figures of ``measure``."""
    wire = (weight or {}).get("wire") or {}
    out = []
    for name, items in (wire.get("pages") or {}).items():
        total = sum(r[2] for r in items)
        encodings = sorted({r[5] for r in items if r[5]})
        figure = (f"{_kb(total)} in {len(items)} requests: HTML {_kb(items[0][2])} + "
                  f"{len(items) - 1} files {_kb(total - items[0][2])} "
                  f"({'/'.join(encodings) or 'uncompressed'}; decoded {_kb(sum(r[1] for r in items))}; "
                  f"headers {_kb(sum(r[3] for r in items))} more)")
        form_step = name.startswith("Form step")
        ok = (total <= TARGET_WIRE_FIRST_VISIT_KB * 1024
              and all(r[4] == 200 for r in items)) if form_step else None
        out.append(("Page weight on the wire, first visit", name, figure,
                    f"≤ {TARGET_WIRE_FIRST_VISIT_KB} KB" if form_step else "—", ok))
    for name, r in (wire.get("repeat") or {}).items():
        figure = (f"{r['requests']} request(s), {_kb(r['wire'])} (headers {_kb(r['headers'])} "
                  f"more); status {r['status']}")
        if r["refetched"]:
            figure += f"; asked again: {', '.join(r['refetched'])}"
        ok = (r["requests"] == 1 and r["wire"] <= TARGET_WIRE_REPEAT_KB * 1024
              and r["status"] == 200)
        out.append(("Page weight on the wire, repeat visit", name, figure,
                    f"1 request, ≤ {TARGET_WIRE_REPEAT_KB} KB", ok))
    for name, f in (wire.get("fragments") or {}).items():
        figure = (f"{_kb(f['wire'])} {f['encoding'] or 'uncompressed'} (decoded {_kb(f['raw'])}; "
                  f"headers {_kb(f['headers'])}); status {f['status']}")
        ok = f["wire"] <= TARGET_WIRE_FRAGMENT_KB * 1024 and f["status"] == 200
        out.append(("Page weight on the wire, htmx fragment", name, figure,
                    f"≤ {TARGET_WIRE_FRAGMENT_KB} KB", ok))
    return out


SECTION = "## Page weight on the wire"


def _section(weight, load_before, load_after, seconds) -> str:
    """The Markdown section `python -m tests.perf.weight` writes into docs/benchmarks.md."""
    import datetime as dt
    import subprocess

    from tests.perf.server import ROOT

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [SECTION, "",
             "Issue 15. Run alone with `python -m tests.perf.weight` (the page-weight part of "
             "`make bench`, against the same gunicorn set-up and seed), beside the computed "
             "figures of the same run; the table above is from the last full `make bench` (which "
             "adds the on-the-wire rows to its table from now on).", "",
             f"- Date: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} (local time); commit "
             f"{commit}; run took {seconds:.0f} s",
             f"- Load average before / after: {load_before:.1f} / {load_after:.1f} (2 cores, "
             "shared with other work; byte counts do not depend on it).",
             "- *Computed*: the old method (the bench asks for `identity` and computes gzip level 6 "
             "of each text body, as a reverse proxy would). *On the wire*: the bench asks with "
             "`Accept-Encoding: gzip, br` like a browser and counts the body bytes the portal "
             "actually sends (WhiteNoise's precompressed static files, Flask-Compress for pages "
             "and fragments). A repeat visit fetches only what has no fresh `Cache-Control`.",
             "", "| Section | What | Figure | Target | Result |", "|---|---|---|---|---|"]
    computed = []
    for name, items in (weight.get("pages") or {}).items():
        total = sum(r[2] for r in items)
        computed.append(("Page weight computed (gzip 6), first visit", name,
                         f"{_kb(total)} in {len(items)} requests (raw {_kb(sum(r[1] for r in items))})",
                         "—", None))
    for name, f in (weight.get("fragments") or {}).items():
        computed.append(("Page weight computed (gzip 6), htmx fragment", name,
                         f"{_kb(f['wire'])} (raw {_kb(f['raw'])})", "—", None))
    wire = wire_rows(weight)
    for section, what, figure, target, ok in computed + wire:
        verdict = "—" if ok is None else ("met" if ok else "**MISSED**")
        lines.append(f"| {section} | {what} | {figure.replace('|', '/')} | {target} | {verdict} |")
    missed = [w for w in wire if w[4] is False]
    lines += ["", f"- {WIRE_WHY}" if missed else "All on-the-wire targets met.", ""]
    return "\n".join(lines)


def _sign_in(browser, account):
    from tests.perf.crowd import SimUser
    user = SimUser(browser.port, None, account)
    user.browser = browser
    if not user.sign_in():
        raise RuntimeError(f"could not sign in {account['email']}: {user.failure}")


def main():
    """Seed, start gunicorn as `make bench` does (same settings, no SMTP sink: nothing here
    sends mail), measure page weight only, and write the section into docs/benchmarks.md
    (replacing the previous one)."""
    import os
    import shutil
    import tempfile
    import time
    from pathlib import Path

    import models
    from portal import create_app
    from tests.perf import settings as S
    from tests.perf.data import seed_load
    from tests.perf.server import ROOT, Server

    started, load_before = time.time(), os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="send-weight-"))
    env = {"PORTAL_INSTANCE": str(tmp / "instance"),
           "PORTAL_DATABASE_URL": f"sqlite:///{tmp / 'portal.db'}",
           "PORTAL_SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
           "PORTAL_UPLOAD_DIR": str(tmp / "uploads"), "PORTAL_MAIL_SYNC": "0"}
    os.environ.update(env)
    server = None
    try:
        seeded = seed_load(create_app(), professionals=2, mailers=0, officers=1)
        account = seeded["professionals"][-1]
        server = Server("portal:create_app()", env, tmp, workers=S.WORKERS,
                        max_seconds=S.SERVER_MAX_SECONDS, ready_path="/login", name="portal")
        server.start()
        weight = measure(server.port, account, account["person_id"], account["instance_id"],
                         lambda b: _sign_in(b, account))
    finally:
        if server:
            server.stop()
        models.db.close()
        shutil.rmtree(tmp, ignore_errors=True)
    text = _section(weight, load_before, os.getloadavg()[0], time.time() - started)
    print(text)
    doc = ROOT / "docs" / "benchmarks.md"
    current = doc.read_text(encoding="utf-8")
    if SECTION in current:  # replace our section up to the next "## " heading
        head, rest = current.split(SECTION, 1)
        after = rest.find("\n## ")
        current = head.rstrip("\n") + "\n" + (rest[after:] if after >= 0 else "")
    doc.write_text(current.rstrip("\n") + "\n\n" + text, encoding="utf-8")
    print(f"Written to {doc.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
