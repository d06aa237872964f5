"""The one clock. "Today" is a UK date everywhere: deadlines, ages, "due in N days", timelines.

Everything asks this module through its functions (``clock.uk_today()``, never a copied value), so a
test freezes every "today" at once by replacing ``_now``.
"""
import datetime as dt
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")  # tzdata (requirements.txt) provides it where the OS has no tz files


def _now() -> dt.datetime:
    """The current moment, timezone-aware UTC: the one place tests patch."""
    return dt.datetime.now(dt.timezone.utc)


def uk_now() -> dt.datetime:
    """Now, as UK local time (aware)."""
    return _now().astimezone(UK)


def uk_today() -> dt.date:
    """Today in the UK: dates of birth, deadlines and reminders are UK dates."""
    return uk_now().date()


def uk_time(value: dt.datetime | None) -> dt.datetime | None:
    """A database time (naive UTC, as ``models.utcnow`` stores) as UK local time; None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(UK)
