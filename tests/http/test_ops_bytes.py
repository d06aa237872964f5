"""Issue 15, bytes: hashed, immutable, precompressed static files and compressed pages."""
import gzip
import re

import brotli

from services.ops import static_files


def _static_urls(html):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_content_hashed_static_names(client):
    html = client.get("/login").get_data(as_text=True)
    urls = _static_urls(html)
    assert any(re.search(r"/static/portal\.[0-9a-f]{12}\.css$", u) for u in urls), urls
    assert any(re.search(r"/static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js$", u) for u in urls)
    assert all(static_files.HASHED.search(u) for u in urls), urls


def test_hashed_static_is_immutable_and_precompressed(client):
    html = client.get("/login").get_data(as_text=True)
    css = next(u for u in _static_urls(html) if "govuk-frontend.min." in u)
    plain = client.get(css)
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in plain.headers
    for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        packed = client.get(css, headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert int(packed.headers["Content-Length"]) < len(plain.data) / 3
        assert decode(packed.data) == plain.data
        assert "Accept-Encoding" in packed.headers["Vary"]


def test_unhashed_names_still_served_but_not_immutable(client):
    response = client.get("/static/portal.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


def test_html_is_compressed_when_the_client_accepts_it(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        packed = client.get("/login", headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert len(packed.data) < len(plain.data) / 2
        page = decode(packed.data).decode()
        assert "<title>" in page and 'name="csrf_token"' in page
        assert packed.headers["Cache-Control"] == "no-store"


def test_build_rebuilds_when_static_changes(tmp_path):
    source = tmp_path / "static"
    source.mkdir()
    (source / "a.css").write_text("body{color:red}" * 100)
    target = tmp_path / "build"
    first = static_files.load(source, target)["a.css"]
    assert (target / first).exists() and (target / (first + ".gz")).exists()
    assert static_files.load(source, target)["a.css"] == first
    (source / "a.css").write_text("body{color:blue}" * 100)
    second = static_files.load(source, target)["a.css"]
    assert second != first and (target / second).read_text().startswith("body{color:blue}")


def test_builds_racing_each_other_leave_one_complete_build(tmp_path):
    source = tmp_path / "static"
    source.mkdir()
    (source / "a.js").write_text("let a = 1;" * 100)
    target = tmp_path / "build"
    import threading
    threads = [threading.Thread(target=static_files.build, args=(source, target))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    name = static_files.load(source, target)["a.js"]
    assert (target / name).read_text().startswith("let a = 1;")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "static"]
