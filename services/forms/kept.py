"""Nothing typed is lost when a session ends (issue 13, DESIGN.md §12).

A step page carries ``kept_for``: the user and the form it was made for, signed with the
portal's secret. When that page posts after the session has ended, the answers are kept here
(one row per form, user and step) and put back on the step when the same user signs in again
and opens it. Without a valid signature nothing is kept: a stranger cannot plant answers.
"""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

import models
from models import FormInstance, KeptAnswers

SALT = "forms-kept-answers"
MAX_AGE = 12 * 3600  # a session lives 12 hours at most: an older page is not honoured
NOT_ANSWERS = ("csrf_token", "kept_for", "version", "autosave", "back")


def token_for(secret: str, user, instance) -> str:
    return URLSafeTimedSerializer(secret, salt=SALT).dumps([user.id, instance.id])


def owner_of(secret: str, token: str, instance_id: int) -> int | None:
    """The user id ``token`` was made for, when it names ``instance_id`` and is fresh."""
    try:
        user_id, signed_instance = URLSafeTimedSerializer(secret, salt=SALT).loads(
            token or "", max_age=MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return user_id if signed_instance == instance_id else None


def keep(*, instance_id: int, user_id: int, step_key: str, posted: dict, version) -> bool:
    """Keep what a step posted (the latest post wins). False when the form is gone."""
    if FormInstance.get_or_none(FormInstance.id == instance_id) is None:
        return False
    answers = {k: v for k, v in posted.items() if k not in NOT_ANSWERS}
    with models.db.atomic():
        KeptAnswers.delete().where((KeptAnswers.instance == instance_id)
                                   & (KeptAnswers.user == user_id)
                                   & (KeptAnswers.step_key == step_key)).execute()
        KeptAnswers.create(instance=instance_id, user=user_id, step_key=step_key,
                           posted=answers, version=int(version or 0))
    return True


def take(instance, user, step_key: str) -> KeptAnswers | None:
    """The answers kept for this step of ``instance`` for ``user``, removed as they are read."""
    kept = KeptAnswers.get_or_none((KeptAnswers.instance == instance) & (KeptAnswers.user == user)
                                   & (KeptAnswers.step_key == step_key))
    if kept is not None:
        KeptAnswers.delete().where(KeptAnswers.id == kept.id).execute()
    return kept
