"""Scale: response times of list pages with 1,000 and then 10,000 people (20 forms and 100
audit events each: 200,000 forms and 1,000,000 events at the top), measured in-process through
the Flask test client (no network, no concurrency: the time is the portal's own work).
``BENCH_SCALE=national``: 10,000 and then 100,000 people (2,000,000 forms, 10,000,000 events).

One professional is linked to half of the people (5,000 at 10,000); officers own cases. Rows are
bulk-inserted in big transactions (data.BulkWriter). On SQLite no ANALYZE is run: the portal
never runs one either, so the query planner has what a live database would have; on PostgreSQL
the seed ends with VACUUM ANALYZE, as autovacuum would soon after such an insert.
Run as ``python -m tests.perf.scale`` (prints JSON); ``measure(engine)`` runs it in a
subprocess: on SQLite in a temp dir, on PostgreSQL in a throwaway cluster (tests/pg_cluster.sh).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from tests.perf import settings as S
from tests.perf.client import percentile
from tests.perf.server import ROOT, _die_with_parent


def timed(client, url):
    """p50/p95 of SCALE_REPEATS GETs of ``url`` (after 3 that warm the caches)."""
    times, statuses = [], set()
    for n in range(S.SCALE_REPEATS + 3):
        t = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t) * 1000
        statuses.add(response.status_code)
        if n >= 3:
            times.append(elapsed)
    return {"url": url, "p50": percentile(times, 50), "p95": percentile(times, 95),
            "statuses": sorted(statuses), "bytes": len(response.data)}


def autosave_times(app, client, user, person_id, *, repeats):
    """p50/p95 of autosaves of one textarea through the test client (a fresh draft)."""
    import urllib.parse
    import models
    from models import FormInstance
    from tests.perf.client import csrf_of, form_with_class, version_of
    from tests.perf.data import AUTOSAVE_STEP, FORM_KEY, fill
    form = app.extensions["forms"].get(FORM_KEY)
    with app.app_context(), models.db.atomic():
        instance = FormInstance.create(person=person_id, form_key=FORM_KEY,
                                       schema_version=form.version, author=user,
                                       answers=fill(form))
    path = f"/forms/{instance.id}/{AUTOSAVE_STEP}"
    page = client.get(path).get_data(as_text=True)
    step_form, version, csrf = form_with_class(page, "portal-step-form"), version_of(page), csrf_of(page)
    field = next(c["name"] for c in step_form.controls if c["tag"] == "textarea")
    times = []
    for n in range(repeats + 3):
        body = urllib.parse.urlencode(step_form.fields(overrides={
            field: f"Zz diagnosis {n}", "autosave": "1", "version": str(version)}))
        t = time.perf_counter()
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded",
                               headers={"HX-Request": "true", "HX-Request-Type": "partial",
                                        "X-CSRFToken": csrf})
        elapsed = (time.perf_counter() - t) * 1000
        version = version_of(response.get_data(as_text=True)) or version
        if n >= 3:
            times.append(elapsed)
    return {"url": path, "p50": percentile(times, 50), "p95": percentile(times, 95),
            "statuses": [response.status_code], "bytes": len(response.data)}


PROFILED = {"is_complete": "Journey.is_complete", "validate_value": "validate_value",
            "tidy_label": "tidy_label"}


def profile_page(client, url):
    """One GET under cProfile: its time and how often the engine re-checks answers."""
    import cProfile
    import pstats
    client.get(url)
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    response = client.get(url)
    profiler.disable()
    elapsed = (time.perf_counter() - t) * 1000
    stats = pstats.Stats(profiler).stats
    calls = {name: 0 for name in PROFILED.values()}
    for (filename, _line, func), (_cc, nc, _tt, _ct, _callers) in stats.items():
        if func in PROFILED and "engine" in filename:
            calls[PROFILED[func]] += nc
    return {"url": url, "ms_profiled": elapsed, "status": response.status_code, "calls": calls}


def deep_page_url(app, user, wanted):
    """Select Person's page ``wanted`` (or the last but one when the list is shorter) reached
    the way a user reaches it, by the Next link's cursor: the URL to time."""
    from flask import url_for
    from services.kernel import paging
    from services.people import people
    with app.app_context():
        pages = people.linked_people(user).pages
        number = max(2, min(wanted, pages - 1))
        before = people.linked_people(user, cursor=paging.Cursor(number - 1))  # setup: OFFSET
    with app.test_request_context():
        return number, url_for("people.index", page=number, after=before.after)


def _child_process():
    tmp = tempfile.mkdtemp(prefix="send-bench-scale-")
    os.environ["PORTAL_INSTANCE"] = tmp
    postgres = os.environ.get("BENCH_ENGINE") == "postgresql"
    db_path = os.environ["PORTAL_TEST_DATABASE_URL"] if postgres else f"{tmp}/scale.db"
    import models
    from flask import url_for
    from models import User
    from portal import create_app
    from services.identity import accounts
    from tests.perf.data import seed_scale

    app = create_app({"TESTING": False, "SECRET_KEY": "bench",
                      "DATABASE_URL": db_path if postgres else f"sqlite:///{db_path}"})
    with app.app_context():
        models.create_tables()
        with models.db.atomic():
            def user(email, role):
                return User.create(email=email, role=role, status="active", forename="Zzbench",
                                   surname="Zzscale", two_step_method="email",
                                   council_verified=True)
            main = user("main.pro@bench.example", "professional")
            officers = [user(f"officer{n}@bench.example", "officer") for n in range(10)]
            others = [user(f"pro{n}@bench.example", "professional") for n in range(200)]
    form_keys = sorted(app.extensions["forms"].current())
    sessions = {}
    for role, who in (("professional", main), ("officer", officers[0])):
        client = app.test_client()
        with app.app_context(), models.db.atomic():
            token = accounts.start_session(who, two_step_passed=True)
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        sessions[role] = client

    results = {"steps": [], "seed_seconds": 0.0, "missing": [],
               "engine": "postgresql" if postgres else "sqlite"}
    if postgres:
        with app.app_context():
            results["engine_version"] = models.db.obj.execute_sql(
                "SHOW server_version").fetchone()[0]
    done_people = 0
    for people, forms, events in S.SCALE_STEPS:
        seconds = seed_scale(db_path, people_from=done_people, people_to=people,
                             forms_per_person=forms // people, audit_per_person=events // people,
                             main_user_id=main.id, officer_ids=[o.id for o in officers],
                             other_user_ids=[o.id for o in others], form_keys=form_keys)
        results["seed_seconds"] += seconds
        done_people = people
        with app.app_context():
            linked = (models.Link.select().where(models.Link.user == main.id).count())
            person_id = (models.Link.select(models.Link.person).where(models.Link.user == main.id)
                         .order_by(models.Link.id).first().person_id)
        step = {"people": people, "forms": forms, "events": events, "linked": linked,
                "seed_seconds": seconds, "pages": {}, "load_before": os.getloadavg()[0]}
        urls = {}
        for label, endpoint, role, args, _target in S.SCALE_PAGES:
            if endpoint not in app.view_functions:
                if label not in results["missing"]:
                    results["missing"].append(label)
                continue
            args = {k: (person_id if k == "person_id" else v) for k, v in args.items()}
            if "deep" in args:
                step["deep_page"], url = deep_page_url(app, main, args["deep"])
            else:
                with app.test_request_context():
                    url = url_for(endpoint, **args)
            urls[label] = (url, role)
            step["pages"][label] = timed(sessions[role], url)
        step["load_after"] = os.getloadavg()[0]
        if people == S.SCALE_STEPS[-1][0] and not postgres and not S.NATIONAL:
            # The portal opens and closes its SQLite connection on every request; closing the
            # last one checkpoints the WAL and deletes it. Measured again with another
            # connection held open, to show what that costs.
            import sqlite3
            hold = sqlite3.connect(db_path)
            hold.execute("SELECT 1 FROM person LIMIT 1").fetchall()
            step["held_open"] = {label: timed(sessions[role], url)
                                 for label, (url, role) in urls.items()}
            step["autosave_held_open"] = autosave_times(app, sessions["professional"], main,
                                                        person_id, repeats=S.SCALE_REPEATS)
            step["profiles"] = {
                "Summary (forms.summary)": profile_page(
                    sessions["professional"], step["autosave_held_open"]["url"].rsplit("/", 1)[0]
                    + "/summary"),
                "Form step page (forms.step)": profile_page(
                    sessions["professional"], step["autosave_held_open"]["url"])}
            hold.close()
            step["autosave"] = autosave_times(app, sessions["professional"], main, person_id,
                                              repeats=S.SCALE_REPEATS)
        results["steps"].append(step)
    print(json.dumps(results))
    models.db.close()
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)


def postgresql_missing():
    """Why PostgreSQL cannot be benched here, or None (tests/pg_cluster.sh needs initdb)."""
    import glob
    if not any(os.access(f"{d}/initdb", os.X_OK) for d in glob.glob("/usr/lib/postgresql/*/bin")):
        return "skipped: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"
    return None


def run_child(module, *, postgres, what, timeout, env=None):
    """``python -m module`` (in a throwaway PostgreSQL cluster when ``postgres``): its last
    stdout line as JSON, {"skipped": why} without PostgreSQL, or {"error": its output}."""
    command = [sys.executable, "-m", module]
    if postgres:
        missing = postgresql_missing()
        if missing:
            print(f"  {what} {missing}", flush=True)
            return {"skipped": missing}
        command = [str(ROOT / "tests" / "pg_cluster.sh"), *command]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_die_with_parent)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": (done.stderr or done.stdout)[-1500:]}


def measure(engine="sqlite", timeout=None):
    return run_child("tests.perf.scale", postgres=engine == "postgresql",
                     what="scale on PostgreSQL", env={"BENCH_ENGINE": engine},
                     timeout=timeout or S.SCALE_TIMEOUT_SECONDS)


if __name__ == "__main__":
    _child_process()
