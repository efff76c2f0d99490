"""The whole window against the emulator, driven through its widgets."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog
from tests.gui.conftest import KEY
from tests.gui.conftest import rows as _rows


def _type_prompt(qtbot, window, text):
    editor = window.model_panel.form.fields["prompt"].editor
    editor.setFocus()
    qtbot.keyClicks(editor, text)


def test_text_to_image_job_shows_its_image(qtbot, open_window, tmp_path):
    window = open_window()
    window.activateWindow()
    qtbot.waitActive(window)
    window.model_panel.select_model("fal-ai/flux/schnell")
    _type_prompt(qtbot, window, "a lighthouse at dusk")
    # Through the window system, as a real key press arrives, so the shortcut sees it.
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_rows(window)) == 1, timeout=5000)
    row = _rows(window)[0]
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    qtbot.waitUntil(lambda: not window.result_view.image.isNull(), timeout=10000)
    assert window.result_view.source_size.width() == 1024  # landscape_4_3 default
    assert window.result_view.pixmap().width() <= window.result_view.width()  # fitted to the view
    assert "lighthouse" in window.jobs_model.data(window.jobs_model.index(0, 1))
    assert "Step 5/5" in window.jobs_panel.log_view.toPlainText()
    assert Path(row.files[0]).is_file()
    window.grab().save(str(tmp_path / "window-done.png"))


def test_three_jobs_at_once_with_positions_and_logs(qtbot, open_window, emulator):
    emulator.job_duration = 0.8
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    for i in range(3):
        window.model_panel.form.fields["prompt"].set_value(f"job number {i}")
        window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(_rows(window)) == 3, timeout=5000)
    seen_queue = []
    qtbot.waitUntil(
        lambda: (
            seen_queue.append(
                [window.jobs_model.data(window.jobs_model.index(i, 3)) for i in range(3)]
            )
            or all(r.state is JobState.COMPLETED for r in _rows(window))
        ),
        timeout=30000,
    )
    assert any("#1" in cells for cells in seen_queue)  # the third job waited in the queue
    assert all(any(line.message == "Step 5/5" for line in r.logs) for r in _rows(window))


def test_cancel_queued_and_running_through_the_panel(qtbot, open_window, emulator):
    emulator.job_duration = 5.0
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    for i in range(3):
        window.model_panel.form.fields["prompt"].set_value(f"cancel me {i}")
        window.model_panel.run_button.click()
    # Two run at once (the emulator's two workers), the third waits in fal's queue: which one
    # waits depends on which submission reached the emulator last.
    qtbot.waitUntil(
        lambda: (
            len(_rows(window)) == 3
            and sorted(r.state.value for r in _rows(window)) == ["queued", "running", "running"]
        ),
        timeout=10000,
    )
    states = [r.state for r in _rows(window)]
    picked = (states.index(JobState.QUEUED), states.index(JobState.RUNNING))
    for index in picked:
        window.jobs_panel.table.selectRow(index)
        assert window.jobs_panel.cancel_button.isEnabled()
        window.jobs_panel.cancel_button.click()
    qtbot.waitUntil(
        lambda: all(_rows(window)[i].state is JobState.CANCELLED for i in picked), timeout=10000
    )
    window.jobs_panel.table.selectRow(picked[1])
    assert window.jobs_panel.log_view.toPlainText().splitlines()[-1] == "Cancelled"
    # fal had it: Retry has nothing to fetch, and only Run again sends it (a new paid job).
    assert not window.jobs_panel.retry_button.isEnabled()
    assert window.jobs_panel.run_again_button.isEnabled()
    window.jobs_panel.run_again_button.click()
    qtbot.waitUntil(lambda: len(_rows(window)) == 4, timeout=5000)


def test_invalid_value_lands_on_its_field(qtbot, open_window):
    window = open_window()
    window.model_panel.select_model("fal-ai/recraft-v3")
    window.model_panel.run_button.click()  # empty prompt: caught before sending
    field = window.model_panel.form.fields["prompt"]
    assert field.error_label.isVisible() and "should not be empty" in field.error_label.text()
    assert window.jobs_model.rowCount() == 0
    # A 422 from the server lands on the same field.
    window.manager.submit("fal-ai/recraft-v3", {"prompt": "x" * 1200})
    qtbot.waitUntil(
        lambda: bool(_rows(window)) and _rows(window)[0].state is JobState.FAILED, timeout=10000
    )
    qtbot.waitUntil(lambda: "at most 1000 characters" in field.error_label.text(), timeout=5000)
    assert "rejected" in _rows(window)[0].error


def test_wrong_key_opens_the_key_dialog(qtbot, open_window):
    window = open_window(key="not-the:right-key")
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("x")
    window.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: (
            window.findChild(ApiKeyDialog) is not None
            and window.findChild(ApiKeyDialog).isVisible()
        ),
        timeout=10000,
    )
    dialog = window.findChild(ApiKeyDialog)
    assert "API key" in dialog.reason_label.text()
    assert "right-key" not in dialog.current_label.text()


def test_no_key_shows_a_banner_and_the_dialog_on_run(qtbot, open_window):
    window = open_window(key=None)
    assert window.home.welcome.isVisible() and not window.notice.isVisible()  # a first start
    window.home.welcome.close_button.click()  # "Not now": the plain notice from then on
    assert window.notice.isVisible() and "No fal API key" in window.notice.label.text()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("x")
    window.model_panel.run_button.click()
    assert window.findChild(ApiKeyDialog).isVisible()
    assert window.jobs_model.rowCount() == 0


def test_the_sandbox_window_tells_its_key_dialog(qtbot, open_window):
    window = open_window(sandbox=True)
    window.open_key_dialog()
    dialog = window.findChild(ApiKeyDialog)
    assert dialog.isVisible() and "Sandbox: no key is needed" in dialog.current_label.text()


def test_restart_resumes_and_remembers_form_and_layout(qtbot, open_window, emulator):
    emulator.job_duration = 1.5
    first = open_window()
    first.model_panel.select_model("fal-ai/flux/schnell")
    first.model_panel.form.fields["prompt"].set_value("remember me")
    first.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: (
            bool(_rows(first))
            and first.manager.store.get(_rows(first)[0].job.id).request_id is not None
        ),
        timeout=10000,
    )
    first.resize(780, 600)  # fits the (small) offscreen screen, so geometry restores exactly
    qtbot.waitUntil(lambda: first.width() == 780, timeout=3000)
    # Narrow: the sessions panel folds away and the form and result share the width.
    qtbot.waitUntil(
        lambda: first.session_ui.panel.isHidden() and sum(first.top.sizes()) > 700, timeout=3000
    )
    first.top.setSizes([480, 300])
    wanted = first.top.sizes()
    first.close()
    first.manager.stop_and_wait()  # as if the app had been killed with the job in flight
    first.manager.store.close()
    second = open_window()
    assert second.model_panel.endpoint_id == "fal-ai/flux/schnell"
    assert second.model_panel.form.value()["prompt"] == "remember me"
    qtbot.waitUntil(lambda: second.top.sizes() == wanted, timeout=3000)
    assert second.size() == first.size() and wanted[0] == 480
    qtbot.waitUntil(
        lambda: bool(_rows(second)) and _rows(second)[0].state is JobState.COMPLETED, timeout=20000
    )
    assert emulator.submissions["fal-ai/flux/schnell"] == 1


def test_the_key_is_never_written_anywhere(
    qtbot, open_window, tmp_path, caplog, capfd, monkeypatch
):
    monkeypatch.setenv(
        "FAL_DESKTOP_LOG_LEVEL", "DEBUG"
    )  # the most the logs ever say, in both processes
    window = open_window(logs=True)
    window.model_panel.select_model("fal-ai/flux/schnell")
    for i in range(2):
        window.model_panel.form.fields["prompt"].set_value(f"scan {i}")
        window.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 2 and all(r.state.finished for r in _rows(window)),
        timeout=20000,
    )
    window.close()
    secret_parts = [KEY, KEY.split(":")[1]]
    window.manager.stop_and_wait()  # the engine's last lines are in its log
    logs = window.paths.logs
    assert (logs / "fal-desktop.log").stat().st_size > 0 and (
        logs / "jobs-engine.log"
    ).stat().st_size > 0
    assert "HTTP Request" in (logs / "jobs-engine.log").read_text()  # the engine's requests, logged
    for root, _dirs, files in os.walk(tmp_path / "app"):  # the logs folder included
        for name in files:
            data = (Path(root) / name).read_bytes()
            assert not any(part.encode() in data for part in secret_parts), name
    assert not any(part in caplog.text for part in secret_parts)
    window.manager.stop_and_wait()  # the engine process's stderr is this process's: read it all
    out, err = capfd.readouterr()
    assert not any(part in out + err for part in secret_parts)


def test_cancel_that_arrives_just_after_the_result_keeps_the_result(qtbot, open_window):
    import time

    window = open_window()
    manager = window.manager
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "a cat", "image_size": "square"})
    qtbot.waitUntil(lambda: manager.store.get(job.id).request_id is not None, timeout=20000)
    # Then the GUI thread is busy (no events): the job completes in the engine meanwhile, and
    # the window still shows it running when the user clicks Cancel.
    deadline = time.time() + 20
    while time.time() < deadline and manager.store.get(job.id).state is not JobState.COMPLETED:
        time.sleep(0.02)
    assert manager.store.get(job.id).state is JobState.COMPLETED
    manager.cancel(job.id)
    time.sleep(0.5)
    qtbot.wait(200)
    stored = manager.store.get(job.id)
    assert stored.state is JobState.COMPLETED and stored.files
    assert window.jobs_model.row_for(job.id).state is JobState.COMPLETED
