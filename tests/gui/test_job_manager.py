"""Jobs through the app's job manager (the engine process) against the emulator: queues,
cancel, uploads, a job that may have reached fal. (More in test_engine_process.py.)"""

from __future__ import annotations

import pytest
from PIL import Image

from fal_desktop.api import ErrorKind, RetryPolicy
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.emulator import Emulator
from fal_desktop.jobs.process_manager import ProcessJobManager

KEY = "jobs-test:key"


@pytest.fixture
def emulator():
    with Emulator(key=KEY, job_duration=0.3, workers=1) as emu:
        yield emu


@pytest.fixture
def make_manager(emulator, tmp_path):
    managers = []

    def make(store=None):
        store = store or JobStore(tmp_path / "jobs.sqlite3")
        manager = ProcessJobManager(
            store,
            emulator.hosts,
            tmp_path / "outputs",
            key=lambda: KEY,
            retry=RetryPolicy(base_delay=0.01),
            poll_interval=0.05,
        )
        updates = []
        manager.job_updated.connect(updates.append)
        manager.updates = updates
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        manager.stop_and_wait()
        manager.store.close()


def final_state(manager, job_id):
    states = [u.state for u in manager.updates if u.job_id == job_id]
    return states[-1] if states else None


def test_three_jobs_at_once_report_positions(qtbot, make_manager, emulator):
    emulator.job_duration = 0.6
    manager = make_manager()
    jobs = [manager.submit("fal-ai/flux/schnell", {"prompt": f"job {i}"}) for i in range(3)]
    qtbot.waitUntil(
        lambda: all(final_state(manager, j.id) == JobState.COMPLETED for j in jobs), timeout=30000
    )
    positions = {u.queue_position for u in manager.updates if u.queue_position is not None}
    assert {0, 1} <= positions  # a real queue: someone waited behind someone else
    assert emulator.submissions["fal-ai/flux/schnell"] == 3


def test_cancel_queued_and_running(qtbot, make_manager, emulator):
    emulator.job_duration = 3.0
    manager = make_manager()
    running = manager.submit("fal-ai/flux/schnell", {"prompt": "running"})
    queued = manager.submit("fal-ai/flux/schnell", {"prompt": "queued"})
    qtbot.waitUntil(lambda: final_state(manager, running.id) == JobState.RUNNING, timeout=10000)
    qtbot.waitUntil(lambda: manager.store.get(queued.id).request_id is not None, timeout=10000)
    manager.cancel(queued.id)
    manager.cancel(running.id)
    qtbot.waitUntil(
        lambda: all(manager.store.get(j.id).state.finished for j in (running, queued)),
        timeout=20000,
    )
    # Each is cancelled at fal; or, when fal finished it before the cancel took (the emulator
    # runs two at once, and a running job ends as its model decides), its paid result is kept.
    for job in (running, queued):
        ended = manager.store.get(job.id)
        assert ended.state is JobState.CANCELLED or (
            ended.state is JobState.COMPLETED and ended.files
        )
    cancels = [r for r in emulator.requests if r.method == "PUT" and r.path.endswith("/cancel")]
    cancelled = [
        j for j in (running, queued) if manager.store.get(j.id).state is JobState.CANCELLED
    ]
    # Every job that ended cancelled was cancelled at fal (one PUT each); one fal had already
    # finished when the cancel came may need none.
    assert len(cancelled) <= len(cancels) <= 2


def test_upscale_uploads_a_local_file(qtbot, make_manager, tmp_path):
    source = tmp_path / "photo.png"
    Image.new("RGB", (120, 80), (200, 30, 30)).save(source)
    manager = make_manager()
    job = manager.submit("fal-ai/esrgan", {"image_url": str(source), "scale": 2})
    qtbot.waitUntil(
        lambda: final_state(manager, job.id) in (JobState.COMPLETED, JobState.FAILED), timeout=15000
    )
    done = [u for u in manager.updates if u.job_id == job.id][-1]
    assert done.state is JobState.COMPLETED, done.error_detail
    with Image.open(done.files[0]) as image:
        assert image.size == (240, 160)
    assert manager.store.get(job.id).payload["image_url"].startswith("http://127.0.0.1")


def test_job_sent_but_unrecorded_is_not_sent_again(qtbot, make_manager, emulator, tmp_path):
    from fal_desktop.core.jobstore import JobRecord

    store = JobStore(tmp_path / "jobs.sqlite3")
    ghost = JobRecord("fal-ai/flux/schnell", {"prompt": "ghost"}, state=JobState.SUBMITTING)
    store.save(ghost)
    manager = make_manager(store)
    manager.resume_unfinished()
    qtbot.waitUntil(lambda: final_state(manager, ghost.id) == JobState.FAILED, timeout=10000)
    assert "not charged twice" in manager.store.get(ghost.id).error
    assert manager.store.get(ghost.id).error_kind is ErrorKind.MAYBE_SENT
    assert final_state(manager, ghost.id) is JobState.FAILED
    assert [u.error_kind for u in manager.updates if u.error][-1] is ErrorKind.MAYBE_SENT
    assert emulator.submissions["fal-ai/flux/schnell"] == 0
