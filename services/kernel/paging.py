"""Paging through long lists, and the one rule for ids typed into URLs and forms."""
import base64
import binascii
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field

SQL_MAX_ID = 2 ** 63 - 1  # PostgreSQL BIGINT / SQLite INTEGER: larger ids cannot exist


def parse_id(text) -> int | None:
    """A row id from a URL, a form or an int: a whole number in 1..SQL_MAX_ID, else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    else:
        text = str(text if text is not None else "").strip()
        if not re.fullmatch(r"[0-9]{1,19}", text):  # no huge int parsing of a pasted number
            return None
        value = int(text)
    return value if 0 < value <= SQL_MAX_ID else None


@dataclass
class Page:
    """One page of a longer list: the rows, the total, and where we are."""
    rows: list
    total: int
    number: int
    per_page: int
    extra: dict = field(default_factory=dict)
    # Keyset paging (see "Keyset paging" in docs/decisions.md): the cursors of the pages either
    # side of this one (None at the ends) and the query values that showed this page. A list
    # paged by OFFSET leaves ``keyset`` False and these unused.
    keyset: bool = False
    after: str | None = None
    before: str | None = None
    here: dict = field(default_factory=dict)

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self):
        return self.before is not None if self.keyset else self.number > 1

    @property
    def has_next(self):
        return self.after is not None if self.keyset else self.number < self.pages

    def link_args(self, n):
        """The query values of a link to page ``n``: the neighbours by cursor, page 1 and the
        last page by number (both cheap: from either end of the ordering), any other page by
        number (served by OFFSET)."""
        if self.keyset and n == self.number:
            return dict(self.here)
        if self.keyset and n == self.number - 1 and self.before and n > 1:
            return {"page": n, "before": self.before}
        if self.keyset and n == self.number + 1 and self.after:
            return {"page": n, "after": self.after}
        return {"page": n}

    def numbers(self):
        """Page numbers to offer, with None for an ellipsis (GOV.UK pagination)."""
        wanted = {1, self.pages, self.number - 1, self.number, self.number + 1}
        shown, previous = [], 0
        for n in sorted(n for n in wanted if 1 <= n <= self.pages):
            if n - previous > 1:
                shown.append(None)
            shown.append(n)
            previous = n
        return shown


def page_number(raw):
    """A requested page number from the query string: anything odd is page 1 (clamped later)."""
    text = str(raw or "").strip()
    if not re.fullmatch(r"[0-9]+", text):
        return 1
    if len(text) > 18:  # past any real page: the last one (and no huge int parsing)
        return 10 ** 18
    return max(1, int(text))


def clamp_page(number, total, per_page):
    """Keep a page number between 1 and the last page (page 10^9 of 3 pages is page 3)."""
    return min(max(1, number), max(1, math.ceil(total / per_page)))


# --- Keyset paging: cursors ---------------------------------------------------------------------
# A cursor is the ordering key of a row (e.g. lower(surname), lower(forename), id), as URL-safe
# base64 of a JSON list. It only says where a page starts: the query keeps every filter, so a
# forged cursor shows nothing the user could not page to. Anything that does not decode to the
# expected kinds is None (the view then shows page 1).

MAX_CURSOR = 600  # characters; a longer one is not ours


def encode_cursor(values):
    """A cursor for a row's ordering key (strings, ints, dates, None)."""
    plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _storable(text):
    """Text both engines can compare: no NUL (PostgreSQL refuses it), no lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _decoded(kind, value):
    if kind == "id":
        return parse_id(value) if isinstance(value, int) else None
    if kind == "flag":
        return value if type(value) is int and value in (0, 1) else None
    if kind == "text":
        return value if isinstance(value, str) and len(value) <= 200 and _storable(value) else None
    if kind == "date":
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    raise ValueError(kind)


def decode_cursor(text, kinds, *, nullable=()):
    """The values of a cursor made by encode_cursor, checked against ``kinds`` ("id", "flag",
    "text", "date"; positions in ``nullable`` may be None), or None for anything else."""
    text = str(text or "").strip()
    if not text or len(text) > MAX_CURSOR or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(kinds):
        return None
    out = []
    for position, (kind, value) in enumerate(zip(kinds, values)):
        if value is None and position in nullable:
            out.append(None)
            continue
        checked = _decoded(kind, value)
        if checked is None:
            return None
        out.append(checked)
    return tuple(out)


@dataclass
class Cursor:
    """Which page of a keyset-paged list was asked for: ``after`` or ``before`` a row's key
    (decoded), or a page ``number`` without a cursor (1, the last page, or a typed number)."""
    number: int = 1
    after: tuple | None = None
    before: tuple | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, kinds, *, nullable=()):
        number = page_number(args.get("page"))
        for direction in ("after", "before"):
            values = decode_cursor(args.get(direction), kinds, nullable=nullable)
            if values is not None:
                return cls(number, **{direction: values},
                           raw={"page": number, direction: args.get(direction)})
        if args.get("after") or args.get("before"):
            return cls(1)  # a cursor that is not ours: the first page
        return cls(number)


def keyset_page(cursor, total, per_page, *, fetch, key, extra=None):
    """One page of a keyset-paged list.

    ``fetch(direction, values, limit, offset)`` runs the query: direction "after" (rows after
    ``values`` in the list's order; values None = from the start), "before" (rows before
    ``values``, in reverse order; None = from the end) or "offset" (from the start, skipping
    ``offset``). ``key(row)`` is a row's ordering key. One extra row tells whether there is more.
    """
    last = max(1, math.ceil(total / per_page))
    number = min(max(1, cursor.number), last)
    if cursor.after is not None or cursor.before is not None:
        direction = "after" if cursor.after is not None else "before"
        rows = list(fetch(direction, cursor.after or cursor.before, per_page + 1, 0))
        more = len(rows) > per_page
        rows = rows[:per_page]
        if direction == "before":
            rows.reverse()
        if rows:
            number = min(max(2 if direction == "after" else 1, number), last)
            first_page = direction == "before" and not more
            last_page = direction == "after" and not more
            return Page(rows, total, 1 if first_page else number, per_page, extra or {},
                        keyset=True, after=None if last_page else encode_cursor(key(rows[-1])),
                        before=None if first_page else encode_cursor(key(rows[0])),
                        here=cursor.raw)
        number = 1  # past either end (rows deleted since): the first page
    if number == last and last > 1:
        remainder = total - (last - 1) * per_page
        rows = list(fetch("before", None, remainder, 0))[::-1]
    elif number == 1:
        rows = list(fetch("after", None, per_page + 1, 0))[:per_page]
    else:
        rows = list(fetch("offset", None, per_page, (number - 1) * per_page))
    return Page(rows, total, number, per_page, extra or {}, keyset=True,
                after=encode_cursor(key(rows[-1])) if rows and number < last else None,
                before=encode_cursor(key(rows[0])) if rows and number > 1 else None,
                here={"page": number} if number > 1 else {})
