"""`flask --app portal doctor`: check the live configuration and say what is wrong in sentences.

Each check returns (ok, sentence). Nothing here changes anything, except a test file written to
and removed from the upload folder.
"""
import os
import socket
import tempfile
from pathlib import Path

import models
from services.ops import clamd


def _secret_key(config, env):
    if env.get("PORTAL_SECRET_KEY"):
        if len(env["PORTAL_SECRET_KEY"]) < 32:
            return False, "PORTAL_SECRET_KEY is shorter than 32 characters: use a long random one."
        return True, "The secret key comes from PORTAL_SECRET_KEY (share it between servers)."
    return False, ("PORTAL_SECRET_KEY is not set: a key was generated into instance/secret_key. "
                   "Set it so every server and every restart signs sessions the same way.")


def _base_url(config, env):
    if config["BASE_URL"].startswith("https://"):
        return True, f"The base URL {config['BASE_URL']} is https, so cookies are Secure."
    return False, (f"PORTAL_BASE_URL is {config['BASE_URL']}: set the public https address, or "
                   "links in emails are wrong and cookies are not marked Secure.")


def _reachable(target, timeout=3.0):
    try:
        family = socket.AF_UNIX if isinstance(target, str) else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(target)
        return None
    except OSError as exc:
        return exc.strerror or str(exc)


def _smtp(config, env):
    host = config["SMTP_HOST"]
    if not host:
        return False, ("PORTAL_SMTP_HOST is not set: emails are only written to instance/mail and "
                       "nobody receives them.")
    problem = _reachable((host, config["SMTP_PORT"]))
    if problem:
        return False, f"The SMTP server {host}:{config['SMTP_PORT']} cannot be reached ({problem})."
    return True, f"The SMTP server {host}:{config['SMTP_PORT']} answers."


def _database(config, env):
    try:
        models.db.connect(reuse_if_open=True)
        tables = set(models.db.get_tables())
    except Exception as exc:  # any driver error: say it rather than crash
        return False, f"The database cannot be opened ({exc.__class__.__name__}: {exc})."
    missing = sorted(m._meta.table_name for m in models.BaseModel.__subclasses__()
                     if m._meta.table_name not in tables)
    if missing:
        return False, (f"The database lacks {len(missing)} tables ({', '.join(missing[:5])}): "
                       "run `flask --app portal init-db`.")
    return True, "The database is reachable and has every table."


def _scale_indexes(config, env):
    """The name search index and LinkTally's triggers (models.converge_name_search and
    converge_link_tally). Without the index searches read every name; without the triggers
    Select Person counts its links on every page (linked_count): right, but slow at scale."""
    postgres = isinstance(models.db.obj, models.PostgresqlDatabase)
    try:
        indexed, tallied = models.name_search_indexed(), models.link_tally_kept()
    except Exception as exc:  # a database that cannot be read is _database's sentence
        return False, f"The database's indexes cannot be read ({exc.__class__.__name__})."
    problems = []
    if not indexed:
        needs = (" (it needs PostgreSQL's pg_trgm extension: if init-db cannot create it, a "
                 "superuser runs CREATE EXTENSION pg_trgm in the portal's database)"
                 if postgres else "")
        problems.append(f"lacks the name search index, so searches read every name{needs}")
    if not tallied:
        problems.append("lacks the link counts' triggers, so Select Person counts every link")
    if problems:
        return False, (f"The database {'; it '.join(problems)}: run `flask --app portal "
                       "init-db`.")
    return True, "The name search index and the link counts' triggers are in place."


def _uploads(config, env):
    folder = Path(config["UPLOAD_DIR"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return False, f"The upload folder {folder} is not writable ({exc.strerror})."
    return True, f"The upload folder {folder} is writable."


def _clamd(config, env):
    where = env.get("PORTAL_CLAMD_SOCKET") or config.get("CLAMD_SOCKET", "")
    if not where:
        return True, ("No virus scanner configured: uploads are not scanned for viruses (set "
                      "PORTAL_CLAMD_SOCKET to clamd's socket, see README).")
    if not clamd.ping(where):
        return False, (f"clamd at {where} cannot be reached or does not answer PING: "
                       "uploads will be refused.")
    return True, f"clamd at {where} answers PING."


def _proxies(config, env):
    hops = config["TRUSTED_PROXIES"]
    if hops == 0 and config["BASE_URL"].startswith("https://"):
        return False, ("PORTAL_TRUSTED_PROXIES is 0 but the base URL is https: behind Caddy or "
                       "nginx set it to 1, or rate limits and the audit trail see only the proxy.")
    return True, f"{hops} trusted proxy hop(s) in front of the portal."


CHECKS = (_secret_key, _base_url, _smtp, _database, _scale_indexes, _uploads, _clamd,
          _proxies)


def run(config, env=None) -> list[tuple[bool, str]]:
    env = os.environ if env is None else env
    return [check(config, env) for check in CHECKS]
