"""A small client for ClamAV's clamd (PORTAL_CLAMD_SOCKET): INSTREAM to scan, PING to check.

The protocol (clamd(8)): send ``zINSTREAM\\0``, then the file as chunks each prefixed by its
length as 4 bytes big-endian, then a zero-length chunk; clamd answers one NUL-terminated line,
``stream: OK`` or ``stream: <signature> FOUND`` (anything else is an error). Our own twenty lines
rather than a library: the maintained Python clients wrap the same few bytes and add a dependency
to pin (docs/decisions.md, "Virus scanning").

Every failure to get a clear answer — no socket, refused, timeout, a reply cut short, an
``ERROR`` (size limit, clamd's own trouble) — raises ``Unavailable``: the caller must then refuse
the file, never keep it unchecked.
"""
from __future__ import annotations

import socket
import struct
import time

CHUNK = 64 * 1024
# Seconds for the whole scan, connect to verdict (a 20 MB file scans in a few): well inside
# gunicorn's 30 s worker timeout, so a hung clamd gets the "try again later" message, not a 502.
TIMEOUT = 20.0
MAX_REPLY = 4096


class Unavailable(Exception):
    """clamd could not say whether the file is clean."""


def address(where: str):
    """ "/run/clamav/clamd.ctl" -> the path; "host:port" -> (host, port); "" -> None."""
    where = (where or "").strip()
    if not where:
        return None
    if where.startswith("/") or ":" not in where:
        return where
    host, port = where.rsplit(":", 1)
    if not port.isdigit():
        raise ValueError(f"PORTAL_CLAMD_SOCKET {where!r}: expected a socket path or host:port")
    return host.strip("[]"), int(port)


def _connect(where, timeout):
    try:
        target = address(where)
    except ValueError as exc:
        raise Unavailable(str(exc)) from None
    if target is None:
        raise Unavailable("no clamd configured")
    family = socket.AF_UNIX if isinstance(target, str) else socket.AF_INET
    if family == socket.AF_INET and ":" in target[0]:
        family = socket.AF_INET6
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(target)
    except OSError as exc:
        sock.close()
        raise Unavailable(f"cannot connect to clamd at {where}: {exc}") from exc
    return sock


def _reply(sock) -> str:
    data = b""
    while not data.endswith(b"\0"):
        part = sock.recv(1024)
        if not part:
            break
        data += part
        if len(data) > MAX_REPLY:
            raise Unavailable("clamd's reply is too long")
    if not data.endswith(b"\0"):
        raise Unavailable(f"clamd's reply was cut short: {data[:200]!r}")
    return data[:-1].decode("utf-8", "replace").strip()


def _command(where, payload: bytes, timeout) -> str:
    try:
        with _connect(where, timeout) as sock:
            sock.sendall(payload)
            return _reply(sock)
    except OSError as exc:  # timeouts included
        raise Unavailable(f"clamd at {where} did not answer: {exc}") from exc


def ping(where: str, timeout: float = 3.0) -> bool:
    """True when clamd answers PING with PONG."""
    try:
        return _command(where, b"zPING\0", timeout) == "PONG"
    except Unavailable:
        return False


def scan(where: str, stream, timeout: float = TIMEOUT) -> str | None:
    """Stream a readable binary file to clamd: None when clean, else the signature's name.
    Raises Unavailable when there is no clear answer."""
    deadline = time.monotonic() + timeout

    def within(sock):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unavailable(f"clamd at {where} took longer than {timeout:g} s")
        sock.settimeout(left)
        return sock

    try:
        with _connect(where, timeout) as sock:
            within(sock).sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK):
                within(sock).sendall(struct.pack(">I", len(chunk)) + chunk)
            within(sock).sendall(struct.pack(">I", 0))
            reply = _reply(within(sock))
    except OSError as exc:  # clamd closes the socket early when it refuses a stream
        raise Unavailable(f"clamd at {where} did not scan the file: {exc}") from exc
    return verdict(reply)


def verdict(reply: str) -> str | None:
    """ "stream: OK" -> None; "stream: X FOUND" -> "X"; anything else raises Unavailable."""
    body = reply.removeprefix("stream:").strip() if reply.startswith("stream:") else None
    if body == "OK":
        return None
    if body and body.endswith(" FOUND") and not body.endswith(" ERROR"):
        return body[: -len(" FOUND")].strip() or "unknown"
    raise Unavailable(f"clamd could not scan the file: {reply[:200]}")
