"""Issue 11 H2 in real browsers, JavaScript on and off: what is shared is one round.

Seeded (tests/browser/seed.py): an officer, a SENCo who wrote a Generic File Upload whose round 1
(with another child's safeguarding notes and a file) the SEN team returned, and whose cleaned
round 2 (the file removed) it accepted; the child's parent, linked. The officer opens the share
page, sees the accepted submission picked, shares it with the parent; the parent opens "View
Shared Form" and sees round 2 only: no link to round 1, and round 1 and its removed file answer
404. The share page and the parent's view are checked with axe-core.
"""
import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

LEAK = "Zz safeguarding notes about Zzother Child"
CLEANED = "Zz cleaned advice"

_SEED = """
    officer = make_user(args["officer"], "Zzolive", "Zzofficer", role="officer",
                        password=args["password"], two_step="email")
    parent = make_user(args["parent"], "Zzpat", "Zzparent", role="citizen",
                       password=args["password"], two_step="email", citizen_kind="parent")
    pro = make_user(args["pro"], "Zzsally", "Zzsenco", password=args["password"],
                    two_step="email", council_verified=True, professional_role="SENCo",
                    organisation="Zz Bader Primary School")
    profile = pro.work_profiles.get()
    child = Person.create(forename="Zzround", surname="Zzshared",
                          date_of_birth=dt.date(2017, 4, 2))
    from services.cases import events
    events.record_all(officer, child, [("request", dt.date.today() - dt.timedelta(days=20)),
                                       ("assess-decision", dt.date.today(), "yes")])
    Link.create(user=pro, person=child, how="sen-team", linked_by=officer)
    Link.create(user=parent, person=child, how="parent", linked_by=officer)
    import secrets
    from pathlib import Path
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    instance = FormInstance.create(person=child, form_key="generic-file-upload", schema_version=1,
                                   author=pro, work_profile=profile, status="accepted",
                                   submitted_at=utcnow(), answers={})
    files = []
    for name in ("wrong-child.pdf", "letter.pdf"):
        stored = secrets.token_hex(24)
        (folder / stored).write_bytes(b"%PDF-1.4\\n%%EOF\\n")
        files.append(Attachment.create(instance=instance, field="upload.files", filename=name,
                                       stored_name=stored, content_type="application/pdf",
                                       size=15, uploaded_by=pro))
    removed, kept = files
    removed.removed_at = utcnow()
    removed.save()

    def answers(description, attached):
        return {"work-details": {"work_profile_id": profile.id},
                "upload": {"document_type": "Correspondence", "description": description,
                           "files": [a.id for a in attached]}}
    instance.answers = answers(args["cleaned"], [kept])
    instance.save()
    for number, given, decision in ((1, answers(args["leak"], files), "returned"),
                                    (2, instance.answers, "accepted")):
        Submission.create(instance=instance, round=number, answers=given, schema_version=1,
                          work_profile=profile, submitted_by=pro)
        FormReview.create(instance=instance, round=number, decision=decision, officer=officer)
    result.update(child=child.id, instance=instance.id, removed=removed.id, kept=kept.id)
"""


def test_parent_sees_only_the_shared_round(new_page, any_page, portal, axe):
    officer = any_page
    suffix = str(id(officer))[-6:]
    emails = {k: f"zz.h2.{k}.{suffix}@example.org" for k in ("officer", "parent", "pro")}
    made = seed.run(portal, _SEED, password=seed.PASSWORD, leak=LEAK, cleaned=CLEANED, **emails)
    instance, child = made["instance"], made["child"]

    seed.sign_in(officer, portal, emails["officer"])
    officer.goto(f"/team/people/{child}/share?instance={instance}")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Share")
    officer.wait_for_load_state("load")
    expect(officer.get_by_label(re.compile(r"Submission 2 \(accepted\)"))).to_be_checked()
    axe(officer, "Share page with a choice of submission")
    officer.get_by_label(re.compile("Zzpat Zzparent")).check()
    officer.get_by_role("button", name="Share").click()
    expect(officer.get_by_role("main")).to_contain_text("Shared with 1 person")
    officer.wait_for_load_state("load")

    parent = new_page(js=js_enabled(officer))
    seed.sign_in(parent, portal, emails["parent"])
    parent.goto(f"/forms/{instance}/view")
    main = parent.get_by_role("main")
    expect(main).to_contain_text(CLEANED)
    expect(main).not_to_contain_text(LEAK)
    expect(main.get_by_role("link", name="Submission 1")).to_have_count(0)
    parent.wait_for_load_state("load")
    axe(parent, "Parent: View Shared Form")
    assert parent.request.get(f"{portal.base_url}/forms/{instance}/view/1").status == 404
    assert parent.request.get(
        f"{portal.base_url}/forms/{instance}/files/{made['removed']}").status == 404
    assert parent.request.get(
        f"{portal.base_url}/forms/{instance}/files/{made['kept']}").status == 200
