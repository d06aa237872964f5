"""Issue 15, rights: `flask --app portal export-person` writes everything about one child."""
import json
import zipfile

from models import (Attachment, AuditEvent, BaseModel, Document, FormInstance, Link, Person,
                    Submission)
from services import demo


def _direct_person_tables():
    """Every model with a foreign key to Person (found independently of the export's walk)."""
    return [m for m in BaseModel.__subclasses__()
            if any(f.rel_model is Person for f in m._meta.refs)]


def _richest_child():
    def kinds(p):
        return sum(m.select().where(next(f for f in m._meta.refs if f.rel_model is Person) == p)
                   .exists() for m in _direct_person_tables())
    return max(Person.select(), key=lambda p: (kinds(p), Submission.select().join(FormInstance)
                                               .where(FormInstance.person == p).count()))


def test_export_has_every_kind_of_record_and_nothing_about_another_child(app, tmp_path):
    with app.app_context():
        demo.build(app)
        child = _richest_child()
        other = Person.select().where(Person.id != child.id).first()
        expected_pdfs = Submission.select().join(FormInstance).where(
            FormInstance.person == child).count()
        expected_files = (Attachment.select().join(FormInstance)
                          .where(FormInstance.person == child).count()
                          + Document.select().where(Document.person == child).count())
        direct = {}
        for model in _direct_person_tables():
            field = next(f for f in model._meta.refs if f.rel_model is Person)
            direct[model._meta.table_name] = (
                {r.id for r in model.select().where(field == child)},
                {r.id for r in model.select().where(field == other)})
        adults = {link.user_id for link in Link.select().where(Link.person == child)}
    out = tmp_path / "export.zip"
    result = app.test_cli_runner().invoke(args=["export-person", str(child.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}:" in result.output
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        records = json.loads(zf.read("records.json"))
        assert all(zf.read(n)[:5] == b"%PDF-" for n in names if n.startswith("rounds/"))
    assert expected_pdfs > 0 and sum(n.startswith("rounds/") for n in names) == expected_pdfs
    assert sum(n.startswith("files/") for n in names) == expected_files
    assert [p["id"] for p in records["person"]] == [child.id]
    kinds_present = 0
    for table, (mine, theirs) in direct.items():
        exported = {r["id"] for r in records.get(table, [])}
        assert mine <= exported, table
        assert not (theirs & exported), table
        kinds_present += bool(mine)
    assert kinds_present >= 4
    assert {u["id"] for u in records["linked_adults"]} == adults
    text = json.dumps(records)
    assert other.forename not in text or other.forename == child.forename
    assert "password" not in text and "totp_secret" not in text and "code_hash" not in text
    assert "activation_nonce" not in text  # an account's activation secret is not its data
    with app.app_context():
        event = AuditEvent.get(AuditEvent.action == "subject-access-export")
        assert event.person_id == child.id


def test_export_of_an_unknown_child_says_so(app):
    result = app.test_cli_runner().invoke(args=["export-person", "999999"])
    assert result.exit_code != 0 and "no child with id 999999" in result.output
