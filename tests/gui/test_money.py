"""Money-safe jobs through the real window and the emulator: every submit is a paid job, so
each test counts the submits fal received and asserts there is no extra one.

Paths: a cancel while the submit's answer is slow; Retry after the result downloads failed;
a restart without a key; a restart past fal's retention; an account out of credit."""

from __future__ import annotations

from pathlib import Path

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog
from tests.gui.conftest import KEY, rows

MODEL = "fal-ai/flux/schnell"


def submits(emulator) -> int:
    """Jobs fal took (each one paid)."""
    return emulator.submissions[MODEL]


def click_run(qtbot, window, prompt: str):
    window.model_panel.select_model(MODEL)
    window.model_panel.form.fields["prompt"].set_value(prompt)
    before = len(rows(window))
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == before + 1, timeout=5000)
    return rows(window)[-1]


def restart(open_window, window, **kw):
    """Quit the window (its engine stops; jobs stay in the store) and start a new one."""
    window.close()
    window.manager.stop_and_wait()
    window.manager.store.close()
    return open_window(**kw)


def state_text(window, row) -> str:
    model = window.jobs_model
    return model.data(model.index(rows(window).index(row), 2))


def row_of_job(window, job_id):
    return window.jobs_model.row_for(job_id)


def messages_of(window, job_id):
    seen = []
    window.manager.job_updated.connect(
        lambda u: seen.append(u.message) if u.job_id == job_id and u.message else None
    )
    return seen


def test_cancel_while_the_submit_answer_is_slow_cancels_the_job_at_fal(
    qtbot, open_window, emulator
):
    emulator.job_duration = 8.0
    emulator.submit_delay = 4.0  # fal has the job; its answer (the request id) comes later
    window = open_window()
    row = click_run(qtbot, window, "cancel me while sending")
    seen = messages_of(window, row.job.id)
    qtbot.waitUntil(
        lambda: submits(emulator) == 1 and row.state is JobState.SUBMITTING, timeout=10000
    )
    window.jobs_panel.select_job(row.job.id)
    assert window.jobs_panel.cancel_button.isEnabled()
    window.jobs_panel.cancel_button.click()
    qtbot.waitUntil(lambda: row.state.finished, timeout=30000)
    assert row.state is JobState.CANCELLED
    assert any(m.startswith("Cancelling: waiting for fal's answer") for m in seen)
    stored = window.manager.store.get(row.job.id)
    assert stored.request_id and stored.state is JobState.CANCELLED
    at_fal = emulator.service.queue.jobs[stored.request_id]
    assert at_fal.error_type == "request_cancelled"  # cancelled at fal, not only here
    assert [r.path for r in emulator.requests if r.method == "PUT"] == [
        f"/fal-ai/flux/requests/{stored.request_id}/cancel"
    ]
    assert submits(emulator) == 1


def test_cancel_while_the_submit_answer_is_slow_keeps_a_result_fal_already_made(
    qtbot, open_window, emulator
):
    emulator.job_duration = 0.2
    emulator.submit_delay = 3.0
    window = open_window()
    row = click_run(qtbot, window, "done before the answer")
    qtbot.waitUntil(
        lambda: submits(emulator) == 1 and row.state is JobState.SUBMITTING, timeout=10000
    )
    qtbot.waitUntil(lambda: len(emulator.completed_at) == 1, timeout=10000)  # fal finished it
    window.jobs_panel.select_job(row.job.id)
    window.jobs_panel.cancel_button.click()
    qtbot.waitUntil(lambda: row.state.finished, timeout=30000)
    assert row.state is JobState.COMPLETED and row.files and Path(row.files[0]).is_file()
    assert "result is kept" in row.message
    qtbot.waitUntil(lambda: window.result_view.path == row.files[0], timeout=5000)  # shown
    assert submits(emulator) == 1


def test_retry_after_failed_downloads_fetches_again_without_a_new_job(qtbot, open_window, emulator):
    emulator.fail_downloads(1000, status=404)  # the result URL is gone, as far as the app can tell
    window = open_window()
    row = click_run(qtbot, window, "download fails")
    qtbot.waitUntil(lambda: row.state.finished, timeout=20000)
    assert row.state is JobState.NOT_FETCHED and not row.files
    window.jobs_panel.select_job(row.job.id)
    panel = window.jobs_panel
    assert state_text(window, row) == "Not fetched"
    assert panel.retry_button.isEnabled() and "no new job" in panel.retry_button.toolTip()
    assert "Retry fetches it" in panel.log_view.toPlainText()

    emulator.fail_downloads(0)
    panel.retry_button.click()
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    assert row.files and Path(row.files[0]).is_file()
    assert len(rows(window)) == 1  # the same job, not a new one
    assert window.manager.store.get(row.job.id).state is JobState.COMPLETED
    assert submits(emulator) == 1


def test_restart_without_a_key_waits_then_goes_on_by_request_id(qtbot, open_window, emulator):
    emulator.job_duration = 2.0
    window = open_window()
    row = click_run(qtbot, window, "follow me across restarts")
    at_fal = row.job.id
    qtbot.waitUntil(lambda: bool(window.manager.store.get(at_fal).request_id), timeout=10000)
    request_id = window.manager.store.get(at_fal).request_id
    window.manager.pause()  # a second job is recorded but not sent before the app quits
    not_sent = click_run(qtbot, window, "not sent yet").job.id
    assert window.manager.store.get(not_sent).state is JobState.PENDING
    for _ in range(2):  # no keyring and no FAL_KEY, twice: they stay waiting
        window = restart(open_window, window, key=None)
        qtbot.waitUntil(
            lambda: all(
                row_of_job(window, j) is not None and row_of_job(window, j).waiting_for_key  # noqa: B023 - called at once
                for j in (at_fal, not_sent)
            ),
            timeout=10000,
        )
        assert window.notice.label.text() == "2 jobs are waiting for your fal key."
        assert state_text(window, row_of_job(window, at_fal)) == "Waiting for key"
        assert not any(window.manager.store.get(j).state.finished for j in (at_fal, not_sent))
    window.notice.button.click()  # "Set API key…"
    dialog = window.findChild(ApiKeyDialog)
    assert dialog.isVisible()
    dialog.key_edit.setText(KEY)
    dialog.session_button.click()  # "Use until I quit"
    rows_now = [row_of_job(window, j) for j in (at_fal, not_sent)]
    qtbot.waitUntil(lambda: all(r.state.finished for r in rows_now), timeout=20000)
    assert all(r.state is JobState.COMPLETED and Path(r.files[0]).is_file() for r in rows_now)
    assert "waiting for your fal key" not in window.notice.label.text()
    assert window.manager.store.get(at_fal).request_id == request_id  # followed, not sent again
    assert submits(emulator) == 2  # each once: the first by its request id, the second sent now


def test_restart_after_fal_forgot_the_request_ends_expired_and_offers_run_again(
    qtbot, open_window, emulator
):
    emulator.job_duration = 1.0
    window = open_window()
    row = click_run(qtbot, window, "kept too long")
    job_id = row.job.id
    qtbot.waitUntil(lambda: bool(window.manager.store.get(job_id).request_id), timeout=10000)
    window.close()
    window.manager.stop_and_wait()
    window.manager.store.close()
    qtbot.waitUntil(lambda: len(emulator.completed_at) == 1, timeout=10000)
    emulator.retention_scale = 0.0  # fal's retention has passed: it forgot the request
    window = open_window()
    row = row_of_job(window, job_id)
    qtbot.waitUntil(lambda: row.state.finished, timeout=20000)
    assert row.state is JobState.EXPIRED
    assert "fal no longer keeps this result" in row.error and "1 hour" in row.error
    window.jobs_panel.select_job(job_id)
    panel = window.jobs_panel
    assert not panel.retry_button.isEnabled() and panel.run_again_button.isEnabled()
    assert "new paid job" in panel.run_again_button.toolTip()
    assert submits(emulator) == 1  # never sent again on its own

    emulator.retention_scale = 1.0
    panel.run_again_button.click()  # the user's explicit choice: a new paid job
    qtbot.waitUntil(
        lambda: len(rows(window)) == 2 and rows(window)[-1].state.finished, timeout=20000
    )
    assert rows(window)[-1].state is JobState.COMPLETED
    assert "new paid job" in window.notice.label.text()
    assert submits(emulator) == 2


def test_out_of_credit_holds_jobs_without_the_key_dialog_and_retry_sends_them(
    qtbot, open_window, emulator, tmp_path
):
    emulator.out_of_credit = True
    window = open_window()
    row = click_run(qtbot, window, "no credit")
    qtbot.waitUntil(lambda: row.state.finished, timeout=20000)
    assert row.state is JobState.HELD
    assert "Your fal balance is used up — top up at fal.ai/dashboard/billing" in row.error
    assert "Your fal balance is used up" in window.notice.label.text()
    dialog = window.findChild(ApiKeyDialog)
    assert dialog is None or not dialog.isVisible()  # the key is fine: no key dialog

    # The key test does not call the key wrong.
    window.open_key_dialog()
    dialog = window.findChild(ApiKeyDialog)
    dialog.test_button.click()
    qtbot.waitUntil(
        lambda: "The key works" in dialog.status_label.text(), timeout=10000
    )  # a free call
    dialog.reject()

    # An upscale's upload asks for a storage token first: the same 403 holds it too.
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), (10, 200, 30)).save(photo)
    [upscale_id] = window.upscale([str(photo)])
    upscale = row_of_job(window, upscale_id)
    qtbot.waitUntil(lambda: upscale.state.finished, timeout=20000)
    assert upscale.state is JobState.HELD

    assert "Your fal balance is used up" in window.notice.label.text()

    emulator.out_of_credit = False  # topped up
    for held in (row, upscale):
        window.jobs_panel.select_job(held.job.id)
        assert window.jobs_panel.retry_button.isEnabled()
        window.jobs_panel.retry_button.click()
    qtbot.waitUntil(
        lambda: row.state is JobState.COMPLETED and upscale.state is JobState.COMPLETED,
        timeout=30000,
    )
    assert len(rows(window)) == 2
    assert "balance" not in window.notice.label.text()  # topped up: the bar went with the held jobs
    assert sum(emulator.submissions.values()) == 2  # one per job the user started


def test_quitting_with_jobs_at_fal_says_they_are_picked_up_next_start(
    qtbot, open_window, emulator, capfd
):
    emulator.job_duration = 5.0
    window = open_window()
    row = click_run(qtbot, window, "still running at quit")
    qtbot.waitUntil(lambda: bool(window.manager.store.get(row.job.id).request_id), timeout=10000)
    window.close()  # never held up by the jobs
    assert not window.isVisible()
    assert "1 job is still at fal" in window.notice.label.text()
    assert "picks it up by request id at its next start" in capfd.readouterr().err
    window.manager.stop_and_wait()
    window.manager.store.close()
    window = open_window()
    assert "Picking up 1 job" in window.notice.label.text()
    again = row_of_job(window, row.job.id)
    qtbot.waitUntil(lambda: again.state is JobState.COMPLETED, timeout=30000)
    assert submits(emulator) == 1


def test_the_row_menu_offers_retry_run_again_and_cancel(qtbot, open_window, emulator):
    emulator.fail_downloads(1000, status=404)
    window = open_window()
    row = click_run(qtbot, window, "menu")
    qtbot.waitUntil(lambda: row.state.finished, timeout=20000)
    table = window.jobs_panel.table
    table._menu = None  # noqa: SLF001
    window.jobs_panel._context_menu(table.visualRect(window.jobs_model.index(0, 0)).center())  # noqa: SLF001
    menu = window.jobs_panel._menu  # noqa: SLF001
    actions = {a.text(): a for a in menu.actions()}
    assert set(actions) == {"Retry", "Run again (new paid job)", "Cancel"}
    assert actions["Retry"].isEnabled() and actions["Run again (new paid job)"].isEnabled()
    assert not actions["Cancel"].isEnabled()
    menu.close()
    emulator.fail_downloads(0)
    actions["Run again (new paid job)"].trigger()
    qtbot.waitUntil(
        lambda: len(rows(window)) == 2 and rows(window)[-1].state is JobState.COMPLETED,
        timeout=20000,
    )
    assert submits(emulator) == 2  # the user's explicit Run again, nothing more


def test_the_key_test_says_when_the_account_has_no_credit_left(qtbot, open_window, emulator):
    emulator.platform.admin_key = "admin-key:secret"  # an ADMIN key can read the balance
    emulator.out_of_credit = True
    window = open_window(key="admin-key:secret")
    window.open_key_dialog()
    dialog = window.findChild(ApiKeyDialog)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10000)
    assert dialog.status_label.text() == (
        "The key works, but your fal account has no credit left — jobs will be refused until "
        "you top up."
    )
    dialog.grab().save("/tmp/fixes_key_no_credit.png")

    emulator.out_of_credit = False  # topped up
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.status_label.text() == "The key works.", timeout=10000)
    dialog.reject()


def test_a_job_at_fal_rides_out_a_spell_without_fal_and_its_row_says_so(
    qtbot, open_window, emulator
):
    """The network drops while fal runs the job: the row says fal is out of reach and that the
    job goes on at fal; once fal answers again the result lands. Sent once."""
    emulator.job_duration = 2.0
    window = open_window()
    row = click_run(qtbot, window, "through the outage")
    qtbot.waitUntil(lambda: bool(row.job.request_id), timeout=10000)
    emulator.set_faults({"reset": 1.0}, roles={"queue"})  # fal cannot be reached
    try:
        qtbot.waitUntil(lambda: "out of reach" in row.message, timeout=20000)
        assert not row.state.finished and "goes on at fal" in row.message
    finally:
        emulator.clear_faults()
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=30000)
    assert row.files and Path(row.files[0]).is_file()
    assert submits(emulator) == 1
