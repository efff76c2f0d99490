"""Job updates reach the GUI in batches (at most one per frame): nothing lost, nothing reordered."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication

from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.manager import BaseJobManager
from fal_desktop.jobs.scheduler import UpdateBatcher
from fal_desktop.ui.jobs.panel import JobsPanel
from fal_desktop.ui.jobs.table import COLUMNS, JobsModel


def _log(job_id, n, state=JobState.RUNNING):
    return JobUpdate(job_id, state, new_logs=(LogEntry(f"{job_id} line {n}"),))


def test_a_burst_of_updates_is_handed_on_whole_in_order_and_batched():
    """The engine's batcher: 600 updates with pauses come out in a few frames, none lost."""
    sent = [_log(f"job{i % 7}", i) for i in range(600)]
    batches: list[list[JobUpdate]] = []

    async def burst():
        batcher = UpdateBatcher(batches.append)
        for update in sent:
            batcher.emit(update)
            if update.new_logs[0].message.endswith("00"):
                await asyncio.sleep(0.03)  # a pause: a later batch
        await asyncio.sleep(0.1)
        batcher.emit(sent[0])
        batcher.flush()  # what is pending at shutdown is handed on too

    asyncio.run(burst())
    assert [u for batch in batches for u in batch] == [*sent, sent[0]]
    assert 2 <= len(batches) < 60  # coalesced, yet not held back past a pause


def test_a_delivered_batch_changes_the_jobs_state_on_the_gui_thread_in_order(qtbot, tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    manager = BaseJobManager(store)
    single, batches = [], []
    manager.job_updated.connect(single.append)
    manager.jobs_updated.connect(batches.append)
    job = JobRecord("fal-ai/flux/schnell", {"prompt": "x"})
    manager._jobs[job.id] = job  # noqa: SLF001
    two = [JobUpdate(job.id, JobState.RUNNING), JobUpdate(job.id, JobState.CANCELLED)]
    manager._deliver(two)  # noqa: SLF001 (what an engine's frame of updates does)
    assert single == two and batches == [two]
    assert manager.job(job.id).state is JobState.CANCELLED
    store.close()


def _model_with(jobs):
    model = JobsModel()
    for job in jobs:
        model.add_job(job)
    return model


def test_model_applies_a_batch_in_order_with_one_change_signal(qtbot):
    jobs = [JobRecord("fal-ai/flux/schnell", {"prompt": f"p{i}"}) for i in range(4)]
    model = _model_with(jobs)
    changes = []
    model.dataChanged.connect(
        lambda a, b: changes.append((a.row(), a.column(), b.row(), b.column()))
    )
    rows = model.apply_many(
        [
            JobUpdate(jobs[1].id, JobState.QUEUED, queue_position=3),
            _log(jobs[1].id, 1),
            _log(jobs[2].id, 1),
            _log(jobs[1].id, 2),
            JobUpdate("not-a-row", JobState.RUNNING),
            JobUpdate(jobs[1].id, JobState.COMPLETED, files=("a.png",), progress=1.0),
        ]
    )
    assert len(rows) == 5
    assert changes == [(1, 0, 2, len(COLUMNS) - 1)]
    one, two = model.row_for(jobs[1].id), model.row_for(jobs[2].id)
    assert [e.message for e in one.logs] == [f"{jobs[1].id} line 1", f"{jobs[1].id} line 2"]
    assert one.state is JobState.COMPLETED and one.files == ("a.png",) and one.ended is not None
    assert one.queue_position == 3 and two.state is JobState.RUNNING
    assert model.apply_many([JobUpdate("nobody", JobState.RUNNING)]) == [] and len(changes) == 1


def test_panel_shows_every_log_line_of_a_batch_in_order(qtbot):
    jobs = [JobRecord("fal-ai/flux/schnell", {"prompt": f"p{i}"}) for i in range(2)]
    model = _model_with(jobs)
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    panel.select_job(jobs[0].id)
    mine, other = jobs[0].id, jobs[1].id
    first = [_log(mine, 1), _log(other, 1), _log(mine, 2), _log(mine, 3)]
    model.apply_many(first)
    panel.on_updates(first)
    text = panel.log_view.toPlainText().splitlines()
    assert text[1:] == [f"{mine} line 1", f"{mine} line 2", f"{mine} line 3"]
    assert panel.cancel_button.isEnabled()
    second = [
        _log(mine, 4),
        JobUpdate(mine, JobState.FAILED, error="It broke.", error_detail="why"),
    ]
    model.apply_many(second)
    panel.on_updates(second)
    text = panel.log_view.toPlainText().splitlines()
    assert text[1:5] == [f"{mine} line {n}" for n in range(1, 5)]
    assert text[-2:] == ["Failed: It broke.", "why"]
    assert panel.retry_button.isEnabled() and not panel.cancel_button.isEnabled()
    QApplication.processEvents()
