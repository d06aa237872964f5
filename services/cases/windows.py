"""Windows in law: when a form may be started or sent.

"Comments on the Draft EHC Plan" has one: from the draft plan until 15 days later (reg 13(1)).
A request for assessment can be started only while no request is being dealt with and the child
has no EHC plan (a second request would be a duplicate; a closed case can be asked again). Both
the family's pages, the forms section and the form lifecycle (services/forms/instances.py) ask
here.
"""
from services.cases import rules, statutory
from services.kernel import clock
from services.kernel.council import current_council, team_name

COMMENTS_FORM = rules.COMMENTS_FORM


def comment_window(person, today):
    """(open?, closes on) for comments on ``person``'s draft plan."""
    case = statutory.case_for(person)
    if case is None:
        return False, None
    return statutory.comment_window(case, today)


def request_problem(person):
    """Why a new request for assessment would be a duplicate, or None."""
    case = statutory.case_for(person)
    if case is None or statutory.phase(case) == "closed":
        return None
    team = team_name()
    if statutory.phase(case) == "review":
        return (f"This child already has an EHC plan, so a new request is not needed. Contact "
                f"the {team} to ask for a change, or raise it at the annual review.")
    received = statutory.case_state(case).request
    when = f" (received {clock.long_date(received.on)})" if received else ""
    return (f"A request for an EHC needs assessment for this child is already with the "
            f"{team}{when}. You can see where it stands on the child's page.")


def window_problem(form_key, person, today, *, resubmission=False):
    """Why this form cannot be started or sent today, or None: comments on the draft plan only
    in their window; a request only when it would not duplicate one (a request already sent may
    be sent again after it was returned: ``resubmission``)."""
    if form_key in rules.REQUEST_FORMS:
        return None if resubmission else request_problem(person)
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
