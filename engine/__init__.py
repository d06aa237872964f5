"""The form engine: forms as data (schemas/forms/*.yaml), checked, walked and summarised.

Pure Python: imports neither flask, the models nor the services. See engine/README.md.
"""

from .fields import (FIELD_TYPES, NOT_PROVIDED, Cleaned, FieldType, Option, UnknownFieldType,
                     clean_field, clean_raw, form_value, get_type, known_types, register,
                     summary_text, tidy_label, validate_value)
from .journey import (RAW, SUMMARY, SUMMARY_STEP, Journey, SummaryItem, SummaryRow,
                      SummarySection, check_declarations, prefill_child_details, save_step)
from .schema import (CHILD_DETAILS_FIELDS, DEFAULT_DECLARATIONS, WORK_PROFILE_FIELDS, Condition,
                     Field, Form, FormRegistry, Repeat, SchemaError, Step, check_directory,
                     load_form_text, load_forms, load_registry)

__all__ = [
    "FIELD_TYPES", "NOT_PROVIDED", "Cleaned", "FieldType", "Option", "UnknownFieldType",
    "clean_field", "clean_raw", "form_value", "get_type", "known_types", "register",
    "summary_text", "tidy_label", "validate_value",
    "RAW", "SUMMARY", "SUMMARY_STEP", "Journey", "SummaryItem", "SummaryRow", "SummarySection",
    "check_declarations", "prefill_child_details", "save_step",
    "CHILD_DETAILS_FIELDS", "DEFAULT_DECLARATIONS", "WORK_PROFILE_FIELDS", "Condition", "Field",
    "Form", "FormRegistry", "Repeat", "SchemaError", "Step", "check_directory", "load_form_text",
    "load_forms", "load_registry",
]
