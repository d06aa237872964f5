"""Reminders: one before the due date (reminder_days_before) and one when overdue, never twice
for the same step, whether run from the service or from `flask --app portal reminders`."""
import datetime as dt

from models import AdviceRequest, Message, Outbox
from services.casework import advice

TODAY = dt.date(2031, 3, 10)


def _ask(cw, due, recipient=None, form_key="generic-file-upload"):
    with cw.app.app_context():
        return AdviceRequest.create(person=cw.child, recipient=recipient or cw.pro,
                                    form_key=form_key, due_date=due, requested_by=cw.officer)


def _reminders(cw):
    with cw.app.app_context():
        return list(Message.select().where(Message.kind == "reminder").order_by(Message.id))


def _run(cw, today):
    with cw.app.app_context():
        return advice.send_due_reminders(today)


def test_nothing_before_the_window(cw):
    _ask(cw, TODAY + dt.timedelta(days=8))
    assert _run(cw, TODAY) == 0 and _reminders(cw) == []


def test_before_window_then_overdue_each_once(cw):
    item = _ask(cw, TODAY + dt.timedelta(days=7))
    assert _run(cw, TODAY) == 1
    assert _run(cw, TODAY) == 0  # run twice: still one
    assert _run(cw, TODAY + dt.timedelta(days=3)) == 0  # later in the window: already sent
    assert _run(cw, TODAY + dt.timedelta(days=7)) == 0  # due today is still "before"
    assert _run(cw, TODAY + dt.timedelta(days=8)) == 1  # overdue
    assert _run(cw, TODAY + dt.timedelta(days=9)) == 0
    first, second = _reminders(cw)
    assert first.subject == "Reminder: information due for Zzthompson, Zzpoppy"
    assert "by 17/03/2031" in first.body
    assert second.subject == "Reminder: information overdue for Zzthompson, Zzpoppy"
    assert "It was due on 17/03/2031" in second.body
    assert first.sender_id == cw.officer.id and first.form_key == "generic-file-upload"
    with cw.app.app_context():
        assert AdviceRequest.get_by_id(item.id).reminders_sent == ["before", "overdue"]
        emails = Outbox.select().where(Outbox.to_addr == cw.pro.email).count()
    assert emails == 2


def test_first_run_when_already_overdue_sends_only_the_overdue_step(cw):
    _ask(cw, TODAY - dt.timedelta(days=1))
    assert _run(cw, TODAY) == 1 and _run(cw, TODAY) == 0
    [only] = _reminders(cw)
    assert "overdue" in only.subject


def test_no_reminders_once_received_or_cancelled(cw):
    instance_id = cw.submitted()
    _ask(cw, TODAY - dt.timedelta(days=1))
    cancelled = _ask(cw, TODAY - dt.timedelta(days=1), recipient=cw.parent,
                     form_key="ehc9c-child-views")
    with cw.app.app_context():
        AdviceRequest.update(status="cancelled").where(AdviceRequest.id == cancelled.id).execute()
        # The submitted form was sent before these requests were made: make it after.
        from models import FormInstance
        FormInstance.update(submitted_at=dt.datetime(2031, 3, 11)).where(
            FormInstance.id == instance_id).execute()
    assert _run(cw, TODAY) == 0


def test_a_draft_is_still_reminded(cw):
    cw.start()
    _ask(cw, TODAY + dt.timedelta(days=2))
    assert _run(cw, TODAY) == 1


def test_a_concurrent_run_that_changed_the_list_wins(cw):
    """The compare-and-set: a run holding a stale reminders_sent list sends nothing."""
    item = _ask(cw, TODAY + dt.timedelta(days=1))
    with cw.app.app_context():
        stale = AdviceRequest.get_by_id(item.id)
        assert advice._record_step(stale, "before", sender=None, today=TODAY) is True
        # Another process read the row before the first run wrote it:
        assert advice._record_step(stale, "before", sender=None, today=TODAY) is False
    assert len(_reminders(cw)) == 1


def test_reminder_days_before_comes_from_the_council_file(cw):
    cw.app.config["COUNCIL"] = {**cw.app.config["COUNCIL"], "reminder_days_before": 2}
    _ask(cw, TODAY + dt.timedelta(days=3))
    assert _run(cw, TODAY) == 0
    assert _run(cw, TODAY + dt.timedelta(days=1)) == 1


def test_cli_command_runs_twice_safely(cw):
    _ask(cw, TODAY + dt.timedelta(days=5))
    _ask(cw, TODAY - dt.timedelta(days=5), recipient=cw.parent, form_key="ehc9c-child-views")
    runner = cw.app.test_cli_runner()
    first = runner.invoke(args=["reminders", "--today", TODAY.isoformat()])
    assert first.exit_code == 0, first.output
    assert "Sent 2 reminders." in first.output
    second = runner.invoke(args=["reminders", "--today", TODAY.isoformat()])
    assert second.exit_code == 0 and "Sent 0 reminders." in second.output
    assert len(_reminders(cw)) == 2


def test_cli_command_refuses_a_bad_date(cw):
    result = cw.app.test_cli_runner().invoke(args=["reminders", "--today", "31/02/2031"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_cli_default_is_today(cw):
    from services.kernel.clock import uk_today
    _ask(cw, uk_today() - dt.timedelta(days=1))
    result = cw.app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 0 and "Sent 1 reminder." in result.output


def test_manual_reminder_does_not_stop_the_automatic_ones(cw):
    item = _ask(cw, TODAY + dt.timedelta(days=3))
    with cw.app.app_context():
        assert advice.send_reminder_now(AdviceRequest.get_by_id(item.id), officer=cw.officer,
                                        today=TODAY)
    assert _run(cw, TODAY) == 1
    with cw.app.app_context():
        sent = AdviceRequest.get_by_id(item.id).reminders_sent
    assert sent[0].startswith("manual:") and sent[1] == "before"
    assert len(_reminders(cw)) == 2
