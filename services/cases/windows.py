"""Windows in law: when a form may be started or sent.

Only "Comments on the Draft EHC Plan" has one: from the draft plan until 15 days later
(reg 13(1)). Both the family's pages and the form lifecycle (services/forms/instances.py) ask here.
"""
from services.cases import statutory
from services.kernel import clock
from services.kernel.council import current_council, team_name

COMMENTS_FORM = "draft-plan-comments"


def comment_window(person, today):
    """(open?, closes on) for comments on ``person``'s draft plan."""
    case = statutory.case_for(person)
    if case is None:
        return False, None
    return statutory.comment_window(case, today)


def window_problem(form_key, person, today):
    """Why this form cannot be started or sent today, or None. Only "Comments on the Draft EHC
    Plan" has a window: from the draft plan until 15 days later (reg 13(1))."""
    if form_key != COMMENTS_FORM:
        return None
    is_open, closes = comment_window(person, today)
    if is_open:
        return None
    team, phone = team_name(), current_council().get("phone", "")
    case = statutory.case_for(person)
    if case is not None and case.final_plan_issued:
        return ("The final EHC plan has been issued, so the time for comments on the draft plan "
                f"has ended. Contact the {team} on {phone} if you want to "
                "say something about the plan.")
    if closes is None:
        return (f"You can send comments once the {team} has sent you the draft EHC plan. "
                f"Contact the {team} if you have a question about the plan.")
    return (f"The time for comments on the draft plan ended on {clock.long_date(closes)}. "
            f"Contact the {team} on {phone} if you still want to "
            "say something about the plan.")
