"""gunicorn on 127.0.0.1 for the portal or the baseline, always stopped by us.

Three ways a server we start ends: ``stop()`` (called in ``finally``), a watchdog timer after
``max_seconds``, and PR_SET_PDEATHSIG so the master dies if the bench process dies (its sync
workers notice the master is gone and exit).
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.perf.client import Browser

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Server:
    """``with Server(app_spec, env, workdir, workers=4) as server:`` — server.port, .workers()."""

    def __init__(self, app_spec, env, workdir, *, workers, max_seconds, ready_path="/",
                 name="server"):
        self.app_spec, self.env, self.workdir = app_spec, env, Path(workdir)
        self.workers_count, self.max_seconds, self.ready_path = workers, max_seconds, ready_path
        self.name = name
        self.port = free_port()
        self.proc = None
        self._timer = None
        self.log_path = self.workdir / f"{name}-error.log"

    def start(self):
        pidfile = self.workdir / f"{self.name}.pid"
        command = [GUNICORN, "--workers", str(self.workers_count), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--pid", str(pidfile),
                   "--chdir", str(ROOT), "--timeout", "60", "--graceful-timeout", "5",
                   "--error-logfile", str(self.log_path), "--log-level", "warning",
                   self.app_spec]
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        self._timer = threading.Timer(self.max_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        deadline = time.monotonic() + 60
        probe = Browser(self.port, timeout=5)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log_path}")
            if probe.get(self.ready_path).status == 200 and len(self.workers()) >= self.workers_count:
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within 60 s; see {self.log_path}")

    def workers(self):
        """The worker pids (children of the master)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def kill_one_worker(self):
        """kill -9 one worker (the master starts a new one). Returns its pid or None."""
        pids = self.workers()
        if not pids:
            return None
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def stop(self):
        if self._timer is not None:
            self._timer.cancel()
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # our own session: master + workers
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)

    def errors_logged(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
