"""An SMTP sink on 127.0.0.1 (aiosmtpd) that can be stopped and started again on the same port.

It keeps every message it accepts: Message-ID (to spot duplicates), recipient and the 6-digit
sign-in code, so simulated users on email two-step verification can read their codes.
"""
import email
import email.policy
import re
import threading
from collections import Counter

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        code = re.search(r"\b(\d{6})\b", text)
        with self.sink.lock:
            self.sink.ids[str(message["Message-ID"]).strip()] += 1
            for to in envelope.rcpt_tos:
                self.sink.received.append((to.lower(), message["Subject"], code and code.group(1)))
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.ids = Counter()
        self.received = []
        self._controller = None

    def start(self):
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self):
        return self._controller is not None

    def latest_code(self, to_addr, after=0):
        """The newest code sent to ``to_addr`` among messages after index ``after``."""
        with self.lock:
            for to, _subject, code in reversed(self.received[after:]):
                if to == to_addr.lower() and code:
                    return code
        return None

    def count(self):
        with self.lock:
            return len(self.received)
