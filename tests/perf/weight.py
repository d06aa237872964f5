"""Page weight: bytes a first visit downloads, and the size of each htmx fragment.

gunicorn does not compress, so each body's gzip size (level 6, what a reverse proxy such as
nginx would typically send) is computed here. A first visit counts the page's HTML plus every
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


def gzip_size(body):
    return len(gzip.compress(body, compresslevel=6, mtime=0))


def wire_size(reply):
    """(bytes of the body as a compressing proxy would send it, header bytes)."""
    kind = reply.headers.get("content-type", "")
    compressible = any(kind.startswith(t) for t in TEXT_TYPES)
    body = min(gzip_size(reply.body), len(reply.body)) if compressible else len(reply.body)
    headers = sum(len(k) + len(v) + 4 for k, v in reply.headers.items()) + 17
    return body, headers


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

    rows: (url, raw bytes, wire bytes, header bytes, status)."""
    page = page or browser.get(path)
    html = page.text
    rows, seen, queue = [], set(), []
    body, head = wire_size(page)
    rows.append((path, len(page.body), body, head, page.status))
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
        rows.append((url, len(reply.body), body, head, reply.status))
        kind = reply.headers.get("content-type", "")
        if kind.startswith("text/css"):
            queue += _css_assets(reply.text, html, url)
        elif "javascript" in kind:
            queue += [urllib.parse.urljoin(url, m) for m in JS_IMPORT.findall(reply.text)]
    return rows, page


def fragment(reply):
    body, head = wire_size(reply)
    return {"raw": len(reply.body), "wire": body, "headers": head, "status": reply.status}


def measure(port, account, person_id, instance_id, sign_in):
    """First visits (sign-in page, Select Person, a form step) and the htmx fragments.

    ``sign_in(browser)`` signs the browser in. Returns a dict for the report."""
    from tests.perf.client import csrf_of, form_with_class, version_of
    from tests.perf.data import AUTOSAVE_STEP, ROWS_STEP

    out = {"pages": {}, "fragments": {}}
    anonymous = Browser(port)
    rows, _ = first_visit(anonymous, "/login")
    out["pages"]["Sign-in page (/login)"] = rows
    b = Browser(port)
    sign_in(b)
    rows, _ = first_visit(b, "/people/")
    out["pages"]["Select Person (/people/)"] = rows
    step_path = f"/forms/{instance_id}/{AUTOSAVE_STEP}"
    rows, page = first_visit(b, step_path)
    out["pages"]["Form step (/forms/<id>/views)"] = rows
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
