"""What a family sees of the EHC process: the stage in plain English and the statutory dates, as
of ``today``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.cases import statutory
from services.kernel import clock
from services.kernel.council import team_name


@dataclass
class Moment:
    """One line of the plain-English timeline."""
    key: str
    text: str
    day: dt.date | None = None
    status: str = ""  # done | late | pending | overdue | recorded
    when: str = ""  # "due in 12 days" / "overdue by 3 days"


STAGES = {
    None: "The {team} has not opened a case yet. Once they do, you will see here where things "
          "stand and what happens next.",
    "request": "The council is looking at the request for an Education, Health and Care (EHC) "
               "needs assessment.",
    "assessment": "The council is assessing {name}'s needs. It is asking people who know "
                  "{name} for advice, including you.",
    "plan": "The council has decided to write an EHC plan for {name} and is preparing the draft.",
    "draft": "The council has sent you the draft EHC plan. You can comment on it and say which "
             "school or setting you would like named in it.",
    "not-assessed": "The council decided not to carry out an EHC needs assessment. The decision "
                    "letter explains why, and how to ask for mediation or appeal.",
    "not-issued": "The council decided not to issue an EHC plan after the assessment. The decision "
                  "letter explains why, and how to ask for mediation or appeal.",
    "ceased": "{name}'s EHC plan has ended. The letter the council sent explains why.",
    "withdrawn": "The request for an EHC needs assessment was closed before a decision was made. "
                 "Contact the {team} if you want to ask again.",
    "transferred": "{name}'s EHC plan has moved to another council.",
    "review": "{name} has an EHC plan. It is reviewed at least once a year.",
    "closed": "The {team} has closed this case.",
}


def stage_text(person, case):
    """Where things stand, from the phase the case's events give."""
    phase = statutory.phase(case) if case else None
    if phase == "plan" and case.draft_plan_issued:
        phase = "draft"
    if phase == "closed":
        phase = _closed_why(case)
    return STAGES.get(phase, STAGES["request"]).format(name=person.forename, team=team_name())


def _closed_why(case):
    s = statutory.case_state(case)
    if s.ended is not None:
        return "ceased" if s.ended.kind == "plan-ceased" else "transferred"
    if s.withdrawn is not None:
        return "withdrawn"
    if s.assess is not None and s.assess.outcome == "no":
        return "not-assessed"
    if s.issue is not None and s.issue.outcome == "no":
        return "not-issued"
    return "closed"


def _happened_text(kd, case):
    day = clock.long_date(kd.happened)
    if kd.key == "request":
        return f"The council received the request for an EHC needs assessment on {day}."
    if kd.key == "decision":
        if case.decision_to_assess == "no":
            return (f"On {day} the council decided not to carry out an assessment. The decision "
                    "letter explains why and how to appeal if you disagree.")
        return f"On {day} the council decided to carry out an EHC needs assessment."
    if kd.key == "decision-to-issue":
        if case.decision_to_issue == "no":
            return (f"On {day} the council decided not to issue an EHC plan. The decision letter "
                    "explains why and how to appeal if you disagree.")
        return f"On {day} the council decided to write an EHC plan."
    if kd.key == "draft-plan":
        return f"The council sent you the draft EHC plan on {day}."
    if kd.key == "comments":
        return f"The council recorded your response to the draft plan on {day}."
    if kd.key == "final-plan":
        return f"The final EHC plan was issued on {day}."
    if kd.key == "review-meeting":
        return f"The annual review meeting was held on {day}."
    if kd.key == "review-report":
        return f"The council received the annual review report on {day}."
    if kd.key == "amended-plan":
        return f"The amended EHC plan was issued on {day}."
    if kd.key.startswith("transfer-"):
        return f"The plan was updated for {kd.label.split(' for ', 1)[-1]} on {day}."
    if kd.key == "review-decision":
        return f"The council told you its decision after the annual review on {day}."
    return f"{kd.label}: {day}."


_DUE_TEXT = {
    "decision": "The council must decide whether to carry out an assessment by {day}",
    "decision-to-issue": "The council must tell you whether it will write an EHC plan by {day}",
    "draft-plan": "The council should send you a draft EHC plan by {day}",
    "comments": "You can send your comments on the draft plan until {day}",
    "final-plan": "The council must issue the final EHC plan by {day}",
    "review-decision": "The council must tell you its decision after the annual review by {day}",
    "annual-review": "The next annual review of the plan must be held by {day}",
    "review-report": "The report of the review meeting should be sent to you by {day}",
    "amended-plan": "The council must issue the amended EHC plan by {day}",
}


def _due_text(kd, today):
    if kd.key.startswith("transfer-"):
        base = f"The plan must be updated for {kd.label.split(' for ', 1)[-1]} by " \
               f"{clock.long_date(kd.due)}"
        return f"{base} ({statutory.describe_days(kd.days_left(today))})."
    base = _DUE_TEXT.get(kd.key, kd.label + " by {day}").format(day=clock.long_date(kd.due))
    if kd.key == "comments" and kd.status(today) == "overdue":
        return f"The time for comments on the draft plan ended on {clock.long_date(kd.due)}."
    return f"{base} ({statutory.describe_days(kd.days_left(today))})."


def timeline(case, today):
    """(what has happened, what happens next): Moments in process order. Empty without a case."""
    if case is None:
        return [], []
    done, upcoming = [], []
    for kd in statutory.key_dates(case, today):
        status = kd.status(today)
        if kd.happened:
            text = _happened_text(kd, case)
            if status in ("late", "excepted"):
                text += f" That was {(kd.happened - kd.due).days} days after the legal deadline."
            if status == "excepted":
                text += " The law allows more time in this case."
            done.append(Moment(kd.key, text, kd.happened, status))
        elif kd.due:
            upcoming.append(Moment(kd.key, _due_text(kd, today), kd.due, status,
                                   statutory.describe_days(kd.days_left(today))))
    return done, upcoming
