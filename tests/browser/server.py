"""A live portal for the browser tests, run as its own process.

    python -m tests.browser.server [--instance DIR] [--max-minutes 30]

It serves on 127.0.0.1 (a free port chosen by the OS), prints one line
``PORTAL_TEST_SERVER <base url> <instance dir>`` once it is listening, and stops by itself:
when the process that started it goes away, or after ``--max-minutes`` at the latest.

It is a subprocess rather than a thread because the http tests re-bind the global Peewee
database proxy (``models.db``) for every test app; a server thread inside the pytest process
would have its database swapped from under it.
"""
import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

FAST_PASSWORD_METHOD = "scrypt:1024:8:1"  # production keeps werkzeug's scrypt defaults


def _exit_when_orphaned(parent_pid: int) -> None:
    """Leave as soon as the parent (pytest) has gone, however it ended."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.5)


def _exit_after(minutes: float) -> None:
    time.sleep(minutes * 60)
    print(f"Test server stopping: it has run for its {minutes} minute cap.", file=sys.stderr, flush=True)
    os._exit(0)


def database_url(instance: Path) -> str:
    """The server's database: SQLite in its instance folder, or, with PORTAL_TEST_DATABASE_URL,
    a fresh PostgreSQL database of its own. The URL is written to <instance>/database_url so the
    seeding subprocesses (tests/browser/seed.py) open the same one."""
    from tests import databases
    if databases.postgres_url():
        url = databases.fresh_database(f"portal_browser_{databases.worker()}")
    else:
        url = f"sqlite:///{instance / 'portal.db'}"
    (instance / "database_url").write_text(url)
    return url


def main(argv=None) -> None:
    """Start the portal on a free local port and serve until told to stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="instance folder (default: a new temporary folder)")
    parser.add_argument("--max-minutes", type=float, default=30.0)
    args = parser.parse_args(argv)

    for watcher, arg in ((_exit_when_orphaned, os.getppid()), (_exit_after, args.max_minutes)):
        threading.Thread(target=watcher, args=(arg,), daemon=True).start()

    instance = Path(args.instance or tempfile.mkdtemp(prefix="portal-browser-"))
    instance.mkdir(parents=True, exist_ok=True)

    # Bind first (port 0 = the OS picks a free port, no race), then build the app knowing its URL.
    server = make_server("127.0.0.1", 0, lambda environ, start_response: [], threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    os.environ.update({
        "PORTAL_INSTANCE": str(instance),
        "PORTAL_DATABASE_URL": database_url(instance),
        "PORTAL_SECRET_KEY": "browser-test-secret-key",
        "PORTAL_BASE_URL": base_url,
        "PORTAL_PASSWORD_METHOD": FAST_PASSWORD_METHOD,
        # Every test browser comes from 127.0.0.1, so per-IP limits would be shared by all tests.
        "PORTAL_RATE_LIMIT_FACTOR": "20",
    })
    os.environ.pop("PORTAL_SMTP_HOST", None)  # development mail: instance/mail/*.eml

    import models
    from portal import create_app
    app = create_app()
    with app.app_context():
        models.create_tables()
    server.app = app

    print(f"PORTAL_TEST_SERVER {base_url} {instance}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
