"""gunicorn settings for the portal (deploy/systemd/send-portal.service passes --config this file).

Prometheus' multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set (the unit sets it to a runtime
folder), each worker writes its counters to files there and /metrics sums them. The folder is
emptied when gunicorn starts (figures from a previous run would be added in), and a worker that
exits is marked dead so its live gauges stop counting; its counters stay in the sums.
"""
import os
from pathlib import Path

bind = "127.0.0.1:8000"
workers = 4  # two a core (make bench)


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
