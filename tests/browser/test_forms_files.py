"""Issue 13, files are evidence, in real browsers (JavaScript on and off).

A file chosen and then sent with Save & Continue (not the separate "Upload file" button) is kept
and linked on the Summary. An officer opens the parental consent PDF from the review page, and a
parent from View Shared Form, each by clicking its link (name, kind and size shown).
"""
import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

CONSENT = "zz-parental-consent.pdf"
PDF = seed._TINY_PDF

_SEED = """
    officer = make_user(args["officer"], "Zzolive", "Zzofficer", role="officer",
                        password=args["password"], two_step="email")
    parent = make_user(args["parent"], "Zzpat", "Zzparent", role="citizen",
                       password=args["password"], two_step="email", citizen_kind="parent")
    pro = make_user(args["pro"], "Zzsally", "Zzsenco", password=args["password"],
                    two_step="email", council_verified=True, professional_role="SENCo",
                    organisation="Zz Bader Primary School")
    profile = pro.work_profiles.get()
    child = Person.create(forename="Zzfile", surname="Zzevidence",
                          date_of_birth=dt.date(2018, 5, 1))
    Case.create(person=child, phase="assessment", officer=officer)
    Link.create(user=pro, person=child, how="sen-team", linked_by=officer)
    Link.create(user=parent, person=child, how="parent", linked_by=officer)
    draft = FormInstance.create(person=child, form_key="generic-file-upload", schema_version=1,
                                author=pro, work_profile=profile, status="draft",
                                answers={"work-details": {"work_profile_id": profile.id}})
    result.update(child=child.id, draft=draft.id)
    if args["submitted"]:
        import secrets
        from pathlib import Path
        folder = Path(app.config["UPLOAD_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        stored = secrets.token_hex(24)
        (folder / stored).write_bytes(args["pdf"].encode("latin-1"))
        sent = FormInstance.create(person=child, form_key="generic-file-upload", schema_version=1,
                                   author=pro, work_profile=profile, status="submitted",
                                   submitted_at=utcnow(), answers={})
        consent = Attachment.create(instance=sent, field="upload.files", filename=args["consent"],
                                    stored_name=stored, content_type="application/pdf",
                                    size=len(args["pdf"]), uploaded_by=pro)
        sent.answers = {"work-details": {"work_profile_id": profile.id},
                        "upload": {"document_type": "Consent form", "description": "Zz consent",
                                   "files": [consent.id]}}
        sent.save()
        Submission.create(instance=sent, round=1, answers=sent.answers, schema_version=1,
                          work_profile=profile, submitted_by=pro)
        Share.create(person=child, recipient=parent, instance=sent, round=1, shared_by=officer)
        result.update(sent=sent.id)
"""


def _seed(portal, page, submitted=False):
    suffix = f"{id(page)}"[-6:] + ("s" if submitted else "d")
    emails = {k: f"zz.files.{k}.{suffix}@example.org" for k in ("officer", "parent", "pro")}
    made = seed.run(portal, _SEED, password=seed.PASSWORD, consent=CONSENT,
                    pdf=PDF.decode("latin-1"), submitted=submitted, **emails)
    return emails, made


def _wait_for_autosave(page):
    if js_enabled(page):
        expect(page.locator("#autosave-status")).to_contain_text("Saved")


def test_a_chosen_file_is_kept_by_save_and_continue(any_page, portal, axe):
    page = any_page
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    page.goto(f"/forms/{made['draft']}/upload")
    page.get_by_label("Type of document", exact=True).select_option("Consent form")
    _wait_for_autosave(page)
    page.get_by_label("Description", exact=True).fill("Zz signed consent")
    page.get_by_label("Choose a file").set_input_files(
        {"name": CONSENT, "mimeType": "application/pdf", "buffer": PDF})
    _wait_for_autosave(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Summary"))).to_be_visible()
    link = page.get_by_role("link", name=CONSENT)
    expect(link).to_be_visible()
    expect(page.locator(".portal-file-links")).to_contain_text(f"(PDF, {len(PDF)} bytes)")
    axe(page, "Summary with a file kept by Save & Continue")
    with page.expect_download() as download:
        link.click()
    assert open(download.value.path(), "rb").read() == PDF


def test_officer_and_parent_open_the_consent_pdf_from_their_pages(new_page, any_page, portal):
    officer = any_page
    emails, made = _seed(portal, officer, submitted=True)
    seed.sign_in(officer, portal, emails["officer"])
    officer.goto(f"/team/review/{made['sent']}")
    with officer.expect_download() as download:
        officer.get_by_role("link", name=CONSENT).click()
    assert download.value.suggested_filename == CONSENT
    assert open(download.value.path(), "rb").read() == PDF

    parent = new_page(js=js_enabled(officer))
    seed.sign_in(parent, portal, emails["parent"])
    parent.goto(f"/family/children/{made['child']}")
    parent.get_by_role("link", name=re.compile("View Shared Form")).first.click()
    expect(parent.locator(".portal-file-links")).to_contain_text(f"{CONSENT} (PDF, {len(PDF)} bytes)")
    with parent.expect_download() as download:
        parent.get_by_role("link", name=CONSENT).click()
    assert open(download.value.path(), "rb").read() == PDF
