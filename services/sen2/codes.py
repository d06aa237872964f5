"""The SEN2 return's closed code lists and identifier checks (DfE SEN2 guide; ../shared/SEN2.md).

Each list is ((code, label), ...) in the guide's order; ``*_CODES`` are the sets the checks and the
schema (schemas/sen2/sen2.xsd) use. Where our summary and the DfE's published material differ the
difference is written down in docs/decisions.md ("SEN2 return").
"""
import re

from services.kernel import vocab

SEX = (("M", "Male"), ("F", "Female"), ("U", "Not known"))
# Person.gender (the portal's forms) -> SEN2 Sex.
SEX_FROM_GENDER = {"Male": "M", "Female": "F", "Not known": "U"}

# The DfE's main ethnicity codes, in the order of the portal's list (services/kernel/vocab.py).
ETHNICITY = (
    ("WBRI", "White - British"), ("WIRI", "White - Irish"), ("WROM", "White - Gypsy or Roma"),
    ("WIRT", "White - Traveller of Irish heritage"), ("WOTH", "White - any other White background"),
    ("MWBC", "Mixed - White and Black Caribbean"), ("MWBA", "Mixed - White and Black African"),
    ("MWAS", "Mixed - White and Asian"), ("MOTH", "Mixed - any other mixed background"),
    ("AIND", "Asian or Asian British - Indian"), ("APKN", "Asian or Asian British - Pakistani"),
    ("ABAN", "Asian or Asian British - Bangladeshi"),
    ("AOTH", "Asian or Asian British - any other Asian background"),
    ("BCRB", "Black or Black British - Caribbean"), ("BAFR", "Black or Black British - African"),
    ("BOTH", "Black or Black British - any other Black background"), ("CHNE", "Chinese"),
    ("OOTH", "Any other ethnic group"), ("REFU", "Refused"), ("NOBT", "Information not yet obtained"),
)
ETHNICITY_FROM_LABEL = {label: code for code, label in ETHNICITY}
assert tuple(ETHNICITY_FROM_LABEL) == vocab.ETHNICITIES, "the portal's ethnicity list changed"

# SEN2's own "UPN and ULN unavailable" list (not the looked-after children's UN1-UN5 wording).
UPN_UNKNOWN = (
    ("UN1", "Aged under 6 and not yet given a UPN"),
    ("UN2", "Never attended a state-funded school in England: no UPN"),
    ("UN3", "Educated outside England: no UPN"),
    ("UN5", "The UPN sources disagree about the child's name or date of birth"),
    ("UN8", "New to the council: the UPN or ULN is not known yet"),
    ("UN9", "Young person never attended a state-funded school or college in England: no UPN or ULN"),
    ("UN10", "The request ended with no further action before the UPN or ULN was known"),
)

REQUEST_SOURCE = (("1", "Parent or young person"), ("2", "Education setting"), ("3", "Health service"),
                  ("4", "Social care"), ("5", "Other"))
# Request and assessment outcomes (docs/decisions.md says where each was checked). A, W and H
# carry no outcome date.
REQUEST_OUTCOME = (("Y", "Decided to assess"), ("N", "Decided not to assess"),
                   ("A", "Decision not made yet"), ("W", "Withdrawn or ended before a decision"),
                   ("H", "Historical: decided before the year the return reports"))
ASSESSMENT_OUTCOME = (("Y", "Decided to issue a plan"), ("N", "Decided not to issue a plan"),
                      ("A", "Decision not made yet"), ("W", "Withdrawn or ended before a decision"),
                      ("H", "Historical: decided before the year, or a plan transferred in"),
                      ("S", "Plan issued after another council carried out the assessment"))
# The decision after the annual review (ActivePlans ReviewOutcome), from the review-decision event.
REVIEW_OUTCOME = (("M", "Maintain the plan"), ("A", "Amend the plan"), ("C", "Cease the plan"))
REVIEW_OUTCOME_FROM_EVENT = {"maintain": "M", "amend": "A", "cease": "C"}
# Residential placement (NamedPlan PlanRes, PlacementDetail RES): weeks a year, after CBDS RFC 1299.
RESIDENTIAL = (("A", "Residential up to 38 weeks a year"), ("B", "Residential 39 to 52 weeks a year"))
CEASE_REASON = (
    ("1", "Reached maximum age"), ("2", "Needs met without an EHC plan"),
    ("3", "Moved on to higher education"), ("4", "Moved on to paid employment"),
    ("5", "Transferred to another council in England"),
    ("6", "Young person no longer wishes to engage in education or training"),
    ("7", "Moved outside England"), ("8", "Deceased"), ("9", "Other"),
)
SEN_SETTING = (
    ("OLA", "Other arrangements made by the council (including EOTAS)"),
    ("OPA", "Other arrangements made by parents or the young person (not home education)"),
    ("EHE", "Elective home education"), ("EYP", "Early years provider with no URN"),
    ("OTH", "Other (a type of setting but no named setting)"),
    ("NEET", "Not in education, employment or training (aged 16 to 25)"),
    ("NIEC", "Not in education or training: notice to cease issued"),
    ("NIEO", "Not in education or training: other"),
)
SEN_TYPE = (
    ("SPLD", "Specific learning difficulty"), ("MLD", "Moderate learning difficulty"),
    ("SLD", "Severe learning difficulty"), ("PMLD", "Profound and multiple learning difficulty"),
    ("SEMH", "Social, emotional and mental health"),
    ("SLCN", "Speech, language and communication needs"), ("HI", "Hearing impairment"),
    ("VI", "Vision impairment"), ("MSI", "Multi-sensory impairment"), ("PD", "Physical disability"),
    ("ASD", "Autistic spectrum disorder"), ("DS", "Down syndrome"), ("OTH", "Other difficulty"),
)

LISTS = {"sex": SEX, "ethnicity": ETHNICITY, "upn_unknown": UPN_UNKNOWN,
         "request_source": REQUEST_SOURCE, "request_outcome": REQUEST_OUTCOME,
         "assessment_outcome": ASSESSMENT_OUTCOME, "cease_reason": CEASE_REASON,
         "sen_setting": SEN_SETTING, "sen_type": SEN_TYPE, "review_outcome": REVIEW_OUTCOME,
         "residential": RESIDENTIAL}
CODES = {name: frozenset(code for code, _label in pairs) for name, pairs in LISTS.items()}


def label(list_name, code):
    return dict(LISTS[list_name]).get(code, code)


# --- Identifiers ----------------------------------------------------------------------------------

# The check letter alphabet: A-Z without I, O and S (0-22); a letter in the UPN's last place
# (a temporary UPN) counts by its place in the same alphabet.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
ULN_SHAPE = re.compile(r"[0-9]{10}")


def normalise(text):
    return re.sub(r"\s+", "", text or "").upper()


def upn_check_letter(upn):
    """The check letter characters 2-13 of ``upn`` call for (DfE's modulus 23 algorithm)."""
    total = 0
    for weight, char in enumerate(upn[1:13], start=2):
        total += weight * (int(char) if char.isdigit() else UPN_LETTERS.index(char))
    return UPN_LETTERS[total % 23]


def upn_problem(text):
    """Why ``text`` is not a UPN, or None (blank is not a problem here)."""
    upn = normalise(text)
    if not upn:
        return None
    if not UPN_SHAPE.fullmatch(upn) or (upn[12].isalpha() and upn[12] not in UPN_LETTERS):
        return "Enter a UPN of 13 characters: a letter, 11 numbers and a number or letter"
    if upn[0] != upn_check_letter(upn):
        return "Enter a real UPN: its first letter does not match the rest (check letter)"
    return None


def uln_problem(text):
    """Why ``text`` is not a Unique Learner Number (10 digits, modulus 11 check digit), or None."""
    uln = normalise(text)
    if not uln:
        return None
    if not ULN_SHAPE.fullmatch(uln):
        return "Enter a Unique Learner Number of 10 numbers"
    total = sum(int(d) * w for d, w in zip(uln[:9], range(10, 1, -1)))
    if 10 - total % 11 != int(uln[9]):
        return "Enter a real Unique Learner Number: its last number does not match the rest"
    return None
