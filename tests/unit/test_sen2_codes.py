"""SEN2 code lists and identifier checks (services/sen2/codes.py, checks.py): the lists are closed,
the schema in schemas/sen2/ holds the same lists, and the UPN and ULN check characters work."""
from pathlib import Path

import pytest
from lxml import etree

from services.kernel import vocab
from services.sen2 import checks, codes

XSD = Path(__file__).resolve().parents[2] / "schemas" / "sen2" / "sen2.xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMA_TYPES = {"SexType": "sex", "EthnicityType": "ethnicity", "UPNunknownType": "upn_unknown",
                "RequestSourceType": "request_source", "RequestOutcomeType": "request_outcome",
                "AssessmentOutcomeType": "assessment_outcome", "CeaseReasonType": "cease_reason",
                "SENSettingType": "sen_setting", "SENtypeType": "sen_type",
                "ReviewOutcomeType": "review_outcome", "ResidentialType": "residential"}


def test_the_schema_holds_the_same_closed_lists():
    tree = etree.parse(str(XSD))
    for type_name, list_name in SCHEMA_TYPES.items():
        values = tree.xpath(f"//xs:simpleType[@name='{type_name}']//xs:enumeration/@value",
                            namespaces={"xs": XS[1:-1]})
        assert values == [code for code, _ in codes.LISTS[list_name]], type_name


def test_the_lists_are_the_guides():
    assert [c for c, _ in codes.SEN_TYPE] == ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI",
                                              "VI", "MSI", "PD", "ASD", "DS", "OTH"]
    assert [c for c, _ in codes.SEN_SETTING] == ["OLA", "OPA", "EHE", "EYP", "OTH", "NEET",
                                                 "NIEC", "NIEO"]
    assert [c for c, _ in codes.CEASE_REASON] == [str(n) for n in range(1, 10)]
    assert [c for c, _ in codes.REQUEST_SOURCE] == ["1", "2", "3", "4", "5"]


def test_every_portal_ethnicity_has_a_dfe_code():
    assert set(codes.ETHNICITY_FROM_LABEL) == set(vocab.ETHNICITIES)
    assert codes.ETHNICITY_FROM_LABEL["White - British"] == "WBRI"
    assert codes.ETHNICITY_FROM_LABEL["Information not yet obtained"] == "NOBT"


def test_upn_check_letter_by_hand():
    # 8*2 + 0*3 + 1*4 + 2*5 + 0*6 + 0*7 + 1*8 + 0*9 + 0*10 + 0*11 + 0*12 + 1*13 = 51;
    # 51 mod 23 = 5 -> the 6th letter of ABCDEFGHJKLMNPQRTUVWXYZ, "F".
    assert codes.upn_check_letter("?801200100001") == "F"
    assert codes.upn_problem("F801200100001") is None
    assert codes.upn_problem("f8012 0010 0001") is None  # spaces and case do not matter
    assert "check letter" in codes.upn_problem("G801200100001")
    assert "13 characters" in codes.upn_problem("F80120010000")
    assert "13 characters" in codes.upn_problem("F80120010000I")  # I is not in the alphabet
    assert codes.upn_problem("") is None


def test_temporary_upn_with_a_letter_at_the_end():
    # ... + A (0) * 13 = 38; 38 mod 23 = 15 -> "R".
    assert codes.upn_check_letter("?80120010000A") == "R"
    assert codes.upn_problem("R80120010000A") is None


def test_uln_check_digit_by_hand():
    # 1*10 + 2*9 + 3*8 + 4*7 + 5*6 + 6*5 + 7*4 + 8*3 + 9*2 = 210; 210 mod 11 = 1; 10 - 1 = 9.
    assert codes.uln_problem("1234567899") is None
    assert "does not match" in codes.uln_problem("1234567898")
    assert "10 numbers" in codes.uln_problem("12345")


@pytest.mark.parametrize("field, bad, good", [
    ("sex", "X", "F"), ("upn_unknown", "UN4", "UN10"), ("request_source", "6", "2"),
    ("cease_reason", "0", "9"), ("need_1", "ADHD", "ASD"),
])
def test_codes_outside_the_lists_are_refused(field, bad, good):
    assert field in checks.record_problems({field: bad})
    assert checks.record_problems({field: good}) == {}


def test_record_rules_one_failing_one_passing():
    assert "upn" in checks.record_problems({"upn": "G801200100001"})
    assert "upn_unknown" in checks.record_problems({"upn": "F801200100001", "upn_unknown": "UN1"})
    assert checks.record_problems({"upn": "F801200100001"}) == {}
    assert "need_1" in checks.record_problems({"need_2": "HI"})
    assert "need_2" in checks.record_problems({"need_1": "HI", "need_2": "HI"})
    assert checks.record_problems({"need_1": "HI", "need_2": "VI"}) == {}


def place(**values):
    return {"urn": "", "ukprn": "", "setting": "", "setting_other": "", "rank": "1", **values}


def test_placement_rules():
    import datetime as dt
    assert checks.placement_problems(place(urn="123456"), None, None) == {}
    assert checks.placement_problems(place(ukprn="10012345"), None, None) == {}
    assert checks.placement_problems(place(setting="EHE"), None, None) == {}
    assert "urn" in checks.placement_problems(place(), None, None)
    assert "urn" in checks.placement_problems(place(urn="12345"), None, None)
    assert "ukprn" in checks.placement_problems(place(ukprn="20012345"), None, None)
    assert "setting" in checks.placement_problems(place(setting="XXX"), None, None)
    assert "setting" in checks.placement_problems(place(urn="123456", setting="EHE"), None, None)
    assert "setting_other" in checks.placement_problems(place(setting="OTH"), None, None)
    assert "rank" in checks.placement_problems(place(urn="123456", rank="0"), None, None)
    assert "leaving-day" in checks.placement_problems(
        place(urn="123456"), dt.date(2026, 9, 1), dt.date(2026, 8, 31))
