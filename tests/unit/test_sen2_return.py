"""The SEN2 return built from cases recorded through the event functions (services/sen2):
who is in scope for a census, each module's fields, the XML against schemas/sen2/sen2.xsd, and
the fix list's rules (one failing and one passing case each)."""
import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from models import (FormInstance, Organisation, Person, Sen2Need, Sen2Placement, Sen2Record, User,
                    WorkProfile)
from services.cases import events
from services.sen2 import records, returns, xml

CENSUS = dt.date(2027, 1, 21)
TODAY = dt.date(2027, 1, 10)
XSD = etree.XMLSchema(etree.parse(str(Path(__file__).resolve().parents[2] / "schemas" / "sen2" / "sen2.xsd")))
D = dt.date


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def child(forename="Zzpoppy", surname="Zzthompson", **kw):
    kw.setdefault("date_of_birth", D(2016, 3, 27))
    kw.setdefault("gender", "Female")
    kw.setdefault("ethnicity", "White - British")
    kw.setdefault("postcode", "TS18 1AU")
    return Person.create(forename=forename, surname=surname, **kw)


def case(person, steps):
    events.record_all(None, person, [(k, on, *rest) for k, on, *rest in steps], today=TODAY)
    return person


PLAN = [("request", D(2026, 2, 2), "", {"how": "post"}), ("assess-decision", D(2026, 3, 9), "yes"),
        ("issue-decision", D(2026, 5, 18), "yes"), ("draft-plan", D(2026, 5, 25)),
        ("final-plan", D(2026, 6, 15))]


def details(person, **values):
    Sen2Record.create(person=person, **{"upn": "F801200100001", "request_source": "1", **values})
    Sen2Need.create(person=person, code="ASD", rank=1)
    Sen2Placement.create(person=person, urn="123456", rank=1, entry_date=D(2026, 9, 1))


def modules(person):
    (found,) = [c for c in returns.children(CENSUS) if c.person.id == person.id]
    return found


def test_a_new_plan_fills_every_module(ctx):
    poppy = case(child(), PLAN)
    details(poppy, personal_budget=True)
    c = modules(poppy)
    assert dict(c.person_fields) == {
        "Surname": "Zzthompson", "Forename": "Zzpoppy", "PersonBirthDate": D(2016, 3, 27),
        "Sex": "F", "Ethnicity": "WBRI", "PostCode": "TS18 1AU", "UPN": "F801200100001",
        "UniqueLearnerNumber": None, "UPNunknown": None}
    assert dict(c.requests) == {"ReceivedDate": D(2026, 2, 2), "RequestSource": "1", "RYA": "0",
                                "RequestOutcomeDate": D(2026, 3, 9), "RequestOutcome": "Y",
                                "RequestMediation": "0", "RequestTribunal": "0", "Exported": "0"}
    # The assessment's outcome date is the day the plan was issued (the DfE's definition).
    assert dict(c.assessment) == {"AssessmentOutcome": "Y", "AssessmentOutcomeDate": D(2026, 6, 15),
                                  "AssessmentMediation": "0", "AssessmentTribunal": "0",
                                  "OtherMediation": "0", "OtherTribunal": "0", "Week20": "0"}
    assert dict(c.named_plan) == {"StartDate": D(2026, 6, 15), "PlanRes": None, "PlanWBP": "0",
                                  "PB": "1", "OA": "0", "DP": "0",
                                  "CeaseDate": None, "CeaseReason": None}
    assert dict(c.active_plans) == {"TransferLA": None, "ReviewMeeting": None,
                                    "ReviewOutcome": None, "LastReview": None}
    assert [dict(p)["URN"] for p in c.plan_detail] == ["123456"]
    assert dict(c.placement_detail[0])["EntryDate"] == D(2026, 9, 1)
    assert c.sen_need == [[("SENtype", "ASD"), ("SENtypeRank", "1")]]
    assert returns.problems(c) == []


def test_refusals_exceptions_and_ceased_plans(ctx):
    refused = case(child("Zzamy"), [("request", D(2026, 4, 1)), ("assess-decision", D(2026, 5, 1), "no")])
    late = case(child("Zzben"), [PLAN[0], PLAN[1], ("exception", D(2026, 4, 1), "family-delay", {"reason": "Zz holiday"}),
                                 ("issue-decision", D(2026, 6, 1), "no")])
    ceased = case(child("Zzcat"), [*PLAN, ("plan-ceased", D(2026, 11, 2), "", {"reason": "Moved to Wales"})])
    Sen2Record.create(person=ceased, cease_reason="7")
    assert dict(modules(refused).requests)["RequestOutcome"] == "N"
    assert modules(refused).assessment is None
    assert dict(modules(late).assessment)["Week20"] == "1"
    assert dict(modules(late).assessment)["AssessmentOutcome"] == "N"
    c = modules(ceased)
    assert dict(c.named_plan)["CeaseDate"] == D(2026, 11, 2)
    assert dict(c.named_plan)["CeaseReason"] == "7"
    assert c.active_plans is None and c.placement_detail == []


def test_scope_is_the_census_and_its_year(ctx):
    old = case(child("Zzold"), [("request", D(2025, 1, 6)), ("assess-decision", D(2025, 2, 3), "no")])
    pending = case(child("Zzpen"), [("request", D(2026, 12, 1))])
    found = {c.person.id for c in returns.children(CENSUS)}
    assert pending.id in found and old.id not in found
    assert old.id in {c.person.id for c in returns.children(D(2026, 1, 21))}
    assert pending.id not in {c.person.id for c in returns.children(D(2026, 1, 21))}


def test_request_source_from_who_submitted_the_request(ctx):
    org = Organisation.create(name="Zz Clinic", name_key="zz clinic")
    parent = User.create(email="p@example.org", role="citizen", status="active")
    nurse = User.create(email="n@example.org", role="professional", status="active")
    profile = WorkProfile.create(user=nurse, professional_role="School nurse", organisation=org)
    kid = child()
    by_parent = FormInstance.create(person=kid, form_key="parent-request", schema_version=1, author=parent)
    by_nurse = FormInstance.create(person=kid, form_key="primary-request", schema_version=1,
                                   author=nurse, work_profile=profile)
    by_school = FormInstance.create(person=kid, form_key="primary-request", schema_version=1, author=nurse)

    class Event:
        def __init__(self, detail):
            self.detail = detail
    assert records.request_source(kid, Event({"how": "portal", "form": by_parent.id})) == "1"
    assert records.request_source(kid, Event({"how": "portal", "form": by_nurse.id})) == "3"
    assert records.request_source(kid, Event({"how": "portal", "form": by_school.id})) == "2"
    assert records.request_source(kid, Event({"how": "post"})) == ""
    Sen2Record.create(person=kid, request_source="4")
    assert records.request_source(kid, Event({"how": "portal", "form": by_parent.id})) == "4"


def test_the_upn_given_in_the_request_form_is_used(ctx):
    parent = User.create(email="p@example.org", role="citizen", status="active")
    kid = case(child(), PLAN)
    FormInstance.create(person=kid, form_key="parent-request", schema_version=1, author=parent,
                        status="submitted", submitted_at=dt.datetime(2026, 2, 2, 10),
                        answers={"child": {"forename": "Zzpoppy", "upn": "r8012 0010 000a"}})
    FormInstance.create(person=kid, form_key="parent-request", schema_version=1, author=parent,
                        status="submitted", submitted_at=dt.datetime(2026, 2, 3, 10),
                        answers={"child": {"upn": "G801200100001"}})  # a wrong check letter
    assert dict(modules(kid).person_fields)["UPN"] == "R80120010000A"
    assert records.values_of(kid)["upn"] == "R80120010000A"
    Sen2Record.create(person=kid, upn="F801200100001")
    assert dict(modules(kid).person_fields)["UPN"] == "F801200100001"  # the officer's wins


def test_the_xml_follows_the_schema_and_the_nesting(ctx):
    poppy = case(child(), PLAN)
    details(poppy)
    case(child("Zzamy"), [("request", D(2026, 4, 1)), ("assess-decision", D(2026, 5, 1), "no")])
    root = xml.build(CENSUS, now=dt.datetime(2027, 1, 22, 9, 30), lea="808")
    document = etree.fromstring(xml.to_bytes(root))
    XSD.assertValid(document)
    assert document.findtext("Header/CollectionDetails/ReferenceDate") == "2027-01-21"
    assert document.findtext("Header/Source/LEA") == "808"
    people = document.findall("Persons/Person")
    assert [p.findtext("Forename") for p in people] == ["Zzamy", "Zzpoppy"]
    plan = people[1].find("Requests/Assessment/NamedPlan")
    assert plan.findtext("StartDate") == "2026-06-15"
    assert plan.findtext("PlanDetail/URN") == "123456"
    assert people[1].findtext("Requests/ActivePlans/SENneed/SENtype") == "ASD"
    assert people[1].findtext("Requests/ActivePlans/PlacementDetail/EntryDate") == "2026-09-01"
    assert people[0].find("Requests/Assessment") is None


def test_the_schema_refuses_a_code_outside_the_list(ctx):
    poppy = case(child(), PLAN)
    details(poppy)
    document = etree.fromstring(xml.to_bytes(xml.build(CENSUS, now=dt.datetime(2027, 1, 22), lea="808")))
    document.find("Persons/Person/Requests/ActivePlans/SENneed/SENtype").text = "ADHD"
    assert not XSD.validate(document)


# --- The fix list: one failing and one passing case per rule -------------------------------------

def problems_of(person):
    (found,) = [p for c, p in returns.fix_list(CENSUS) if c.person.id == person.id]
    return found


@pytest.mark.parametrize("change, words", [
    (dict(gender="", ethnicity=""), "Ethnicity is missing"),
    (dict(postcode=""), "Postcode is missing"),
])
def test_missing_person_fields(ctx, change, words):
    bad = case(child("Zzbad", **change), PLAN)
    good = case(child("Zzgood"), PLAN)
    details(bad, upn="R80120010000A"), details(good)
    assert any(words in p for p in problems_of(bad))
    assert problems_of(good) == []


def test_missing_upn_and_request_source(ctx):
    bad, good = case(child("Zzbad"), PLAN), case(child("Zzgood"), PLAN)
    Sen2Need.create(person=bad, code="ASD", rank=1)
    Sen2Placement.create(person=bad, setting="EHE", rank=1)
    details(good, upn="", upn_unknown="UN2")
    found = problems_of(bad)
    assert any("UPN is missing" in p for p in found)
    assert any("Request source is missing" in p for p in found)
    assert problems_of(good) == []


def test_active_plan_without_placement_or_need_and_ceased_without_reason(ctx):
    bad = case(child("Zzbad"), PLAN)
    Sen2Record.create(person=bad, upn="F801200100001", request_source="1")
    ended = case(child("Zzend"), [*PLAN, ("plan-ceased", D(2026, 11, 2), "", {"reason": "Zz"})])
    Sen2Record.create(person=ended, upn="F801200100001", request_source="1")
    assert {"The active plan has no placement", "The active plan has no primary need"} <= set(problems_of(bad))
    assert "The plan ended but the reason it ceased is missing" in problems_of(ended)
    Sen2Record.update(cease_reason="9").where(Sen2Record.person == ended.id).execute()
    assert problems_of(ended) == ["Duplicate: another child has UPN F801200100001"]


def test_duplicates_and_dates_out_of_order(ctx):
    one, two = case(child(), PLAN), case(child(), PLAN)
    details(one), details(two, upn="R80120010000A")
    assert problems_of(one) == ["Duplicate: another child has the same name and date of birth"]
    Sen2Placement.create(person=one, urn="654321", rank=2, entry_date=D(2026, 9, 1),
                         leaving_date=D(2026, 8, 1))
    assert "A placement's leaving date is before its entry date" in problems_of(one)


def test_codes_outside_the_lists(ctx):
    bad, good = case(child("Zzbad"), PLAN), case(child("Zzgood"), PLAN)
    details(bad, upn="R80120010000A", sex="X"), details(good)
    Sen2Need.update(code="ADHD").where(Sen2Need.person == bad.id).execute()
    assert problems_of(bad) == ["Sex 'X' is not in the DfE's list",
                                "SENtype 'ADHD' is not in the DfE's list"]
    assert problems_of(good) == []


def test_dates_out_of_order_in_the_modules():
    # Events cannot be recorded out of order, but a corrected event can leave the plan's start
    # before the decision; the check reads the modules themselves.
    person = Person(forename="Zzx", surname="Zzy", date_of_birth=D(2015, 1, 1))
    good = returns.Round(state=None,
                         requests=[("ReceivedDate", D(2026, 1, 5)), ("RequestOutcomeDate", D(2026, 2, 2))],
                         assessment=[("AssessmentOutcomeDate", D(2026, 4, 6))],
                         named_plan=[("StartDate", D(2026, 5, 4)), ("CeaseDate", None)])
    assert returns._order_problems(good) == []
    bad = returns.Round(state=None, requests=good.requests, assessment=good.assessment,
                        named_plan=[("StartDate", D(2026, 3, 2)), ("CeaseDate", None)])
    assert returns._order_problems(bad) == [
        "The plan start (2026-03-02) is before the assessment outcome (2026-04-06)"]
    assert returns.problems(returns.Child(person=person, person_fields=[("Sex", "F")],
                                          rounds=[bad])) == [
        "Ethnicity is missing", "Postcode is missing",
        "UPN is missing: enter it, or why it is not known",
        "Request source is missing (the request did not come through the portal)",
        "The plan start (2026-03-02) is before the assessment outcome (2026-04-06)"]


# --- Rounds, transfers in and the fields captured for the rest of the return --------------------

def rounds(person):
    return modules(person).rounds


def test_a_second_request_after_a_refusal_in_the_same_year_is_a_second_requests_element(ctx):
    kid = case(child(), [("request", D(2026, 1, 12), "", {"how": "post"}),
                         ("assess-decision", D(2026, 2, 16), "no"),
                         ("request", D(2026, 6, 1), "", {"how": "post"}),
                         ("assess-decision", D(2026, 7, 6), "yes"),
                         ("issue-decision", D(2026, 9, 14), "yes"), ("draft-plan", D(2026, 9, 21)),
                         ("final-plan", D(2026, 10, 12))])
    details(kid, request_mediation=True, assessment_tribunal=True)
    first, second = rounds(kid)
    assert dict(first.requests)["RequestOutcome"] == "N" and first.assessment is None
    assert dict(first.requests)["RequestMediation"] == "1"  # mediation follows the refusal
    assert dict(second.requests)["ReceivedDate"] == D(2026, 6, 1)
    assert dict(second.requests)["RequestMediation"] == "0"
    assert dict(second.assessment)["AssessmentTribunal"] == "1"
    assert dict(second.named_plan)["StartDate"] == D(2026, 10, 12)
    assert second.active_plans is not None and first.active_plans is None
    document = etree.fromstring(xml.to_bytes(xml.build(CENSUS, now=dt.datetime(2027, 1, 22), lea="808")))
    XSD.assertValid(document)
    (person,) = document.findall("Persons/Person")
    assert [r.findtext("RequestOutcome") for r in person.findall("Requests")] == ["N", "Y"]
    assert person.findtext("Requests[2]/ActivePlans/SENneed/SENtype") == "ASD"
    assert returns.problems(modules(kid)) == []


def test_a_plan_transferred_in_without_a_request_gets_its_modules(ctx):
    kid = case(child(), [("transfer-in", D(2026, 4, 20))])
    details(kid)
    (r,) = rounds(kid)
    assert dict(r.requests)["ReceivedDate"] == D(2026, 4, 20)
    assert dict(r.requests)["RequestOutcome"] == "H" and dict(r.requests)["RequestOutcomeDate"] is None
    assert dict(r.assessment)["AssessmentOutcome"] == "H"
    assert dict(r.named_plan)["StartDate"] == D(2026, 4, 20)
    assert dict(r.active_plans)["TransferLA"] is None
    assert returns.problems(modules(kid)) == [
        "The plan was transferred in but the council it came from is missing"]
    Sen2Record.update(transfer_la="807").where(Sen2Record.person == kid.id).execute()
    assert dict(rounds(kid)[0].active_plans)["TransferLA"] == "807"
    assert returns.problems(modules(kid)) == []
    document = etree.fromstring(xml.to_bytes(xml.build(CENSUS, now=dt.datetime(2027, 1, 22), lea="808")))
    XSD.assertValid(document)
    assert document.findtext("Persons/Person/Requests/ActivePlans/TransferLA") == "807"
    assert document.findtext("Persons/Person/Requests/Assessment/NamedPlan/PlacementDetail") is None
    assert document.findtext("Persons/Person/Requests/Assessment/NamedPlan/PlanDetail/URN") == "123456"


def test_outcomes_historical_withdrawn_and_pending(ctx):
    old = case(child("Zzold"), [("request", D(2025, 6, 2), "", {"how": "post"}),
                                ("assess-decision", D(2025, 7, 7), "yes"),
                                ("issue-decision", D(2025, 9, 15), "yes"),
                                ("draft-plan", D(2025, 9, 22)), ("final-plan", D(2025, 10, 13))])
    gone = case(child("Zzgone"), [("request", D(2026, 5, 5), "", {"how": "post"}),
                                  ("request-withdrawn", D(2026, 5, 20), "", {"reason": "Zz moved"})])
    waiting = case(child("Zzwait"), [("request", D(2026, 12, 7), "", {"how": "post"})])
    o = modules(old)
    assert (dict(o.requests)["RequestOutcome"], dict(o.requests)["RequestOutcomeDate"]) == ("H", None)
    assert (dict(o.assessment)["AssessmentOutcome"], dict(o.assessment)["AssessmentOutcomeDate"]) == ("H", None)
    assert dict(o.named_plan)["StartDate"] == D(2025, 10, 13)
    assert "Request source is missing (the request did not come through the portal)" not in \
        returns.problems(o)  # a historical request needs no source
    assert dict(modules(gone).requests)["RequestOutcome"] == "W"
    assert dict(modules(waiting).requests)["RequestOutcome"] == "A"


def test_review_outcome_from_the_review_decision_and_the_officers_fields(ctx):
    kid = case(child(), [*PLAN, ("review-meeting", D(2026, 12, 1)),
                         ("review-decision", D(2026, 12, 15), "amend")])
    details(kid, rya=True, other_mediation=True, plan_res="B", plan_wbp=True)
    Sen2Placement.update(res="A", wbp=True).execute()
    c = modules(kid)
    assert dict(c.active_plans) == {"TransferLA": None, "ReviewMeeting": D(2026, 12, 1),
                                    "ReviewOutcome": "A", "LastReview": D(2026, 12, 15)}
    assert dict(c.requests)["RYA"] == "1"
    assert dict(c.assessment)["OtherMediation"] == "1"
    assert (dict(c.named_plan)["PlanRes"], dict(c.named_plan)["PlanWBP"]) == ("B", "1")
    assert (dict(c.placement_detail[0])["RES"], dict(c.placement_detail[0])["WBP"]) == ("A", "1")
    assert "RES" not in dict(c.plan_detail[0])  # PlanDetail has no residential field
    XSD.assertValid(etree.fromstring(xml.to_bytes(xml.build(CENSUS, now=dt.datetime(2027, 1, 22),
                                                            lea="808"))))
    Sen2Record.update(plan_res="C").execute()
    assert "PlanRes 'C' is not in the DfE's list" in returns.problems(modules(kid))


def test_an_older_database_gains_the_new_sen2_columns(ctx):
    import models
    kid = child()
    details(kid)
    new = {Sen2Record._meta.table_name: ("rya", "other_mediation", "other_tribunal", "plan_res", "plan_wbp",
                          "transfer_la"), Sen2Placement._meta.table_name: ("res", "wbp")}
    for table, columns in new.items():
        for column in columns:
            models.db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    models.create_tables()
    for table, columns in new.items():
        assert set(columns) <= {c.name for c in models.db.get_columns(table)}
    record = Sen2Record.get(Sen2Record.person == kid.id)
    assert (record.upn, record.rya, record.plan_res, record.transfer_la) == ("F801200100001", False, "", "")
    assert Sen2Placement.get(Sen2Placement.person == kid.id).res == ""
