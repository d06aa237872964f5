"""Issue 15, observability under gunicorn: with PROMETHEUS_MULTIPROC_DIR, /metrics adds up every
worker's figures. Two real processes serve requests at once, a third answers /metrics; the
gunicorn hooks empty the folder at start and mark exited workers dead."""
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
import models
from portal import create_app
folder = sys.argv[1]
app = create_app({"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{folder}/m.db",
                  "UPLOAD_DIR": f"{folder}/uploads", "MAIL_DIR": f"{folder}/mail"})
with app.app_context():
    models.create_tables()
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/healthz").status_code == 200
if sys.argv[3] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def _env(tmp_path, metrics_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), PORTAL_INSTANCE=str(tmp_path / "inst"),
               PYTHONPATH=str(ROOT))
    return env


def _run(tmp_path, env, requests, mode):
    folder = tmp_path / f"w-{requests}-{mode}"
    folder.mkdir()
    return subprocess.Popen([sys.executable, "-c", WORKER, str(folder), str(requests), mode],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish(process):
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err[-3000:]
    return out


def test_metrics_add_up_every_worker(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = _env(tmp_path, metrics_dir)
    workers = [_run(tmp_path, env, 3, "serve"), _run(tmp_path, env, 4, "serve")]
    for worker in workers:
        _finish(worker)
    assert len(list(metrics_dir.glob("histogram_*.db"))) == 2  # one file per process
    body = _finish(_run(tmp_path, env, 0, "scrape"))
    count = re.search(r'^portal_request_duration_seconds_count\{method="GET",route="/healthz"\} '
                      r'([0-9.]+)$', body, re.M)
    assert count and float(count[1]) == 7.0, body[:2000]
    assert re.search(r"^portal_outbox_pending 0\.0$", body, re.M)  # the database figures too
    assert "portal_sign_in_failures_total" in body


def test_gunicorn_config_empties_the_folder_at_start_and_marks_dead_workers(tmp_path,
                                                                          monkeypatch):
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    (folder / "gauge_livesum_456.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    settings["on_starting"](None)
    assert list(folder.iterdir()) == []
    (folder / "gauge_livesum_789.db").write_bytes(b"x")
    (folder / "counter_789.db").write_bytes(b"x")
    settings["child_exit"](None, type("Worker", (), {"pid": 789})())
    assert [p.name for p in folder.iterdir()] == ["counter_789.db"]
    assert settings["bind"] == "127.0.0.1:8000"
