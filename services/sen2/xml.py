"""The SEN2 return as XML (schemas/sen2/sen2.xsd): Header, then per Person its Requests with
Assessment -> NamedPlan -> PlanDetail and ActivePlans -> PlacementDetail / SENneed.

Only writing happens here; who is in scope and every field's value come from
``services.sen2.returns`` (the fix list checks the same data).
"""
import datetime as dt
import xml.etree.ElementTree as ET

from flask import current_app

from services.kernel import clock
from services.sen2 import returns

SOFTWARE_CODE = "SEND Portal"
RELEASE = "1"


def text(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def add_fields(parent, tag, fields):
    """<tag> under ``parent`` with one child element per (name, value); None values left out."""
    element = ET.SubElement(parent, tag)
    for name, value in fields:
        if value is not None:
            ET.SubElement(element, name).text = text(value)
    return element


def header(root, census, now, lea):
    head = ET.SubElement(root, "Header")
    add_fields(head, "CollectionDetails", [("Collection", "SEN2"), ("Year", census.year),
                                           ("ReferenceDate", census)])
    add_fields(head, "Source", [("SourceLevel", "L"), ("LEA", lea), ("SoftwareCode", SOFTWARE_CODE),
                                ("Release", RELEASE), ("SerialNo", "001"),
                                ("DateTime", now.replace(microsecond=0, tzinfo=None))])


def person_element(parent, child):
    person = add_fields(parent, "Person", child.person_fields)
    for r in child.rounds:
        requests_element(person, r)
    return person


def requests_element(person, r):
    """One <Requests> (a request round) with its Assessment -> NamedPlan and ActivePlans."""
    requests = add_fields(person, "Requests", r.requests)
    if r.assessment is not None:
        assessment = add_fields(requests, "Assessment", r.assessment)
        if r.named_plan is not None:
            plan = add_fields(assessment, "NamedPlan", r.named_plan)
            for fields in r.plan_detail:
                add_fields(plan, "PlanDetail", fields)
    if r.active_plans is not None:
        active = add_fields(requests, "ActivePlans", r.active_plans)
        for fields in r.placement_detail:
            add_fields(active, "PlacementDetail", fields)
        for fields in r.sen_need:
            add_fields(active, "SENneed", fields)
    return requests


def la_number():
    """The council's three-digit DfE LA number (``la_number`` in schemas/councils/<key>.yaml)."""
    return str(current_app.config["COUNCIL"].get("la_number", "000"))


def build(census, *, now=None, lea=None):
    """The return for ``census`` as an ElementTree root element."""
    root = ET.Element("Message")
    header(root, census, now or clock.uk_now(), lea or la_number())
    persons = ET.SubElement(root, "Persons")
    for child in returns.children(census):
        person_element(persons, child)
    return root


def to_bytes(root):
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
