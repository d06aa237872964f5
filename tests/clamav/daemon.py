"""A real clamd for the tests: Debian's clamav-daemon (`make clamav` installs it) on a unix
socket in a temporary folder, loading only tests/clamav/portal-test.ndb — one signature that
matches the EICAR test string anywhere in a file. No freshclam, no signature download, no TCP
socket (the configuration below has no TCPSocket line, and a test checks nothing listens).
"""
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
# The anti-virus test string, in two parts so this source file is not itself flagged.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()
SIGNATURE = "Portal-Test-Eicar"

CONFIG = """\
LocalSocket {folder}/clamd.sock
LocalSocketMode 600
DatabaseDirectory {folder}/db
Foreground yes
LogFile {folder}/clamd.log
PidFile {folder}/clamd.pid
StreamMaxLength 30M
ReadTimeout 20
"""


def installed() -> bool:
    return Path(CLAMD).is_file()


def skip_unless_installed():
    if not installed():
        pytest.skip("clamd is not installed (Debian's clamav-daemon; `make clamav` installs it): "
                    "the virus-scanning tests against a real clamd did not run")


class Clamd:
    """One clamd process; ``socket`` is its address (PORTAL_CLAMD_SOCKET)."""

    def __init__(self):
        # A short folder: a unix socket path must fit in 108 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="clamd-"))
        (self.folder / "db").mkdir()
        shutil.copy(HERE / "portal-test.ndb", self.folder / "db")
        self.config = self.folder / "clamd.conf"
        self.config.write_text(CONFIG.format(folder=self.folder))
        self.socket = str(self.folder / "clamd.sock")
        self.process = None

    def start(self, timeout=60.0):
        self.process = subprocess.Popen([CLAMD, "--config-file", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"clamd exited: {(self.folder / 'clamd.log').read_text()}")
            if self._pong():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("clamd did not answer PING in time")

    def _pong(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(self.socket)
                sock.sendall(b"zPING\0")
                return sock.recv(16) == b"PONG\0"
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
