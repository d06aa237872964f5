"""SEN2 details for the demo council's invented children, so the demo's return and fix list show
both a clean child and children with something to fix. ``services.demo.build`` should call
``add_details()`` after its cases are made (the lead wires it; the golden test calls it itself).
"""
import datetime as dt

from models import Person, Sen2Need, Sen2Placement, Sen2Record
from services.sen2 import codes

# forename, surname -> (UPN body without its check letter, ethnicity, request source, needs)
DEMO = {
    ("Veruca", "ZzHolet"): ("801200100001", "White - British", "2", ("SEMH", "SLCN")),
    ("zzEbony", "zzRoberts"): ("801200100002", "Mixed - White and Asian", "1", ("ASD",)),
    ("Zzpoppy", "Zzthompson"): ("801200100003", "", "2", ()),
    ("Zzmilo", "Zzokafor"): ("801200100004", "Black or Black British - African", "2", ()),
    ("Zzarlo", "Zzbeetroot"): ("", "White - British", "", ()),
}
DEMO_URN = "199999"  # an invented school URN


def demo_upn(body):
    return codes.upn_check_letter("?" + body) + body


def add_details():
    """Give the demo children their SEN2 details (idempotent: children that have a record keep it)."""
    for (forename, surname), (upn, ethnicity, source, needs) in DEMO.items():
        person = Person.get_or_none((Person.forename == forename) & (Person.surname == surname)
                                    & (Person.needs_matching == False))  # noqa: E712
        if person is None or Sen2Record.select().where(Sen2Record.person == person.id).exists():
            continue
        if ethnicity:
            Person.update(ethnicity=ethnicity).where(Person.id == person.id).execute()
        Sen2Record.create(person=person, upn=demo_upn(upn) if upn else "", request_source=source,
                          upn_unknown="" if upn else "UN1", personal_budget=bool(needs))
        for rank, code in enumerate(needs, start=1):
            Sen2Need.create(person=person, code=code, rank=rank)
        if needs:
            Sen2Placement.create(person=person, urn=DEMO_URN, rank=1,
                                 entry_date=dt.date(2024, 9, 1))
