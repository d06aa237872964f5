"""The portal's words: tabs, phases, statuses with their labels and tags, titles, genders, countries.

One definition each, so a status reads the same on every page and a form cannot offer a value the
next form rejects.
"""
from engine.schema import ETHNICITIES as _ETHNICITY_OPTIONS
from engine.schema import GENDERS as _CHILD_GENDER_OPTIONS

# --- The forms section's tabs, and the seed forms' order within each ------------------------------
TABS = {"request": "Request", "assessment": "Assessment", "plan": "EHC Plan",
        "review": "EHCP Reviews"}
SEED_ORDER = (
    "early-years-request", "primary-request", "secondary-request", "post16-request",
    "e4-educational-psychologist", "e5a-designated-medical-officer", "e5b-speech-and-language",
    "e6-social-care", "e7-other-professionals", "ehc9c-child-views", "generic-file-upload",
    "adults-services-advice", "annual-review-pre-information", "annual-review-form",
)

# --- A case's phases -----------------------------------------------------------------------------
PHASES = (("request", "Request"), ("assessment", "Assessment"), ("plan", "EHC Plan"),
          ("review", "Review"), ("closed", "Closed"))
PHASE_LABELS = dict(PHASES)

# --- Form statuses: status -> (label, GOV.UK tag class) ------------------------------------------
FORM_TAGS = {
    "not-started": ("Not started", "govuk-tag--grey"),
    "draft": ("Draft", "govuk-tag--blue"),
    "submitted": ("Submitted", "govuk-tag--turquoise"),
    "returned": ("Returned", "govuk-tag--red"),
    "accepted": ("Accepted", "govuk-tag--green"),
    "amending": ("Being amended", "govuk-tag--yellow"),
}
FORM_STATUS_LABELS = {status: label for status, (label, _tag) in FORM_TAGS.items()
                      if status != "not-started"}

# --- Advice request statuses ---------------------------------------------------------------------
ADVICE_STATUS_LABELS = {"requested": "Requested", "in-progress": "In progress",
                        "received": "Received", "overdue": "Overdue", "cancelled": "Cancelled"}
ADVICE_STATUS_TAGS = {"requested": "govuk-tag--blue", "in-progress": "govuk-tag--yellow",
                      "received": "govuk-tag--green", "overdue": "govuk-tag--red",
                      "cancelled": "govuk-tag--grey"}

# --- About a user (registration and My Account offer the same lists) -----------------------------
TITLES = ("Mr", "Mrs", "Miss", "Ms", "Mx", "Dr", "Prof", "Rev")
GENDERS = ("Female", "Male", "Non-binary", "Prefer not to say")
COUNTRIES = ("United Kingdom", "Republic of Ireland", "Other")

# --- About a child (the person form and the form engine's child details) ------------------------
CHILD_GENDERS = tuple(o.value for o in _CHILD_GENDER_OPTIONS)
ETHNICITIES = tuple(o.value for o in _ETHNICITY_OPTIONS)
