"""Simulated users over real HTTP: professionals filling a form, officers, someone signing in.

Each simulated user is a thread with its own cookie jar. Professionals sign in once (password,
then an authenticator-app code computed with pyotp) and then go round: Select Person, the
forms section, a tab switch, a form step, three autosaves, a step swap, Add More and Remove,
the summary, Submit and Edit — pausing THINK_SECONDS between actions. Each keeps a log of
what it was told was saved, checked against the database afterwards.
"""
import random
import threading
import time
from dataclasses import dataclass, field

import pyotp

from tests.perf.client import Browser, csrf_of, form_with_action, form_with_class, version_of
from tests.perf.data import PASSWORD, ROWS_STEP

# Labels of the table rows (one per endpoint and kind of request).
SELECT_PERSON = "Select Person (people.index)"
FORMS_SECTION = "Forms section (people.forms)"
TAB_SWITCH = "Tab switch (people.forms, partial)"
STEP_PAGE = "Form step page (forms.step)"
AUTOSAVE = "Autosave (forms.save autosave=1)"
STEP_SWAP = "Step swap (forms.step, partial)"
ADD_MORE = "Add More (forms.save add, partial)"
REMOVE_ROW = "Remove row (forms.save remove, partial)"
SUMMARY = "Summary (forms.summary)"
SUBMIT = "Submit (forms.submit)"
EDIT = "Edit (forms.edit)"
LOGIN_PAGE = "Sign-in page (GET /login)"
LOGIN_POST = "Password (POST /login)"
VERIFY_POST = "Code (POST /verify)"
MAIL_LOGIN = "Password, code emailed (POST /login)"


@dataclass
class SaveLog:
    """What one user sent and what it was told was saved, for one form."""
    instance_id: int
    field: str
    sent: list = field(default_factory=list)  # every value sent, in order
    acked: list = field(default_factory=list)  # (value, version) the portal said it saved
    submits_acked: int = 0
    conflicts: int = 0


class SimUser:
    """One simulated user: a browser (cookie jar) and what it is doing. ``drive`` runs it in a
    thread until ``stop`` is set; the same user (still signed in) serves every load level."""

    def __init__(self, port, recorder, account, *, think=(0.5, 1.5), seed=0):
        self.browser = Browser(port, recorder)
        self.account, self.think = account, think
        self.stop_event = threading.Event()
        self.rng = random.Random(seed)
        self.signed_in = False
        self.failure = ""

    def pause(self):
        low, high = self.think
        if high > 0:
            self.stop_event.wait(self.rng.uniform(low, high))

    def sign_in(self, code_for=None):
        """Password, then the code (TOTP, or ``code_for(email)`` for emailed codes)."""
        b = self.browser
        page = b.get("/login", label=LOGIN_PAGE)
        reply = b.post("/login", {"email": self.account["email"], "password": PASSWORD,
                                  "csrf_token": csrf_of(page.text)}, label=LOGIN_POST)
        if reply.status != 303 or "/verify" not in reply.location:
            self.failure = f"sign-in password step answered {reply.status}"
            return False
        page = b.get("/verify")
        code = (pyotp.TOTP(self.account["totp"]).now() if self.account.get("totp")
                else code_for(self.account["email"]))
        reply = b.post("/verify", {"code": code or "000000", "csrf_token": csrf_of(page.text)},
                       label=VERIFY_POST)
        if reply.status != 303:
            self.failure = f"sign-in code step answered {reply.status}"
            return False
        home = b.get("/people/" if self.account.get("role") in (None, "professional") else "/")
        b.csrf = csrf_of(home.text)
        self.signed_in = True
        return True

    def drive(self, recorder, stop, think=None):
        """A thread that runs rounds until ``stop`` is set."""
        self.browser.recorder = recorder
        self.stop_event = stop
        if think is not None:
            self.think = think

        def loop():
            try:
                while not stop.is_set():
                    self.round()
            except Exception as exc:  # a broken simulated user must not hang the bench
                self.failure = f"{type(exc).__name__}: {exc}"
        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread


class Professional(SimUser):
    """Fills the Early Years request: autosaves, Add More, submits and edits, round and round."""

    def __init__(self, port, recorder, account, *, field_name, autosave_only=False, **kw):
        super().__init__(port, recorder, account, **kw)
        self.log = SaveLog(account["instance_id"], field_name)
        self.autosave_only = autosave_only
        self.counter = 0
        self.step_form = None
        self.version = None

    def _path(self, step):
        return f"/forms/{self.account['instance_id']}/{step}"

    def open_step(self, label=STEP_PAGE, partial=False):
        reply = self.browser.get(self._path("views"), label=label, partial=partial)
        if reply.status != 200:
            return self.resync()
        self.step_form = form_with_class(reply.text, "portal-step-form")
        self.version = version_of(reply.text)
        return True

    def autosave(self):
        if self.step_form is None and not self.open_step():
            return False
        self.counter += 1
        value = f"Zz bench u{self.account['email'][:6]} save {self.counter} {time.time():.3f}"
        data = self.step_form.fields(overrides={self.log.field: value, "autosave": "1",
                                                "version": str(self.version)})
        self.log.sent.append(value)
        reply = self.browser.post(self._path("views"), data, label=AUTOSAVE, partial=True)
        if reply.status == 200 and version_of(reply.text):
            self.version = version_of(reply.text)
            self.log.acked.append((value, self.version))
            return True
        if reply.status == 409:
            self.log.conflicts += 1
        self.step_form = None
        return self.resync()

    def resync(self):
        """After a 409 or a lost reply: reload; if the form is submitted, press Edit."""
        b = self.browser
        page = b.get(f"/forms/{self.account['instance_id']}/view")
        edit = form_with_action(page.text, "/edit")
        if edit is not None:
            b.post(edit.attrs["action"], edit.fields())
        reply = b.get(self._path("views"))
        if reply.status != 200:
            return False
        self.step_form = form_with_class(reply.text, "portal-step-form")
        self.version = version_of(reply.text)
        return True

    def rows(self):
        """Step swap to the parents step, Add More, then Remove the new row."""
        b = self.browser
        reply = b.get(self._path(ROWS_STEP), label=STEP_SWAP, partial=True)
        rows_form = form_with_class(reply.text, "portal-step-form") if reply.status == 200 else None
        if rows_form is None:
            return self.resync()
        self.pause()
        version = version_of(reply.text)
        reply = b.post(self._path(ROWS_STEP), rows_form.fields(
            clicked=("add", ROWS_STEP), overrides={"version": str(version)}),
            label=ADD_MORE, partial=True)
        if reply.status != 200:
            return self.resync()
        self.pause()
        version = version_of(reply.text)
        rows = sum(1 for c in rows_form.controls if c.get("name", "") and
                   c["name"].startswith("name-"))
        reply = b.post(self._path(ROWS_STEP), rows_form.fields(
            clicked=("remove", str(rows)), overrides={"version": str(version)}),
            label=REMOVE_ROW, partial=True)
        if reply.status != 200:
            return self.resync()
        self.version = version_of(reply.text)
        return True

    def submit_and_edit(self):
        b = self.browser
        iid = self.account["instance_id"]
        page = b.get(f"/forms/{iid}/summary", label=SUMMARY)
        form = form_with_action(page.text, "/submit") if page.status == 200 else None
        if form is None:
            return self.resync()
        agree = {c["name"]: "yes" for c in form.controls
                 if (c.get("name") or "").startswith("agree-")}
        self.pause()
        reply = b.post(f"/forms/{iid}/submit", form.fields(overrides=agree), label=SUBMIT)
        if reply.status != 303 or "/submitted" not in reply.location:
            return self.resync()
        self.log.submits_acked += 1
        version = version_of(page.text) + 1
        self.pause()
        reply = b.post(f"/forms/{iid}/edit", {"csrf_token": b.csrf, "version": str(version)},
                       label=EDIT)
        self.step_form = None
        if reply.status != 303:
            return self.resync()
        return True

    def round(self):
        b = self.browser
        pid = self.account["person_id"]
        if self.autosave_only:
            self.autosave()
            self.pause()
            return
        for action in (lambda: b.get("/people/", label=SELECT_PERSON),
                       lambda: b.get(f"/people/{pid}/forms", label=FORMS_SECTION),
                       lambda: b.get(f"/people/{pid}/forms?tab=assessment", label=TAB_SWITCH,
                                     partial=True),
                       self.open_step, self.autosave, self.autosave, self.autosave,
                       self.rows, self.submit_and_edit):
            if self.stop_event.is_set():
                return
            action()
            self.pause()


class Visitor(SimUser):
    """An officer or a family member opening their pages (whichever exist) one after another."""

    def __init__(self, port, recorder, account, *, role, pages, **kw):
        super().__init__(port, recorder, {**account, "role": role}, **kw)
        self.pages = pages  # (label, url)

    def round(self):
        for label, url in self.pages:
            if self.stop_event.is_set():
                return
            self.browser.get(url, label=label)
            self.pause()


class Mailer(threading.Thread):
    """Someone signing in with an emailed code every ``every`` seconds: the password step queues
    a sign-in code email (delivered after the request, or by the cron when SMTP is down)."""

    def __init__(self, port, recorder, accounts, stop, *, every=4.0):
        super().__init__(daemon=True)
        self.port, self.recorder, self.accounts, self.stop_event = port, recorder, accounts, stop
        self.every = every
        self.sent = 0
        self.failures = []

    def run(self):
        n = 0
        while not self.stop_event.is_set():
            account = self.accounts[n % len(self.accounts)]
            n += 1
            b = Browser(self.port, self.recorder)
            page = b.get("/login")
            reply = b.post("/login", {"email": account["email"], "password": PASSWORD,
                                      "csrf_token": csrf_of(page.text)}, label=MAIL_LOGIN)
            if reply.status == 303:
                self.sent += 1
            else:
                self.failures.append(reply.status)
            self.stop_event.wait(self.every)
