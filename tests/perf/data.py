"""Seed data for the bench: complete form answers, the load-run database and the scale database.

Invented "Zz" people only. The load seed goes through the models (a few hundred rows); the
scale seed writes straight to the database in big transactions (millions of rows): SQLite with
``executemany``, PostgreSQL with ``COPY ... FROM STDIN`` in chunks.
"""
import datetime as dt
import json
import random
import csv
import io
import itertools
import secrets
import sqlite3

import pyotp

import models
from models import (Attachment, FormInstance, Link, Organisation, Person, User, WorkProfile,
                    utcnow)
from services.identity import accounts

PASSWORD = "bench-portal-password-2026"
FORM_KEY = "early-years-request"
AUTOSAVE_STEP = "views"  # a plain (non-repeating) step whose textarea the crowd autosaves
ROWS_STEP = "parents"  # the Add More group the crowd adds to and removes from


# --- complete answers in the stored shape --------------------------------------------------------

def value_for(step, field, row, long_text=None, work_profile_id=7):
    """A valid stored value for one field (as tests/unit/test_pdf.py fills forms)."""
    kind = field.type
    if kind == "work_profile":
        return work_profile_id
    if kind == "date":
        return "2020-03-0%d" % (row % 9 + 1) if field.name == "date_of_birth" else "2024-05-17"
    if kind == "number":
        return 12
    if kind == "yesno":
        return "Yes"
    if kind in ("select", "radios"):
        return field.options[(row + 1) % len(field.options)].value
    if kind == "checkboxes":
        return [field.options[0].value, field.options[1].value]
    if kind == "file":
        return []
    if field.name == "upn":
        return "A12345678901Z"
    if field.name == "nhs_number":
        return "485 777 3456"
    if kind == "postcode":
        return "TS18 1AA"
    if kind == "email":
        return "zz@example.org"
    if kind == "tel":
        return "01642 000000"
    if kind == "textarea" and long_text:
        return long_text
    suffix = f" row {row + 1}" if step.repeat else ""
    return f"Zz {step.key} {field.name}{suffix}"


def fill(form, *, rows=2, rows_of=None, long_text=None, work_profile_id=7, files=None):
    """Answers for every field of ``form``; ``rows_of`` {step: n} sets a repeat's row count;
    ``files`` {"step.field": [attachment ids]} fills file answers."""
    answers = {}
    rows_of = rows_of or {}
    for step in form.steps:
        count = rows_of.get(step.key, rows) if step.repeat else 1
        if step.repeat:
            count = max(step.repeat.min, min(count, step.repeat.max))
        made = [{f.name: value_for(step, f, r, long_text, work_profile_id)
                 for f in step.value_fields} for r in range(count)]
        answers[step.key] = made if step.repeat else made[0]
    for key, ids in (files or {}).items():
        step_key, name = key.split(".")
        answers[step_key][name] = list(ids)
    return answers


def file_fields(form):
    """"step.field" of every (non-repeating) file field."""
    return [f"{s.key}.{f.name}" for s in form.steps if not s.repeat
            for f in s.value_fields if f.type == "file"]


# --- the load-run database -----------------------------------------------------------------------

def _user(email, role, two_step, password_hash, org=None):
    user = User.create(
        email=email, role=role, status="active", title="Ms", forename="Zzbench",
        surname=email.split("@")[0].replace(".", "").title(), password_hash=password_hash,
        activated_at=utcnow(), secret_question="Name of your first pet",
        secret_answer_hash=password_hash, two_step_method=two_step,
        totp_secret=pyotp.random_base32() if two_step == "totp" else "", council_verified=True)
    profile = None
    if org is not None:
        profile = WorkProfile.create(user=user, professional_role="SENCo", organisation=org,
                                     street="1 Zz Lane", town="Stockton-on-Tees",
                                     postcode="TS18 1AA", country="United Kingdom",
                                     work_phone="01642 000000")
    return user, profile


def seed_load(app, *, professionals, mailers, officers, citizens=0, children_each=20):
    """Users for the crowd, each professional with linked children and one complete draft of
    the Early Years request (files attached) to autosave, Add More, submit and edit.

    Passwords use the portal's real hashing (scrypt defaults); one hash is computed and shared,
    since every simulated user has the same password. Returns a dict the crowd reads.
    """
    form = app.extensions["forms"].get(FORM_KEY)
    with app.app_context():
        models.create_tables()
        password_hash = accounts.hash_secret(PASSWORD)
        rng = random.Random(7)
        out = {"professionals": [], "mailers": [], "officers": [], "citizens": [],
               "form_key": FORM_KEY}
        with models.db.atomic():
            org = Organisation.create(name="Zz Bench Primary", name_key="zz bench primary")
            for n in range(professionals):
                user, profile = _user(f"pro{n:03d}@bench.example", "professional", "totp",
                                      password_hash, org)
                kids = [Person.create(forename=f"Zzchild{n:03d}x{k:02d}",
                                      surname=f"Zzsurname{rng.randrange(100):02d}",
                                      gender="Female" if k % 2 else "Male",
                                      date_of_birth=dt.date(2020, 1 + k % 12, 1 + k % 28),
                                      created_by=user)
                        for k in range(children_each)]
                for kid in kids:
                    Link.create(user=user, person=kid, how="added", linked_by=user)
                instance = FormInstance.create(person=kids[0], form_key=FORM_KEY,
                                               schema_version=form.version, author=user,
                                               work_profile=profile, answers={})
                files = {}
                for key in file_fields(form):
                    a = Attachment.create(instance=instance, field=key,
                                          filename=f"Zz {key}.pdf", stored_name=secrets.token_hex(24),
                                          content_type="application/pdf", size=12345,
                                          uploaded_by=user)
                    files[key] = [a.id]
                instance.answers = fill(form, rows_of={ROWS_STEP: 2}, files=files,
                                        work_profile_id=profile.id)
                instance.save()
                out["professionals"].append({"email": user.email, "totp": user.totp_secret,
                                             "person_id": kids[0].id, "instance_id": instance.id})
            for n in range(mailers):
                user, _ = _user(f"mail{n:03d}@bench.example", "professional", "email",
                                password_hash, org)
                out["mailers"].append({"email": user.email})
            for n in range(citizens):  # a parent of the n-th professional's first child
                user, _ = _user(f"parent{n:03d}@bench.example", "citizen", "totp", password_hash)
                user.citizen_kind = "parent"
                user.save()
                person_id = out["professionals"][n % professionals]["person_id"]
                Link.create(user=user, person=person_id, how="parent")
                out["citizens"].append({"email": user.email, "totp": user.totp_secret,
                                        "person_id": person_id})
            for n in range(officers):
                user, _ = _user(f"officer{n:03d}@bench.example", "officer", "totp", password_hash)
                out["officers"].append({"email": user.email, "totp": user.totp_secret})
    return out


def instance_state(app, instance_id):
    """(answers, version, status, submitted rounds) of one instance, read fresh."""
    with app.app_context():
        models.db.connect(reuse_if_open=True)
        try:
            inst = FormInstance.get_by_id(instance_id)
            rounds = inst.submissions.count()
            return inst.answers, inst.version, inst.status, rounds
        finally:
            models.db.close()


# --- the scale database --------------------------------------------------------------------------

ACTIONS = ("form-viewed", "person-viewed", "sign-in", "form-started", "form-submitted",
           "code-sent", "sign-in-password-ok")
PHASES = ("request", "assessment", "plan", "review", "closed")
STATUSES = ("draft", "submitted", "amending", "accepted", "returned")


class BulkWriter:
    """Bulk inserts into SQLite (a file path: executemany) or PostgreSQL (a postgresql:// URL:
    COPY FROM STDIN as CSV, CHUNK rows at a time), all in one transaction."""
    CHUNK = 100_000

    def __init__(self, target):
        self.postgres = str(target).startswith("postgres")
        if self.postgres:
            import psycopg2
            self.con = psycopg2.connect(target)
        else:
            self.con = sqlite3.connect(target)
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=OFF")

    def rows(self, table, columns, rows):
        if not self.postgres:
            marks = ",".join("?" * len(columns))
            self.con.executemany(f'INSERT INTO "{table}" ({",".join(columns)}) VALUES ({marks})',
                                 rows)
            return
        rows = iter(rows)
        with self.con.cursor() as cursor:
            while True:
                chunk = list(itertools.islice(rows, self.CHUNK))
                if not chunk:
                    break
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows([r"\N" if v is None else v for v in row] for row in chunk)
                buffer.seek(0)
                cursor.copy_expert(f'COPY "{table}" ({",".join(columns)}) FROM STDIN '
                                   "WITH (FORMAT csv, NULL '\\N')", buffer)

    def execute(self, sql, params=()):
        if self.postgres:
            with self.con.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
        else:
            self.con.execute(sql, params)

    def finish(self):
        """Commit; on PostgreSQL also move the id sequences past the ids written and VACUUM
        ANALYZE: autovacuum does both within a minute of such an insert on a live server
        (PostgreSQL 13+ vacuums after inserts too), and without the vacuum an index-only count
        still visits every row.

        The commit is synchronous: the throwaway cluster runs with synchronous_commit=off (test
        speed), and until an asynchronous commit's WAL is flushed no one may set the rows'
        "committed" hint bits, so the VACUUM straight after it could mark no page all-visible
        (index-only scans then visit every row: measured, the link count took 27 ms instead of
        5). A council's server commits synchronously."""
        if self.postgres:
            self.execute("SET synchronous_commit = on")
            for table in ("person", "link", "case", "case_event", "form_instance", "audit_event"):
                self.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                             f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))')
        self.con.commit()
        if self.postgres:
            self.con.autocommit = True
            self.execute("VACUUM ANALYZE")
        self.con.close()


def seed_scale(target, *, people_from, people_to, forms_per_person, audit_per_person,
               main_user_id, officer_ids, other_user_ids, form_keys, linked_share=0.5,
               seed=11):
    """Add people ``people_from``..``people_to``-1 (ids are 1-based offsets) with their links,
    cases, forms and audit events, straight into the database (``target``: a SQLite path or a
    postgresql:// URL; see BulkWriter).

    ``linked_share`` of the new people are linked to the main professional (5,000 of 10,000);
    every person is also linked to one of ``other_user_ids``. Returns seconds taken.
    """
    import time
    started = time.perf_counter()
    rng = random.Random(seed + people_from)
    now = dt.datetime(2026, 1, 15, 9, 0)
    con = BulkWriter(target)
    answers = json.dumps({"views": {"child_views": "Zz bench answer"}}, separators=(",", ":"))
    detail = json.dumps({"form_key": "early-years-request"}, separators=(",", ":"))
    people, links, cases = [], [], []
    for n in range(people_from, people_to):
        pid = n + 1
        people.append((pid, f"Zzforename{n:05d}", "", f"Zzsurname{n % 100:02d}",
                       "Female" if n % 2 else "Male",
                       dt.date(2008 + n % 17, 1 + n % 12, 1 + n % 28).isoformat(),
                       "Zz Bench School", "", "", "", "", 0, None, now.isoformat(" ")))
        if rng.random() < linked_share:
            links.append((main_user_id, pid, "added", main_user_id, 0, now.isoformat(" ")))
        links.append((other_user_ids[n % len(other_user_ids)], pid, "added", None, 0,
                      now.isoformat(" ")))
        received = now.date() - dt.timedelta(days=n % 400)
        cases.append((pid, PHASES[n % len(PHASES)], officer_ids[n % len(officer_ids)],
                      received.isoformat(), "", None, None, "", None, None, None, None, None,
                      (received + dt.timedelta(weeks=6 + n % 14)).isoformat(), "",
                      now.isoformat(" "), now.isoformat(" ")))
    con.rows("person", ("id", "forename", "middle_name", "surname", "gender",
                        "date_of_birth", "current_school", "ethnicity", "first_language",
                        "address", "postcode", "needs_matching", "created_by_id",
                        "created_at"), people)
    con.rows("link", ("user_id", "person_id", "how", "linked_by_id", "hidden", "created_at"),
             links)
    con.rows("case", ("person_id", "phase", "officer_id", "request_received",
                      "decision_to_assess", "decision_date", "assessment_start",
                      "decision_to_issue", "decision_to_issue_date", "draft_plan_issued",
                      "final_plan_issued", "annual_review_held", "annual_review_decision",
                      "next_deadline", "next_step", "created_at", "updated_at"), cases)
    # Each case's request as its first event (the case page reads events).
    con.execute(
        "INSERT INTO case_event (case_id, kind, outcome, \"on\", detail, recorded_at)"
        " SELECT id, 'request', '', request_received, '{\"how\": \"post\"}', created_at"
        " FROM \"case\" WHERE person_id BETWEEN ? AND ?", (people_from + 1, people_to))

    def forms():
        for n in range(people_from, people_to):
            for k in range(forms_per_person):
                status = STATUSES[(n + k) % len(STATUSES)]
                yield (n + 1, form_keys[(n + k) % len(form_keys)], 1,
                       other_user_ids[n % len(other_user_ids)], None, status, answers,
                       1 + k % 5, now.isoformat(" "), now.isoformat(" "),
                       now.isoformat(" ") if status != "draft" else None)
    con.rows("form_instance", ("person_id", "form_key", "schema_version", "author_id",
                               "work_profile_id", "status", "answers", "version",
                               "created_at", "updated_at", "submitted_at"), forms())

    def events():
        for n in range(people_from, people_to):
            for k in range(audit_per_person):
                at = now - dt.timedelta(minutes=(n * audit_per_person + k) % 500_000)
                yield (at.isoformat(" "), other_user_ids[(n + k) % len(other_user_ids)],
                       ACTIONS[k % len(ACTIONS)], "form", str(n * 31 + k), n + 1,
                       "127.0.0.1", detail)
    con.rows("audit_event", ("at", "user_id", "action", "object_type", "object_id",
                             "person_id", "ip", "detail"), events())
    con.finish()
    return time.perf_counter() - started
