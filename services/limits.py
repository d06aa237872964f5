"""Rate limits shared by every worker, counted in the database in fixed windows.

Used on sign-in, registration, password reset and the one-time-code endpoints so a script
cannot guess passwords or codes, or flood someone's inbox.
"""
import time

from flask import current_app, has_app_context
from peewee import IntegrityError

import models
from models import Throttle


def scaled(limit):
    """``PORTAL_RATE_LIMIT_FACTOR`` multiplies every limit (the browser tests, whose many users all
    come from 127.0.0.1, raise it). Behind a reverse proxy set ``PORTAL_TRUSTED_PROXIES`` instead,
    so each client is counted at its own address."""
    if has_app_context():
        limit *= current_app.config.get("RATE_LIMIT_FACTOR", 1)
    return limit


def _window(per_seconds, now=None):
    now = int(now if now is not None else time.time())
    return now, now - now % per_seconds


def count(key, per_seconds, now=None):
    """How many hits ``key`` has in this window (nothing is counted)."""
    _, window = _window(per_seconds, now)
    row = Throttle.get_or_none((Throttle.key == key) & (Throttle.window == window))
    return row.count if row else 0


def hit(key, limit, per_seconds, now=None):
    """Count one request for ``key``; False when it is over ``limit`` in this window."""
    limit = scaled(limit)
    now, window = _window(per_seconds, now)
    with models.db.atomic():
        updated = (Throttle.update(count=Throttle.count + 1)
                   .where((Throttle.key == key) & (Throttle.window == window)).execute())
        if not updated:
            try:
                with models.db.atomic():
                    Throttle.create(key=key, window=window, count=1)
            except IntegrityError:  # another worker created it first
                (Throttle.update(count=Throttle.count + 1)
                 .where((Throttle.key == key) & (Throttle.window == window)).execute())
        count = Throttle.get((Throttle.key == key) & (Throttle.window == window)).count
        # Old windows are worthless; sweep now and then rather than in a cron job.
        if count == 1:
            Throttle.delete().where(Throttle.window < now - 86400).execute()
    return count <= limit


def clear(key):
    with models.db.atomic():
        Throttle.delete().where(Throttle.key == key).execute()
