"""Backups and restores on both engines: the database and, consistently with it, the uploaded files
it references.

A backup is a folder:

- ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump`` (``pg_dump -Fc``, taken
  from a snapshot exported by the same REPEATABLE READ transaction that lists the files);
- ``uploads/``: a copy of every file the database references (attachments, case documents);
- ``manifest.json``: the engine, the database file's size and SHA-256, and each file's name, size
  and SHA-256 (a referenced file that is not on disk is listed under ``missing``).

The file list is read from the same moment as the database copy, so the two agree: a file
uploaded after that moment is not referenced by the copy and is left out.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import models
from models import Attachment, Document


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in plain words."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _referenced(cursor_rows) -> list[str]:
    return sorted({name for (name,) in cursor_rows if name})


# Every uploaded file the database names (a new table holding files must be added here).
_FILES_SQL = " UNION ".join(f'SELECT "stored_name" FROM "{model._meta.table_name}"'
                            for model in (Attachment, Document))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs (Debian: "
                          f"apt-get install postgresql-client) to back up or restore PostgreSQL.")
    return found


def _pg_command(url: str) -> tuple[str, dict]:
    """The URL without its password (which goes in PGPASSWORD, out of the process list)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
        netloc = parts.netloc.rsplit("@", 1)
        user = parts.username or ""
        parts = parts._replace(netloc=f"{user}@{netloc[1]}")
    return urlunsplit(parts._replace(scheme="postgresql")), env


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-800:]}")


def _dump_sqlite(target: Path) -> list[str]:
    source = sqlite3.connect(models.db.obj.database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        return _referenced(copy.execute(_FILES_SQL))
    finally:
        copy.close()
        source.close()


def _dump_postgres(url: str, target: Path) -> list[str]:
    pg_dump = _tool("pg_dump")
    dbname, env = _pg_command(url)
    database = models.db.obj
    with database.atomic():
        database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = database.execute_sql("SELECT pg_export_snapshot()").fetchone()[0]
        files = _referenced(database.execute_sql(_FILES_SQL).fetchall())
        _run([pg_dump, "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target),
              f"--dbname={dbname}"], env)
    return files


def backup(url: str, upload_dir: str, path: str) -> str:
    """Write a backup folder at ``path`` (made if missing; must be empty). Returns a summary."""
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup.")
    (folder / "uploads").mkdir(parents=True, exist_ok=True)
    postgres = isinstance(models.db.obj, models.PostgresqlDatabase)
    database_file = folder / ("database.pgdump" if postgres else "database.sqlite3")
    names = _dump_postgres(url, database_file) if postgres else _dump_sqlite(database_file)
    files, missing = [], []
    for name in names:
        source = Path(upload_dir) / name
        if not source.is_file():
            missing.append(name)
            continue
        shutil.copy2(source, folder / "uploads" / name)
        copied = folder / "uploads" / name
        files.append({"name": name, "size": copied.stat().st_size, "sha256": _sha256(copied)})
    manifest = {
        "engine": "postgresql" if postgres else "sqlite",
        "created_at": models.utcnow().isoformat(timespec="seconds") + "Z",
        "database": {"file": database_file.name, "size": database_file.stat().st_size,
                     "sha256": _sha256(database_file)},
        "files": files, "missing": missing}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    note = f"; {len(missing)} referenced file(s) not on disk, listed in the manifest" if missing else ""
    return f"Backed up the database and {len(files)} uploaded file(s) to {folder}{note}."


def _checked_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} has no readable manifest.json: {exc}") from None
    database_file = folder / manifest["database"]["file"]
    entries = [(database_file, manifest["database"])] + [
        (folder / "uploads" / entry["name"], entry) for entry in manifest["files"]]
    for file, entry in entries:
        if not file.is_file() or file.stat().st_size != entry["size"] or _sha256(file) != entry["sha256"]:
            raise BackupError(f"{file} is missing or differs from the manifest: nothing restored.")
    return manifest


def _without_extensions(pg_restore: str, dump: Path, env: dict) -> Path:
    """The dump's table of contents less its extensions (pg_trgm and its comment), written to a
    temporary file for ``pg_restore --use-list``. Dropping or commenting on an extension needs its owner,
    often a superuser (README, Scaling out), so the portal's role would fail the whole restore;
    the extension is made here first instead, as init-db makes it. The caller deletes the file
    (not in the backup folder: it may be read-only)."""
    done = subprocess.run([pg_restore, "--list", str(dump)], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-800:]}")
    kept = [line for line in done.stdout.splitlines() if " EXTENSION " not in line]
    handle, name = tempfile.mkstemp(prefix="portal-restore-", suffix=".list")
    with os.fdopen(handle, "w", encoding="utf-8") as contents:
        contents.write("\n".join(kept) + "\n")
    models.converge_name_search_extension()
    return Path(name)


def restore(url: str, upload_dir: str, path: str) -> str:
    """Put a backup folder back: the database (replacing what is there) and its files. Stop the
    portal first. Every file is checked against the manifest before anything is changed."""
    folder = Path(path)
    manifest = _checked_manifest(folder)
    postgres = isinstance(models.db.obj, models.PostgresqlDatabase)
    if manifest["engine"] != ("postgresql" if postgres else "sqlite"):
        raise BackupError(f"This backup is of {manifest['engine']}; the portal is set up for "
                          f"{'postgresql' if postgres else 'sqlite'}.")
    database_file = folder / manifest["database"]["file"]
    if postgres:
        pg_restore = _tool("pg_restore")
        dbname, env = _pg_command(url)
        contents = _without_extensions(pg_restore, database_file, env)
        models.db.close()
        try:
            _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  f"--use-list={contents}", f"--dbname={dbname}", str(database_file)], env)
        finally:
            contents.unlink()
    else:
        models.db.close()
        source = sqlite3.connect(database_file)
        target = sqlite3.connect(models.db.obj.database)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    uploads = Path(upload_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        shutil.copy2(folder / "uploads" / entry["name"], uploads / entry["name"])
    return (f"Restored the {manifest['engine']} database of {manifest['created_at']} and "
            f"{len(manifest['files'])} uploaded file(s) from {folder}.")
