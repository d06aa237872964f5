"""Issue 15, deployment: the files in deploy/ name commands that exist and timers that match."""
import configparser
import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text().replace("\\\n", " "))
    return parser


def test_every_timer_runs_a_service_whose_flask_command_exists(app):
    commands = set(app.cli.list_commands(None))
    timers = sorted((DEPLOY / "systemd").glob("*.timer"))
    assert {t.stem for t in timers} == {f"send-portal-{n}" for n in
                                        ("send-mail", "reminders", "purge", "backup")}
    for timer in timers:
        assert _unit(timer)["Timer"]["OnCalendar"]
        service = _unit(timer.with_suffix(".service"))
        start = service["Service"]["ExecStart"]
        command = re.search(r"flask --app portal ([a-z-]+)", start)[1]
        assert command in commands, (timer.name, command)
        assert service["Service"]["EnvironmentFile"] == "/etc/send-portal/portal.env"
    assert "flock" in _unit(DEPLOY / "systemd/send-portal-send-mail.service")["Service"]["ExecStart"]


def test_gunicorn_unit_and_proxies_agree_on_the_port_and_upload_size(app):
    start = _unit(DEPLOY / "systemd/send-portal.service")["Service"]["ExecStart"]
    assert "'portal:create_app()'" in start and "127.0.0.1:8000" in start
    nginx, caddy = (DEPLOY / "nginx.conf").read_text(), (DEPLOY / "Caddyfile").read_text()
    assert "127.0.0.1:8000" in nginx and "127.0.0.1:8000" in caddy
    limit = int(re.search(r"client_max_body_size (\d+)m", nginx)[1])
    assert limit > app.config["MAX_UPLOAD_MB"]
    assert f"max_size {limit}MB" in caddy
    assert "X-Forwarded-Proto" in nginx


def test_example_environment_names_only_real_settings():
    portal = (Path(__file__).resolve().parents[2] / "portal.py").read_text()
    names = re.findall(r"^#? ?(PORTAL_[A-Z_]+)=", (DEPLOY / "portal.env.example").read_text(), re.M)
    assert names
    for name in names:
        assert name in portal or name in ("PORTAL_METRICS_TOKEN", "PORTAL_CLAMD_SOCKET"), name
