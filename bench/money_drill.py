"""Money drill: 100 jobs against the emulator with cancels at random moments, random download
failures, a spell out of credit, engine kills, app kills and restarts without a key.

The jobs run as in the app: in the engine process (``ProcessJobManager``) on one job store.
An "app kill" SIGKILLs the engine and drops its manager without a clean stop; the next one
opens the same store and resumes, sometimes with no key (given a little later, as a user
would). At the end the user's Retry is pressed on every job that stopped for them (not
fetched, held) until all have ended. Then, from the emulator's own records:

- submits at the emulator = jobs started by the user (+ Run again: none here) − jobs
  cancelled before they were sent, and no job was ever sent twice;
- every request fal ran ends in the store with its result on disk, or cancelled at fal, or
  expired, or failed at fal. The one exception fal's protocol allows: a kill while a submit
  is on the wire, before fal's answer (the request id) could be written; such a job ends
  with the sentence that it may have reached fal and was not sent again (counted apart).

Prints a table and writes ``bench/results/money_drill.json``; exits 1 if an invariant broke.
Bounded: the chaos lasts ``--chaos`` seconds and the whole drill gives up after ``--limit``.

    python bench/money_drill.py [--seed 1] [--jobs 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from fal_desktop.api import RetryPolicy  # noqa: E402
from fal_desktop.core.jobstore import JobState, JobStore  # noqa: E402
from fal_desktop.emulator import Emulator  # noqa: E402
from fal_desktop.jobs.process_manager import ProcessJobManager  # noqa: E402

KEY = "drill:money"
MODEL = "fal-ai/flux/schnell"
UNKNOWN_SEND = "may or may not have reached fal"


class Drill:
    def __init__(self, args: argparse.Namespace, emu: Emulator, folder: Path) -> None:
        self.args, self.emu, self.folder = args, emu, folder
        self.rng = random.Random(args.seed)
        self.app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
        self.key: dict[str, str | None] = {"value": KEY}
        self.key_back_at: float | None = None
        self.credit_back_at: float | None = None
        self.store = JobStore(folder / "jobs.sqlite3")
        self.events: Counter[str] = Counter()
        self.started: list[str] = []
        self.manager = self._manager()

    def _manager(self) -> ProcessJobManager:
        manager = ProcessJobManager(
            self.store,
            self.emu.hosts,
            self.folder / "out",
            key=lambda: self.key["value"],
            max_in_flight=12,
            poll_interval=0.05,
            retry=RetryPolicy(max_attempts=4, base_delay=0.02, max_delay=0.2),
        )
        manager.resume_unfinished()
        return manager

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.002)

    # -- what happens at random moments ------------------------------------------------

    def start_jobs(self, count: int) -> None:
        first = len(self.started)
        items = [
            ({"prompt": f"money {first + i}", "image_size": "square"}, "") for i in range(count)
        ]
        self.started += [job.id for job in self.manager.submit_many(MODEL, items)]

    def cancel_one(self) -> None:
        live = [job.id for job in self.manager.unfinished_jobs()]
        if live:
            self.manager.cancel(self.rng.choice(live))
            self.events["cancel"] += 1

    def kill_engine(self) -> None:
        if self.manager.pid:
            try:
                os.kill(self.manager.pid, signal.SIGKILL)  # the manager starts a new engine
            except ProcessLookupError:  # it is already gone (being restarted)
                return
            self.events["engine kill"] += 1

    def kill_app(self, without_key: bool) -> None:
        """The app dies (engine SIGKILLed, no clean stop) and is started again."""
        old = self.manager
        old._closed = True  # noqa: SLF001 (a dead app restarts nothing)
        old._watch.stop()  # noqa: SLF001
        engine = old._link  # noqa: SLF001 (also one that has not said hello yet)
        if engine is not None:
            engine.kill()  # SIGKILL, as the kernel does when the app dies (PR_SET_PDEATHSIG)
            old.wait_stopped(5)
        old.deleteLater()
        self.pump(0.05)
        if without_key:
            self.key["value"] = None
            self.key_back_at = time.monotonic() + self.rng.uniform(0.5, 5.0)
            self.events["app restart without key"] += 1
        else:
            self.events["app kill"] += 1
        self.manager = self._manager()

    def tick(self) -> None:
        now = time.monotonic()
        if self.key_back_at is not None and now >= self.key_back_at:
            self.key["value"], self.key_back_at = KEY, None  # the user sets the key
            self.manager.key_changed()
        if self.credit_back_at is not None and now >= self.credit_back_at:
            self.emu.out_of_credit, self.credit_back_at = False, None  # topped up
        roll = self.rng.random()
        if roll < 0.20:
            self.cancel_one()
        elif roll < 0.26:
            self.emu.fail_downloads(self.rng.randint(1, 3), status=self.rng.choice((404, 503)))
            self.events["download failures"] += 1
        elif roll < 0.27:
            self.kill_engine()
        elif roll < 0.30:
            self.kill_app(without_key=False)
        elif roll < 0.33 and self.key_back_at is None:
            self.kill_app(without_key=True)
        elif roll < 0.34 and self.credit_back_at is None:
            self.emu.out_of_credit = True
            self.credit_back_at = now + self.rng.uniform(0.3, 1.0)
            self.events["out of credit"] += 1
        elif roll < 0.40:
            self.emu.submit_delay = self.rng.choice((0.0, 0.0, 0.3))  # cancels land during a send

    # -- the run -------------------------------------------------------------------------

    def run(self) -> bool:
        limit = time.monotonic() + self.args.limit
        chaos_end = time.monotonic() + self.args.chaos
        batches = [self.args.jobs // 5] * 5
        batches[-1] += self.args.jobs - sum(batches)
        while time.monotonic() < chaos_end:
            if batches and self.rng.random() < 0.15:
                self.start_jobs(batches.pop())
            self.tick()
            self.pump(self.rng.uniform(0.05, 0.25))
        for count in batches:  # any batch the chaos did not start
            self.start_jobs(count)
        # Calm: a key, credit, working downloads; the user presses Retry where it applies.
        self.key["value"], self.emu.out_of_credit, self.emu.submit_delay = KEY, False, 0.0
        self.emu.fail_downloads(0)
        self.manager.key_changed()
        while time.monotonic() < limit:
            self.pump(0.3)
            jobs = [self.store.get(job_id) for job_id in self.started]
            waiting = [job for job in jobs if not job.state.final]
            if not waiting:
                return True
            for job in waiting:
                if job.state.resumable:
                    self.manager.retry(job.id)
                    self.events["retry (user)"] += 1
        return False


def check(drill: Drill, finished_in_time: bool) -> dict:
    emu, store = drill.emu, drill.store
    jobs = {job_id: store.get(job_id) for job_id in drill.started}
    by_prompt = {job.inputs["prompt"]: job for job in jobs.values()}
    at_fal = list(emu.service.queue.jobs.values())
    sent = Counter(request.payload.get("prompt") for request in at_fal)
    states = Counter(job.state.value for job in jobs.values())
    problems: list[str] = []
    twice = [prompt for prompt, n in sent.items() if n > 1]
    if twice:
        problems.append(f"sent twice: {twice}")
    never_sent = [job for job in jobs.values() if sent[job.inputs["prompt"]] == 0]
    not_sent = Counter(
        "cancelled before being sent"
        if job.state is JobState.CANCELLED
        else "killed while sending, did not reach fal"
        if UNKNOWN_SEND in (job.error or "")
        else f"other: {job.state.value}"
        for job in never_sent
    )
    if any(name.startswith("other") for name in not_sent):
        problems.append(f"jobs that never reached fal ended unexplained: {dict(not_sent)}")
    if any(job.request_id for job in never_sent):
        problems.append("a request id fal never gave")
    ended = Counter()
    for request in at_fal:
        job = by_prompt[request.payload["prompt"]]
        if job.request_id != request.id:
            if job.state is JobState.FAILED and UNKNOWN_SEND in (job.error or ""):
                ended["killed while sending (not resent)"] += 1
            else:
                problems.append(
                    f"request {request.id} fal ran is unknown to job {job.id} ({job.state.value})"
                )
            continue
        if job.state is JobState.COMPLETED:
            if job.files and all(Path(f).is_file() for f in job.files):
                ended["result on disk"] += 1
            else:
                problems.append(f"job {job.id} completed without its files")
        elif job.state is JobState.CANCELLED:
            if request.error_type == "request_cancelled":
                ended["cancelled at fal"] += 1
            else:
                problems.append(
                    f"job {job.id} cancelled here while fal {request.status} it without a cancel"
                )
        elif job.state is JobState.EXPIRED:
            ended["expired at fal"] += 1
        elif job.state is JobState.FAILED and request.error:
            ended["failed at fal"] += 1
        else:
            problems.append(f"job {job.id} ended {job.state.value} ({job.error})")
    expected = len(drill.started) - len(never_sent)
    if not finished_in_time:
        problems.append("not every job ended within the time limit")
    return {
        "date": time.strftime("%Y-%m-%d"),
        "seed": drill.args.seed,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "jobs started by the user": len(drill.started),
        "run again": 0,
        "never sent": len(never_sent),
        "why never sent": dict(not_sent),
        "submits at the emulator": sum(sent.values()),
        "expected submits": expected,
        "requests fal ran": len(at_fal),
        "ended": dict(ended),
        "final states": dict(states),
        "events": dict(drill.events),
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--chaos", type=float, default=25.0, help="seconds of random events")
    parser.add_argument(
        "--limit", type=float, default=240.0, help="the drill gives up after this many seconds"
    )
    args = parser.parse_args()
    began = time.monotonic()
    # Retention scaled so an hour is 3 s: a request finished while the app was down can expire.
    with (
        Emulator(key=KEY, job_duration=0.4, workers=6, retention_scale=3 / 3600) as emu,
        tempfile.TemporaryDirectory(prefix="money-drill-") as tmp,
    ):
        drill = Drill(args, emu, Path(tmp))
        in_time = False
        try:
            in_time = drill.run()
        finally:
            drill.manager.stop_and_wait()
            report = check(drill, in_time)
            drill.store.close()
    report["seconds"] = round(time.monotonic() - began, 1)
    print(
        f"money drill: {args.jobs} jobs, seed {args.seed}, {report['machine']}, {report['seconds']} s"
    )
    for name in (
        "jobs started by the user",
        "run again",
        "never sent",
        "expected submits",
        "submits at the emulator",
        "requests fal ran",
    ):
        print(f"  {name:<34} {report[name]:>5}")
    print(f"  why never sent: {report['why never sent']}")
    print("  how each request fal ran ended:")
    for name, count in sorted(report["ended"].items()):
        print(f"    {name:<32} {count:>5}")
    print(f"  final states: {report['final states']}")
    print(f"  events: {report['events']}")
    ok = not report["problems"] and report["submits at the emulator"] == report["expected submits"]
    print(
        "  PASS: no job sent twice; every request fal ran ended at fal with the app knowing how"
        if ok
        else f"  FAIL: {report['problems']}"
    )
    out = Path(__file__).resolve().parent / "results" / "money_drill.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
