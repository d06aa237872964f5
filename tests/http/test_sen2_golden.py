"""The golden test: the demo council's SEN2 return for a fixed census date matches the committed
tests/golden/sen2_demo_2027.xml (reviewed by hand against ../shared/SEN2.md) and the schema in
schemas/sen2/. A change in the output is a visible diff: regenerate the file with
``SEN2_GOLDEN_WRITE=1 pytest tests/http/test_sen2_golden.py`` and review it before committing."""
import datetime as dt
import os
from pathlib import Path

from lxml import etree

from services import demo
from services.kernel import clock
from services.sen2 import demo as sen2_demo, returns, xml

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "sen2_demo_2027.xml"
XSD = etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "sen2" / "sen2.xsd")))
CENSUS = dt.date(2027, 1, 21)
DEMO_DAY = dt.datetime(2027, 1, 11, 12, tzinfo=dt.timezone.utc)  # the demo's "today"


def test_the_demo_councils_return_matches_the_golden_file(app, monkeypatch):
    monkeypatch.setattr(clock, "_now", lambda: DEMO_DAY)
    with app.app_context():
        demo.build(app)
        sen2_demo.add_details()
        body = xml.to_bytes(xml.build(CENSUS, now=dt.datetime(2027, 1, 22, 9, 0), lea="808"))
        rows = returns.fix_list(CENSUS)
    XSD.assertValid(etree.fromstring(body))
    if os.environ.get("SEN2_GOLDEN_WRITE"):
        GOLDEN.write_bytes(body)
    assert body.decode() == GOLDEN.read_text(encoding="utf-8")
    to_fix = {c.person.forename: problems for c, problems in rows}
    assert to_fix == {
        "Zzarlo": ["Request source is missing (the request did not come through the portal)"],
        "Zzpoppy": ["Ethnicity is missing"],
        "Zztheodore": ["Ethnicity is missing", "UPN is missing: enter it, or why it is not known",
                       "Request source is missing (the request did not come through the portal)"],
        "Veruca": [], "Zzmilo": [], "zzEbony": []}
