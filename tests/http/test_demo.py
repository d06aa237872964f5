"""`flask demo` (run by `make run`) fills a fresh database with every kind of user and case."""
from models import Case, Document, Share, User


def test_demo_builds_once_and_prints_the_sign_ins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for email in ("senco@demo.example", "psychologist@demo.example", "officer@demo.example",
                  "parent@demo.example", "new.professional@demo.example"):
        assert email in result.output
    with app.app_context():
        assert User.select().count() >= 6
        assert Case.select().count() >= 6
        draft = Document.get(Document.kind == "draft-plan")
        assert Share.select().where(Share.document == draft).count() == 1
        assert all(u.email.endswith("@demo.example") for u in User.select())
        from services.forms_design import store
        officer = User.get(User.email == "officer@demo.example")
        assert store.is_designer(officer)  # the demo council can try the form designer
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "Demo sign-ins" in again.output
    with app.app_context():
        assert Case.select().count() == 6  # nothing added twice


def test_demo_cases_are_in_every_phase_and_built_from_events(app):
    assert app.test_cli_runner().invoke(args=["demo", "--if-empty"]).exit_code == 0
    from models import CaseEvent
    from services.cases import statutory
    with app.app_context():
        cases = list(Case.select())
        assert {c.phase for c in cases} == {"request", "assessment", "plan", "review", "closed"}
        for case in cases:
            case_events = statutory.events_of(case)
            assert case_events and statutory.case_state(case).phase == case.phase
            assert all(e.detail.get("how") != "upgrade" for e in case_events)
        assert CaseEvent.select().where(CaseEvent.kind == "draft-plan").count() == 2  # Veruca, zzEbony
