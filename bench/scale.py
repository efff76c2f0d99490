"""Scale: 1,000 jobs in flight at once, followed on their status streams by the job manager.
Reports resident memory above idle and CPU used while waiting, against the same processes idle
(the baseline). The jobs engine is the app's (a child process); both it and the window's
process are counted.
The emulator runs in its own process so it is not counted.
Prints a table and writes ``bench/results/scale.json``.

    python bench/scale.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication  # noqa: E402

from fal_desktop.core.jobstore import JobStore  # noqa: E402
from fal_desktop.emulator.process import start_emulator_process, stop_emulator_process  # noqa: E402
from fal_desktop.jobs.process_manager import ProcessJobManager  # noqa: E402

JOBS = 1000
KEY = "scale:key"


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/statm") as handle:
            total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return total / 2**20


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes together."""
    ticks = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def pump(app: QCoreApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    emulator, hosts, _info = start_emulator_process(
        "--key", KEY, "--job-duration", "40", "--workers", str(JOBS)
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = JobStore(Path(tmp) / "jobs.sqlite3")
            manager = ProcessJobManager(
                store, hosts, Path(tmp) / "out", key=lambda: KEY, max_in_flight=JOBS
            )
            seen: dict[str, str] = {}
            manager.job_updated.connect(lambda u: seen.__setitem__(u.job_id, u.state.value))
            pump(app, 2)
            pids = [os.getpid()] + [manager.pid]
            idle_rss, idle_cpu0 = rss_mb(pids), cpu_seconds(pids)
            pump(app, 5)
            idle_cpu = (cpu_seconds(pids) - idle_cpu0) / 5
            manager.submit_many(
                "fal-ai/flux/schnell", [({"prompt": f"scale {i}"}, "") for i in range(JOBS)]
            )
            deadline = time.monotonic() + 60
            while (
                sum(1 for s in seen.values() if s in ("queued", "running")) < JOBS
                and time.monotonic() < deadline
            ):
                pump(app, 0.5)
            tracked = sum(1 for s in seen.values() if s in ("queued", "running"))
            pump(app, 3)
            busy_rss, cpu0 = rss_mb(pids), cpu_seconds(pids)
            pump(app, 10)
            busy_cpu = (cpu_seconds(pids) - cpu0) / 10
            manager.stop_and_wait()
            store.close()
    finally:
        stop_emulator_process(emulator)
    result = {
        "engine": "process",
        "jobs": JOBS,
        "tracked": tracked,
        "idle_rss_mb": idle_rss,
        "busy_rss_mb": busy_rss,
        "rss_above_idle_mb": busy_rss - idle_rss,
        "idle_cpu_percent": idle_cpu * 100,
        "waiting_cpu_percent": busy_cpu * 100,
    }
    print(
        f"{JOBS} jobs in flight, followed on their status streams (emulator in another process); "
        f"jobs engine {'in a child process, counted'}"
    )
    print(f"{'':<26} {'RSS':>8} {'CPU (% of a core)':>18}")
    print(f"{'idle (baseline)':<26} {idle_rss:>6.0f}MB {idle_cpu * 100:>17.1f}")
    print(f"{f'{tracked} jobs in flight':<26} {busy_rss:>6.0f}MB {busy_cpu * 100:>17.1f}")
    print(
        f"RSS above idle: {busy_rss - idle_rss:.0f} MB (target ≤ 150); CPU while waiting: "
        f"{busy_cpu * 100:.1f} % (target ≤ 10)"
    )
    out = Path(__file__).resolve().parent / "results" / ("scale.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
