"""services/ops/clamd.py against a fake clamd: the INSTREAM framing it sends and every way the
answer can go wrong (each must be Unavailable, so the upload is refused, never kept unchecked)."""
import io
import socket
import struct
import threading
import time

import pytest

from services.ops import clamd


class FakeClamd:
    """Accepts one connection on a unix socket, records what was sent, then does ``answer``."""

    def __init__(self, folder, answer):
        self.path = str(folder / "c.sock")
        self.answer = answer
        self.received = b""
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_instream(self, conn):
        """Read the command and chunks up to the zero-length one, like clamd."""
        data = b""
        while not data.startswith(b"zINSTREAM\0") or not self._complete(data[10:]):
            part = conn.recv(65536)
            if not part:
                break
            data += part
        return data

    @staticmethod
    def _complete(body):
        while len(body) >= 4:
            (size,) = struct.unpack(">I", body[:4])
            if size == 0:
                return True
            body = body[4 + size:]
        return False

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            if self.answer == "silent":
                conn.recv(16)
                threading.Event().wait(2)
                return
            if self.answer == "slow":  # reads, but a little at a time
                while conn.recv(32768):
                    time.sleep(0.1)
                return
            if self.answer == "hang-up":
                conn.recv(16)
                return
            first = conn.recv(16, socket.MSG_PEEK)
            self.received = (conn.recv(16) if first.startswith(b"zPING")
                             else self._read_instream(conn))
            conn.sendall(self.answer)

    def close(self):
        self.listener.close()


@pytest.fixture
def fake(tmp_path):
    servers = []

    def start(answer):
        servers.append(FakeClamd(tmp_path, answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_clean_file_is_sent_in_length_prefixed_chunks_ending_with_a_zero_chunk(fake):
    server = fake(b"stream: OK\0")
    body = b"%PDF-1.4\n" + b"x" * (clamd.CHUNK + 10)
    assert clamd.scan(server.path, io.BytesIO(body)) is None
    server.thread.join(5)
    sent = server.received
    assert sent.startswith(b"zINSTREAM\0")
    first = struct.unpack(">I", sent[10:14])[0]
    assert first == clamd.CHUNK
    second_at = 14 + first
    second = struct.unpack(">I", sent[second_at:second_at + 4])[0]
    assert second == len(body) - clamd.CHUNK
    assert sent[14:14 + first] + sent[second_at + 4:second_at + 4 + second] == body
    assert sent.endswith(b"\0\0\0\0") and len(sent) == second_at + 4 + second + 4


def test_found_names_the_signature(fake):
    server = fake(b"stream: Eicar-Signature FOUND\0")
    assert clamd.scan(server.path, io.BytesIO(b"anything")) == "Eicar-Signature"


@pytest.mark.parametrize("answer", [
    b"INSTREAM size limit exceeded. ERROR\0",
    b"stream: Can't allocate memory ERROR\0",
    b"UNKNOWN COMMAND\0",
    b"stream: OK",            # no NUL: cut short
    b"",                      # closed without a word
    "hang-up",                # closes while we are still sending
])
def test_anything_but_a_clear_answer_is_unavailable(fake, answer):
    server = fake(answer)
    with pytest.raises(clamd.Unavailable):
        clamd.scan(server.path, io.BytesIO(b"y" * 300_000))


@pytest.mark.parametrize("answer, size", [("silent", 1), ("silent", 5_000_000),
                                          ("slow", 5_000_000)])
def test_a_silent_or_slow_clamd_is_unavailable_within_the_whole_scan_timeout(fake, answer, size):
    """One deadline for the whole scan: a clamd that reads a little at a time cannot hold the
    request for a timeout per chunk (that would be minutes for 5 MB here)."""
    server = fake(answer)
    started = time.monotonic()
    with pytest.raises(clamd.Unavailable):
        clamd.scan(server.path, io.BytesIO(b"z" * size), timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_no_socket_and_a_refused_port_are_unavailable(tmp_path):
    with pytest.raises(clamd.Unavailable):
        clamd.scan(str(tmp_path / "none.sock"), io.BytesIO(b"z"))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(clamd.Unavailable):
        clamd.scan(f"127.0.0.1:{port}", io.BytesIO(b"z"))
    with pytest.raises(clamd.Unavailable):
        clamd.scan("clamd.example:notaport", io.BytesIO(b"z"))


def test_ping(fake, tmp_path):
    server = fake(b"PONG\0")
    assert clamd.ping(server.path) is True
    assert server.received == b"zPING\0"
    assert clamd.ping(str(tmp_path / "none.sock")) is False


def test_addresses():
    assert clamd.address("/run/clamav/clamd.ctl") == "/run/clamav/clamd.ctl"
    assert clamd.address("127.0.0.1:3310") == ("127.0.0.1", 3310)
    assert clamd.address("[::1]:3310") == ("::1", 3310)
    assert clamd.address("  ") is None
