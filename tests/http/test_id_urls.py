"""The ``<id:...>`` URL converter: one rule for every id in a URL. An id a table cannot hold is
no match at all (404), so it never reaches the database (where it would overflow: a 500)."""
import re

import pytest
from werkzeug.exceptions import NotFound

from services.kernel.paging import SQL_MAX_ID as MAX_ID


def test_every_id_in_a_url_uses_the_id_converter(app):
    ids = [(rule.rule, converter) for rule in app.url_map.iter_rules()
           for converter, name in re.findall(r"<(?:(\w+):)?(\w+_id)>", rule.rule)]
    assert len(ids) > 40 and all(converter == "id" for _, converter in ids), ids


@pytest.mark.parametrize("value", ["1", str(MAX_ID), "007"])
def test_an_id_a_table_can_hold_matches(app, value):
    endpoint, values = app.url_map.bind("localhost").match(f"/team/people/{value}")
    assert endpoint == "team.case" and values == {"person_id": int(value)}


@pytest.mark.parametrize("value", ["0", str(MAX_ID + 1), str(2 ** 70), "-1", "1.5", "١٢"])
def test_an_id_a_table_cannot_hold_is_404(app, client, value):
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(f"/team/people/{value}")
    # Not even a sign-in redirect: no page has that address.
    assert client.get(f"/team/people/{value}").status_code == 404


def test_urls_are_built_from_ids(app):
    with app.test_request_context():
        assert app.url_map.bind("localhost").build("team.case", {"person_id": 42}) == "/team/people/42"
