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
        assert Case.select().count() >= 5
        draft = Document.get(Document.kind == "draft-plan")
        assert Share.select().where(Share.document == draft).count() == 1
        assert all(u.email.endswith("@demo.example") for u in User.select())
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "Demo sign-ins" in again.output
    with app.app_context():
        assert Case.select().count() == 5  # nothing added twice
