"""GUI responsiveness: a heartbeat timer on the GUI thread of the real main window while 200
jobs stream logs and 50 one-megapixel results plus one 8192×8192 result arrive. Baseline: the
same window idle, in the same run. The emulator runs in its own process.
Prints a table and writes ``bench/results/gui_responsiveness.json``.

    python bench/gui_responsiveness.py [--server-nice] [--render-each]

The emulator stands in for fal's servers, which do not share the user's cores. By default it
draws and encodes each picture size once and serves copies (``--render-once``); with
``--render-each`` it draws every result, which on a 2-core machine takes most of a core from
the GUI thread (about 6 s of CPU in an 8 s run). ``--server-nice`` runs it at the lowest CPU
priority. The jobs engine is the app's (``ProcessJobManager``: a child process). (The thread
engine it was once compared with is gone; RESULTS.md keeps that comparison.)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fal_desktop.app import built_window  # noqa: E402
from fal_desktop.core.catalog import Catalog  # noqa: E402
from fal_desktop.core.jobstore import JobStore  # noqa: E402
from fal_desktop.core.paths import AppPaths  # noqa: E402
from fal_desktop.core.secrets import ApiKeyStore  # noqa: E402
from fal_desktop.emulator.process import (  # noqa: E402
    start_emulator_process,
    stop_emulator_process,
)
from fal_desktop.jobs.process_manager import ProcessJobManager  # noqa: E402
from fal_desktop.startup import settle_memory  # noqa: E402

KEY = "gui:key"
INTERVAL_MS = 5


class Heartbeat:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.beat)

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000)
        self.last = now

    def run(self, app: QApplication, until) -> list[float]:
        self.gaps, self.last = [], time.perf_counter()
        self.timer.start()
        while not until():
            app.processEvents()
            time.sleep(0.001)
        self.timer.stop()
        return self.gaps


def stats(gaps: list[float]) -> dict[str, float]:
    ordered = sorted(gaps)
    return {
        "beats": len(gaps),
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1],
        "max_ms": ordered[-1],
    }


def main() -> int:
    server_nice = "--server-nice" in sys.argv[1:]
    # fal draws the pictures on its own servers; by default the emulator draws each size once
    # and serves copies, so its drawing does not take the 2 cores the client is measured on.
    render_each = "--render-each" in sys.argv[1:]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    emulator, hosts, _info = start_emulator_process(
        *("--key", KEY, "--job-duration", "4", "--workers", "256"),
        *([] if render_each else ["--render-once"]),
        preexec_fn=(lambda: os.nice(19)) if server_nice else None,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            paths = AppPaths.under(Path(tmp)).ensure()
            store = JobStore(paths.data / "jobs.sqlite3")
            keys = ApiKeyStore(environ={"FAL_KEY": KEY})
            manager = ProcessJobManager(
                store, hosts, paths.outputs, key=keys.get, max_in_flight=256
            )
            window = built_window(
                paths,
                catalog=Catalog(paths.schema_cache, hosts),
                manager=manager,
                key_store=keys,
            )
            window.show()
            settle_memory()  # as the app does once its window is ready
            finished: set[str] = set()
            manager.job_updated.connect(
                lambda u: finished.add(u.job_id) if u.state.finished else None
            )
            heart = Heartbeat()
            start = time.monotonic()
            idle = stats(heart.run(app, lambda: time.monotonic() - start > 5))
            items = [
                ({"prompt": f"log stream {i}", "image_size": "square"}, "") for i in range(149)
            ]
            items += [
                ({"prompt": f"megapixel {i}", "image_size": "square_hd"}, "") for i in range(50)
            ]
            items += [({"prompt": "huge", "image_size": {"width": 8192, "height": 8192}}, "")]
            jobs = manager.submit_many("fal-ai/flux/schnell", items)
            deadline = time.monotonic() + 240
            busy = stats(
                heart.run(app, lambda: len(finished) >= len(jobs) or time.monotonic() > deadline)
            )
            done = len(finished)
            window.close()
            manager.stop_and_wait()
            store.close()
    finally:
        stop_emulator_process(emulator)
    engine = "a child process (as the app runs it)"
    print(f"jobs engine in {engine}")
    print(
        f"GUI heartbeat every {INTERVAL_MS} ms; {done} of {len(jobs)} jobs finished "
        "(200 streaming logs, 50 at 1 MP, one 8192×8192); emulator at "
        f"{'lowest' if server_nice else 'normal'} CPU priority, "
        f"{'drawing every picture' if render_each else 'drawing each size once'}"
    )
    print(f"{'window':<12} {'beats':>7} {'median gap':>11} {'p99 gap':>9} {'max gap':>9}")
    for name, r in (("idle", idle), ("busy", busy)):
        print(
            f"{name:<12} {r['beats']:>7} {r['median_ms']:>9.1f}ms {r['p99_ms']:>7.1f}ms {r['max_ms']:>7.1f}ms"
        )
    print("targets while busy: p99 ≤ 16 ms, max ≤ 50 ms")
    name = "gui_responsiveness.json"
    out = Path(__file__).resolve().parent / "results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "finished": done,
                "server_nice": server_nice,
                "render_each": render_each,
                "engine": "process",
                "idle": idle,
                "busy": busy,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
