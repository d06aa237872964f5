"""Issue 13, seed parity: texts each council sets in schemas/councils/<key>.yaml.

The login page's welcome panel with links to user guides and videos, Select Person's own intro,
a Sector column and Back, and the verbal-consent statement naming the council (Coventry's seed
says "Coventry City Council will use personal information about you..."). Stockton sets none
of the first three, so its pages stay as its guide shows them.
"""
import datetime as dt
from pathlib import Path

import pytest
import yaml

from services.people.people import sector
from tests.helpers import html

COUNCILS = Path(__file__).resolve().parents[2] / "schemas" / "councils"


@pytest.fixture
def coventry(app):
    app.config["COUNCIL"] = yaml.safe_load((COUNCILS / "coventry.yaml").read_text("utf-8"))
    return app.config["COUNCIL"]


def test_coventrys_login_page_has_its_welcome_panel_with_guide_and_video_links(app, client,
                                                                                coventry):
    text = html(client.get("/login"))
    assert "Welcome to the Coventry SEND Portal" in text
    assert "User-guides are available at the links below" in text
    for link in coventry["login_welcome"]["links"]:
        assert f'href="{link["href"]}">{link["text"]}</a>' in text
    assert 'aria-labelledby="welcome-title"' in text


def test_stocktons_login_page_has_no_panel(client):
    text = html(client.get("/login"))
    assert "welcome-title" not in text and "Login" in text


def test_coventrys_select_person_has_its_intro_a_sector_column_and_back(world, coventry):
    text = html(world.client.get("/people/"))
    assert "On this screen, you will see the names of the children and young people" in text
    assert "This area allows you to complete" not in text
    assert '<th scope="col" class="govuk-table__header">Sector</th>' in text
    assert f'data-label="Sector">{sector(dt.date(2021, 10, 8))}</td>' in text  # Zzpoppy's
    assert '<a class="govuk-link" href="/send">Back</a>' in text


def test_stocktons_select_person_keeps_its_own_text_and_columns(world):
    text = html(world.client.get("/people/"))
    assert "This area allows you to complete" in text and ">Sector<" not in text
    assert '<a class="govuk-link" href="/send">Back</a>' in text


@pytest.mark.parametrize("born,today,expected", [
    (dt.date(2021, 10, 8), dt.date(2026, 8, 31), "Early Years"),   # 4 only after 31 August 2025
    (dt.date(2021, 8, 31), dt.date(2025, 9, 1), "Primary"),        # 4 on 31 August: Reception
    (dt.date(2021, 9, 1), dt.date(2025, 9, 1), "Early Years"),     # a day younger: next year
    (dt.date(2014, 8, 31), dt.date(2025, 9, 1), "Secondary"),      # 11 on 31 August: Year 7
    (dt.date(2014, 9, 1), dt.date(2026, 7, 20), "Primary"),        # Year 6 until the summer
    (dt.date(2009, 8, 31), dt.date(2025, 9, 1), "Post 16"),        # 16 on 31 August: Year 12
    (dt.date(2009, 9, 1), dt.date(2026, 6, 1), "Secondary"),       # Year 11
    (dt.date(2002, 1, 1), dt.date(2026, 1, 1), "Post 16"),         # up to 25
])
def test_sector_follows_the_school_year(born, today, expected):
    assert sector(born, today) == expected


@pytest.mark.parametrize("council_file,name", [("coventry.yaml", "Coventry City Council"),
                                               ("stockton.yaml", "Stockton-on-Tees Borough Council")])
@pytest.mark.parametrize("form_key,step", [("e6-social-care", "verbal-consent"),
                                           ("adults-services-advice", "verbal-consent")])
def test_the_verbal_consent_statement_names_the_council(world, app, council_file, name, form_key,
                                                        step):
    app.config["COUNCIL"] = yaml.safe_load((COUNCILS / council_file).read_text("utf-8"))
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    text = html(client.get(f"/forms/preview/{form_key}/{step}"))
    assert f"&#34;{name} will use personal information about you" in text or \
        f"&quot;{name} will use personal information about you" in text or \
        f'"{name} will use personal information about you' in text
    assert "{council}" not in text and "The council will use" not in text
