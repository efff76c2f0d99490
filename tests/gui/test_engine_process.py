"""The app's job manager: the jobs engine in a child process, against the emulator over sockets.

Results, the key and input limits sent as data, cancel, pause, shutdown and resume, the
engine killed mid-flight (restarted, nothing sent twice), an engine that cannot start or
speaks another protocol, and the engine ending when the window's process is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from fal_desktop.api import RetryPolicy
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.emulator import Emulator
from fal_desktop.jobs.process_manager import ProcessJobManager

KEY = "engine-test-0123:secret-4567"


@pytest.fixture
def emulator():
    with Emulator(key=KEY, job_duration=0.3, workers=4) as emu:
        yield emu


@pytest.fixture
def make_manager(qtbot, emulator, tmp_path):
    managers = []

    def make(key=lambda: KEY, wait=True, **options):
        store = JobStore(tmp_path / "jobs.sqlite3")
        manager = ProcessJobManager(
            store,
            emulator.hosts,
            tmp_path / "outputs",
            key=key,
            retry=RetryPolicy(base_delay=0.01),
            **options,
        )
        manager.updates, manager.problems = [], []
        manager.job_updated.connect(manager.updates.append)
        manager.problem.connect(manager.problems.append)
        managers.append(manager)
        if wait:
            qtbot.waitUntil(lambda: manager.pid is not None, timeout=20000)
        return manager

    yield make
    for manager in managers:
        manager.stop_and_wait()
        manager.store.close()


def last(manager, job_id):
    mine = [u for u in manager.updates if u.job_id == job_id]
    return mine[-1] if mine else None


def finished(manager, jobs):
    return all(last(manager, j.id) is not None and last(manager, j.id).state.finished for j in jobs)


def gone(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie has exited; only its parent has not reaped it yet
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_jobs_run_in_the_engine_process_and_results_land(qtbot, make_manager, emulator):
    manager = make_manager()
    assert manager.pid != os.getpid()
    jobs = manager.submit_many(
        "fal-ai/flux/schnell",
        [({"prompt": f"door {i}", "image_size": "square"}, "") for i in range(4)],
    )
    qtbot.waitUntil(lambda: finished(manager, jobs), timeout=20000)
    for job in jobs:
        done = last(manager, job.id)
        assert done.state is JobState.COMPLETED
        with Image.open(done.files[0]) as image:
            assert image.size == (512, 512)
        assert manager.store.get(job.id).state is JobState.COMPLETED
        assert job.request_id  # the window's record learns the request id from the updates
    logs = [line.message for u in manager.updates for line in u.new_logs]
    assert "Step 1/5" in logs
    assert emulator.submissions["fal-ai/flux/schnell"] == 4


def test_the_key_is_data_never_on_the_command_line_and_follows_the_key_store(qtbot, make_manager):
    key = {"value": "wrong:key"}
    manager = make_manager(key=lambda: key["value"])
    cmdline = Path(f"/proc/{manager.pid}/cmdline").read_bytes()
    assert b"wrong:key" not in cmdline and b"--jobs-engine" in cmdline
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "x"})
    qtbot.waitUntil(
        lambda: last(manager, job.id) is not None and last(manager, job.id).auth_failed,
        timeout=15000,
    )
    assert "API key" in last(manager, job.id).new_logs[-1].message and not finished(manager, [job])

    key["value"] = KEY  # the user fixed the key in the key dialog: the same job goes on
    manager.key_changed()
    qtbot.waitUntil(lambda: finished(manager, [job]), timeout=15000)
    assert last(manager, job.id).state is JobState.COMPLETED


def test_an_input_limit_from_the_schema_reaches_the_engine(qtbot, make_manager, emulator, tmp_path):
    big = tmp_path / "big.png"
    Image.effect_noise((300, 300), 90).convert("RGB").save(big)
    manager = make_manager(
        max_input_bytes=lambda endpoint: 10_000 if endpoint == "fal-ai/esrgan" else None
    )
    job = manager.submit("fal-ai/esrgan", {"image_url": str(big)})
    qtbot.waitUntil(lambda: finished(manager, [job]), timeout=15000)
    assert (
        last(manager, job.id).state is JobState.FAILED
        and "takes at most" in last(manager, job.id).error
    )
    assert not any(r.role == "cdn" and r.method == "POST" for r in emulator.requests)


def test_cancel_and_pause(qtbot, make_manager, emulator):
    emulator.job_duration = 5.0
    manager = make_manager()
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "slow"})
    qtbot.waitUntil(lambda: bool(job.request_id), timeout=15000)
    manager.cancel(job.id)
    qtbot.waitUntil(lambda: finished(manager, [job]), timeout=15000)
    assert last(manager, job.id).state is JobState.CANCELLED
    assert manager.store.get(job.id).state is JobState.CANCELLED

    emulator.job_duration = 0.2
    manager.pause()
    held = manager.submit("fal-ai/flux/schnell", {"prompt": "held"})
    qtbot.wait(800)
    assert manager.store.get(held.id).state is JobState.PENDING
    manager.resume()
    qtbot.waitUntil(lambda: finished(manager, [held]), timeout=15000)
    assert last(manager, held.id).state is JobState.COMPLETED


def test_a_killed_engine_is_restarted_and_nothing_is_sent_twice(qtbot, make_manager, emulator):
    emulator.job_duration = 1.5
    manager = make_manager()
    first_pid = manager.pid
    jobs = manager.submit_many("fal-ai/flux/schnell", [({"prompt": f"p{i}"}, "") for i in range(6)])

    def some_logged() -> bool:  # some jobs are part way through their steps
        return any(line.message == "Step 2/5" for u in manager.updates for line in u.new_logs)

    qtbot.waitUntil(
        lambda: all(manager.store.get(j.id).request_id for j in jobs) and some_logged(),
        timeout=20000,
    )
    assert not finished(manager, jobs)
    os.kill(first_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: manager.pid not in (None, first_pid), timeout=20000)
    qtbot.waitUntil(lambda: finished(manager, jobs), timeout=30000)
    assert all(last(manager, j.id).state is JobState.COMPLETED for j in jobs)
    assert emulator.submissions["fal-ai/flux/schnell"] == 6  # followed again, never resubmitted
    warned = {
        u.job_id for u in manager.updates for line in u.new_logs if "restarted" in line.message
    }
    assert warned == {j.id for j in jobs}
    assert manager.problems == []  # one death is told on the rows, not in a banner
    for (
        job
    ) in jobs:  # the new engine follows each job from fal's first log line again: not shown twice
        steps = [
            line.message
            for u in manager.updates
            if u.job_id == job.id
            for line in u.new_logs
            if line.message.startswith("Step ")
        ]
        assert steps == [f"Step {i}/5" for i in range(1, 6)], steps


def test_an_engine_that_keeps_dying_is_told_in_the_banner_and_its_recovery_too(
    qtbot, make_manager, emulator
):
    emulator.job_duration = 3.0
    manager = make_manager()
    recovered = []
    manager.recovered.connect(recovered.append)
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "stubborn"})
    qtbot.waitUntil(lambda: bool(job.request_id), timeout=15000)
    for _ in range(2):
        pid = manager.pid
        os.kill(pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: manager.pid not in (None, pid), timeout=20000)  # noqa: B023 - called at once
    assert len(manager.problems) == 1 and "keeps stopping (it crashed)" in manager.problems[0]
    assert recovered == ["The jobs engine is running again; your jobs carry on."]
    qtbot.waitUntil(lambda: finished(manager, [job]), timeout=20000)
    assert last(manager, job.id).state is JobState.COMPLETED
    assert emulator.submissions["fal-ai/flux/schnell"] == 1


def test_shutdown_stops_the_engine_and_a_new_one_resumes(qtbot, make_manager, emulator):
    emulator.job_duration = 2.0
    manager = make_manager()
    pid = manager.pid
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "later"})
    qtbot.waitUntil(lambda: bool(job.request_id), timeout=15000)
    manager.stop_and_wait()
    assert gone(pid)
    assert manager.store.get(job.id).state in (JobState.QUEUED, JobState.RUNNING)

    again = make_manager()
    resumed = again.resume_unfinished()
    assert [j.id for j in resumed] == [job.id]
    qtbot.waitUntil(lambda: finished(again, resumed), timeout=20000)
    assert last(again, job.id).state is JobState.COMPLETED
    assert emulator.submissions["fal-ai/flux/schnell"] == 1


def test_a_shutdown_while_a_submit_is_on_the_wire_waits_for_fals_request_id(
    qtbot, make_manager, emulator
):
    """fal has the job as soon as the submit reached it: quitting then must not drop its answer
    (the request id), or the paid job could never be followed; the next start follows it."""
    emulator.submit_delay = 1.5  # fal took the job; its answer is on its way
    emulator.job_duration = 5.0  # still at fal when the app has quit
    manager = make_manager()
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "sent as the app quits"})
    qtbot.waitUntil(lambda: emulator.submissions["fal-ai/flux/schnell"] == 1, timeout=15000)
    assert manager.store.get(job.id).request_id is None  # the answer has not come yet
    manager.stop_and_wait()
    stored = manager.store.get(job.id)
    assert stored.request_id and stored.state in (JobState.QUEUED, JobState.RUNNING)

    emulator.submit_delay, emulator.job_duration = 0.0, 0.3
    again = make_manager()
    resumed = again.resume_unfinished()
    qtbot.waitUntil(lambda: finished(again, resumed), timeout=20000)
    assert last(again, job.id).state is JobState.COMPLETED
    assert emulator.submissions["fal-ai/flux/schnell"] == 1


def test_an_engine_that_cannot_start_is_a_sentence_not_a_crash(qtbot, make_manager, tmp_path):
    manager = make_manager(command=[str(tmp_path / "no-such-engine")], wait=False)
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "x"})
    qtbot.waitUntil(lambda: bool(manager.problems), timeout=10000)
    assert "keeps stopping" in manager.problems[0]
    assert manager.store.get(job.id).state is JobState.PENDING  # kept for when it works
    assert any("restarted" in line.message for u in manager.updates for line in u.new_logs)


def test_an_engine_of_another_protocol_is_refused(qtbot, make_manager):
    fake = 'import sys, time; print(\'{"type": "hello", "protocol": 99, "pid": 1}\', flush=True); time.sleep(30)'
    manager = make_manager(command=[sys.executable, "-c", fake], wait=False)
    qtbot.waitUntil(lambda: bool(manager.problems), timeout=10000)
    assert "protocol 99" in manager.problems[0] and "reinstall" in manager.problems[0]
    assert manager.pid is None


def test_garbage_from_the_engine_restarts_it(qtbot, make_manager):
    fake = "import time; print('this is not JSON', flush=True); time.sleep(30)"
    manager = make_manager(command=[sys.executable, "-c", fake], wait=False)
    qtbot.waitUntil(lambda: len(manager.restarts.recent) >= 2, timeout=10000)  # noqa: SLF001
    assert manager.problems and "keeps stopping" in manager.problems[0]


def test_the_engine_ends_when_the_window_process_is_killed(tmp_path, emulator):
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from PySide6.QtCore import QCoreApplication
        from fal_desktop.api import FalHosts
        from fal_desktop.core.jobstore import JobStore
        from fal_desktop.jobs.process_manager import ProcessJobManager
        app = QCoreApplication([])
        manager = ProcessJobManager(JobStore({str(tmp_path / "jobs.sqlite3")!r}), FalHosts(**{emulator.hosts.__dict__!r}),
                                    Path({str(tmp_path / "out")!r}), key=lambda: {KEY!r})
        manager.engine_started.connect(lambda pid: print(pid, flush=True))
        app.exec()
    """)
    window = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        engine_pid = int(window.stdout.readline())
        assert not gone(engine_pid, 0.5)
        window.send_signal(signal.SIGKILL)
        window.wait(10)
        assert gone(engine_pid), "the jobs engine outlived the window"
    finally:
        window.kill()
        window.stdout.close()


def test_without_a_stderr_of_its_own_the_window_gives_the_engine_a_log_file(
    qtbot, make_manager, tmp_path
):
    """A windowed build on Windows has no stderr; the engine's problems still leave a trace."""
    fake = "import sys, time; sys.stderr.write('engine trouble\\n'); sys.stderr.flush(); sys.stdin.read()"
    saved, sys.stderr = sys.stderr, None
    try:
        make_manager(command=[sys.executable, "-c", fake], wait=False)
    finally:
        sys.stderr = saved
    log = tmp_path / "jobs-engine.log"
    qtbot.waitUntil(lambda: log.is_file() and "engine trouble" in log.read_text(), timeout=10000)


def test_a_final_state_the_dead_engine_stored_but_never_sent_reaches_the_rows(
    qtbot, make_manager, emulator
):
    emulator.job_duration = 3.0
    manager = make_manager()
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "landed"})
    qtbot.waitUntil(lambda: bool(job.request_id), timeout=15000)
    pid = manager.pid
    os.kill(pid, signal.SIGSTOP)  # it wrote the result, then died before its frame was sent
    manager.store.update(
        job.id, state=JobState.COMPLETED, files=["/tmp/landed.png"], finished_at=time.time()
    )
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: last(manager, job.id).state.finished, timeout=15000)
    assert last(manager, job.id).state is JobState.COMPLETED
    assert last(manager, job.id).files == ("/tmp/landed.png",)
    assert manager.unfinished_jobs() == []


def test_a_cancel_while_the_engine_is_down_is_never_sent_later(qtbot, make_manager, emulator):
    manager = make_manager()
    manager.pause()
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "cancel me"})
    for _ in range(2):  # two deaths: the next start waits a second
        pid = manager.pid
        os.kill(pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: manager.pid not in (None, pid), timeout=15000)  # noqa: B023 - called at once
    os.kill(manager.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not manager.running, timeout=15000)
    manager.cancel(job.id)
    assert last(manager, job.id).state is JobState.CANCELLED
    manager.stop_and_wait()  # the user quits before the restart
    again = make_manager()
    assert again.resume_unfinished() == []
    assert emulator.submissions["fal-ai/flux/schnell"] == 0


def test_held_jobs_go_out_with_the_key_the_store_has_when_resumed(qtbot, make_manager, emulator):
    key = {"value": KEY}
    manager = make_manager(key=lambda: key["value"])
    manager.pause()
    job = manager.submit("fal-ai/flux/schnell", {"prompt": "held"})
    key["value"] = "removed:key"  # the user replaced (or removed) the key while paused
    manager.resume()
    qtbot.waitUntil(
        lambda: last(manager, job.id) is not None and last(manager, job.id).auth_failed,
        timeout=15000,
    )


def test_an_engine_that_goes_silent_is_taken_for_stuck_and_restarted(qtbot, make_manager, emulator):
    """Says hello, then nothing (a loop stuck in a C call, say): killed and replaced."""
    fake = (
        "import json, os, sys; sys.stdin.readline(); "
        "print(json.dumps({'type': 'hello', 'protocol': 1, 'pid': os.getpid()}), flush=True); sys.stdin.read()"
    )
    manager = make_manager(command=[sys.executable, "-c", fake], wait=False, alive_seconds=0.2)
    qtbot.waitUntil(lambda: manager.pid is not None, timeout=10000)
    stuck = manager.pid
    qtbot.waitUntil(lambda: len(manager.restarts.recent) >= 1, timeout=10000)  # noqa: SLF001
    assert gone(stuck, 5)


def test_a_quiet_engine_is_not_mistaken_for_a_stuck_one(qtbot, make_manager):
    manager = make_manager(alive_seconds=0.2)
    pid = manager.pid
    qtbot.wait(2500)  # no jobs: only "alive" messages, and more than SILENT_BEATS beats pass
    assert manager.pid == pid and manager.restarts.recent == []
