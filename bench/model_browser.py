"""Model browser: search as you type over a 1,500-model catalog (saved on disk, as after the
first fetch), the time from a keystroke to the updated list painted. Baseline, in the same
run: a naive list that rebuilds a QListWidget item per matching model on every keystroke.
Also: GUI-thread heartbeat gaps while scrolling through the list as thumbnails load.
Prints a table and writes ``bench/results/model_browser.json``.

    python bench/model_browser.py [--size 1500]

The emulator (serving the catalog and the thumbnails) runs in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QListWidget, QVBoxLayout, QWidget  # noqa: E402

from fal_desktop.api.platform import PlatformClient  # noqa: E402
from fal_desktop.core.model_directory import ModelDirectory, ModelPicks  # noqa: E402
from fal_desktop.emulator.process import start_emulator_process, stop_emulator_process  # noqa: E402
from fal_desktop.ui.models.browser import ModelBrowser  # noqa: E402

QUERIES = [
    "flux dev",
    "upscaler",
    "aurora basalt",
    "inpainting",
    "sdxl lightning",
    "tundra 14",
    "image to video",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def type_queries(app: QApplication, edit: QLineEdit, view) -> list[float]:
    """Type every query one key at a time; per keystroke, ms until the list is painted."""
    times = []
    for query in QUERIES:
        edit.clear()
        app.processEvents()
        for char in query:
            start = time.perf_counter()
            QTest.keyClick(edit, char)
            app.processEvents()
            view.viewport().repaint()
            times.append((time.perf_counter() - start) * 1000)
    return times


class NaiveList(QWidget):
    """The baseline: every keystroke clears and refills a QListWidget."""

    def __init__(self, models) -> None:
        super().__init__()
        self.models = models
        self.edit = QLineEdit(self)
        self.view = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.view)
        self.edit.textChanged.connect(self.refill)
        self.refill("")

    def refill(self, text: str) -> None:
        words = text.lower().split()
        self.view.clear()
        for info in self.models:
            if all(w in info.search_text for w in words):
                self.view.addItem(f"{info.display_name}\n{info.endpoint_id}\n{info.description}")


def heartbeat_while_scrolling(browser: ModelBrowser, seconds: float = 4.0) -> list[float]:
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heart = QTimer()
    heart.setInterval(5)
    heart.timeout.connect(beat)
    scroll = QTimer()
    scroll.setInterval(60)
    bar = browser.list.verticalScrollBar()
    scroll.timeout.connect(lambda: bar.setValue(bar.value() + bar.pageStep()))
    heart.start()
    scroll.start()
    spin(int(seconds * 1000))
    heart.stop()
    scroll.stop()
    return [g - 5 for g in gaps[1:]]  # lateness past the 5 ms interval


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1500)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    emulator, hosts, info = start_emulator_process("--catalog-size", str(args.size))
    try:
        folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
        directory = ModelDirectory(folder / "models.json", [])
        with PlatformClient(None, hosts) as client:
            directory.fetch(client)
        cached = ModelDirectory(folder / "models.json", [])  # what a later start reads
        picks = ModelPicks(folder / "picks.json")
        browser = ModelBrowser(
            cached, picks, lambda: PlatformClient(None, hosts), folder / "thumbs"
        )
        browser.resize(820, 640)
        browser.show()
        spin(300)
        ours = type_queries(app, browser.search, browser.list)
        naive = NaiveList(cached.models)
        naive.resize(820, 640)
        naive.show()
        spin(300)
        baseline = type_queries(app, naive.edit, naive.view)
        naive.close()
        browser.search.clear()
        spin(200)
        lateness = heartbeat_while_scrolling(browser)
        thumbnails = sum(1 for p in browser.model._pixmaps.values() if p is not None)
        browser.shutdown()
    finally:
        stop_emulator_process(emulator)

    def row(name: str, values: list[float]) -> dict:
        return {
            "name": name,
            "keystrokes": len(values),
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "max_ms": round(max(values), 2),
        }

    rows = [
        row("ours (model + filter proxy)", ours),
        row("baseline (rebuild a QListWidget)", baseline),
    ]
    result = {
        "catalog_size": len(cached.models),
        "rows": rows,
        "target_p95_ms": 50,
        "met": rows[0]["p95_ms"] <= 50,
        "scrolling": {
            "thumbnails_loaded": thumbnails,
            "heartbeat_late_p99_ms": round(percentile(lateness, 0.99), 2),
            "heartbeat_late_max_ms": round(max(lateness), 2),
            "beats": len(lateness),
        },
    }
    print(
        f"Search as you type over {len(cached.models):,} models (cached catalog), keystroke → list painted"
    )
    print(f"{'':36} {'keys':>5} {'median':>9} {'p95':>9} {'max':>9}")
    for r in rows:
        print(
            f"{r['name']:36} {r['keystrokes']:>5} {r['median_ms']:>7.2f}ms {r['p95_ms']:>7.2f}ms {r['max_ms']:>7.2f}ms"
        )
    print(
        f"ours / baseline (p95): {rows[0]['p95_ms'] / rows[1]['p95_ms']:.2f}; target p95 ≤ 50 ms: "
        f"{'met' if result['met'] else 'NOT met'}"
    )
    s = result["scrolling"]
    print(
        f"Scrolling while {s['thumbnails_loaded']} thumbnails loaded: heartbeat lateness p99 "
        f"{s['heartbeat_late_p99_ms']} ms, max {s['heartbeat_late_max_ms']} ms over {s['beats']} beats"
    )
    out = Path(__file__).resolve().parent / "results" / "model_browser.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), **result}, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
