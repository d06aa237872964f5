"""The load run: the portal under gunicorn with a seeded SQLite database, a crowd at 10, 50 and
100 users, the baseline, page weight, and the reliability checks made during the run.

Timeline (full mode): page weight (quiet server) -> everyone signs in -> level 10 -> level 50
(the SMTP sink is stopped for a minute from its start; a backup is taken half-way) -> level 100
(one worker is killed with SIGKILL half-way) -> saturation: autosave-only with no pauses,
portal then baseline -> two tabs on one form -> checks against the database and the sink.
"""
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.perf import settings as S
from tests.perf import weight
from tests.perf.baseline_app import seed as seed_baseline
from tests.perf.client import Browser, Recorder, form_with_class, percentile, version_of
from tests.perf.crowd import AUTOSAVE, Mailer, Professional, Visitor
from tests.perf.data import AUTOSAVE_STEP, FORM_KEY, seed_load
from tests.perf.mailsink import MailSink
from tests.perf.server import ROOT, Server, free_port

SECRET = "bench-secret-key-not-for-production-0123456789abcdef"


def stats(rows, seconds):
    """Per label: count, per second, p50/p95/p99 ms, errors (no answer or 5xx), 4xx."""
    by = {}
    for label, _started, secs, status in rows:
        by.setdefault(label, []).append((secs, status))
    out = {}
    for label, items in by.items():
        ok = [s * 1000 for s, st in items if 0 < st < 500]
        out[label] = {"n": len(items), "rps": len(items) / seconds if seconds else 0,
                      "p50": percentile(ok, 50), "p95": percentile(ok, 95),
                      "p99": percentile(ok, 99),
                      "errors": sum(1 for _, st in items if st == 0 or st >= 500),
                      "4xx": sum(1 for _, st in items if 400 <= st < 500)}
    return out


class LoadRun:
    def __init__(self, app_factory, notes):
        self.notes = notes  # problems and remarks for the report
        self.tmp = Path(tempfile.mkdtemp(prefix="send-bench-"))
        self.db_path = self.tmp / "portal.db"
        self.sink = MailSink(free_port())
        self.env = {
            "PORTAL_INSTANCE": str(self.tmp / "instance"),
            "PORTAL_DATABASE_URL": f"sqlite:///{self.db_path}",
            "PORTAL_SECRET_KEY": SECRET,
            "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(self.sink.port),
            "PORTAL_SMTP_STARTTLS": "0", "PORTAL_MAIL_FROM": "portal@bench.example",
            "PORTAL_UPLOAD_DIR": str(self.tmp / "uploads"),
        }
        os.environ.update(self.env)
        self.app = app_factory()
        self.results = {"levels": {}, "reliability": {}, "weight": None, "saturation": {}}
        self.server = None
        self.stop_all = threading.Event()

    # --- setup ------------------------------------------------------------------------------

    def visitor_pages(self, role):
        """(label, endpoint, args) of the role's pages the portal has, and those it lacks."""
        pages, missing = [], []
        for label, endpoint, args in S.VISITOR_PAGES.get(role, ()):
            if endpoint in self.app.view_functions:
                pages.append((f"{label} ({endpoint})", endpoint, args))
            else:
                missing.append(f"{label} ({endpoint})")
        return pages, missing

    def urls_for(self, pages, account):
        from flask import url_for
        with self.app.test_request_context():
            return [(label, url_for(endpoint, **{k: account.get(k) if v is None else v
                                                 for k, v in args.items()}))
                    for label, endpoint, args in pages]

    def clear_sign_in_limits(self):
        """Every simulated user signs in from 127.0.0.1, so the per-address sign-in limits
        (20 a minute) would refuse the crowd: the bench empties those counters between
        batches of sign-ins. The per-account limits are left alone."""
        con = sqlite3.connect(self.db_path, timeout=30)
        with con:
            con.execute("DELETE FROM throttle WHERE key LIKE 'sign-in:ip:%' "
                        "OR key LIKE 'verify:ip:%'")
        con.close()

    def sign_in_all(self, users):
        started = time.perf_counter()
        recorder = Recorder()
        for u in users:
            u.browser.recorder = recorder
        for i in range(0, len(users), 15):
            self.clear_sign_in_limits()
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(lambda u: u.sign_in(), users[i:i + 15]))
        self.clear_sign_in_limits()
        failed = [u for u in users if not u.signed_in]
        self.results["sign_in"] = {"users": len(users), "failed": len(failed),
                                   "seconds": time.perf_counter() - started,
                                   "stats": stats(recorder.rows, 1)}
        for u in failed[:3]:
            self.notes.append(f"Sign-in failed for {u.account['email']}: {u.failure}")
        return [u for u in users if u.signed_in]

    # --- the run ------------------------------------------------------------------------------

    def run(self):
        top = max(S.LEVELS)
        pages, wanted = {}, {}
        self.results["visitor_pages"], self.results["visitor_missing"] = [], []
        for role in S.VISITOR_PAGES:
            pages[role], missing = self.visitor_pages(role)
            wanted[role] = int(top * S.VISITOR_SHARES.get(role, 0)) if pages[role] else 0
            self.results["visitor_pages"] += [label for label, *_ in pages[role]]
            self.results["visitor_missing"] += missing
        t = time.perf_counter()
        seeded = seed_load(self.app, professionals=top + 2, mailers=20,
                           officers=max(wanted.get("officer", 0), 1),
                           citizens=wanted.get("citizen", 0))
        self.results["seed_seconds"] = time.perf_counter() - t
        self.sink.start()
        server = self.server = Server("portal:create_app()", self.env, self.tmp,
                                      workers=S.WORKERS, max_seconds=S.SERVER_MAX_SECONDS,
                                      ready_path="/login", name="portal")
        cron = threading.Thread(target=self.cron, daemon=True)
        try:
            server.start()
            port = server.port
            field = self.autosave_field()
            pros = [Professional(port, None, a, field_name=field, think=S.THINK_SECONDS, seed=i)
                    for i, a in enumerate(seeded["professionals"])]
            two_tab_user, weight_user = pros[-2], pros[-1]
            crowd = pros[:-2]
            self.results["weight"] = weight.measure(
                port, weight_user.account, weight_user.account["person_id"],
                weight_user.account["instance_id"],
                lambda b: self._sign_in_browser(b, weight_user.account))
            visitors = {role: [Visitor(port, None, a, role=role, think=S.THINK_SECONDS,
                                       seed=1000 * (r + 1) + i,
                                       pages=self.urls_for(pages[role], a))
                               for i, a in enumerate(seeded[f"{role}s"][:wanted[role]])]
                        for r, role in enumerate(S.VISITOR_PAGES)}
            everyone = [v for group in visitors.values() for v in group]
            signed = self.sign_in_all(crowd + everyone + [two_tab_user])
            crowd = [p for p in crowd if p in signed]
            visitors = {role: [v for v in group if v in signed] for role, group in visitors.items()}
            cron.start()
            mail_stop = threading.Event()
            mailer = Mailer(port, None, seeded["mailers"], mail_stop)
            mailer.start()
            for level in S.LEVELS:
                self.level(level, crowd, visitors, mailer)
            if getattr(self, "outage_timer", None):
                self.outage_timer.join(timeout=S.SMTP_OUTAGE_SECONDS + 30)
            mail_stop.set()
            mailer.join(timeout=40)
            self.results["mail_logins"] = {"sent": mailer.sent, "failures": mailer.failures}
            self.saturation(crowd[:S.SATURATION_USERS])
            self.two_tabs(two_tab_user)
            self.results["reliability"]["saves"] = self.check_saves(crowd)
            self.stop_all.set()
            cron.join(timeout=30)
            self.results["reliability"]["mail"] = self.check_mail()
            log = server.errors_logged()
            self.results["server_errors_logged"] = log.count("Traceback")
            self.results["server_log_tail"] = log[-3000:]
        finally:
            self.stop_all.set()
            server.stop()
            self.sink.stop()
            import models
            models.db.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return self.results

    def autosave_field(self):
        form = self.app.extensions["forms"].get(FORM_KEY)
        step = form.step(AUTOSAVE_STEP)
        return next(f.name for f in step.value_fields if f.type == "textarea" and not f.show_if)

    def _sign_in_browser(self, browser, account):
        from tests.perf.crowd import SimUser
        user = SimUser(browser.port, None, account)
        user.browser = browser
        self.clear_sign_in_limits()
        if not user.sign_in():
            raise RuntimeError(f"could not sign in {account['email']}: {user.failure}")

    def level(self, users, crowd, visitors, mailer):
        counts = {role: min(len(group), int(round(users * S.VISITOR_SHARES.get(role, 0))))
                  for role, group in visitors.items()}
        n_pros = users - sum(counts.values())
        active = crowd[:n_pros] + [v for role, group in visitors.items()
                                   for v in group[:counts[role]]]
        recorder = Recorder()
        mailer.recorder = recorder
        stop = threading.Event()
        threads = [u.drive(recorder, stop) for u in active]
        events = {}
        timers = []
        measured_from = time.time() + S.WARMUP_SECONDS
        measured_to = measured_from + S.LEVEL_SECONDS
        mid = measured_from + S.LEVEL_SECONDS / 2
        if users == S.LEVELS[1]:
            # The outage runs on into the next level; it is waited for at the end of the run.
            self.outage_timer = self._at(measured_from, lambda: self.smtp_outage(events))
            timers.append(self._at(mid, lambda: self.backup(events)))
        if users == S.LEVELS[-1]:
            timers.append(self._at(mid, lambda: self.kill_worker(events)))
        while time.time() < measured_to and not self.stop_all.is_set():
            time.sleep(0.2)
        stop.set()
        for th in threads:
            th.join(timeout=40)
        for th in timers:
            th.join(timeout=150)
        rows = recorder.window(measured_from, measured_to)
        result = {"users": len(active), "professionals": n_pros, "roles": counts,
                  "seconds": S.LEVEL_SECONDS, "stats": stats(rows, S.LEVEL_SECONDS),
                  "requests": len(rows), "events": events,
                  "failures": [u.failure for u in active if u.failure][:5]}
        kill = events.get("killed_at")
        errors = [r for r in recorder.rows if r[3] == 0 or r[3] >= 500]
        in_flight = [r for r in errors if kill and r[3] == 0 and r[1] <= kill <= r[1] + r[2] + 1.0]
        result["errors_total"] = len(errors)
        result["errors_killed_in_flight"] = len(in_flight)
        # The killed worker's own in-flight requests are expected; any other failure is not.
        result["error_samples"] = [e for e in recorder.errors
                                   if not (kill and e[1] <= kill <= e[1] + 60)][:5]
        self.results["levels"][users] = result

    def _at(self, when, action):
        def run():
            delay = when - time.time()
            if delay > 0 and self.stop_all.wait(delay):
                return
            try:
                action()
            except Exception as exc:
                self.notes.append(f"Bench event failed: {type(exc).__name__}: {exc}")
        th = threading.Thread(target=run, daemon=True)
        th.start()
        return th

    # --- events during the run ----------------------------------------------------------------

    def kill_worker(self, events):
        pid = self.server.kill_one_worker()
        events["killed_at"] = time.time()
        events["killed_pid"] = pid

    def smtp_outage(self, events):
        self.sink.stop()
        events["smtp_down_at"] = dt.datetime.utcnow()
        self.stop_all.wait(S.SMTP_OUTAGE_SECONDS)
        self.sink.start()
        events["smtp_up_at"] = dt.datetime.utcnow()
        self.outage = (events["smtp_down_at"], events["smtp_up_at"])

    def backup(self, events):
        folder = self.tmp / "backup"  # `flask backup` writes a folder: database, uploads, manifest
        target = folder / "database.sqlite3"
        env = {**os.environ, **self.env}
        t = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "portal",
                               "backup", str(folder)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        seconds = time.perf_counter() - t
        con = sqlite3.connect(target)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
        opened = subprocess.run(
            [sys.executable, "-c", OPEN_BACKUP, str(target)], cwd=ROOT, capture_output=True,
            text=True, timeout=120, env={**env, "PORTAL_INSTANCE": str(self.tmp / "restore")})
        self.results["reliability"]["backup"] = {
            "exit": done.returncode, "seconds": seconds, "integrity": integrity,
            "opens": opened.stdout.strip() or opened.stderr.strip()[-300:],
            "size_mb": target.stat().st_size / 1e6 if target.exists() else 0}

    def cron(self):
        """Stands for `flask send-mail` from cron: deliver_pending every CRON_SECONDS."""
        from services import mail
        import models
        while not self.stop_all.wait(S.CRON_SECONDS):
            try:
                with models.db.connection_context():
                    mail.deliver_pending(self.app)
            except Exception as exc:
                self.notes.append(f"cron deliver_pending failed: {exc}")

    # --- after the crowd ----------------------------------------------------------------------

    def saturation(self, users):
        """Autosave only, no pauses: the most saves a second the portal manages, against the
        baseline updating one row per request on the same server settings."""
        recorder = Recorder()
        stop = threading.Event()
        for u in users:
            u.autosave_only = True
        threads = [u.drive(recorder, stop, think=(0, 0)) for u in users]
        start = time.time() + 2
        self.stop_all.wait(2 + S.SATURATION_SECONDS)
        stop.set()
        for th in threads:
            th.join(timeout=40)
        for u in users:
            u.autosave_only = False
            u.think = S.THINK_SECONDS
        rows = recorder.window(start, start + S.SATURATION_SECONDS)
        self.results["saturation"]["portal"] = stats(rows, S.SATURATION_SECONDS).get(AUTOSAVE)
        self.results["saturation"]["baseline"] = self.baseline(len(users))

    def baseline(self, users):
        path = self.tmp / "baseline.db"
        seed_baseline(str(path), users)
        with Server("tests.perf.baseline_app:create_app()", {"BASELINE_DB": str(path)},
                    self.tmp, workers=S.WORKERS, max_seconds=300, name="baseline") as server:
            recorder = Recorder()
            stop = threading.Event()

            def user(note_id):
                b = Browser(server.port, recorder)
                n = 0
                while not stop.is_set():
                    n += 1
                    b.post(f"/save/{note_id}", {"body": f"Zz baseline {n}", "version": "1"},
                           label="baseline save")
            threads = [threading.Thread(target=user, args=(i + 1,), daemon=True)
                       for i in range(users)]
            for th in threads:
                th.start()
            start = time.time() + 2
            self.stop_all.wait(2 + S.SATURATION_SECONDS)
            stop.set()
            for th in threads:
                th.join(timeout=40)
        rows = recorder.window(start, start + S.SATURATION_SECONDS)
        return stats(rows, S.SATURATION_SECONDS).get("baseline save")

    def two_tabs(self, user):
        """One user, two tabs on the same form step, both autosaving: stale saves get 409 and
        change nothing; every acknowledged save was made on the version it named."""
        port = user.browser.port
        path = f"/forms/{user.account['instance_id']}/{AUTOSAVE_STEP}"
        field = self.autosave_field()
        acks, conflicts, others = [], [0], []
        stop = threading.Event()
        lock = threading.Lock()

        def tab(name):
            b = Browser(port)
            b.cookies, b.csrf = dict(user.browser.cookies), user.browser.csrf
            page = b.get(path)
            form, version, n = form_with_class(page.text, "portal-step-form"), version_of(page.text), 0
            while not stop.is_set():
                n += 1
                value = f"Zz tab {name} save {n}"
                reply = b.post(path, form.fields(overrides={field: value, "autosave": "1",
                                                            "version": str(version)}), partial=True)
                with lock:
                    if reply.status == 200:
                        acks.append((version, version_of(reply.text), value))
                        version = version_of(reply.text)
                    elif reply.status == 409:
                        conflicts[0] += 1
                    else:
                        others.append(reply.status)
                if reply.status != 200:
                    page = b.get(path)  # the user reloads the page
                    form, version = form_with_class(page.text, "portal-step-form"), version_of(page.text)
                stop.wait(0.05)
        tabs = [threading.Thread(target=tab, args=(n,), daemon=True) for n in ("A", "B")]
        for th in tabs:
            th.start()
        self.stop_all.wait(S.TWO_TAB_SECONDS)
        stop.set()
        for th in tabs:
            th.join(timeout=40)
        from tests.perf.data import instance_state
        answers, version, _status, _rounds = instance_state(self.app, user.account["instance_id"])
        last = max(acks, key=lambda a: a[1]) if acks else None
        based_on = [a[0] for a in acks]
        self.results["reliability"]["two_tabs"] = {
            "saves": len(acks), "conflicts": conflicts[0], "other": others[:5],
            "same_version_twice": len(based_on) - len(set(based_on)),
            "final_is_last_ack": bool(last) and answers[AUTOSAVE_STEP].get(field) == last[2]
            and version == last[1]}

    def check_saves(self, crowd):
        """Every autosave answered 200 is in the database (or a later save that the user sent
        replaced it); every acknowledged Submit left a round."""
        from tests.perf.data import instance_state
        lost, checked, submits, rounds_missing, conflicts = [], 0, 0, 0, 0
        for u in crowd:
            log = u.log
            conflicts += log.conflicts
            submits += log.submits_acked
            if not log.acked and not log.submits_acked:
                continue
            answers, version, _status, rounds = instance_state(self.app, log.instance_id)
            if rounds < log.submits_acked:
                rounds_missing += log.submits_acked - rounds
            if not log.acked:
                continue
            checked += len(log.acked)
            value, acked_version = log.acked[-1]
            stored = answers.get(AUTOSAVE_STEP, {}).get(log.field)
            later = log.sent[log.sent.index(value):]
            if stored not in later or version < acked_version:
                lost.append((log.instance_id, value, stored))
        return {"acked_saves": checked, "lost": len(lost), "lost_samples": lost[:3],
                "acked_submits": submits, "rounds_missing": rounds_missing,
                "conflicts_seen_by_crowd": conflicts}

    def check_mail(self):
        """Deliver what is still waiting, then compare the outbox with what the sink got."""
        import models
        from models import Outbox
        from services import mail
        started = time.time()
        with models.db.connection_context():
            while time.time() - started < 30:
                mail.deliver_pending(self.app)
                if not Outbox.select().where(Outbox.status != "sent").exists():
                    break
                time.sleep(2)
            late = Outbox.select().where(Outbox.status != "sent").count()
            for _ in range(5):  # later cron runs, past the backoff (1, 2, 5 ... minutes)
                if not Outbox.select().where(Outbox.status != "sent").exists():
                    break
                mail.deliver_pending(self.app, now=models.utcnow() + dt.timedelta(hours=2))
            rows = list(Outbox.select(Outbox.message_id, Outbox.status, Outbox.attempts,
                                      Outbox.created_at, Outbox.sent_at))
        ids = self.sink.ids
        outage = getattr(self, "outage", None)
        during = [r for r in rows if outage and outage[0] <= r.created_at <= outage[1]]
        delays = [(r.sent_at - r.created_at).total_seconds() for r in rows if r.sent_at]
        return {
            "queued": len(rows), "queued_during_outage": len(during),
            "retried": sum(1 for r in rows if r.attempts > 1),
            "not_sent": sum(1 for r in rows if r.status != "sent"),
            "missing_at_sink": sum(1 for r in rows if ids.get(r.message_id, 0) == 0),
            "duplicates": sum(1 for r in rows if ids.get(r.message_id, 0) > 1),
            "needed_later_cron": late,
            "max_delay_s": max(delays) if delays else None,
            "outage_s": (outage[1] - outage[0]).total_seconds() if outage else None,
        }


OPEN_BACKUP = """
import sys
from portal import create_app
import models
app = create_app({"DATABASE_URL": "sqlite:///" + sys.argv[1], "TESTING": True})
with app.app_context():
    forms = models.FormInstance.select().count()
    users = models.User.select().count()
status = app.test_client().get("/login").status_code
print(f"login page {status}, {users} users, {forms} forms")
"""
