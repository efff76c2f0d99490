"""Startup, against a bare PySide6 window in the same run (each started 7 times, median):

* window shown: process start to the main window painted with the event loop running, then
  exit (``--quit-after 0``). This is the target metric, compared with the bare window.
* ready: process start to the form built and unfinished jobs resumed (``--quit-when-ready``).
  The app prints both moments to stderr (``FAL_DESKTOP_STARTUP_TRACE``).

The three are interleaved, and each process's CPU time is shown beside its wall time (on a
busy machine the CPU time is the steadier of the two). Prints a table and writes
``bench/results/startup.json``.

    python bench/startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: wall time only
    resource = None

RUNS = 7
BARE = (
    "import sys\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv[:1]); w = QMainWindow(); w.resize(1360, 860); w.show()\n"
    "QTimer.singleShot(0, app.quit); sys.exit(app.exec())\n"
)


def timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from process start to exit (``exit``), CPU seconds (``cpu``), and to each
    ``startup <moment>`` the app traced."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
    start = time.monotonic()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=120)
    seconds = {"exit": time.monotonic() - start, "cpu": float("nan")}
    if before is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds["cpu"] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    for line in done.stderr.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "startup":
            seconds[words[1]] = float(words[2]) - start
    return seconds


def main() -> int:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "FAL_KEY": "bench:key",
        "FAL_DESKTOP_STARTUP_TRACE": "1",
    }
    with tempfile.TemporaryDirectory() as tmp:
        ours = [sys.executable, "-m", "fal_desktop", "--basedir", str(Path(tmp) / "app")]
        commands = {
            "bare": [sys.executable, "-c", BARE],
            "shown": ours + ["--quit-after", "0"],
            "ready": ours + ["--quit-when-ready"],
        }
        for command in commands.values():  # warm the disk cache
            timed(command, env)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
        for _ in range(RUNS):  # interleaved, so a noisy neighbour hits all three alike
            for name, command in commands.items():
                runs[name].append(timed(command, env))

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    bare, bare_cpu = median("bare", "exit"), median("bare", "cpu")
    rows = {
        "bare PySide6 window, to exit": (bare, bare_cpu),
        "fal desktop: window shown, to exit": (median("shown", "exit"), median("shown", "cpu")),
        "fal desktop: window shown (traced)": (median("ready", "shown"), None),
        "fal desktop: ready (traced)": (median("ready", "ready"), None),
        "fal desktop: ready, to exit": (median("ready", "exit"), median("ready", "cpu")),
    }
    result = {
        "bare_median_s": bare,
        "shown_exit_median_s": rows["fal desktop: window shown, to exit"][0],
        "shown_median_s": rows["fal desktop: window shown (traced)"][0],
        "ready_median_s": rows["fal desktop: ready (traced)"][0],
        "ready_exit_median_s": rows["fal desktop: ready, to exit"][0],
        "bare_cpu_median_s": bare_cpu,
        "shown_exit_cpu_median_s": rows["fal desktop: window shown, to exit"][1],
        "ready_exit_cpu_median_s": rows["fal desktop: ready, to exit"][1],
    }
    result["ratio"] = result["shown_exit_median_s"] / bare
    result["ready_ratio"] = result["ready_exit_median_s"] / bare
    result["cpu_ratio"] = result["shown_exit_cpu_median_s"] / bare_cpu
    print(f"startup, median of {RUNS}; process start to …")
    print(f"{'':<38} {'wall':>7} {'/ bare':>7} {'cpu':>7}")
    for label, (wall, cpu) in rows.items():
        cpu_text = f"{cpu * 1000:5.0f}ms" if cpu is not None else ""
        print(f"{label:<38} {wall * 1000:5.0f}ms {wall / bare:>7.2f} {cpu_text:>7}")
    print(
        f"ratio, window shown: {result['ratio']:.2f} (target ≤ 1.5; in CPU time {result['cpu_ratio']:.2f}); "
        f"ready: {result['ready_ratio']:.2f}"
    )
    out = Path(__file__).resolve().parent / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
