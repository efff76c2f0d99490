"""Reliability drills against the emulator: faults, bad server answers."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer

from fal_desktop.api import FalClient, RetryPolicy
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.emulator import Emulator
from fal_desktop.jobs.manager import JobManager

KEY = "drill:key"


@pytest.fixture
def drill_emulator():
    with Emulator(key=KEY, job_duration=0.05, workers=16) as emu:
        yield emu


def test_twenty_percent_faults_two_hundred_jobs_all_complete_once(qtbot, drill_emulator, tmp_path):
    emu = drill_emulator
    emu.set_faults({429: 0.05, 502: 0.05, 503: 0.03, "reset": 0.04, "slow": 0.03},
                   roles={"queue", "rest", "cdn"}, seed=7, safe_posts=True)
    emu.faults.slow_seconds = 0.3
    store = JobStore(tmp_path / "jobs.sqlite3")
    manager = JobManager(store, lambda: FalClient(KEY, emu.hosts, retry=RetryPolicy(max_attempts=10, base_delay=0.02,
                                                                                    max_delay=0.2),
                                                  poll_interval=0.05), tmp_path / "out", max_in_flight=32)
    finished: dict[str, JobState] = {}
    manager.job_updated.connect(lambda u: finished.__setitem__(u.job_id, u.state) if u.state.finished else None)
    gaps, last = [], [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    try:
        jobs = [manager.submit("fal-ai/flux/schnell", {"prompt": f"drill {i}", "image_size": "square"})
                for i in range(200)]
        qtbot.waitUntil(lambda: len(finished) == 200, timeout=240000)
    finally:
        heartbeat.stop()
        manager.shutdown()
        store.close()
    failed = {j.id: finished[j.id] for j in jobs if finished[j.id] is not JobState.COMPLETED}
    assert failed == {}
    assert sum(emu.submissions.values()) == 200  # none submitted twice
    exposed = [r for r in emu.requests if r.role in ("queue", "rest", "cdn")]
    injected = sum(emu.faults.injected.values())
    assert injected >= 0.12 * len(exposed) and set(emu.faults.injected) == {429, 502, 503, "reset", "slow"}
    assert max(gaps) < 0.1, f"the GUI thread stalled for {max(gaps) * 1000:.0f} ms"
