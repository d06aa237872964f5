"""Reliability: two gunicorn instances on different ports, sharing one PostgreSQL database and
one upload folder (and nothing else: each has its own instance folder), serve one user in turn.

Sign in on A (password) and finish on B (code), then use the session on A; upload a file on A
and read it back on B; hit the per-address sign-in limit alternating A and B (the 21st attempt in
a minute must be refused, as on one server); queue a sign-in code email on B and run the
``send-mail`` command for both machines at once: the code arrives once, and it signs in on A.

Run as ``python -m tests.perf.twoservers`` with PORTAL_TEST_DATABASE_URL set (prints JSON);
``measure()`` runs it inside a throwaway PostgreSQL cluster (tests/pg_cluster.sh), or reports
it skipped when PostgreSQL is not installed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pyotp

from tests.perf import settings as S
from tests.perf.client import Browser, csrf_of
from tests.perf.server import ROOT, Server, free_port

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # the portal sniffs the header
FLASK = str(Path(sys.executable).with_name("flask"))


def _multipart(fields, files):
    """A multipart/form-data body: (content type, bytes)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, content, kind) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _on(browser, server):
    browser.port = server.port
    return browser


def _password(browser, email, password):
    page = browser.get("/login")
    return browser.post("/login", {"email": email, "password": password,
                                   "csrf_token": csrf_of(page.text)})


def _code(browser, code):
    page = browser.get("/verify")
    return browser.post("/verify", {"code": code, "csrf_token": csrf_of(page.text)})


def session_across(a, b, account):
    user = Browser(a.port)
    first = _password(_on(user, a), account["email"], "bench-portal-password-2026")
    second = _code(_on(user, b), pyotp.TOTP(account["totp"]).now())
    home_a = _on(user, a).get("/people/")
    home_b = _on(user, b).get("/people/")
    ok = (first.status == 303 and second.status == 303 and home_a.status == 200
          and home_b.status == 200 and "Select Person" in home_a.text
          and "Select Person" in home_b.text)
    return user, {"password_on_a": first.status, "code_on_b": second.status,
                  "people_on_a": home_a.status, "people_on_b": home_b.status, "ok": ok}


def upload_across(user, a, b, person_id):
    start = _on(user, a).get("/people/")
    started = user.post(f"/people/{person_id}/forms/generic-file-upload/start",
                        {"csrf_token": csrf_of(start.text)})
    match = re.search(r"/forms/(\d+)/", started.headers.get("location", ""))
    if started.status != 303 or not match:
        return {"ok": False, "error": f"start answered {started.status}"}
    instance = match.group(1)
    page = user.get(f"/forms/{instance}/work-details")  # the first step: whose work profile
    profile = re.search(r'name="work_profile_id"[^>]*value="(\d+)"', page.text)
    version = re.search(r'id="form-version" value="(\d+)"', page.text)
    user.post(f"/forms/{instance}/work-details", {
        "csrf_token": csrf_of(page.text), "version": version.group(1) if version else "",
        "work_profile_id": profile.group(1) if profile else ""})
    page = user.get(f"/forms/{instance}/upload")
    version = re.search(r'id="form-version" value="(\d+)"', page.text)
    kind, body = _multipart({"csrf_token": csrf_of(page.text),
                             "version": version.group(1) if version else "",
                             "upload": "files", "document_type": "Correspondence",
                             "description": "Zz two servers"},
                            {"files": ("zz-two-servers.pdf", PDF, "application/pdf")})
    posted = user.request("POST", f"/forms/{instance}/upload", headers={"Content-Type": kind},
                          body=body)
    listed = _on(user, b).get(f"/forms/{instance}/upload")
    link = re.search(rf'href="(/forms/{instance}/files/\d+)"', listed.text)
    read = user.get(link.group(1)) if link else None
    ok = (posted.status == 303 and "zz-two-servers.pdf" in listed.text and read is not None
          and read.status == 200 and read.body == PDF)
    return {"upload_on_a": posted.status, "listed_on_b": "zz-two-servers.pdf" in listed.text,
            "read_on_b": read.status if read else None,
            "same_bytes": bool(read and read.body == PDF), "ok": ok}


def limit_across(a, b):
    """Wrong sign-ins alternating A and B, in one fresh minute window of the 20-a-minute
    per-address limit: the first refusal (429) must be the 21st attempt."""
    time.sleep((60 - time.time() % 60) + 0.5)
    statuses = []
    for n in range(26):
        browser = Browser((a if n % 2 == 0 else b).port)
        statuses.append(_password(browser, f"nobody{n}@bench.example", "wrong").status)
    first_refused = next((n + 1 for n, s in enumerate(statuses) if s == 429), None)
    return {"statuses": statuses, "first_refused": first_refused,
            "ok": first_refused == 21 and all(s == 422 for s in statuses[:20])}


def mail_across(a, b, sink, env_a, env_b, account):
    user = Browser(b.port)
    before = sink.count()
    reply = _password(user, account["email"], "bench-portal-password-2026")
    runs = []

    def send(env):
        runs.append(subprocess.run([FLASK, "--app", "portal", "send-mail"], cwd=ROOT,
                                   env={**os.environ, **env}, capture_output=True, text=True,
                                   timeout=120).returncode)
    threads = [threading.Thread(target=send, args=(env,)) for env in (env_a, env_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(1)
    with sink.lock:
        mine = [r for r in sink.received[before:] if r[0] == account["email"].lower()]
    code = sink.latest_code(account["email"], before)
    finished = _code(_on(user, a), code or "000000")
    ok = (reply.status == 303 and runs == [0, 0] and len(mine) == 1
          and finished.status == 303)
    return {"password_on_b": reply.status, "send_mail_exits": runs, "delivered": len(mine),
            "code_on_a": finished.status, "ok": ok}


def _child():
    from tests.perf.mailsink import MailSink  # aiosmtpd: requirements-bench.txt
    url = os.environ["PORTAL_TEST_DATABASE_URL"]
    tmp = Path(tempfile.mkdtemp(prefix="send-bench-two-"))
    sink = MailSink(free_port()).start()
    shared = {"PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": "bench-two-servers-secret",
              "PORTAL_UPLOAD_DIR": str(tmp / "shared-uploads"),
              "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(sink.port),
              "PORTAL_SMTP_STARTTLS": "0", "PORTAL_MAIL_FROM": "portal@bench.example",
              "PORTAL_MAIL_SYNC": "0"}
    env_a = {**shared, "PORTAL_INSTANCE": str(tmp / "instance-a")}
    env_b = {**shared, "PORTAL_INSTANCE": str(tmp / "instance-b")}
    os.environ.update(env_a)
    from portal import create_app
    from tests.perf.data import seed_load
    app = create_app()
    seeded = seed_load(app, professionals=1, mailers=1, officers=1, children_each=2)
    out = {"servers": 2, "workers_each": 2}
    with Server("portal:create_app()", env_a, tmp, workers=2, max_seconds=S.SERVER_MAX_SECONDS,
                ready_path="/login", name="portal-a") as a, \
         Server("portal:create_app()", env_b, tmp, workers=2,
                max_seconds=S.SERVER_MAX_SECONDS, ready_path="/login", name="portal-b") as b:
        pro = seeded["professionals"][0]
        user, out["session"] = session_across(a, b, pro)
        out["upload"] = upload_across(user, a, b, pro["person_id"])
        out["mail"] = mail_across(a, b, sink, env_a, env_b, seeded["mailers"][0])
        out["limit"] = limit_across(a, b)
        out["server_errors"] = len(re.findall(r"Traceback", a.errors_logged()
                                              + b.errors_logged()))
    sink.stop()
    print(json.dumps(out))


def measure(timeout=600):
    from tests.perf.scale import run_child
    return run_child("tests.perf.twoservers", postgres=True, what="two servers",
                     timeout=timeout)


if __name__ == "__main__":
    _child()
