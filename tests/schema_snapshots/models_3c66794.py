"""The previous release's models.py as at commit 3c66794 (only this docstring's first lines added):
tests/http/test_migrations.py builds its schema and migrates it. Do not edit.

Every table of the portal.

The database is bound at start-up through ``db`` (a DatabaseProxy), so the same models run on
SQLite (default, one file under ``instance/``) and PostgreSQL (``PORTAL_DATABASE_URL``).
This module imports nothing of ours. Writes go through ``db.atomic()``; on SQLite the database is
opened with ``lock_type='IMMEDIATE'`` so every write transaction takes the write lock up front.
"""
import datetime as dt
import json
import secrets

from peewee import (
    BigIntegerField, BooleanField, CharField, DatabaseProxy, DateField, DateTimeField,
    ForeignKeyField, IntegerField, InterfaceError, Model, OperationalError, PostgresqlDatabase,
    SqliteDatabase, TextField,
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
    totp_secret = CharField(max_length=64, default="")
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
    pending_totp_secret = CharField(max_length=64, default="")
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
    status = CharField(max_length=10, default="pending", index=True)  # pending | sent | failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)


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
        indexes = ((("user", "person"), True),)


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
    """A child's EHC process as the SEN team records it: phase and the dates that drive the clock.

    The statutory dates (decision due, final plan due, comment window...) are never stored; they
    are computed from these facts by ``services.cases.statutory.key_dates`` (DESIGN.md §2).
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
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


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


ALL_MODELS = [
    Organisation, User, WorkProfile, UserSession, SignInAttempt, OneTimeCode, Throttle,
    ChangeOfCircumstances, Outbox, AuditEvent, Person, Link, FormInstance, Attachment,
    Submission, Message, Case, AdviceRequest, Document, Share, FormReview, DraftAccess,
    ReferenceCode, SignInLock, RegistrationDraft,
]


def create_tables():
    """Create missing tables and add missing columns (safe to run on every start and upgrade)."""
    add_missing_columns()
    widen_big_integers()
    with db.atomic():
        db.create_tables(ALL_MODELS, safe=True)


def widen_big_integers():
    """PostgreSQL: make 32-bit columns 64-bit where the model now says BigIntegerField
    (Throttle.window holds epoch seconds, which pass 2**31 on 2038-01-19). SQLite's integers are
    64-bit already."""
    database = db.obj
    if not isinstance(database, PostgresqlDatabase):
        return
    from playhouse.migrate import PostgresqlMigrator, migrate
    migrator = PostgresqlMigrator(database)
    operations = []
    for model in ALL_MODELS:
        table = model._meta.table_name
        wide = [f for f in model._meta.sorted_fields if isinstance(f, BigIntegerField)]
        if not wide or not database.table_exists(table):
            continue
        types = {column.name: column.data_type for column in database.get_columns(table)}
        for field in wide:
            if types.get(field.column_name) == "integer":
                operations.append(migrator.alter_column_type(table, field.column_name,
                                                             BigIntegerField()))
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


def backup_to(path):
    """Write a consistent copy of the SQLite database to ``path`` (safe while the portal runs)."""
    import sqlite3
    database = db.obj
    if not isinstance(database, SqliteDatabase):
        return "PostgreSQL: use pg_dump for backups."
    source = sqlite3.connect(database.database)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return f"Backed up to {path}."
