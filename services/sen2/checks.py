"""Validation at entry for what officers type for the SEN2 return: {field: message}, empty if fine.

The field names are the form's input names (templates/sen2/person.html), so a problem is shown
at its field and in the error summary.
"""
import re

from services.sen2 import codes

FLAGS = ("request_mediation", "request_tribunal", "assessment_mediation", "assessment_tribunal",
         "personal_budget", "organised_arrangements", "direct_payments", "rya", "other_mediation",
         "other_tribunal", "plan_wbp")
CHOICES = {"sex": "sex", "upn_unknown": "upn_unknown", "request_source": "request_source",
           "cease_reason": "cease_reason", "need_1": "sen_type", "need_2": "sen_type",
           "plan_res": "residential"}
CHOICE_MESSAGES = {"sex": "Select the child's sex from the list",
                   "upn_unknown": "Select why the UPN is not known from the list",
                   "request_source": "Select who made the request from the list",
                   "cease_reason": "Select why the plan ended from the list",
                   "need_1": "Select the primary need from the list",
                   "need_2": "Select the secondary need from the list",
                   "plan_res": "Select how many weeks a year the residential placement is"}
LA_NUMBER = re.compile(r"[0-9]{3}")


def record_problems(values):
    """Problems with the child's SEN2 details (``values``: cleaned strings from services.sen2.records)."""
    errors = {}
    for name, list_name in CHOICES.items():
        if values.get(name) and values[name] not in codes.CODES[list_name]:
            errors[name] = CHOICE_MESSAGES[name]
    for name, problem in (("upn", codes.upn_problem(values.get("upn"))),
                          ("uln", codes.uln_problem(values.get("uln")))):
        if problem:
            errors[name] = problem
    if values.get("transfer_la") and not LA_NUMBER.fullmatch(values["transfer_la"]):
        errors["transfer_la"] = "Enter the council's DfE LA number: 3 numbers, for example 808"
    if values.get("upn") and values.get("upn_unknown") and "upn" not in errors:
        errors["upn_unknown"] = "Leave the reason blank when you enter a UPN"
    if values.get("need_2") and not values.get("need_1"):
        errors["need_1"] = "Select the primary need before a secondary need"
    elif values.get("need_2") and values.get("need_2") == values.get("need_1"):
        errors["need_2"] = "The secondary need must differ from the primary need"
    return errors


URN = re.compile(r"[0-9]{6}")
UKPRN = re.compile(r"1[0-9]{7}")


def placement_problems(values, entry_date, leaving_date):
    """Problems with one placement (establishment or setting code, rank, dates)."""
    errors = {}
    urn, ukprn, setting = values.get("urn", ""), values.get("ukprn", ""), values.get("setting", "")
    if urn and not URN.fullmatch(urn):
        errors["urn"] = "Enter a URN of 6 numbers"
    if ukprn and not UKPRN.fullmatch(ukprn):
        errors["ukprn"] = "Enter a UKPRN of 8 numbers starting with 1"
    if setting and setting not in codes.CODES["sen_setting"]:
        errors["setting"] = "Select a type of setting from the list"
    if not (urn or ukprn or setting) and not errors:
        errors["urn"] = "Enter the setting's URN or UKPRN, or select a type of setting"
    elif setting and (urn or ukprn) and not errors:
        errors["setting"] = "Select a type of setting only when no URN or UKPRN is known"
    if values.get("res") and values["res"] not in codes.CODES["residential"]:
        errors["res"] = "Select how many weeks a year the residential placement is"
    if setting == "OTH" and not values.get("setting_other"):
        errors["setting_other"] = "Describe the setting"
    if values.get("rank") not in ("1", "2", "3", "4", "5"):
        errors["rank"] = "Select the placement's rank"
    if entry_date and leaving_date and leaving_date < entry_date:
        errors["leaving-day"] = "The leaving date must be on or after the entry date"
    return errors
