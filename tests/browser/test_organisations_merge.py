"""Issue 11 M2 in real browsers, JavaScript on and off: an officer merges a duplicate organisation.

Professional accounts -> Organisations (member counts) -> Merge the duplicate -> Continue with
nothing chosen (the error summary) -> choose the original -> confirm -> the duplicate is gone and
its members are counted at the original. Every page is checked with axe-core.
"""
from playwright.sync_api import expect

from tests.browser import seed

_SEED = """
    make_user(args["officer"], "Zzolive", "Zzofficer", role="officer", password=args["password"],
              two_step="email")
    for email, organisation in ((args["real"], args["original"]), (args["dup"], args["duplicate"])):
        make_user(email, "Zzmember", "Zzmember", password=args["password"], two_step="email",
                  council_verified=True, professional_role="Educational Psychologist",
                  organisation=organisation)
    result.update(duplicate=Organisation.get(Organisation.name == args["duplicate"]).id,
                  original=Organisation.get(Organisation.name == args["original"]).id)
"""


def test_an_officer_merges_a_duplicate_organisation(any_page, portal, axe):
    page = any_page
    suffix = str(id(page))[-6:]
    names = {"original": f"Zz Educational Psychology Service {suffix}",
             "duplicate": f"Zz Ed Psych Service {suffix}"}
    emails = {k: f"zz.m2.{k}.{suffix}@example.org" for k in ("officer", "real", "dup")}
    made = seed.run(portal, _SEED, password=seed.PASSWORD, **names, **emails)

    seed.sign_in(page, portal, emails["officer"])
    page.goto("/team/accounts")
    page.get_by_role("link", name="Organisations: merge duplicates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    row = page.locator(f"#organisation-{made['duplicate']}")
    expect(row).to_contain_text(names["duplicate"])
    expect(row.locator("td").nth(1)).to_have_text("1")
    axe(page, "Organisations")

    row.get_by_role("link", name=f"Merge {names['duplicate']} into another").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(names["duplicate"])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the organisation to merge into")
    axe(page, "Merge organisations: choose, with an error")

    page.get_by_label(names["original"]).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Merge {names['duplicate']} into {names['original']}?")
    axe(page, "Merge organisations: confirm")
    page.get_by_role("button", name="Merge organisations").click()

    expect(page.get_by_role("main")).to_contain_text(
        f"{names['duplicate']} has been merged into {names['original']}: 1 work role moved")
    expect(page.locator(f"#organisation-{made['duplicate']}")).to_have_count(0)
    expect(page.locator(f"#organisation-{made['original']} td").nth(1)).to_have_text("2")
    axe(page, "Organisations after a merge")
