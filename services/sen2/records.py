"""Reading and saving what the SEN2 return needs about one child (models.Sen2Record, Sen2Need,
Sen2Placement), and the facts derived from the portal's own data: sex from the child's gender,
ethnicity code from their ethnicity, request source from who submitted the request.
"""
import models
from models import FormInstance, Sen2Need, Sen2Placement, Sen2Record, utcnow
from services import audit
from services.cases import rules, statutory
from services.sen2 import checks, codes

# The record's coded and text fields (the flags are checks.FLAGS); needs are saved as Sen2Need.
RECORD_TEXTS = ("upn", "uln", "upn_unknown", "sex", "request_source", "cease_reason", "plan_res",
                "transfer_la")
TEXTS = (*RECORD_TEXTS, "need_1", "need_2")
EDUCATION_FORMS = ("early-years-request", "primary-request", "secondary-request", "post16-request")
HEALTH_WORDS = ("health", "nurse", "doctor", "paediatric", "therap", "medical", "nhs")
SOCIAL_CARE_WORD = "social"


def record_of(person):
    """The child's Sen2Record (unsaved and empty when nothing has been entered yet)."""
    return Sen2Record.get_or_none(Sen2Record.person == person.id) or Sen2Record(person=person)


def needs_of(person):
    return [n.code for n in Sen2Need.select().where(Sen2Need.person == person.id)
            .order_by(Sen2Need.rank)]


def placements_of(person):
    return list(Sen2Placement.select().where(Sen2Placement.person == person.id)
                .order_by(Sen2Placement.rank, Sen2Placement.id))


def values_of(person):
    """The form's values: what was saved, and the derived sex when none was."""
    record = record_of(person)
    values = {name: getattr(record, name) or "" for name in TEXTS if hasattr(record, name)}
    values.update({flag: bool(getattr(record, flag)) for flag in checks.FLAGS})
    needs = needs_of(person)
    values["need_1"], values["need_2"] = (needs + ["", ""])[:2]
    values["sex"] = values["sex"] or sex_of(person, record)
    values["upn"] = values["upn"] or upn_of(person, record)
    return values


def clean(form):
    """The posted form as values (strings trimmed, codes upper-cased, flags as booleans)."""
    values = {name: codes.normalise(form.get(name, ""))[:20] for name in TEXTS}
    values.update({flag: form.get(flag) == "yes" for flag in checks.FLAGS})
    return values


def save(actor, person, values, *, ip=""):
    """Check and save the child's SEN2 details. Returns {} or {field: message} (nothing saved)."""
    errors = checks.record_problems(values)
    if errors:
        return errors
    with models.db.atomic():
        record = record_of(person)
        for name in (*RECORD_TEXTS, *checks.FLAGS):
            setattr(record, name, values[name])
        record.updated_at = utcnow()
        record.save()
        Sen2Need.delete().where(Sen2Need.person == person.id).execute()
        for rank, code in enumerate((values["need_1"], values["need_2"]), start=1):
            if code:
                Sen2Need.create(person=person, code=code, rank=rank)
        audit.record("sen2.details", user=actor, ip=ip, object_type="person",
                     object_id=person.id, person_id=person.id)
    return {}


def add_placement(actor, person, values, entry_date, leaving_date, *, ip=""):
    errors = checks.placement_problems(values, entry_date, leaving_date)
    if errors:
        return errors
    with models.db.atomic():
        placement = Sen2Placement.create(
            person=person, urn=values["urn"], ukprn=values["ukprn"], setting=values["setting"],
            setting_other=values["setting_other"], rank=int(values["rank"]),
            entry_date=entry_date, leaving_date=leaving_date, sen_unit=values["sen_unit"],
            resourced=values["resourced"], res=values.get("res", ""), wbp=values.get("wbp", False))
        audit.record("sen2.placement-added", user=actor, ip=ip, object_type="sen2-placement",
                     object_id=placement.id, person_id=person.id)
    return {}


def remove_placement(actor, person, placement_id, *, ip=""):
    """Remove one of the child's placements; False if it is not theirs."""
    with models.db.atomic():
        removed = (Sen2Placement.delete().where((Sen2Placement.id == placement_id)
                                                & (Sen2Placement.person == person.id)).execute())
        if removed:
            audit.record("sen2.placement-removed", user=actor, ip=ip, object_type="sen2-placement",
                         object_id=placement_id, person_id=person.id)
    return bool(removed)


# --- Derived facts --------------------------------------------------------------------------------

def sex_of(person, record=None):
    record = record or record_of(person)
    return record.sex or codes.SEX_FROM_GENDER.get(person.gender, "")


def upn_of(person, record=None):
    """The UPN an officer saved, else a valid one given in the child's request form (its child
    details step asks for it), else ""."""
    record = record or record_of(person)
    if record.upn:
        return record.upn
    forms = (FormInstance.select().where((FormInstance.person == person.id)
                                         & FormInstance.form_key.in_(rules.REQUEST_FORMS)
                                         & FormInstance.submitted_at.is_null(False))
             .order_by(FormInstance.submitted_at.desc()))
    for instance in forms:
        for step in (instance.answers or {}).values():
            upn = codes.normalise(step.get("upn")) if isinstance(step, dict) else ""
            if upn and not codes.upn_problem(upn):
                return upn
    return ""


def ethnicity_of(person):
    return codes.ETHNICITY_FROM_LABEL.get(person.ethnicity, "")


def request_source(person, request_event, record=None):
    """SEN2 RequestSource: the officer's choice, else who submitted the portal request form
    (a family 1; a professional by their role: health 3, social care 4, a school's request form 2),
    else "" (a request by post or email: the officer must say)."""
    record = record or record_of(person)
    if record.request_source:
        return record.request_source
    detail = (request_event.detail or {}) if request_event is not None else {}
    instance = FormInstance.get_or_none(FormInstance.id == detail.get("form")) \
        if detail.get("how") == "portal" and detail.get("form") else None
    if instance is None:
        return ""
    author = instance.author
    if author.role == "citizen":
        return "1"
    role = (instance.work_profile.professional_role if instance.work_profile_id else "").lower()
    if any(word in role for word in HEALTH_WORDS):
        return "3"
    if SOCIAL_CARE_WORD in role:
        return "4"
    return "2" if instance.form_key in EDUCATION_FORMS else "5"


def request_event_of(person):
    case = statutory.case_for(person)
    return statutory.case_state(case).request if case is not None else None
