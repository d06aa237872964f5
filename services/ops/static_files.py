"""Static files under content-hashed names, precompressed, served by WhiteNoise.

``build(source, target)`` copies every file of static/ into ``target`` twice — under its own name
and as ``name.<hash>.ext`` — and writes gzip and brotli siblings WhiteNoise sends to clients that
accept them. ``manifest.json`` maps each original name to its hashed one; the pages link the hashed
names (``url_for('static', ...)`` is rewritten in ``init_app``) and WhiteNoise marks them immutable.
The build runs in ``make install`` (``flask --app portal build-static``) and again at start-up only
when static/ changed since, so a plain ``gunicorn`` checkout is never served stale or unhashed.
"""
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

YEAR = 31536000
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
MANIFEST = "manifest.json"


def _sources(source: Path) -> list[Path]:
    return sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))


def signature(source: Path) -> str:
    """Changes whenever a file under static/ is added, removed or edited."""
    digest = hashlib.sha256()
    for path in _sources(source):
        stat = path.stat()
        digest.update(f"{path.relative_to(source)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def hashed_name(relative: str, content: bytes) -> str:
    stem, dot, ext = relative.rpartition(".")
    if not dot or "/" in ext:
        return relative  # no extension: keep the name (never linked from a page)
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}.{ext}"


def build(source: Path, target: Path) -> dict:
    """Write the hashed, compressed copy of ``source`` into ``target`` (atomically) and return
    the manifest {original name: hashed name}."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".static-", dir=target.parent))
    manifest = {}
    compressor = Compressor(quiet=True)
    for path in _sources(source):
        relative = path.relative_to(source).as_posix()
        content = path.read_bytes()
        names = {relative, hashed_name(relative, content)}
        for name in names:
            out = work / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(content)
            if compressor.should_compress(name):
                for _ in compressor.compress(str(out)):
                    pass
        manifest[relative] = hashed_name(relative, content)
    (work / MANIFEST).write_text(json.dumps({"signature": signature(source), "files": manifest},
                                            indent=1, sort_keys=True))
    old = target.with_name(target.name + f".old-{os.getpid()}")
    try:
        if target.exists():
            target.rename(old)
        work.rename(target)
    except OSError:  # another process swapped its own build in meanwhile: same files, keep theirs
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def load(source: Path, target: Path) -> dict:
    """The manifest of an up-to-date build, building it first when static/ changed."""
    try:
        data = json.loads((target / MANIFEST).read_text())
        if data["signature"] == signature(source):
            return data["files"]
    except (OSError, ValueError, KeyError):
        pass
    return build(source, target)


def _headers(headers, path, url):
    headers["X-Content-Type-Options"] = "nosniff"
    if HASHED.search(url):
        headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"


def init_app(app, source: Path, target: Path) -> None:
    """Serve ``target`` at /static/ before Flask sees the request and link hashed names."""
    manifest = load(source, target)
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def _hashed(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(target), prefix="static/", max_age=3600,
                              immutable_file_test=lambda path, url: bool(HASHED.search(url)),
                              add_headers_function=_headers)
