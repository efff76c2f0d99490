"""The jobs panel: what its states, batch bar, log and Retry say about how jobs ended."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.api.openapi import FieldError
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.jobs.events import JobUpdate
from fal_desktop.ui.jobs.job_texts import RETRY_REJECTED_TIP
from fal_desktop.ui.jobs.panel import JobsPanel
from fal_desktop.ui.jobs.table import COLUMNS, JobsModel
from tests.gui.conftest import rows


def _panel(qtbot, count):
    jobs = [JobRecord("fal-ai/esrgan", {"image_url": f"/tmp/photo{i}.png"}) for i in range(count)]
    model = JobsModel()
    for job in jobs:
        model.add_job(job)
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, model, jobs


def _send(panel, *updates):
    panel.model.apply_many(list(updates))
    panel.on_updates(list(updates))


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _cell(model, job, column, role=Qt.ItemDataRole.DisplayRole):
    row = next(i for i in range(model.rowCount()) if model.row_at(i).job.id == job.id)
    return model.data(model.index(row, COLUMNS.index(column)), role)


def test_not_sent_yet_and_queued_read_differently_and_explain_themselves(qtbot):
    panel, model, (waiting, queued) = _panel(qtbot, 2)
    _send(panel, JobUpdate(queued.id, JobState.QUEUED, queue_position=2))
    assert _cell(model, waiting, "State") == "Not sent yet"
    assert _cell(model, queued, "State") == "Queued" and _cell(model, queued, "Queue") == "#3"
    waiting_tip = _cell(model, waiting, "State", Qt.ItemDataRole.ToolTipRole)
    queued_tip = _cell(model, queued, "State", Qt.ItemDataRole.ToolTipRole)
    assert waiting_tip.startswith("Not sent to fal yet") and "at once" in waiting_tip
    assert "fal's queue" in queued_tip and "place in the queue" in queued_tip


def _colour_at(bar, fraction):
    image = bar.grab().toImage()
    return image.pixelColor(int(image.width() * fraction), image.height() // 2)


def _red(colour):
    return colour.red() > 150 and colour.green() < 100 and colour.blue() < 100


def _green(colour):
    return colour.green() > 100 and colour.red() < 100 and colour.blue() < 100


def test_the_batch_bar_shows_done_and_failed_parts_in_their_colours(qtbot, tmp_path):
    panel, model, jobs = _panel(qtbot, 4)
    panel.start_batch([job.id for job in jobs])
    assert _plain(panel.batch_label.text()) == "0 done · 4 to go"
    _send(panel, JobUpdate(jobs[1].id, JobState.FAILED, error="photo1.png was not found."))
    assert _plain(panel.batch_label.text()) == "0 done · 1 failed · 3 to go"
    assert panel.pause_button.isVisible()
    _send(panel, *(JobUpdate(j.id, JobState.COMPLETED, files=("a.png",)) for j in jobs[::2]))
    _send(panel, JobUpdate(jobs[3].id, JobState.COMPLETED, files=("a.png",)))
    assert _plain(panel.batch_label.text()) == "3 done · 1 failed"  # all ended: nothing to go
    assert not panel.pause_button.isVisible()
    # Three quarters green, one quarter red: one failure does not paint the batch red.
    bar = panel.batch_bar
    assert _green(_colour_at(bar, 0.1)) and _green(_colour_at(bar, 0.6))
    assert _red(_colour_at(bar, 0.9))
    assert "color:#2e7d32" in panel.batch_label.text().replace(" ", "")
    assert "color:#c62828" in panel.batch_label.text().replace(" ", "")
    assert panel.batch_label.isVisible()
    assert not panel.batch_label.geometry().intersects(bar.geometry())
    panel.grab().save(str(tmp_path / "batch_failed.png"))


def test_a_batch_without_failures_is_all_green(qtbot):
    panel, model, jobs = _panel(qtbot, 2)
    panel.start_batch([job.id for job in jobs])
    _send(panel, *(JobUpdate(job.id, JobState.COMPLETED, files=("a.png",)) for job in jobs))
    assert _plain(panel.batch_label.text()) == "2 done"
    bar = panel.batch_bar
    assert all(_green(_colour_at(bar, f)) for f in (0.1, 0.5, 0.9))


def test_retry_is_off_when_fal_rejected_a_value(qtbot):
    panel, model, (rejected, broken) = _panel(qtbot, 2)
    _send(
        panel,
        JobUpdate(
            rejected.id,
            JobState.FAILED,
            error="fal rejected the input: scale: too big.",
            error_detail="HTTP 422 · validation_error",
            error_kind=ErrorKind.REJECTED_INPUT,
            field_errors=(FieldError(("body", "scale"), "too big", "value_error"),),
        ),
        JobUpdate(
            broken.id,
            JobState.FAILED,
            error="fal or the model's server had a problem.",
            error_detail="HTTP 422 in the server's words: not a rejection",  # never parsed
            error_kind=ErrorKind.SERVER,
        ),
    )
    panel.select_job(rejected.id)
    assert not panel.retry_button.isEnabled() and panel.retry_button.toolTip() == RETRY_REJECTED_TIP
    panel.select_job(broken.id)
    assert panel.retry_button.isEnabled() and panel.retry_button.toolTip() != RETRY_REJECTED_TIP


def test_a_stored_rejection_turns_retry_off_too(qtbot):
    """After a restart the row comes from the store: no field errors, only the stored kind."""
    job = JobRecord(
        "fal-ai/recraft-v3",
        {"prompt": "x"},
        state=JobState.FAILED,
        error="fal rejected the input: prompt: too long.",
        error_detail="[...]",
        error_kind=ErrorKind.REJECTED_INPUT,
    )
    model = JobsModel()
    model.add_job(job)
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    panel.select_job(job.id)
    assert not panel.retry_button.isEnabled() and panel.retry_button.toolTip() == RETRY_REJECTED_TIP


def test_the_log_ends_with_how_the_job_ended(qtbot):
    panel, model, (cancelled, failed, done) = _panel(qtbot, 3)
    _send(
        panel,
        JobUpdate(cancelled.id, JobState.CANCELLED, message="Cancelled"),
        JobUpdate(failed.id, JobState.FAILED, error="It broke.", error_detail="why"),
        JobUpdate(done.id, JobState.COMPLETED, files=("a.png", "b.png")),
    )
    panel.select_job(cancelled.id)
    lines = panel.log_view.toPlainText().splitlines()
    assert len(lines) > 1 and lines[-1] == "Cancelled"
    panel.select_job(failed.id)
    assert panel.log_view.toPlainText().splitlines()[-2:] == ["Failed: It broke.", "why"]
    panel.select_job(done.id)
    assert panel.log_view.toPlainText().splitlines()[-1] == "Completed · 2 files"


def test_a_real_422_from_fal_turns_retry_off_in_the_window(qtbot, open_window):
    window = open_window()
    window.model_panel.select_model("fal-ai/recraft-v3")
    window.manager.submit("fal-ai/recraft-v3", {"prompt": "z" * 1100})  # longer than recraft allows
    qtbot.waitUntil(
        lambda: bool(rows(window)) and rows(window)[0].state is JobState.FAILED, timeout=20000
    )
    row = rows(window)[0]
    assert row.field_errors and "422" in (row.error_detail or "")
    window.jobs_panel.select_job(row.job.id)
    assert not window.jobs_panel.retry_button.isEnabled()
    assert window.jobs_panel.retry_button.toolTip() == RETRY_REJECTED_TIP


def test_a_narrow_table_folds_queue_and_progress_into_the_state(qtbot):
    panel, model, (queued, running) = _panel(qtbot, 2)
    _send(
        panel,
        JobUpdate(queued.id, JobState.QUEUED, queue_position=1),
        JobUpdate(running.id, JobState.RUNNING, progress=0.4),
    )
    hidden = {COLUMNS.index("Queue"), COLUMNS.index("Progress")}
    assert not any(panel.table.isColumnHidden(c) for c in hidden)
    assert _cell(model, queued, "State") == "Queued" and _cell(model, queued, "Queue") == "#2"
    panel.resize(520, 300)  # a 1024-px screen gives the table about this much
    qtbot.waitUntil(lambda: all(panel.table.isColumnHidden(c) for c in hidden))
    assert _cell(model, queued, "State") == "Queued #2"
    assert _cell(model, running, "State") == "Running 40%"
    panel.resize(1200, 300)
    qtbot.waitUntil(lambda: not any(panel.table.isColumnHidden(c) for c in hidden))
    assert _cell(model, running, "State") == "Running"
