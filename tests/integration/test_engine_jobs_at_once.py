"""Jobs at once, changed while jobs run: the engine process, over its pipes, against the emulator.

Raised, the engine sends waiting jobs to fal at once; lowered, it lets the running ones finish
(nothing is cancelled or sent again) and sends no other until fewer than the limit run."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict

from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.emulator import Emulator
from fal_desktop.jobs import wire

KEY = "itest-key-id:itest-key-secret"


class Engine:
    """``fal-desktop --jobs-engine``, with every message it sends collected in order."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fal_desktop", "--jobs-engine"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.messages: list[dict] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._lock:
                self.messages.append(json.loads(line))

    def send(self, kind: str, **fields) -> None:
        self.process.stdin.write(wire.encode(kind, **fields))
        self.process.stdin.flush()

    def updates(self) -> list[dict]:
        """Every job update so far, in the order the engine made them."""
        with self._lock:
            batches = [m["updates"] for m in self.messages if m["type"] == "updates"]
        return [update for batch in batches for update in batch]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.send("shutdown")
            self.process.stdin.close()
            self.process.wait(timeout=20)


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_jobs_at_once_raised_then_lowered_while_jobs_run(tmp_path):
    with Emulator(key=KEY, job_duration=60.0, workers=8) as emulator:
        emulator.service.queue.steps = 100  # a shorter duration later takes effect within a step
        store = JobStore(tmp_path / "jobs.sqlite3")
        jobs = [JobRecord("fal-ai/flux/schnell", {"prompt": f"lighthouse {i}"}) for i in range(6)]
        store.save_many(jobs)
        engine = Engine()
        try:
            engine.send(
                "configure",
                protocol=wire.PROTOCOL,
                key=KEY,
                store=str(store.path),
                outputs=str(tmp_path / "out"),
                max_in_flight=2,
                retry=None,
                hosts=asdict(emulator.hosts),
            )
            engine.send("start", jobs=[{"id": j.id, "endpoint": j.endpoint_id} for j in jobs])

            def at_fal() -> set[str]:
                return {u["job"] for u in engine.updates() if u.get("extra", {}).get("request_id")}

            wait_until(lambda: len(at_fal()) == 2)
            assert len(emulator.submit_requests) == 2
            assert at_fal() == {jobs[0].id, jobs[1].id}  # in the order they were started
            assert all(store.get(j.id).state is JobState.PENDING for j in jobs[2:])

            engine.send("max_in_flight", count=5)  # raised: three more go to fal at once
            wait_until(lambda: len(at_fal()) == 5)
            assert len(emulator.submit_requests) == 5
            assert not any(store.get(j.id).state.finished for j in jobs[:2])  # still running
            assert store.get(jobs[5].id).state is JobState.PENDING

            engine.send("max_in_flight", count=1)  # lowered: the five run to their end
            emulator.job_duration = 0.3
            wait_until(lambda: all(store.get(j.id).state.finished for j in jobs), timeout=60)
            assert [store.get(j.id).state for j in jobs] == [JobState.COMPLETED] * 6

            updates = engine.updates()
            last_of_the_five = max(
                i
                for i, u in enumerate(updates)
                if u["job"] != jobs[5].id and u["state"] == "completed"
            )
            first_of_the_sixth = min(i for i, u in enumerate(updates) if u["job"] == jobs[5].id)
            assert first_of_the_sixth > last_of_the_five  # sent only once none of them ran
            # Nothing was cancelled at fal or sent twice: six submits, six paid results.
            assert len(emulator.submit_requests) == 6
            assert not [r for r in emulator.requests if r.path.endswith("/cancel")]
        finally:
            engine.stop()
            store.close()
