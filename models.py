"""Every table of the portal.

The database is bound at start-up through ``db`` (a DatabaseProxy), so the same models run on
SQLite (default, one file under ``instance/``) and PostgreSQL (``PORTAL_DATABASE_URL``).
This module imports nothing of ours. Writes go through ``db.atomic()``; on SQLite the database is
opened with ``lock_type='IMMEDIATE'`` so every write transaction takes the write lock up front.
"""
import datetime as dt
import json
import secrets

from peewee import (
    BigIntegerField, BooleanField, CharField, DatabaseError, DatabaseProxy, DateField, DateTimeField,
    ForeignKeyField, IntegerField, InterfaceError, Model, OperationalError, PostgresqlDatabase,
    SQL, SqliteDatabase, TextField,
)
from playhouse.db_url import connect, register_database
from playhouse.shortcuts import ReconnectMixin

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


def utcnow():
    """Naive UTC now: every timestamp in the database is UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class ReconnectPostgresqlDatabase(ReconnectMixin, PostgresqlDatabase):
    """PostgreSQL whose dead connection heals: a statement (or BEGIN) outside a transaction that
    fails because the server closed the connection (pg_terminate_backend, a restart, a failover,
    an idle reaper) reconnects and runs once more. Inside a transaction the error stands (the
    transaction's work is gone); the next request then reconnects."""
    reconnect_errors = (
        (OperationalError, "server closed the connection"),
        (OperationalError, "terminating connection"),
        (OperationalError, "connection already closed"),
        (OperationalError, "could not receive data from server"),
        (OperationalError, "ssl connection has been closed"),
        (InterfaceError, "connection already closed"),
        (InterfaceError, "cursor already closed"),
    )


register_database(ReconnectPostgresqlDatabase, "postgres", "postgresql")


def open_database(url):
    """Open the database named by ``url`` and bind every model to it (not connected yet)."""
    if url.startswith("sqlite"):
        database = connect(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                           check_same_thread=False)
    else:
        database = connect(url)
    db.initialize(database)
    return database


class JSONField(TextField):
    """A JSON document stored as text (portable between SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


# --- Accounts ----------------------------------------------------------------------------------

class Organisation(BaseModel):
    """A school, setting, service or team; professionals at the same one are colleagues."""
    name = CharField(max_length=200)
    name_key = CharField(max_length=200, unique=True)  # case- and space-folded name
    created_at = DateTimeField(default=utcnow)


class User(BaseModel):
    """Anyone who signs in: professional, officer (SEN team), citizen (parent/young person), admin."""
    email = CharField(max_length=254, unique=True)  # stored lower-cased
    password_hash = CharField(max_length=255, default="")
    role = CharField(max_length=20, default="professional", index=True)
    status = CharField(max_length=20, default="pending", index=True)  # pending | active | disabled
    title = CharField(max_length=20, default="")
    forename = CharField(max_length=100, default="")
    surname = CharField(max_length=100, default="")
    gender = CharField(max_length=30, default="")
    secret_question = CharField(max_length=200, default="")
    secret_answer_hash = CharField(max_length=255, default="")
    two_step_method = CharField(max_length=10, default="")  # "" | email | totp
    totp_secret = CharField(max_length=255, default="")  # sealed (identity/secrets_at_rest)
    totp_last_step = IntegerField(default=0)  # a TOTP code is used once only
    failed_logins = IntegerField(default=0)  # failures in a row (password or code)
    locked_until = DateTimeField(null=True)
    council_verified = BooleanField(default=False)  # a professional account checked by the SEN team
    citizen_kind = CharField(max_length=20, default="")  # citizens: parent | young-person
    password_changed_at = DateTimeField(default=utcnow)
    activated_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # Changes whenever a registration replaces this pending account: only the newest link works.
    activation_nonce = CharField(max_length=40, default="")

    @property
    def display_name(self):
        return " ".join(p for p in (self.forename, self.surname) if p) or self.email

    @property
    def two_step_enabled(self):
        return bool(self.two_step_method)

    # The attributes flask-login expects; ``session_token`` is set when a session loads the user.
    is_authenticated = True
    is_anonymous = False
    session_token = None
    two_step_passed = False

    @property
    def is_active(self):
        return self.status == "active"

    def get_id(self):
        return self.session_token


class SignInLock(BaseModel):
    """Failed sign-ins for one account from one address: ten in a row lock that pair only."""
    user = ForeignKeyField(User, backref="sign_in_locks", on_delete="CASCADE")
    address = CharField(max_length=45, default="")
    failures = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "address"), True),)


class RegistrationDraft(BaseModel):
    """The password and secret-answer hashes of an unfinished registration, kept server-side; the
    session cookie holds only the random token."""
    token = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255, default="")
    answer_hash = CharField(max_length=255, default="")
    created_at = DateTimeField(default=utcnow, index=True)


class WorkProfile(BaseModel):
    """One professional role at one organisation ("add another role" adds a row)."""
    user = ForeignKeyField(User, backref="work_profiles", on_delete="CASCADE")
    professional_role = CharField(max_length=100)
    organisation = ForeignKeyField(Organisation, backref="work_profiles")
    house_number = CharField(max_length=20, default="")
    house_name = CharField(max_length=100, default="")
    building_name = CharField(max_length=100, default="")
    street = CharField(max_length=100, default="")
    district = CharField(max_length=100, default="")
    town = CharField(max_length=100, default="")
    postcode = CharField(max_length=10, default="")
    country = CharField(max_length=60, default="")
    work_phone = CharField(max_length=30, default="")
    mobile = CharField(max_length=30, default="")
    ended_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # The SEN team confirmed this membership of the organisation (verifying the account confirms
    # its roles; a role added or moved to another organisation later waits for its own Confirm).
    # Only confirmed members are colleagues.
    confirmed_at = DateTimeField(null=True)
    confirmed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    @property
    def confirmed(self):
        return self.confirmed_at is not None

    @property
    def address_lines(self):
        parts = [f"{self.house_number} {self.house_name}".strip(), self.building_name, self.street,
                 self.district, self.town, self.postcode, self.country]
        return [p for p in parts if p]


class UserSession(BaseModel):
    """A signed-in browser. The cookie holds only ``token``; deleting the row signs it out."""
    token = CharField(max_length=64, unique=True, default=lambda: secrets.token_urlsafe(32))
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    two_step_passed = BooleanField(default=False)
    # Two Step Verification being set up in this browser (My Account): the method waiting for
    # its proving code, and a new authenticator secret kept here, never in the cookie.
    pending_two_step = CharField(max_length=10, default="")
    pending_totp_secret = CharField(max_length=255, default="")  # sealed, as User.totp_secret
    created_at = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow)


class SignInAttempt(BaseModel):
    """A password that was right, waiting for its second step (the one-time code)."""
    token = CharField(max_length=64, unique=True, default=lambda: secrets.token_urlsafe(32))
    user = ForeignKeyField(User, backref="sign_in_attempts", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)


class OneTimeCode(BaseModel):
    """A 6-digit code, stored hashed, tied to one sign-in attempt (or to enabling 2SV)."""
    user = ForeignKeyField(User, backref="codes", on_delete="CASCADE")
    attempt = ForeignKeyField(SignInAttempt, null=True, backref="codes", on_delete="CASCADE")
    purpose = CharField(max_length=20, default="sign-in")  # sign-in | enable
    code_hash = CharField(max_length=128)
    wrong_tries = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    dead = BooleanField(default=False)


class Throttle(BaseModel):
    """Request counts per key per fixed window, shared by every worker (rate limits)."""
    key = CharField(max_length=200)
    window = BigIntegerField()  # window start, seconds since the epoch (64-bit: past 2038)
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("key", "window"), True),)


class ChangeOfCircumstances(BaseModel):
    user = ForeignKeyField(User, backref="circumstances", on_delete="CASCADE")
    kind = CharField(max_length=20)  # new-organisation | leaving
    organisation_name = CharField(max_length=200, default="")
    effective_date = DateField(null=True)
    details = TextField(default="")
    created_at = DateTimeField(default=utcnow)


# --- Mail and audit ----------------------------------------------------------------------------

class Outbox(BaseModel):
    """An email waiting to go, written in the same transaction as the change that causes it."""
    message_id = CharField(max_length=200, unique=True)
    to_addr = CharField(max_length=254)
    subject = CharField(max_length=300)
    text_body = TextField()
    html_body = TextField(default="")
    kind = CharField(max_length=50, default="", index=True)
    # Holds a one-time code or a secret link: the bodies are emptied once it has been sent.
    secret = BooleanField(default=False)
    status = CharField(max_length=10, default="pending", index=True)  # pending | sending | sent
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    # While "sending": when this row was claimed, and by which sender (services/mail.py).
    claimed_at = DateTimeField(null=True)
    claim_token = CharField(max_length=32, null=True)


class AuditEvent(BaseModel):
    """Who saw or changed what, when. Never holds passwords, codes or tokens."""
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, backref="audit_events", on_delete="SET NULL")
    action = CharField(max_length=60, index=True)
    object_type = CharField(max_length=40, default="")
    object_id = CharField(max_length=40, default="")
    person_id = IntegerField(null=True, index=True)
    ip = CharField(max_length=45, default="")
    detail = JSONField(default=dict)


# --- Children, links and forms -----------------------------------------------------------------

class Person(BaseModel):
    """A child or young person (0-25)."""
    forename = CharField(max_length=100)
    middle_name = CharField(max_length=100, default="")
    surname = CharField(max_length=100)
    gender = CharField(max_length=30, default="")
    date_of_birth = DateField()
    current_school = CharField(max_length=200, default="")
    ethnicity = CharField(max_length=100, default="")
    first_language = CharField(max_length=100, default="")
    address = TextField(default="")
    postcode = CharField(max_length=10, default="")
    needs_matching = BooleanField(default=False)  # added by a professional; SEN team to match
    created_by = ForeignKeyField(User, null=True, backref="people_added", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @property
    def full_name(self):
        return " ".join(p for p in (self.forename, self.middle_name, self.surname) if p)

    @property
    def initials(self):
        return "".join(p[0].upper() for p in (self.forename, self.surname) if p)


# Select Person's order, for keyset paging (services/people/people.py linked_people).
Person.add_index(Person.index(SQL("lower(surname)"), SQL("lower(forename)"), Person.id,
                              name="person_name_order"))


class Link(BaseModel):
    """Who may see whom: a user linked to a person. ``hidden`` hides from that user's list only."""
    user = ForeignKeyField(User, backref="links", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="links", on_delete="CASCADE")
    how = CharField(max_length=30, default="added")  # added | sen-team | colleague | handover
    linked_by = ForeignKeyField(User, null=True, backref="links_made", on_delete="SET NULL")
    hidden = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "person"), True),
                   (("user", "hidden", "ended_at", "person"), False))  # Select Person's count


class LinkTally(BaseModel):
    """How many links each user has now (not ended), shown and hidden: Select Person's "N records
    found" read from one row instead of counted over every link (a count grows with the list).

    Written only by the database's own triggers on link (converge_link_tally): every insert,
    update and delete of a link, the cascades of deleting a person or a user included, moves the
    numbers in the same transaction. No foreign key: a user's deletion cascades to its links,
    whose triggers bring its numbers to zero, in whatever order the database does the two."""
    user_id = BigIntegerField(primary_key=True)
    shown = BigIntegerField(default=0)
    hidden = BigIntegerField(default=0)

    class Meta:
        table_name = "link_tally"


class FormInstance(BaseModel):
    """One filling-in of one form about one person by one author."""
    person = ForeignKeyField(Person, backref="forms", on_delete="CASCADE")
    form_key = CharField(max_length=80, index=True)
    schema_version = IntegerField()
    author = ForeignKeyField(User, backref="forms", on_delete="CASCADE")
    work_profile = ForeignKeyField(WorkProfile, null=True, on_delete="SET NULL")
    status = CharField(max_length=12, default="draft", index=True)  # draft|submitted|amending|returned|accepted
    answers = JSONField(default=dict)
    version = IntegerField(default=1)  # optimistic locking: every save must name the current one
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    submitted_at = DateTimeField(null=True)

    class Meta:
        # The SEN team's review queue: submitted forms, oldest first, without a sort.
        indexes = ((("status", "submitted_at", "id"), False),)


class Attachment(BaseModel):
    """An uploaded file on a form field; stored outside static/ under a random name."""
    instance = ForeignKeyField(FormInstance, backref="attachments", on_delete="CASCADE")
    field = CharField(max_length=120)  # "step.field" or "step.row.field"
    filename = CharField(max_length=255)  # the name the user gave it (shown, never used on disk)
    stored_name = CharField(max_length=64, unique=True)
    content_type = CharField(max_length=100, default="application/octet-stream")
    size = IntegerField()
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    removed_at = DateTimeField(null=True)


class Submission(BaseModel):
    """One submitted round of a form instance, kept for good: Edit and resubmit adds round 2,
    and round 1 stays readable exactly as it was sent (with its own schema version)."""
    instance = ForeignKeyField(FormInstance, backref="submissions", on_delete="CASCADE")
    round = IntegerField()
    answers = JSONField(default=dict)
    schema_version = IntegerField()
    work_profile = ForeignKeyField(WorkProfile, null=True, on_delete="SET NULL")
    submitted_by = ForeignKeyField(User, null=True, backref="submissions", on_delete="SET NULL")
    submitted_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("instance", "round"), True),)


class Message(BaseModel):
    """A portal message to one user (Stockton "Portal Messages"): a request to submit information,
    a reminder, information shared, a form returned with a reason, or a general note."""
    recipient = ForeignKeyField(User, backref="messages", on_delete="CASCADE")
    sender = ForeignKeyField(User, null=True, backref="messages_sent", on_delete="SET NULL")
    person = ForeignKeyField(Person, null=True, backref="messages", on_delete="CASCADE")
    kind = CharField(max_length=20, default="general")  # request|reminder|shared|returned|general
    subject = CharField(max_length=300)
    body = TextField(default="")
    form_key = CharField(max_length=80, null=True)
    due_date = DateField(null=True)
    tab = CharField(max_length=12, null=True)  # request|assessment|plan|review ("Go to form")
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)

    class Meta:
        # The inbox (newest first) and the unread count on Home both start from the recipient.
        indexes = ((("recipient", "created_at"), False), (("recipient", "read_at"), False))


class Case(BaseModel):
    """A child's EHC process. What happened is the list of CaseEvents (the source of truth); the
    columns below from ``phase`` to ``next_step`` are a projection of those events, rewritten
    only by ``services.cases.events.project`` so the caseload and the dashboard can filter and
    sort in SQL. Nothing else writes them (DESIGN.md §11; docs/decisions.md "The case as events").
    """
    person = ForeignKeyField(Person, backref="cases", unique=True, on_delete="CASCADE")
    phase = CharField(max_length=12, default="request", index=True)  # request|assessment|plan|review|closed
    officer = ForeignKeyField(User, null=True, backref="caseload", on_delete="SET NULL")
    request_received = DateField(null=True, index=True)
    decision_to_assess = CharField(max_length=3, default="")  # "" | yes | no
    decision_date = DateField(null=True)
    assessment_start = DateField(null=True)
    decision_to_issue = CharField(max_length=3, default="")  # "" | yes | no (after assessment)
    decision_to_issue_date = DateField(null=True)
    draft_plan_issued = DateField(null=True)
    final_plan_issued = DateField(null=True)
    annual_review_held = DateField(null=True)  # the most recent review meeting
    annual_review_decision = DateField(null=True)  # the LA's decision after that meeting
    next_deadline = DateField(null=True, index=True)  # denormalised for the caseload's sort/filter
    next_step = CharField(max_length=30, default="")  # the KeyDate key next_deadline belongs to
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


# The caseload's order, no deadline last (services/cases/caseload.py, keyset paging).
Case.add_index(Case.index(SQL("(next_deadline IS NULL)"), Case.next_deadline, Case.person,
                          name="case_deadline_order"))
# The dashboard: open requests by arrival (counted from the index), plans issued in a year.
Case.add_index(Case.index(Case.phase, Case.decision_to_assess, Case.request_received, Case.person,
                          name="case_open_requests"))
Case.add_index(Case.index(Case.final_plan_issued, name="case_final_plan_issued"))
# The officer's home and the caseload's due filters: due this week, overdue (counted from it).
Case.add_index(Case.index(Case.next_deadline, Case.phase, name="case_due"))


class CaseEvent(BaseModel):
    """One statutory fact of a case: what happened (``kind``, with its ``outcome``), on which UK
    date, who recorded it and how. Kinds, outcomes and the rules they drive live in
    ``services.cases.rules``; events are written only by ``services.cases.events``."""
    case = ForeignKeyField(Case, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=30)
    outcome = CharField(max_length=30, default="")
    on = DateField()  # the UK date it happened (not when it was typed in)
    detail = JSONField(default=dict)  # reason, how a request came, the form, the letter...
    recorded_by = ForeignKeyField(User, null=True, backref="case_events", on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("case", "on"), False), (("kind", "on"), False))


class AdviceRequest(BaseModel):
    """The SEN team asks one professional (or family) for one form about one person by a date."""
    person = ForeignKeyField(Person, backref="advice_requests", on_delete="CASCADE")
    recipient = ForeignKeyField(User, backref="advice_requests", on_delete="CASCADE")
    form_key = CharField(max_length=80)
    due_date = DateField(index=True)
    requested_by = ForeignKeyField(User, null=True, backref="advice_asked", on_delete="SET NULL")
    requested_at = DateTimeField(default=utcnow)
    # requested | in-progress | received | cancelled; "overdue" is computed from due_date.
    status = CharField(max_length=12, default="requested", index=True)
    instance = ForeignKeyField(FormInstance, null=True, backref="advice_requests", on_delete="SET NULL")
    reminders_sent = JSONField(default=list)  # e.g. ["before", "overdue"]: never the same twice
    received_at = DateTimeField(null=True)


class Document(BaseModel):
    """A file the SEN team puts on a case: a letter, the Draft or the Final EHC Plan."""
    person = ForeignKeyField(Person, backref="documents", on_delete="CASCADE")
    kind = CharField(max_length=20, index=True)  # letter | draft-plan | final-plan | other
    tab = CharField(max_length=12, default="assessment")  # request|assessment|plan|review
    title = CharField(max_length=200)
    filename = CharField(max_length=255)
    stored_name = CharField(max_length=64, unique=True)
    content_type = CharField(max_length=100, default="application/octet-stream")
    size = IntegerField()
    issued_on = DateField(null=True)
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    removed_at = DateTimeField(null=True)


class Share(BaseModel):
    """A form instance (one round of it) or a document shared with one party on the case
    ("View Shared Form")."""
    person = ForeignKeyField(Person, backref="shares", on_delete="CASCADE")
    recipient = ForeignKeyField(User, backref="shared_with_me", on_delete="CASCADE")
    instance = ForeignKeyField(FormInstance, null=True, backref="shares", on_delete="CASCADE")
    document = ForeignKeyField(Document, null=True, backref="shares", on_delete="CASCADE")
    # The one submitted round of ``instance`` shared (its answers and files, nothing else);
    # None (shares made before rounds were recorded) means the latest accepted round.
    round = IntegerField(null=True, default=None)
    shared_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("recipient", "person"), False),)


class FormReview(BaseModel):
    """The SEN team's decision on one submitted round of a form: accepted, or returned with a
    reason for the author to edit and resubmit. One decision per round (a second click on
    Accept finds the round already decided)."""
    instance = ForeignKeyField(FormInstance, backref="reviews", on_delete="CASCADE")
    round = IntegerField()
    decision = CharField(max_length=10)  # accepted | returned
    reason = TextField(default="")
    officer = ForeignKeyField(User, null=True, backref="reviews_made", on_delete="SET NULL")
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("instance", "round"), True),)


class DraftAccess(BaseModel):
    """A colleague the author let continue one of their drafts (Colleagues page). Editing also
    needs the colleague's own live Link to the child; only the author submits or deletes."""
    instance = ForeignKeyField(FormInstance, backref="draft_access", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="drafts_shared_with_me", on_delete="CASCADE")
    granted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("instance", "user"), True),)


class ReferenceCode(BaseModel):
    """A one-time reference code the SEN team gives a family so a parent (or a young person of 16
    or over) can ask to be linked to a child. Only an HMAC of the code is stored. Once entered it
    becomes a link request, which an officer confirms (a Link is made) or refuses."""
    person = ForeignKeyField(Person, backref="reference_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(User, null=True, backref="reference_codes_made",
                                 on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    # unused | pending (entered, waiting for an officer) | confirmed | refused | withdrawn
    status = CharField(max_length=12, default="unused", index=True)
    used_by = ForeignKeyField(User, null=True, backref="link_requests", on_delete="CASCADE")
    used_at = DateTimeField(null=True)
    how = CharField(max_length=20, default="")  # the Link asked for: parent | young-person
    relationship = CharField(max_length=60, default="")  # as the family member described it
    decided_by = ForeignKeyField(User, null=True, backref="link_requests_decided",
                                 on_delete="SET NULL")
    decided_at = DateTimeField(null=True)


class KeptAnswers(BaseModel):
    """Answers a step posted after its session had ended (issue 13): kept for the form and the
    user the page was made for, and put back on the step when that user signs in again."""
    instance = ForeignKeyField(FormInstance, backref="kept_answers", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="kept_answers", on_delete="CASCADE")
    step_key = CharField(max_length=80)
    posted = JSONField(default=dict)  # the step's fields as posted (lists of strings)
    version = IntegerField()  # the form version the page was showing
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("instance", "user", "step_key"), True),)


class Sen2Record(BaseModel):
    """What the DfE's SEN2 return needs about a child that the case events do not hold
    (services/sen2): identifiers, sex, request source when no portal form tells it, the
    mediation and tribunal flags and the named plan's details. One row per child, made on first save."""
    person = ForeignKeyField(Person, backref="sen2_records", unique=True, on_delete="CASCADE")
    upn = CharField(max_length=13, default="")
    uln = CharField(max_length=10, default="")
    upn_unknown = CharField(max_length=4, default="")  # UN1-UN3, UN5, UN8-UN10 when there is no UPN
    sex = CharField(max_length=1, default="")  # M | F | U
    request_source = CharField(max_length=1, default="")  # 1-5; "" = from the request event
    request_mediation = BooleanField(default=False)
    request_tribunal = BooleanField(default=False)
    assessment_mediation = BooleanField(default=False)
    assessment_tribunal = BooleanField(default=False)
    personal_budget = BooleanField(default=False)
    organised_arrangements = BooleanField(default=False)
    direct_payments = BooleanField(default=False)
    cease_reason = CharField(max_length=1, default="")  # 1-9 (the DfE's CeaseReason)
    updated_at = DateTimeField(default=utcnow)
    # Appended for the rest of the return (issue 16, second part; converge_schema adds them).
    rya = BooleanField(default=False)  # the request was made in relevant youth accommodation
    other_mediation = BooleanField(default=False)  # mediation about anything else in the plan
    other_tribunal = BooleanField(default=False)
    plan_res = CharField(max_length=1, default="")  # A up to 38 weeks | B 39-52 weeks | "" not
    plan_wbp = BooleanField(default=False)  # the plan names work-based learning
    transfer_la = CharField(max_length=3, default="")  # LA number a transferred-in plan came from


class Sen2Placement(BaseModel):
    """A setting named in the child's plan (SEN2 PlacementDetail): a school by URN or UKPRN, or
    a SENSetting code where no establishment is named."""
    person = ForeignKeyField(Person, backref="sen2_placements", on_delete="CASCADE")
    urn = CharField(max_length=6, default="")
    ukprn = CharField(max_length=8, default="")
    setting = CharField(max_length=4, default="")  # OLA|OPA|EHE|EYP|OTH|NEET|NIEC|NIEO
    setting_other = CharField(max_length=100, default="")
    rank = IntegerField(default=1)
    entry_date = DateField(null=True)
    leaving_date = DateField(null=True)
    sen_unit = BooleanField(default=False)
    resourced = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    res = CharField(max_length=1, default="")  # residential: A up to 38 weeks | B 39-52 weeks
    wbp = BooleanField(default=False)  # work-based learning


class Sen2Need(BaseModel):
    """One of the child's special educational needs, ranked (1 = primary), as SEN2 SENneed."""
    person = ForeignKeyField(Person, backref="sen2_needs", on_delete="CASCADE")
    code = CharField(max_length=4)  # SPLD|MLD|SLD|PMLD|SEMH|SLCN|HI|VI|MSI|PD|ASD|DS|OTH
    rank = IntegerField()

    class Meta:
        indexes = ((("person", "rank"), True),)


ALL_MODELS = [
    Organisation, User, WorkProfile, UserSession, SignInAttempt, OneTimeCode, Throttle,
    ChangeOfCircumstances, Outbox, AuditEvent, Person, Link, FormInstance, Attachment,
    Submission, Message, Case, CaseEvent, AdviceRequest, Document, Share, FormReview, DraftAccess,
    ReferenceCode, SignInLock, RegistrationDraft, KeptAnswers, Sen2Record, Sen2Placement,
    Sen2Need, LinkTally,
]


class SchemaVersion(BaseModel):
    """Which numbered step of migrations/ this database has had, and when (migrations.migrate)."""
    version = IntegerField(primary_key=True)
    name = CharField(max_length=100)
    applied_at = DateTimeField(default=utcnow)


def create_tables():
    """Bring the database to these models: the numbered steps of migrations/ it has not had yet,
    then converge_schema (safe to run on every start and upgrade)."""
    import migrations  # imports models: here, not at the top
    return migrations.migrate()


def converge_schema():
    """Create missing tables and indexes, add missing columns, widen narrow ones (idempotent)."""
    roles_unconfirmable = _lacks_column(WorkProfile, "confirmed_at")
    add_missing_columns()
    widen_columns()
    with db.atomic():
        db.create_tables(ALL_MODELS, safe=True)
    converge_name_search()
    converge_link_tally()
    if roles_unconfirmable:
        confirm_roles_of_verified_accounts()


# The name search's index (services/people/name_search.py): every word of a search is a substring
# of a name, which no ordinary index can find. PostgreSQL: pg_trgm GIN indexes, which
# ILIKE '%word%' uses. SQLite: every suffix of every name, lowered as SQLite's lower() does, in
# person_name_fragment with a b-tree on it, kept by triggers: a name holds a word when one of its
# suffixes starts with it, a range of that index (decisions.md, "Name search and counts").
NAME_COLUMNS = ("forename", "middle_name", "surname")
NAME_POSITIONS = 255  # the longest name whose every suffix is indexed (forms allow 100)


def _fragments_of(row):
    """SQLite statements inserting the suffixes of ``row``'s names (row: new, or a FROM alias)."""
    if row == "new":
        return " ".join(
            f"INSERT INTO person_name_fragment (fragment, person_id) SELECT"
            f" lower(substr(new.{column}, i)), new.id FROM person_name_position"
            f" WHERE i <= length(new.{column});" for column in NAME_COLUMNS)
    return [f"INSERT INTO person_name_fragment (fragment, person_id) SELECT"
            f" lower(substr(p.{column}, n.i)), p.id FROM person AS p"
            f" JOIN person_name_position AS n ON n.i <= length(p.{column})"
            for column in NAME_COLUMNS]


SQLITE_NAME_SEARCH = (
    *(f"DROP TRIGGER IF EXISTS person_name_fragment_{when}"
      for when in ("insert", "delete", "update")),
    "DROP TABLE IF EXISTS person_name_fragment",
    "DROP TABLE IF EXISTS person_name_position",
    "CREATE TABLE person_name_position (i INTEGER PRIMARY KEY)",
    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r"
    f" WHERE i < {NAME_POSITIONS}) INSERT INTO person_name_position (i) SELECT i FROM r",
    "CREATE TABLE person_name_fragment (fragment TEXT NOT NULL, person_id INTEGER NOT NULL)",
    "CREATE INDEX person_name_fragment_order ON person_name_fragment (fragment, person_id)",
    "CREATE INDEX person_name_fragment_person ON person_name_fragment (person_id)",
    "CREATE TRIGGER person_name_fragment_insert AFTER INSERT ON person BEGIN "
    + _fragments_of("new") + " END",
    "CREATE TRIGGER person_name_fragment_delete AFTER DELETE ON person BEGIN"
    " DELETE FROM person_name_fragment WHERE person_id = old.id; END",
    f"CREATE TRIGGER person_name_fragment_update AFTER UPDATE OF {', '.join(NAME_COLUMNS)}"
    " ON person BEGIN DELETE FROM person_name_fragment WHERE person_id = old.id; "
    + _fragments_of("new") + " END",
    *_fragments_of("p"),
)


def converge_name_search():
    """Create the name search's index if this database lacks it, or any part of it (idempotent;
    SQLite's table is rebuilt from the person table). Without it (a PostgreSQL without pg_trgm)
    searches still work, unindexed: ``flask doctor`` says so."""
    database = db.obj
    if isinstance(database, PostgresqlDatabase):
        if converge_name_search_extension():
            with database.atomic():
                for column in NAME_COLUMNS:
                    database.execute_sql(f"CREATE INDEX IF NOT EXISTS person_{column}_trgm"
                                         f" ON person USING gin ({column} gin_trgm_ops)")
        database.portal_name_search = name_search_indexed()
        return
    if not name_search_indexed():
        with database.atomic():
            for statement in SQLITE_NAME_SEARCH:
                database.execute_sql(statement)
    database.portal_name_search = name_search_indexed()  # read by name_search_ready


# LinkTally's triggers. A link counts when not ended, as shown or hidden; an update takes the old
# row's count away and adds the new row's (hide, unhide, end, a move to another user). The same
# rule is written for queries in services/people/people.py (_my_links, _shown) and below in
# RECOUNT_LINK_TALLY: change them together (tests/http/test_link_tally.py compares them).
_TALLY_ADD_SQLITE = (
    "INSERT INTO link_tally (user_id, shown, hidden) VALUES (new.user_id, new.hidden = 0,"
    " new.hidden != 0) ON CONFLICT (user_id) DO UPDATE SET shown = shown + excluded.shown,"
    " hidden = hidden + excluded.hidden;")
_TALLY_TAKE_SQLITE = ("UPDATE link_tally SET shown = shown - (old.hidden = 0),"
                      " hidden = hidden - (old.hidden != 0) WHERE user_id = old.user_id;")
SQLITE_LINK_TALLY = (
    *(f"DROP TRIGGER IF EXISTS link_tally_{when}"
      for when in ("insert", "delete", "update_old", "update_new")),
    "CREATE TRIGGER link_tally_insert AFTER INSERT ON link WHEN new.ended_at IS NULL BEGIN "
    + _TALLY_ADD_SQLITE + " END",
    "CREATE TRIGGER link_tally_delete AFTER DELETE ON link WHEN old.ended_at IS NULL BEGIN "
    + _TALLY_TAKE_SQLITE + " END",
    "CREATE TRIGGER link_tally_update_old AFTER UPDATE OF user_id, hidden, ended_at ON link"
    " WHEN old.ended_at IS NULL BEGIN " + _TALLY_TAKE_SQLITE + " END",
    "CREATE TRIGGER link_tally_update_new AFTER UPDATE OF user_id, hidden, ended_at ON link"
    " WHEN new.ended_at IS NULL BEGIN " + _TALLY_ADD_SQLITE + " END",
)
POSTGRES_LINK_TALLY = (
    """CREATE OR REPLACE FUNCTION link_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.ended_at IS NULL THEN
    UPDATE link_tally SET shown = shown - (NOT OLD.hidden)::int,
                          hidden = hidden - OLD.hidden::int
     WHERE user_id = OLD.user_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.ended_at IS NULL THEN
    INSERT INTO link_tally AS t (user_id, shown, hidden)
    VALUES (NEW.user_id, (NOT NEW.hidden)::int, NEW.hidden::int)
    ON CONFLICT (user_id) DO UPDATE SET shown = t.shown + excluded.shown,
                                        hidden = t.hidden + excluded.hidden;
  END IF;
  RETURN NULL;
END $$""",
    "DROP TRIGGER IF EXISTS link_tally ON link",
    "CREATE TRIGGER link_tally AFTER INSERT OR DELETE OR UPDATE OF user_id, hidden, ended_at"
    " ON link FOR EACH ROW EXECUTE FUNCTION link_tally()",
)
RECOUNT_LINK_TALLY = (
    "DELETE FROM link_tally",
    "INSERT INTO link_tally (user_id, shown, hidden) SELECT user_id,"
    " SUM(CASE WHEN hidden THEN 0 ELSE 1 END), SUM(CASE WHEN hidden THEN 1 ELSE 0 END)"
    " FROM link WHERE ended_at IS NULL GROUP BY user_id",
)


def converge_link_tally():
    """Create LinkTally's triggers if this database lacks them, and count what is there in the
    same transaction (links are locked against writes meanwhile on PostgreSQL). Idempotent."""
    database = db.obj
    postgres = isinstance(database, PostgresqlDatabase)
    if link_tally_kept():
        database.portal_link_tally = True
        return
    with database.atomic():
        if postgres:
            database.execute_sql("LOCK TABLE link IN SHARE ROW EXCLUSIVE MODE")
            if link_tally_kept():  # another process made them while we waited
                return
        for statement in (POSTGRES_LINK_TALLY if postgres else SQLITE_LINK_TALLY):
            database.execute_sql(statement)
        for statement in RECOUNT_LINK_TALLY:
            database.execute_sql(statement)
    database.portal_link_tally = None  # asked again by link_tally_trusted


SQLITE_NAME_SEARCH_PARTS = ("person_name_fragment", "person_name_position",
                            "person_name_fragment_order", "person_name_fragment_person",
                            "person_name_fragment_insert", "person_name_fragment_delete",
                            "person_name_fragment_update")
SQLITE_LINK_TALLY_PARTS = ("link_tally_insert", "link_tally_delete", "link_tally_update_old",
                           "link_tally_update_new")
POSTGRES_NAME_INDEXES = tuple(f"person_{column}_trgm" for column in NAME_COLUMNS)


def _sqlite_has_all(names):
    """True when SQLite's schema has every table and trigger in ``names``. A table rebuilt by a
    migration step (copy, DROP, rename) loses its triggers: each one is asked for."""
    marks = ", ".join("?" * len(names))
    found = db.obj.execute_sql(f"SELECT COUNT(*) FROM sqlite_master WHERE name IN ({marks})",
                               names).fetchone()[0]
    return found == len(names)


def link_tally_kept():
    """True when the database has LinkTally's triggers (all of them)."""
    database = db.obj
    if isinstance(database, PostgresqlDatabase):
        return database.execute_sql(
            "SELECT 1 FROM pg_trigger WHERE tgname = 'link_tally'"
            " AND tgrelid = 'link'::regclass").fetchone() is not None
    return _sqlite_has_all(SQLITE_LINK_TALLY_PARTS)


def converge_name_search_extension():
    """PostgreSQL: create pg_trgm if missing; True when it is there (False: not installed, or
    the role may not create it, which flask doctor reports)."""
    database = db.obj
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:  # not installed, not allowed, or another process's at this moment
        pass
    return database.execute_sql(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() is not None


def name_search_indexed():
    """True when this database has the whole name search index (see converge_name_search):
    PostgreSQL's pg_trgm and its three GIN indexes; SQLite's tables, indexes and triggers."""
    database = db.obj
    if isinstance(database, PostgresqlDatabase):
        marks = ", ".join(["%s"] * len(POSTGRES_NAME_INDEXES))
        found = database.execute_sql(
            "SELECT (SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm')"
            f" + (SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ({marks})"
            " AND schemaname = current_schema())", POSTGRES_NAME_INDEXES).fetchone()[0]
        return found == 1 + len(POSTGRES_NAME_INDEXES)
    return _sqlite_has_all(SQLITE_NAME_SEARCH_PARTS)


def name_search_ready():
    """True when the whole name search index is there (asked once per database object, i.e.
    once per process and database, and again after converge_schema): only then is it read."""
    database = db.obj
    if getattr(database, "portal_name_search", None) is None:
        database.portal_name_search = name_search_indexed()
    return database.portal_name_search


def link_tally_trusted():
    """True when LinkTally's numbers may be read (its triggers are there; asked once per database
    object like name_search_ready): without them the numbers could be stale."""
    database = db.obj
    if getattr(database, "portal_link_tally", None) is None:
        database.portal_link_tally = link_tally_kept()
    return database.portal_link_tally


def _lacks_column(model, column):
    table = model._meta.table_name
    return (db.obj.table_exists(table)
            and column not in {c.name for c in db.obj.get_columns(table)})


def confirm_roles_of_verified_accounts():
    """Upgrade from a release before WorkProfile.confirmed_at (issue 11, M2): the SEN team checked
    those accounts with the roles they had, so their current roles count as confirmed. Runs only
    when the column is added: later roles wait for their own Confirm."""
    verified = User.select(User.id).where(User.council_verified == True)  # noqa: E712
    with db.atomic():
        return (WorkProfile.update(confirmed_at=utcnow())
                .where(WorkProfile.confirmed_at.is_null() & WorkProfile.ended_at.is_null()
                       & WorkProfile.user.in_(verified)).execute())


def widen_columns():
    """PostgreSQL: widen columns whose model now allows more. 32-bit integers become 64-bit where
    the model says BigIntegerField (Throttle.window holds epoch seconds, which pass 2**31 on
    2038-01-19); a VARCHAR gets the model's longer max_length (User.totp_secret went from 64 to
    255 when seeds became sealed tokens). SQLite has 64-bit integers and unenforced lengths."""
    database = db.obj
    if not isinstance(database, PostgresqlDatabase):
        return
    from playhouse.migrate import PostgresqlMigrator, migrate
    migrator = PostgresqlMigrator(database)
    operations = []
    for model in ALL_MODELS:
        table = model._meta.table_name
        if not database.table_exists(table):
            continue
        columns = {name: (kind, length) for name, kind, length in database.execute_sql(
            "SELECT column_name, data_type, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s", (table,)).fetchall()}
        for field in model._meta.sorted_fields:
            kind, length = columns.get(field.column_name, (None, None))
            if isinstance(field, BigIntegerField) and kind == "integer":
                wider = BigIntegerField()
            elif isinstance(field, CharField) and length and length < field.max_length:
                wider = CharField(max_length=field.max_length)
            else:
                continue
            operations.append(migrator.alter_column_type(table, field.column_name, wider))
    if operations:
        with database.atomic():
            migrate(*operations)


def add_missing_columns():
    """Add the columns a newer release's models have and an existing database lacks.

    A new column is added nullable and filled with the field's default, so the rows already there
    keep their data and `make run` keeps working on an instance made by an older release.
    Renames and removals need a hand-written migration (playhouse.migrate).
    """
    from playhouse.migrate import SchemaMigrator, migrate
    database = db.obj
    migrator = SchemaMigrator.from_database(database)
    operations = []
    for model in ALL_MODELS:
        table = model._meta.table_name
        if not database.table_exists(table):
            continue
        existing = {column.name for column in database.get_columns(table)}
        for field in model._meta.sorted_fields:
            if field.column_name in existing:
                continue
            added = field.clone()
            added.null = True
            operations.append(migrator.add_column(table, field.column_name, added))
            if field.default is not None:
                operations.append(migrator.apply_default(table, field.column_name, field))
    if operations:
        with db.atomic():
            migrate(*operations)
    return len(operations)



# --- Forms as data (issue 17) --------------------------------------------------------------------

class FormDefinition(BaseModel):
    """One version of one form held in the database (services/forms_design): the council's own
    forms and versions, and the shipped catalogue imported by ``flask init-db``. ``source`` is
    the YAML exactly as the engine loads it. A draft has version = the latest version + 1, so
    the unique (key, version) also keeps a form to one draft."""
    key = CharField(max_length=80, index=True)
    version = IntegerField()
    status = CharField(max_length=12, default="draft")  # draft | published | retired
    source = TextField(default="")
    title = CharField(max_length=200, default="")
    tab = CharField(max_length=40, default="")
    origin = CharField(max_length=12, default="designer")  # shipped | designer | imported
    lock = IntegerField(default=1)  # optimistic concurrency: every save names the current one
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    published_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    published_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("key", "version"), True),)


class FormCatalogueStamp(BaseModel):
    """One row whose counter goes up in the same transaction as every publish, retire, restore
    and import: each process reloads its forms when it sees a new number (no row = the files)."""
    counter = BigIntegerField(default=0)


class FormDesigner(BaseModel):
    """An officer who may design, publish and retire forms (issue 17), and who granted it."""
    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    granted_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    granted_at = DateTimeField(default=utcnow)


ALL_MODELS.extend([FormDefinition, FormCatalogueStamp, FormDesigner])
