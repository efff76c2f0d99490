"""Jobs through the Qt job manager against the emulator: results, queues, cancel, resume."""

from __future__ import annotations

import pytest
from PIL import Image

from fal_desktop.api import FalClient, RetryPolicy
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.emulator import Emulator
from fal_desktop.jobs.manager import JobManager

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
        manager = JobManager(
            store,
            lambda: FalClient(
                KEY, emulator.hosts, retry=RetryPolicy(base_delay=0.01), poll_interval=0.05
            ),
            tmp_path / "outputs",
        )
        updates = []
        manager.job_updated.connect(updates.append)
        manager.updates = updates
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        manager.shutdown()
        manager.store.close()


def final_state(manager, job_id):
    states = [u.state for u in manager.updates if u.job_id == job_id]
    return states[-1] if states else None


def test_text_to_image_job_downloads_its_image(qtbot, make_manager):
    manager = make_manager()
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "a green door", "image_size": "square"})
    qtbot.waitUntil(lambda: final_state(manager, job.id) == JobState.COMPLETED, timeout=15000)
    done = [u for u in manager.updates if u.job_id == job.id][-1]
    assert len(done.files) == 1
    with Image.open(done.files[0]) as image:
        assert image.size == (512, 512)
    logs = [line.message for u in manager.updates if u.job_id == job.id for line in u.new_logs]
    assert "Step 1/5" in logs
    stored = manager.store.get(job.id)
    assert (
        stored.state is JobState.COMPLETED
        and stored.request_id
        and stored.files == list(done.files)
    )


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
        lambda: (
            final_state(manager, running.id) == JobState.CANCELLED
            and final_state(manager, queued.id) == JobState.CANCELLED
        ),
        timeout=10000,
    )
    assert manager.store.get(running.id).state is JobState.CANCELLED
    cancels = [r for r in emulator.requests if r.method == "PUT" and r.path.endswith("/cancel")]
    assert len(cancels) == 2


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


def test_restart_resumes_jobs_without_resubmitting(qtbot, make_manager, emulator, tmp_path):
    emulator.job_duration = 1.5
    first = make_manager()
    job = first.submit("fal-ai/flux/schnell", {"prompt": "survives a crash"})
    qtbot.waitUntil(lambda: first.store.get(job.id).request_id is not None, timeout=10000)
    first.shutdown()  # the app goes away with the job in flight
    first.store.close()
    store = JobStore(tmp_path / "jobs.sqlite3")
    assert [j.id for j in store.unfinished()] == [job.id]
    second = make_manager(store)
    resumed = second.resume_unfinished()
    assert [j.id for j in resumed] == [job.id]
    qtbot.waitUntil(lambda: final_state(second, job.id) == JobState.COMPLETED, timeout=15000)
    assert emulator.submissions["fal-ai/flux/schnell"] == 1
    assert second.store.get(job.id).files


def test_job_sent_but_unrecorded_is_not_sent_again(qtbot, make_manager, emulator, tmp_path):
    from fal_desktop.core.jobstore import JobRecord

    store = JobStore(tmp_path / "jobs.sqlite3")
    ghost = JobRecord("fal-ai/flux/schnell", {"prompt": "ghost"}, state=JobState.SUBMITTING)
    store.save(ghost)
    manager = make_manager(store)
    manager.resume_unfinished()
    qtbot.waitUntil(lambda: final_state(manager, ghost.id) == JobState.FAILED, timeout=10000)
    assert "not charged twice" in manager.store.get(ghost.id).error
    assert emulator.submissions["fal-ai/flux/schnell"] == 0


def test_wrong_key_marks_auth_failure(qtbot, emulator, tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    manager = JobManager(store, lambda: FalClient("bad:key", emulator.hosts), tmp_path / "out")
    updates = []
    manager.job_updated.connect(updates.append)
    try:
        job = manager.submit("fal-ai/flux/schnell", {"prompt": "x"})
        qtbot.waitUntil(lambda: any(u.auth_failed for u in updates), timeout=10000)
        refused = [u for u in updates if u.job_id == job.id][-1]
        # A refused key is a wait, not a failure: fal took nothing, and the job goes once a key works.
        assert refused.extra.get("waiting") == "key" and not refused.state.finished
        assert "API key" in refused.new_logs[-1].message
        assert manager.store.get(job.id).state is JobState.PENDING
        assert emulator.submissions["fal-ai/flux/schnell"] == 0
    finally:
        manager.shutdown()
        store.close()


def test_file_too_large_for_the_endpoint_is_refused_before_upload(qtbot, emulator, tmp_path):
    big = tmp_path / "big.png"
    Image.effect_noise((300, 300), 90).convert("RGB").save(big)
    store = JobStore(tmp_path / "jobs.sqlite3")
    manager = JobManager(
        store,
        lambda: FalClient(KEY, emulator.hosts),
        tmp_path / "out",
        max_input_bytes=lambda endpoint_id: 10_000 if endpoint_id == "fal-ai/esrgan" else None,
    )
    updates = []
    manager.job_updated.connect(updates.append)
    try:
        job = manager.submit("fal-ai/esrgan", {"image_url": str(big)})
        qtbot.waitUntil(
            lambda: any(u.job_id == job.id and u.state.finished for u in updates), timeout=10000
        )
    finally:
        manager.shutdown()
        store.close()
    final = [u for u in updates if u.job_id == job.id][-1]
    assert final.state is JobState.FAILED and "takes at most" in final.error
    assert not any(r.role == "cdn" and r.method == "POST" for r in emulator.requests)
