"""One table of every figure (Markdown), with the targets, and notes on every miss."""
import datetime as dt

from tests.perf import crowd as C
from tests.perf import settings as S
from tests.perf import weight as weight_part

LOAD_ORDER = (C.SELECT_PERSON, C.FORMS_SECTION, C.TAB_SWITCH, C.STEP_PAGE, C.AUTOSAVE,
              C.STEP_SWAP, C.ADD_MORE, C.REMOVE_ROW, C.SUMMARY, C.SUBMIT, C.EDIT, C.MAIL_LOGIN)

MET, MISSED, NONE = "met", "**MISSED**", "—"

# Why a target is missed and what would fix it: printed only when that target is missed.
WHY = {
    "autosave_p95": (
        "Autosave p95 at 50 users: the p50 is the portal's own work, the tail is requests "
        "queueing for one of 4 workers on 2 cores that the crowd's threads (and, today, other "
        "engineers' test runs) use too. Per autosave the portal runs 5 SQL statements (session "
        "with its user, the instance, the Link check, the instance again inside the IMMEDIATE "
        "transaction, the compare-and-set UPDATE), CSRF, the form engine over the whole step and "
        "a rewrite of the whole answers JSON; the form step page and the summary also re-check "
        "the answers many times over (Problems found). The diagnosis rows show the share of the "
        "SQLite connection opened and closed on every request. Fixes, in order: memoise the "
        "engine's checks; one SQLite connection per worker; read the instance once per save; a "
        "machine with more cores, or PostgreSQL for many concurrent writers."),
    "baseline_ratio": (
        "Autosave throughput against the baseline: with no pauses both are CPU-bound on 2 "
        "cores, so the ratio is about the ratio of CPU per request. The baseline parses a post, "
        "runs one UPDATE and returns a string; a portal autosave loads the session and its "
        "user, checks CSRF, runs 5 SQL statements (the instance is read twice), puts the whole "
        "posted step through the form engine, rewrites the whole answers JSON and renders a "
        "template (see the diagnosis row: autosave one at a time in-process). Fixes: read the "
        "instance once; store answers per step so a save rewrites one step; memoise the "
        "engine's checks (Problems found); keep the SQLite connection per worker."),
    "first_visit": (
        "First visit to a form step: most of the weight is vendored GOV.UK Frontend CSS/JS and "
        "htmx, cached after the first page. A reverse proxy with gzip (or pre-compressed .gz "
        "files) is assumed; without one the raw sizes apply."),
    "fragment": (
        "A fragment over 8 KB: the step swap re-sends the whole step (heading, step bar and "
        "every field); sending only the form, or letting htmx select the part it swaps, would "
        "shrink it."),
    "pdf_ey": (
        "Early Years PDF over 1 s: xhtml2pdf lays out every answer in pure Python; the first "
        "render in a process also loads and registers the embedded DejaVu fonts. Keeping "
        "workers warm (preload) or caching each submitted round's PDF (it never changes) fixes "
        "the user-visible time."),
    "pdf_200": (
        "200-row PDF over 5 s: xhtml2pdf's table layout grows faster than linearly with rows; "
        "render long groups as paragraphs instead of one table, or render in the background "
        "and cache the file per submitted round."),
    "scale": (
        "A list page over the p95 target at the larger size, or growing past the growth target: "
        "the table marks which. These are single requests through the test client, so the "
        "time is the page's own queries and template; a p95 of a few dozen requests on a shared "
        "machine is noisy, so read the p50 beside it and the load average. Select Person and "
        "the caseload page by keyset on indexes matching their ORDER BY (docs/decisions.md, "
        "\"Keyset paging\"), so what still grows is what reads every matching row: the COUNT "
        "behind \"N records found\" and a name search (LIKE '%word%' cannot use a b-tree "
        "index; a trigram index on PostgreSQL or an FTS table on SQLite would)."),
    "wire": weight_part.WIRE_WHY,
    "reliability": (
        "A reliability check failed: see the figures in the row and Problems found."),
}


def ms(value):
    return "—" if value is None else (f"{value:.0f}" if value >= 10 else f"{value:.1f}")


def kb(n):
    return f"{n / 1024:.1f} KB"


def _load_figure(s):
    text = (f"n {s['n']}, {s['rps']:.1f}/s · p50 {ms(s['p50'])} · p95 {ms(s['p95'])} · "
            f"p99 {ms(s['p99'])} ms")
    extra = []
    if s["errors"]:
        extra.append(f"{s['errors']} errors")
    if s["4xx"]:
        extra.append(f"{s['4xx']} 4xx")
    return text + (f" ({', '.join(extra)})" if extra else "")


def _growth(a, b):
    return (b["p95"] / a["p95"]) if a and b and a["p95"] else None


def _scale_rows(sc, engine, row, judge):
    """The scale rows of one engine's run (``engine`` "" for SQLite or ", PostgreSQL")."""
    steps = sc["steps"]
    first, last = steps[0], steps[-1]
    row(f"Scale{engine}", "Seeded (bulk inserts, one transaction per step)",
        " → ".join(f"{s['people']:,} people / {s['forms']:,} forms / {s['events']:,} audit "
                   f"events ({s['linked']:,} linked to one professional)" for s in steps)
        + f"; {sc.get('seed_seconds', 0):.0f} s")
    targeted = {label for label, *_rest, flag in S.SCALE_PAGES if flag}
    for label in last["pages"]:
        a, b = first["pages"].get(label), last["pages"][label]
        growth = _growth(a, b)
        figure = (f"{first['people']:,}: p95 {ms(a and a['p95'])} (p50 {ms(a and a['p50'])}) "
                  f"→ {last['people']:,}: p95 {ms(b['p95'])} (p50 {ms(b['p50'])}) ms; "
                  f"growth ×{growth:.2f}" if growth else "")
        if b["statuses"] != [200]:
            figure += f"; statuses {b['statuses']}"
        target = verdict = NONE
        if label in targeted:
            target = f"p95 ≤ {S.TARGET_SCALE_P95_MS} ms, growth < {S.TARGET_SCALE_GROWTH:g}×"
            verdict = judge(b["p95"] <= S.TARGET_SCALE_P95_MS and growth is not None
                            and growth < S.TARGET_SCALE_GROWTH, "scale")
        row(f"Scale{engine} (test client, one at a time)", label, figure, target, verdict)


def two_server_rows(ts):
    """(what, figure, target, met) rows of the two-servers reliability run (twoservers.py)."""
    if not ts:
        return []
    if "skipped" in ts or "error" in ts:
        return [("Two gunicorn instances, one PostgreSQL, one upload folder",
                 ts.get("skipped") or f"failed: {ts['error'][-400:]}", "—", None)]
    se, up, li, ma = ts["session"], ts["upload"], ts["limit"], ts["mail"]
    return [
        ("Two instances (2 workers each, own instance folders): session", f"password on A "
         f"{se['password_on_a']}, code on B {se['code_on_b']}, Select Person on A "
         f"{se['people_on_a']} and on B {se['people_on_b']}", "signed in on both", se["ok"]),
        ("Two instances: upload on A, read on B", f"upload on A {up.get('upload_on_a')}; listed "
         f"on B: {'yes' if up.get('listed_on_b') else 'NO'}; download on B "
         f"{up.get('read_on_b')}, same bytes: {'yes' if up.get('same_bytes') else 'NO'}",
         "the file on B", up["ok"]),
        ("Two instances: sign-in limit (20 a minute per address), attempts alternating A and B",
         f"first refusal (429) at attempt {li['first_refused']} of {len(li['statuses'])}",
         "the 21st", li["ok"]),
        ("Two instances: sign-in code queued on B, `flask send-mail` on both at once",
         f"send-mail exits {ma['send_mail_exits']}; delivered {ma['delivered']} time(s); the "
         f"code signed in on A: {ma['code_on_a']}", "sent once", ma["ok"]),
    ]


def build_two_servers(results, info):
    """The two-servers reliability section (BENCH_SCALE=national), with the load average."""
    lb, la = info.get("load_before", (0,)), info.get("load_after", (0,))
    lines = ["## Reliability: two servers, one database (`make bench SCALE=national`)", "",
             f"Generated {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} (local time), commit "
             f"{info.get('commit', '?')}{' with uncommitted changes' if info.get('dirty') else ''}"
             f"; load average {lb[0]:.1f} before, {la[0]:.1f} after. Two `gunicorn "
             "portal:create_app()` on 127.0.0.1 (different ports, 2 sync workers each, their "
             "own PORTAL_INSTANCE folders) with one PORTAL_DATABASE_URL (a throwaway PostgreSQL "
             "cluster), one PORTAL_UPLOAD_DIR and one PORTAL_SECRET_KEY; PORTAL_MAIL_SYNC=0, "
             "mail to a local SMTP sink (tests/perf/twoservers.py).", "",
             "| What | Figure | Target | Result |", "|---|---|---|---|"]
    lines += [f"| {w} | {f} | {t} | {NONE if ok is None else (MET if ok else MISSED)} |"
              for w, f, t, ok in two_server_rows(results.get("two-servers"))]
    return "\n".join(lines) + "\n"


def build_national(results, info):
    """The BENCH_SCALE=national section: SQLite and PostgreSQL side by side, load averages."""
    lite, pg = results.get("scale") or {}, results.get("scale-postgresql") or {}
    lines = ["## Scale on both engines (`make bench SCALE=national`)", "",
             f"Generated {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} (local time), commit "
             f"{info.get('commit', '?')}{' with uncommitted changes' if info.get('dirty') else ''}"
             f"; {info.get('cores')} cores shared with other work. Test client, one request at "
             f"a time, p95 of {S.SCALE_REPEATS} requests after 3 warm-ups (p50 in brackets), "
             "milliseconds. Load average (1 min) noted before and after each point. Targets: "
             f"p95 ≤ {S.TARGET_SCALE_P95_MS} ms at the larger size and growth < "
             f"{S.TARGET_SCALE_GROWTH:g}× on the rows marked.", ""]
    for name, sc in (("SQLite", lite), ("PostgreSQL", pg)):
        if "skipped" in sc or "error" in sc:
            lines.append(f"- {name}: {sc.get('skipped') or 'failed: ' + sc['error'][-400:]}")
        elif sc.get("steps"):
            version = sc.get("engine_version") or info.get("sqlite", "")
            lines.append(f"- {name} {version}: seeded " + " then ".join(
                f"{s['people']:,} people / {s['forms']:,} forms / {s['events']:,} events "
                f"({s['linked']:,} linked to the measured professional) in "
                f"{s['seed_seconds']:.0f} s" for s in sc["steps"]) + "; load average " + ", ".join(
                f"{s['load_before']:.1f}→{s['load_after']:.1f} at {s['people']:,}"
                for s in sc["steps"]))
    lines += ["", "| Page | SQLite " + " | SQLite ".join(
        f"{s['people']:,}" for s in lite.get("steps", [])) + " | SQLite growth | PostgreSQL "
        + " | PostgreSQL ".join(f"{s['people']:,}" for s in pg.get("steps", []))
        + " | PostgreSQL growth | Target met |", "|---" * (4 + len(lite.get("steps", []))
                                                           + len(pg.get("steps", []))) + "|"]
    targeted = {label for label, *_rest, flag in S.SCALE_PAGES if flag}
    labels = list((lite.get("steps") or pg.get("steps") or [{"pages": {}}])[-1]["pages"])
    for label in labels:
        cells, verdicts = [label], []
        for sc in (lite, pg):
            steps = sc.get("steps") or []
            for s in steps:
                p = s["pages"].get(label)
                cells.append(f"{ms(p['p95'])} ({ms(p['p50'])})" if p else "—")
            a = steps[0]["pages"].get(label) if steps else None
            b = steps[-1]["pages"].get(label) if steps else None
            growth = _growth(a, b)
            cells.append(f"×{growth:.2f}" if growth else "—")
            if b and label in targeted:
                verdicts.append(b["p95"] <= S.TARGET_SCALE_P95_MS and growth is not None
                                and growth < S.TARGET_SCALE_GROWTH)
        cells.append(NONE if not verdicts else (MET if all(verdicts) else MISSED))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    deep = [f"{name}: page {s['deep_page']} at {s['people']:,}" for name, sc in
            (("SQLite", lite), ("PostgreSQL", pg)) for s in sc.get("steps", []) if "deep_page" in s]
    if deep:
        lines += ["", "Deep page measured (page 500, or the last but one of a shorter list): "
                  + "; ".join(deep) + "."]
    return "\n".join(lines) + "\n"


def build(results, notes):
    rows, misses, problems = [], [], list(notes)
    info = results.get("machine", {})
    load = results.get("load") or {}
    if "error" in load:
        problems.append(f"Load run failed: {load['error']}")
        load = {}

    def row(section, what, figure, target=NONE, verdict=NONE):
        rows.append((section, what, figure, target, verdict))

    def judge(ok, key):
        if ok is None:
            return NONE
        if not ok and key not in misses:
            misses.append(key)
        return MET if ok else MISSED

    # --- load -------------------------------------------------------------------------------
    sign_in = load.get("sign_in")
    if sign_in:
        st = sign_in["stats"]
        pw, code = st.get(C.LOGIN_POST, {}), st.get(C.VERIFY_POST, {})
        row("Load", "Sign-in of the crowd (real scrypt; TOTP code)",
            f"{sign_in['users']} users in {sign_in['seconds']:.0f} s, {sign_in['failed']} failed; "
            f"password p50 {ms(pw.get('p50'))} / p95 {ms(pw.get('p95'))} ms; "
            f"code p50 {ms(code.get('p50'))} / p95 {ms(code.get('p95'))} ms")
    officer_labels = list(load.get("visitor_pages", []))
    for users, level in sorted(load.get("levels", {}).items(), key=lambda kv: int(kv[0])):
        others = ", ".join(f"{n} {role}s" for role, n in level.get("roles", {}).items() if n)
        section = (f"Load, {users} users ({level['professionals']} professionals"
                   f"{', ' + others if others else ''})")
        total = sum(s["n"] for s in level["stats"].values())
        row(section, "All requests", f"{total / level['seconds']:.1f}/s over {level['seconds']} s; "
            f"{level['errors_total']} without an answer or 5xx")
        for label in LOAD_ORDER + tuple(officer_labels):
            s = level["stats"].get(label)
            if s is None:
                continue
            target = verdict = NONE
            if label == C.AUTOSAVE and int(users) == S.LEVELS[1]:
                target = f"p95 ≤ {S.TARGET_AUTOSAVE_P95_MS} ms"
                verdict = judge(s["p95"] is not None and s["p95"] <= S.TARGET_AUTOSAVE_P95_MS,
                                "autosave_p95")
            row(section, label, _load_figure(s), target, verdict)
    for label in load.get("visitor_missing", []):
        row("Load", label, "not built yet: skipped")

    sat = load.get("saturation") or {}
    portal, base = sat.get("portal"), sat.get("baseline")
    if portal and base:
        ratio = portal["rps"] / base["rps"] if base["rps"] else 0
        row("Baseline", f"Autosave only, {S.SATURATION_USERS} users, no pauses: portal",
            _load_figure(portal))
        row("Baseline", "Bare Flask + Peewee, one UPDATE per request, same server",
            _load_figure(base))
        row("Baseline", "Portal autosave throughput / baseline", f"{ratio:.2f}",
            f"≥ {S.TARGET_BASELINE_RATIO:.2f}",
            judge(ratio >= S.TARGET_BASELINE_RATIO, "baseline_ratio"))

    # --- page weight --------------------------------------------------------------------------
    weight = load.get("weight") or {}
    for name, items in (weight.get("pages") or {}).items():
        html_wire = items[0][2]
        files = items[1:]
        wire = sum(r[2] for r in items)
        raw = sum(r[1] for r in items)
        heads = sum(r[3] for r in items)
        broken = [r[0] for r in items if r[4] != 200]
        figure = (f"{kb(wire)} gzip: HTML {kb(html_wire)} + {len(files)} files "
                  f"{kb(wire - html_wire)} (raw {kb(raw)}; headers {kb(heads)} more)")
        if broken:
            figure += f"; not found: {', '.join(broken)}"
            problems.append(f"{name} references files that do not load: {', '.join(broken)}")
        target = verdict = NONE
        if name.startswith("Form step"):
            target = f"≤ {S.TARGET_FIRST_VISIT_KB} KB"
            verdict = judge(wire <= S.TARGET_FIRST_VISIT_KB * 1024, "first_visit")
        row("Page weight, first visit", name, figure, target, verdict)
    for name, f in (weight.get("fragments") or {}).items():
        row("Page weight, htmx fragment", name,
            f"{kb(f['wire'])} gzip (raw {kb(f['raw'])}; headers {kb(f['headers'])}); "
            f"status {f['status']}", f"≤ {S.TARGET_FRAGMENT_KB} KB",
            judge(f["wire"] <= S.TARGET_FRAGMENT_KB * 1024 and f["status"] == 200, "fragment"))
    for section, what, figure, target, ok in weight_part.wire_rows(weight):  # issue 15
        row(section, what, figure, target, judge(ok, "wire"))

    # --- PDF ----------------------------------------------------------------------------------
    pdf = results.get("pdf") or {}
    for case, label, limit, key in (
            ("early-years", "Early Years request, 6 parents, 3 attachments", S.TARGET_PDF_EY_S, "pdf_ey"),
            ("two-hundred-rows", "Form with a 200-row Add More group", S.TARGET_PDF_200_S, "pdf_200")):
        p = pdf.get(case)
        if not p:
            continue
        if "error" in p:
            row("PDF", label, f"failed: {p['error'][-200:]}", f"≤ {limit:g} s", judge(False, key))
            continue
        worst = max(p["cold_s"], p["warm_s"])
        row("PDF", label,
            f"first render {p['cold_s']:.2f} s, next {p['warm_s']:.2f} s; peak RSS "
            f"{p['peak_mb']:.0f} MB ({p['before_mb']:.0f} MB before rendering); "
            f"{p['pages']} pages, {kb(p['bytes'])}", f"≤ {limit:g} s (slowest render)",
            judge(worst <= limit, key))

    # --- scale --------------------------------------------------------------------------------
    sc = results.get("scale") or {}
    if "error" in sc:
        problems.append(f"Scale run failed: {sc['error'][-600:]}")
    steps = sc.get("steps") or []
    if steps:
        last = steps[-1]
        _scale_rows(sc, "", row, judge)
        for label, b in (last.get("held_open") or {}).items():
            plain = last["pages"][label]
            row("Scale, diagnosis", f"{label}, another SQLite connection held open",
                f"{last['people']:,}: p95 {ms(b['p95'])} (p50 {ms(b['p50'])}) ms, against p95 "
                f"{ms(plain['p95'])} (p50 {ms(plain['p50'])}) ms when each request closes the "
                "last connection")
        for label, p in (last.get("profiles") or {}).items():
            calls = ", ".join(f"{name} ×{n:,}" for name, n in p["calls"].items())
            row("Scale, diagnosis", f"{label}: one request under cProfile",
                f"{ms(p['ms_profiled'])} ms (profiler on); calls: {calls}")
            # Journey remembers each step's errors, so a field should be validated about once a
            # request; far more means the memo broke and the step bar went quadratic again.
            if p["calls"].get("validate_value", 0) > 300:
                problems.append(
                    f"{label}: one request calls the engine's validate_value "
                    f"{p['calls']['validate_value']:,} times (Journey.is_complete "
                    f"{p['calls'].get('Journey.is_complete', 0):,} times). Journey is meant to "
                    "work out each step's errors once per request (engine/journey.py memo); the "
                    "step bar asks about every step, so without the memo the cost grows with the "
                    "square of the number of steps.")
        held, plain = last.get("autosave_held_open"), last.get("autosave")
        if held and plain:
            row("Scale, diagnosis", "Autosave through the test client, one at a time",
                f"p95 {ms(plain['p95'])} (p50 {ms(plain['p50'])}) ms; with another SQLite "
                f"connection held open p95 {ms(held['p95'])} (p50 {ms(held['p50'])}) ms")
            if plain["p50"] and held["p50"] and plain["p50"] > 1.5 * held["p50"]:
                problems.append(
                    "SQLite connection per request (portal.py `_wire_database`): every request "
                    "opens a connection and closes it in teardown. When that close is the last "
                    "open connection, SQLite checkpoints the WAL into the database and deletes "
                    "the -wal file, and the next write creates it again. Autosave one at a time: "
                    f"p50 {ms(plain['p50'])} ms, against {ms(held['p50'])} ms when another "
                    "connection stays open (the list pages above show the same). It bites most "
                    "on a quiet server (each request is alone) and in the 4 workers' gaps under "
                    "load. Fix: keep one connection per worker (e.g. playhouse.pool."
                    "PooledSqliteDatabase, or do not close SQLite connections in teardown), "
                    "with `PRAGMA wal_autocheckpoint` left to do checkpoints.")
    pg = results.get("scale-postgresql") or {}
    if "error" in pg:
        problems.append(f"Scale run on PostgreSQL failed: {pg['error'][-600:]}")
    elif "skipped" in pg:
        row("Scale, PostgreSQL", "Scale run", pg["skipped"])
    elif pg.get("steps"):
        _scale_rows(pg, ", PostgreSQL", row, judge)
    for label in sc.get("missing", []):
        row("Scale", label, "not built yet: skipped")

    # --- reliability --------------------------------------------------------------------------
    rel = load.get("reliability") or {}
    levels = load.get("levels") or {}
    killed = next((lv for lv in levels.values() if lv["events"].get("killed_at")), None)
    errors = sum(lv["errors_total"] for lv in levels.values())
    in_flight = sum(lv["errors_killed_in_flight"] for lv in levels.values())
    if killed is not None:
        row("Reliability", f"kill -9 of one gunicorn worker (pid {killed['events']['killed_pid']}) "
            f"at {killed['users']} users",
            f"{in_flight} requests lost in flight on it (connection reset); "
            f"{errors - in_flight} other requests without an answer or 5xx in the whole run",
            "0 5xx but the killed worker's", judge(errors - in_flight == 0, "reliability"))
        for lv in levels.values():
            for label, _t, err in lv.get("error_samples", [])[:3]:
                problems.append(f"Request failed ({label}): {err}")
    saves = rel.get("saves")
    if saves:
        row("Reliability", "Acknowledged autosaves and submits in the database after the run",
            f"{saves['acked_saves']:,} autosaves answered 200 checked, {saves['lost']} lost; "
            f"{saves['acked_submits']} submits answered 303, {saves['rounds_missing']} rounds missing",
            "0 lost", judge(saves["lost"] == 0 and saves["rounds_missing"] == 0, "reliability"))
        for sample in saves.get("lost_samples", []):
            problems.append(f"Lost acknowledged save (instance, value acked, value stored): {sample}")
    mail = rel.get("mail")
    if mail:
        bad = mail["not_sent"] + mail["missing_at_sink"] + mail["duplicates"]
        row("Reliability", f"SMTP sink stopped for {mail['outage_s'] or 0:.0f} s during the load",
            f"{mail['queued']} emails queued ({mail['queued_during_outage']} during the outage, "
            f"{mail['retried']} retried); {mail['not_sent']} not sent, {mail['missing_at_sink']} "
            f"missing at the sink, {mail['duplicates']} duplicated; longest wait "
            f"{mail['max_delay_s'] or 0:.0f} s; {mail['needed_later_cron']} still waiting on "
            f"their backoff at the end (sent by later cron runs, clock moved on)",
            "0 lost, 0 twice", judge(bad == 0, "reliability"))
    tabs = rel.get("two_tabs")
    if tabs:
        row("Reliability", "Two tabs autosaving the same form",
            f"{tabs['saves']} saves, {tabs['conflicts']} answered 409; "
            f"{tabs['same_version_twice']} saves accepted on an already-used version; last "
            f"acknowledged save is what is stored: {'yes' if tabs['final_is_last_ack'] else 'NO'}",
            "409s, no lost update",
            judge(tabs["conflicts"] > 0 and tabs["same_version_twice"] == 0
                  and tabs["final_is_last_ack"] and not tabs["other"], "reliability"))
    backup = rel.get("backup")
    if backup:
        ok = backup["exit"] == 0 and backup["integrity"] == "ok" and "login page 200" in backup["opens"]
        row("Reliability", "`flask --app portal backup PATH` during the load (50 users)",
            f"exit {backup['exit']} in {backup['seconds']:.1f} s, {backup['size_mb']:.1f} MB; "
            f"integrity_check: {backup['integrity']}; opened in the portal: {backup['opens']}",
            "0 corrupt", judge(ok, "reliability"))
    for what, figure, target, ok in two_server_rows(results.get("two-servers")):
        row("Reliability", what, figure, target,
            NONE if ok is None else judge(ok, "reliability"))
    if load.get("server_errors_logged"):
        problems.append(f"gunicorn's error log holds {load['server_errors_logged']} tracebacks; "
                        f"last lines:\n\n```\n{load.get('server_log_tail', '')[-1500:]}\n```")
    return _render(info, rows, misses, problems, load)


def _render(info, rows, misses, problems, load):
    quick = S.QUICK
    lb, la = info.get("load_before", (0, 0, 0)), info.get("load_after", (0, 0, 0))
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (tests/perf/); do not edit by hand." + (
            " **QUICK mode: short runs, figures for development only.**" if quick else ""),
        "",
        f"- Date: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} (local time); "
        f"run took {info.get('seconds', 0) / 60:.1f} min",
        f"- Machine: {info.get('cpu', '?')}, {info.get('cores')} cores, {info.get('memory')} RAM; "
        f"{info.get('os', '')}; Python {info.get('python')}, SQLite {info.get('sqlite')}",
        f"- Commit: {info.get('commit', '?')}{' with uncommitted changes' if info.get('dirty') else ''}",
        f"- Load average before / after: {lb[0]:.1f} / {la[0]:.1f} — the machine was shared "
        "with other work while this ran, so the latencies carry that noise.",
        f"- Server: gunicorn, {S.WORKERS} sync workers on 127.0.0.1 (2 × cores), portal and "
        "baseline alike; SQLite in a temporary instance (WAL, synchronous NORMAL, IMMEDIATE "
        "write transactions); real password hashing (scrypt defaults).",
        f"- Crowd: threads over real HTTP from the same machine (they use CPU too), one cookie "
        f"jar each, a pause of {S.THINK_SECONDS[0]}–{S.THINK_SECONDS[1]} s between actions; "
        f"{S.WARMUP_SECONDS} s warm-up then {S.LEVEL_SECONDS} s measured per level. Times are "
        "milliseconds from sending the request to reading the whole answer.",
        "- Sign-in: every simulated user signs in once (password, then an authenticator code "
        "from pyotp). All come from 127.0.0.1, so the bench empties the per-address sign-in "
        "rate-limit counters between batches of 15 sign-ins.",
        "- Page weight: gzip level 6 of each body (gunicorn does not compress; a reverse proxy "
        "would); already-compressed files counted as they are.",
        "",
        "| Section | What | Figure | Target | Result |",
        "|---|---|---|---|---|",
    ]
    for section, what, figure, target, verdict in rows:
        cells = [str(c).replace("|", "\\|").replace("\n", " ") for c in
                 (section, what, figure, target, verdict)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("## Targets missed")
    lines.append("")
    busiest = max(lb[0], la[0])
    if misses and busiest > (info.get("cores") or 1):
        lines.append(f"The load average reached {busiest:.1f} on {info.get('cores')} cores during "
                     "this run: other processes were competing for the CPU, so a timing miss "
                     "may be the machine's rather than the portal's. Run `make bench` on a "
                     "quiet machine before acting on one.")
        lines.append("")
    if misses:
        for key in misses:
            lines.append(f"- {WHY.get(key, key)}")
    else:
        lines.append("None.")
    lines.append("")
    lines.append("## Problems found")
    lines.append("")
    lines.extend(f"- {p}" for p in problems) if problems else lines.append("None in this run.")
    lines.append("")
    return "\n".join(lines)
