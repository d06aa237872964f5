"""`make bench`: run every benchmark, print one table, write docs/benchmarks.md.

``BENCH_QUICK=1`` (``make bench QUICK=1``) runs each part briefly, for development; its figures
are not the ones to quote. The whole run stops itself after settings.HARD_LIMIT_SECONDS.
"""
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from tests.perf import pdfbench, report, scale
from tests.perf import settings as S
from tests.perf.server import ROOT


def machine():
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, ValueError, IndexError):
        pass

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "os": platform.platform(), "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(dirty), "load_before": os.getloadavg()}


def _watchdog():
    def fire():
        print(f"\nBench stopped by its watchdog after {S.HARD_LIMIT_SECONDS} s.", flush=True)
        os._exit(3)  # servers we started die with us (PR_SET_PDEATHSIG)
    timer = threading.Timer(S.HARD_LIMIT_SECONDS, fire)
    timer.daemon = True
    timer.start()
    return timer


def main():
    started = time.time()
    watchdog = _watchdog()
    info = machine()
    print(f"SEND Portal bench ({'QUICK' if S.QUICK else 'full'}) on {info['cores']} cores; "
          f"load average {info['load_before'][0]:.1f}", flush=True)
    results, notes = {"machine": info}, []

    def part(name, action):
        t = time.time()
        print(f"- {name} ...", flush=True)
        try:
            results[name] = action()
        except Exception as exc:  # one broken part must not lose the others' figures
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            notes.append(f"{name} failed: {type(exc).__name__}: {exc}")
            traceback.print_exc()
        print(f"  {name} took {time.time() - t:.0f} s", flush=True)

    def load():
        from portal import create_app
        from tests.perf.loadrun import LoadRun
        return LoadRun(create_app, notes).run()

    part("load", load)
    part("pdf", pdfbench.measure)
    part("scale", scale.measure)
    info["load_after"] = os.getloadavg()
    info["seconds"] = time.time() - started
    text = report.build(results, notes)
    print("\n" + text, flush=True)
    if not S.QUICK or os.environ.get("BENCH_WRITE_DOCS"):
        out = ROOT / "docs" / "benchmarks.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"Written to {out.relative_to(ROOT)}", flush=True)
    else:
        print("Quick mode: docs/benchmarks.md left as it was (BENCH_WRITE_DOCS=1 writes it).")
    watchdog.cancel()
    return 0


if __name__ == "__main__":
    sys.exit(main())
