"""Startup: process start to the main window shown and the event loop running, against a bare
PySide6 window in the same run (each started 7 times, median). Prints a table and writes
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

RUNS = 7
BARE = ("import sys\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication, QMainWindow\n"
        "app = QApplication(sys.argv[:1]); w = QMainWindow(); w.resize(1360, 860); w.show()\n"
        "QTimer.singleShot(0, app.quit); sys.exit(app.exec())\n")


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - start


def main() -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "FAL_KEY": "bench:key"}
    with tempfile.TemporaryDirectory() as tmp:
        ours_cmd = [sys.executable, "-m", "fal_desktop", "--basedir", tmp, "--quit-after", "0"]
        bare_cmd = [sys.executable, "-c", BARE]
        timed(ours_cmd, env)  # warm the disk cache for both
        timed(bare_cmd, env)
        ours = [timed(ours_cmd, env) for _ in range(RUNS)]
        bare = [timed(bare_cmd, env) for _ in range(RUNS)]
    result = {"ours_median_s": statistics.median(ours), "bare_median_s": statistics.median(bare)}
    result["ratio"] = result["ours_median_s"] / result["bare_median_s"]
    print(f"startup to a shown window and a running event loop, median of {RUNS} (process start to exit)")
    print(f"{'app':<22} {'median':>8}")
    print(f"{'bare PySide6 window':<22} {result['bare_median_s'] * 1000:>6.0f}ms")
    print(f"{'fal desktop':<22} {result['ours_median_s'] * 1000:>6.0f}ms")
    print(f"ratio {result['ratio']:.2f} (target ≤ 1.5)")
    out = Path(__file__).resolve().parent / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
