"""Paging through long lists, and the one rule for ids typed into URLs and forms."""
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

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

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
