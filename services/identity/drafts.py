"""The secrets of an unfinished registration, kept server-side (issue 11, L6).

The registration wizard keeps what was typed in the session cookie between steps, but never the
password or secret answer, nor their hashes: those hashes wait in a ``RegistrationDraft`` row, and
the cookie holds only that row's random token. A draft left unfinished is swept after a day.
"""
import datetime as dt
import secrets

from models import RegistrationDraft, utcnow

KEEP_FOR = dt.timedelta(days=1)


def keep(token, *, password_hash=None, answer_hash=None):
    """Store either hash for the draft ``token`` (a new draft when ``token`` is empty or unknown).
    Returns the draft's token, for the session."""
    draft = RegistrationDraft.get_or_none(RegistrationDraft.token == (token or ""))
    if draft is None:
        RegistrationDraft.delete().where(RegistrationDraft.created_at < utcnow() - KEEP_FOR).execute()
        draft = RegistrationDraft.create(token=secrets.token_urlsafe(32))
    changes = {name: value for name, value in (("password_hash", password_hash),
                                               ("answer_hash", answer_hash)) if value}
    if changes:
        RegistrationDraft.update(**changes).where(RegistrationDraft.id == draft.id).execute()
    return draft.token


def hashes(token):
    """(password_hash, answer_hash) of the draft, "" for each one not given yet."""
    draft = RegistrationDraft.get_or_none(RegistrationDraft.token == (token or ""))
    if draft is None or draft.created_at < utcnow() - KEEP_FOR:
        return "", ""
    return draft.password_hash, draft.answer_hash


def drop(token):
    RegistrationDraft.delete().where(RegistrationDraft.token == (token or "")).execute()
