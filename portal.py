"""SEND Portal: the application factory, its extensions and its CLI commands (the only entry point).

Run it with ``flask --app portal run`` or ``gunicorn 'portal:create_app()'``. Configuration comes
from ``PORTAL_*`` environment variables (DESIGN.md §7); tests pass a dict instead.
"""
import datetime as dt
import logging
import os
import secrets
import uuid
from pathlib import Path

import click
import yaml
from flask import Flask, render_template, request
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

import migrations
import models
from blueprints import (
    account, auth, casework, citizen, designer, exports, forms, health, home, messages, metrics,
    organisations, people, sen2, team, web,
)
from engine import load_registry
from engine.schema import check_directory
from services import backups, demo, mail
from services.cases import events as case_events
from services.forms_design import registry as forms_registry
from services.forms_design import store as forms_store
from services.casework import advice
from services.identity import accounts
from services.kernel import clock
from services.ops import closed_cases, doctor, export, observe, retention, static_files
from services.sen2 import xml as sen2_xml

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("portal")

csrf = CSRFProtect()
login_manager = LoginManager()


def _secret_key(instance: Path) -> str:
    """PORTAL_SECRET_KEY, or a key generated once into instance/secret_key."""
    if os.environ.get("PORTAL_SECRET_KEY"):
        return os.environ["PORTAL_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(app: Flask, test_config: dict | None) -> None:
    env = os.environ.get
    instance = Path(app.instance_path)
    app.config.update(
        DATABASE_URL=env("PORTAL_DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        COUNCIL_KEY=env("PORTAL_COUNCIL", "stockton"),
        BASE_URL=env("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        SMTP_HOST=env("PORTAL_SMTP_HOST", ""),
        SMTP_PORT=int(env("PORTAL_SMTP_PORT", "587")),
        SMTP_USER=env("PORTAL_SMTP_USER", ""),
        SMTP_PASSWORD=env("PORTAL_SMTP_PASSWORD", ""),
        SMTP_STARTTLS=env("PORTAL_SMTP_STARTTLS", "1").lower() not in ("0", "false", "no"),
        SMTP_CONNECT_TIMEOUT=float(env("PORTAL_SMTP_CONNECT_TIMEOUT", "5")),  # seconds, greeting too
        SMTP_READ_TIMEOUT=float(env("PORTAL_SMTP_READ_TIMEOUT", "10")),  # seconds per answer
        # Requests deliver the mail they queued: "" = yes only without an SMTP host (set below).
        MAIL_SYNC=env("PORTAL_MAIL_SYNC", ""),
        MAIL_FROM=env("PORTAL_MAIL_FROM", ""),
        MAIL_DIR=str(instance / "mail"),
        UPLOAD_DIR=env("PORTAL_UPLOAD_DIR", str(instance / "uploads")),
        MAX_UPLOAD_MB=int(env("PORTAL_MAX_UPLOAD_MB", "20")),
        # clamd's unix socket path or host:port: every upload is scanned there ("" = no scanning).
        CLAMD_SOCKET=env("PORTAL_CLAMD_SOCKET", ""),
        UPLOAD_MAX_FILES_PER_FIELD=int(env("PORTAL_UPLOAD_MAX_FILES_PER_FIELD", "10")),
        UPLOAD_MAX_FILES_PER_FORM=int(env("PORTAL_UPLOAD_MAX_FILES_PER_FORM", "30")),
        FORMS_DIR=str(ROOT / "schemas" / "forms"),
        SESSION_IDLE_MINUTES=float(env("PORTAL_SESSION_IDLE_MINUTES", "30")),
        SESSION_ABSOLUTE_HOURS=12,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires itself
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PASSWORD_METHOD=env("PORTAL_PASSWORD_METHOD", "scrypt"),
        RATE_LIMIT_FACTOR=max(1, int(env("PORTAL_RATE_LIMIT_FACTOR", "1"))),  # tests set fast scrypt parameters
        # Reverse-proxy hops in front of the portal whose X-Forwarded-* headers are believed.
        TRUSTED_PROXIES=max(0, int(env("PORTAL_TRUSTED_PROXIES", "0") or 0)),
        # Find Address on Work Details (services/addresses): none, os-places or ideal-postcodes.
        ADDRESS_LOOKUP=env("PORTAL_ADDRESS_LOOKUP", "none"),
        ADDRESS_LOOKUP_KEY=env("PORTAL_ADDRESS_LOOKUP_KEY", ""),
        ADDRESS_LOOKUP_URL=env("PORTAL_ADDRESS_LOOKUP_URL", ""),
        # Every form body (Flask's own keys); only upload routes take MAX_CONTENT_LENGTH.
        MAX_FORM_MEMORY_SIZE=500_000,
        MAX_FORM_PARTS=1000,
        # Hashed, compressed copy of static/ (services/ops/static_files.py; make install builds it).
        STATIC_BUILD=env("PORTAL_STATIC_BUILD", str(ROOT / ".static-build")),
    )
    if test_config:
        app.config.update(test_config)
    if "SECRET_KEY" not in (test_config or {}):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["MAIL_SYNC"] = _flag(app.config["MAIL_SYNC"], default=not app.config["SMTP_HOST"])
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024 + 64 * 1024
    council_file = ROOT / "schemas" / "councils" / f"{app.config['COUNCIL_KEY']}.yaml"
    app.config["COUNCIL"] = yaml.safe_load(council_file.read_text(encoding="utf-8"))


def _flag(value, *, default: bool) -> bool:
    """A yes/no setting: "" or None means ``default``; "0", "false", "no", "off" mean no."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off")


_registries: dict = {}


def _form_registry(directory: str):
    """Load the form schemas once per process (they are immutable) until a file changes."""
    files = sorted(Path(directory).rglob("*.yaml"))
    signature = (directory, tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if signature not in _registries:
        _registries.clear()
        _registries[signature] = load_registry(directory)
    return _registries[signature]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the portal. ``test_config`` overrides the environment (tests use it)."""
    app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE", str(ROOT / "instance")),
                instance_relative_config=True)
    load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(ROOT / "templates")),
                                     PrefixLoader({"govuk_frontend_jinja":
                                                   PackageLoader("govuk_frontend_jinja")})])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Forms are data: a broken schema stops the portal here, with every mistake listed. The live
    # registry lays the database's published and retired forms over the files (issue 17).
    app.extensions["forms"] = forms_registry.LiveRegistry(_form_registry(app.config["FORMS_DIR"]),
                                                          app.config["FORMS_DIR"])
    models.open_database(app.config["DATABASE_URL"])
    _wire_database(app)
    web.limit_bodies(app)  # before CSRFProtect, whose check parses the body
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # our server-side sessions do the work
    login_manager.user_loader(accounts.load_session_user)
    mail.init_app(app)

    observe.init_app(app)  # first: its before_request starts the clock for every request
    web.init_app(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    _wire_bytes(app)
    if hops > 0:  # behind N proxies: the client's address and scheme are the ones they appended
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


compress = Compress()


def _wire_bytes(app: Flask) -> None:
    """Hashed, precompressed static files (WhiteNoise) and compressed pages (flask-compress), so a
    plain gunicorn needs no proxy to be fast (docs/decisions.md, "Bytes on the wire")."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "application/json",
                                                 "text/plain", "application/xml"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)  # brotli 11 costs ~100 ms a page; 5 is ~1 ms
    compress.init_app(app)
    static_files.init_app(app, ROOT / "static", Path(app.config["STATIC_BUILD"]))


def _wire_database(app: Flask) -> None:
    """One connection per worker thread, opened on first use and kept.

    Closing it after every request made SQLite fold and delete its write-ahead log each time the
    last connection closed (measured: autosave 43 ms -> 19 ms on a busy disk with a kept
    connection). A request that fails mid-transaction is rolled back by ``db.atomic()`` itself.
    """
    @app.before_request
    def _connect():
        if request.blueprint == "health":
            return  # /healthz never needs the database; /readyz reports on it instead of failing
        models.db.connect(reuse_if_open=True)


BLUEPRINTS = (home, auth, account, forms, people, messages, team, organisations, citizen, casework,
              health, sen2, metrics, exports, designer)


def _register_blueprints(app: Flask) -> None:
    """Every area, explicitly: a missing module fails at import, never silently."""
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)


def _register_errors(app: Flask) -> None:
    def page(template, status, **ctx):
        return render_template(f"errors/{template}.html", **ctx), status

    app.register_error_handler(404, lambda e: page("404", 404))
    app.register_error_handler(405, lambda e: page("404", 405))
    app.register_error_handler(413, lambda e: page("413", 413))
    app.register_error_handler(429, lambda e: page("429", 429))
    app.register_error_handler(CSRFError, lambda e: page("csrf", 400))

    @app.errorhandler(500)
    def _server_error(exc):
        reference = uuid.uuid4().hex[:10].upper()
        original = getattr(exc, "original_exception", exc)
        log.error("Unhandled error, reference %s", reference, exc_info=original)
        return page("500", 500, reference=reference)


def _register_cli(app: Flask) -> None:

    @app.cli.command("init-db")
    def init_db():
        """Create every table, or apply the migrations/ steps this database lacks (safe to repeat)."""
        applied = migrations.migrate()
        if applied:
            click.echo(f"Applied migration steps: {', '.join(applied)}.")
        click.echo(f"Schema version {migrations.current_version()}.")
        converted = case_events.convert_all_legacy()
        if converted:
            click.echo(f"Cases recorded the old way became {converted} case events.")
        _import_catalogue()
        click.echo("Database ready.")

    def _import_catalogue():
        added, notes = forms_store.import_catalogue(app.config["FORMS_DIR"])
        for note in notes:
            click.echo(note)
        click.echo(f"Shipped forms: {added} new version{'' if added == 1 else 's'} imported.")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only fill a database that has no users yet.")
    def demo_command(if_empty):
        """Fill the database with demo data and print the demo sign-ins."""
        models.create_tables()
        click.echo(demo.build(app, only_if_empty=if_empty))

    @app.cli.command("send-mail")
    def send_mail():
        """Deliver every email that is due (run from cron every minute)."""
        sent, waiting = mail.deliver_pending(app)
        click.echo(f"Sent {sent}; {waiting} still waiting.")

    @app.cli.command("create-officer")
    @click.argument("email")
    @click.option("--designer", is_flag=True, help="Also grant the Form designer permission.")
    def create_officer(email, designer):
        """Create an SEN team officer and email them a set-password link."""
        models.create_tables()
        click.echo(accounts.create_officer(email, designer=designer))

    @app.cli.command("build-static")
    def build_static():
        """Write static/ under content-hashed names with gzip and brotli copies (make install)."""
        files = static_files.build(ROOT / "static", Path(app.config["STATIC_BUILD"]))
        click.echo(f"Built {len(files)} static files into {app.config['STATIC_BUILD']}.")

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Say what would go; remove nothing.")
    def purge(dry_run):
        """Remove what is past its retention date (run daily; the table is in the council file)."""
        verb = "Would remove" if dry_run else "Removed"
        if dry_run:
            table = retention.limits(app.config["COUNCIL"])
            for case in closed_cases.due(table, models.utcnow()):
                click.echo(f"Would remove the record of child {case.person_id} "
                           f"(case {case.case_id}, closed on {case.closed_on.isoformat()}).")
        for what, count, days in retention.purge(app.config["COUNCIL"], dry_run=dry_run,
                                                 upload_dir=app.config["UPLOAD_DIR"]):
            click.echo(f"{verb} {count} {what} (kept {days} days).")

    @app.cli.command("export-person")
    @click.argument("person_id", type=int)
    @click.option("--out", default=None, help="The zip to write (default: person-<id>-export.zip).")
    def export_person(person_id, out):
        """Write everything held about a child to a zip (a subject access request); audited."""
        person = models.Person.get_or_none(models.Person.id == person_id)
        if person is None:
            raise click.BadParameter(f"no child with id {person_id}", param_hint="PERSON_ID")
        out = out or f"person-{person_id}-export.zip"
        counts = export.export_person(person, out=out, registry=app.extensions["forms"],
                                      council=app.config["COUNCIL"],
                                      upload_dir=app.config["UPLOAD_DIR"])
        click.echo(f"Wrote {out}: {counts['records']} records, {counts['pdfs']} PDFs, "
                   f"{counts['files']} files ({counts['missing_files']} missing on disk).")

    @app.cli.command("doctor")
    def doctor_command():
        """Check the live configuration and say what is wrong, one sentence each."""
        results = doctor.run(app.config)
        for ok, sentence in results:
            click.echo(f"{'ok     ' if ok else 'PROBLEM'} {sentence}")
        if not all(ok for ok, _ in results):
            raise SystemExit(1)

    @app.cli.command("check-schemas")
    def check_schemas():
        """Check every form schema; print each mistake as file:line: sentence."""
        problems = check_directory(app.config["FORMS_DIR"])
        problems += forms_store.check_database_forms()
        for problem in problems:
            click.echo(problem)
        if problems:
            raise SystemExit(1)
        click.echo("All form schemas are valid.")

    _register_forms_cli(app)

    @app.cli.command("backup")
    @click.argument("path")
    def backup(path):
        """Back up the database and its uploaded files into the new folder PATH (while running)."""
        _backup_step(backups.backup, path)

    @app.cli.command("restore")
    @click.argument("path")
    def restore(path):
        """Put back a backup folder made by `backup` (stop the portal first): database and files."""
        _backup_step(backups.restore, path)

    def _backup_step(step, path):
        try:
            click.echo(step(app.config["DATABASE_URL"], app.config["UPLOAD_DIR"], path))
        except backups.BackupError as exc:  # a clear sentence and a non-zero exit, for cron
            raise click.ClickException(str(exc)) from None

    @app.cli.command("reminders")
    @click.option("--today", default=None, metavar="YYYY-MM-DD",
                  help="Act as if it were this date (default: today in the UK).")
    def reminders(today):
        """Send the reminders for requested advice that are due (run daily; safe to run twice)."""
        try:
            day = dt.date.fromisoformat(today) if today else clock.uk_today()
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from None
        sent = advice.send_due_reminders(day)
        mail.deliver_pending(app)  # the emails go now rather than at the next send-mail run
        click.echo(f"Sent {sent} reminder{'' if sent == 1 else 's'}.")
        changed = case_events.refresh_open_cases(day)
        click.echo(f"Next deadlines brought up to date on {changed} case"
                   f"{'' if changed == 1 else 's'}.")

    @app.cli.command("sen2")
    @click.option("--census", required=True, metavar="YYYY-MM-DD", help="The census date.")
    @click.argument("out", type=click.Path(dir_okay=False, writable=True))
    def sen2_return(census, out):
        """Write the DfE SEN2 return for a census date to OUT (an XML file)."""
        try:
            day = dt.date.fromisoformat(census)
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--census") from None
        root = sen2_xml.build(day)
        Path(out).write_bytes(sen2_xml.to_bytes(root))
        click.echo(f"Wrote {len(root.find('Persons'))} children to {out}.")


def _register_forms_cli(app: Flask) -> None:
    """``flask forms ...``: the form catalogue in the database (issue 17)."""
    group = click.Group("forms", help="Forms held in the database: import, export, share.")
    app.cli.add_command(group)

    @group.command("import-catalogue")
    def import_catalogue():
        """Import every shipped form version the database lacks (safe to repeat)."""
        added, notes = forms_store.import_catalogue(app.config["FORMS_DIR"])
        for note in notes:
            click.echo(note)
        click.echo(f"Imported {added} form version{'' if added == 1 else 's'}.")

    @group.command("export")
    @click.argument("key")
    @click.argument("out", type=click.Path(dir_okay=False, writable=True))
    @click.option("--version", type=int, default=None, help="A version (default: the latest).")
    def export_form(key, out, version):
        """Write form KEY (its latest or --version N) to the YAML file OUT."""
        try:
            text = forms_store.export_yaml(key, version)
        except KeyError:
            raise click.ClickException(f"There is no form {key}"
                                       f"{f' version {version}' if version else ''}.") from None
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {key} to {out}.")

    @group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_form(path):
        """Import a form's YAML from PATH as a draft (publish it in the designer)."""
        try:
            draft = forms_store.import_yaml(Path(path).read_text(encoding="utf-8"), None)
        except forms_store.Refused as exc:
            raise click.ClickException("\n".join(exc.problems)) from None
        click.echo(f"Imported {draft.key} as the draft of version {draft.version}.")

    @group.command("grant-designer")
    @click.argument("email")
    def grant_designer(email):
        """Give an existing officer the Form designer permission (from the console; audited)."""
        officer = accounts.find_user(email)
        if officer is None:
            raise click.ClickException(f"No account for {email}.")
        try:
            forms_store.grant_designer(None, officer)
        except forms_store.Refused as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{officer.email} may now design forms.")
