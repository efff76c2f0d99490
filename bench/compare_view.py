"""Frame time of the compare view while the split slider is dragged over an 8192² result.

Baseline, in the same run: a naive view that draws both full images scaled into the widget
on every frame. Prints a table and writes ``bench/results/compare_view.json``.

    QT_QPA_PLATFORM=offscreen python bench/compare_view.py
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fal_desktop.ui.results.compare_view import CompareView  # noqa: E402

STEPS = 120


def picture(size: int, hue: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, size, size)
    gradient.setColorAt(0, QColor.fromHsv(hue, 200, 230))
    gradient.setColorAt(1, QColor.fromHsv((hue + 120) % 360, 200, 90))
    painter.fillRect(image.rect(), gradient)
    painter.end()
    return image


class NaiveView(QWidget):
    """Draws both whole images, scaled, every frame: what a first attempt would do."""

    def __init__(self, before: QImage, after: QImage) -> None:
        super().__init__()
        self.before, self.after, self.split, self.zoom = before, after, 0.5, 1.0

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        w = self.after.width() * self.zoom
        h = self.after.height() * self.zoom
        target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        x = self.split * self.width()
        painter.setClipRect(QRectF(0, 0, x, self.height()))
        painter.drawImage(target, self.before)
        painter.setClipRect(QRectF(x, 0, self.width() - x, self.height()))
        painter.drawImage(target, self.after)


def drag(widget: QWidget, set_split) -> list[float]:
    times = []
    for step in range(STEPS):
        set_split(step / (STEPS - 1))
        start = time.perf_counter()
        widget.repaint()
        QApplication.processEvents()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1],
        "max_ms": ordered[-1],
    }


def main() -> int:
    QApplication.instance() or QApplication([])
    after, before = picture(8192, 20), picture(2048, 200)
    results = {}
    ours = CompareView()
    ours.resize(1280, 800)
    ours.show()
    start = time.perf_counter()
    ours.set_images(before, after)
    results["load_ms"] = (time.perf_counter() - start) * 1000
    naive = NaiveView(before, after)
    naive.resize(1280, 800)
    naive.show()
    fit = min(1280 / 8192, 800 / 8192)
    for label, zoom in (("fit", fit), ("mid (25%)", 0.25), ("1:1", 1.0)):
        if label == "fit":
            ours.fit()
        else:
            ours.set_zoom(zoom)
        naive.zoom = zoom
        mine = summary(drag(ours, ours.set_split))
        base = summary(drag(naive, lambda v: setattr(naive, "split", v)))
        results[label] = {
            "ours": mine,
            "naive": base,
            "ratio_median": mine["median_ms"] / max(base["median_ms"], 1e-9),
        }
    print(
        f"compare view, 8192² after + 2048² before, {STEPS} slider steps, 1280×800, "
        f"{platform.machine()} {os.cpu_count()} cores"
    )
    print(
        f"{'zoom':<10} {'ours median':>12} {'ours p95':>9} {'naive median':>13} {'naive p95':>10} {'ratio':>7}"
    )
    for label in ("fit", "mid (25%)", "1:1"):
        r = results[label]
        print(
            f"{label:<10} {r['ours']['median_ms']:>10.2f}ms {r['ours']['p95_ms']:>7.2f}ms "
            f"{r['naive']['median_ms']:>11.2f}ms {r['naive']['p95_ms']:>8.2f}ms {r['ratio_median']:>7.3f}"
        )
    print(f"building the mip levels once: {results['load_ms']:.0f} ms")
    out = Path(__file__).resolve().parent / "results" / "compare_view.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"date": time.strftime("%Y-%m-%d"), "steps": STEPS, **results}, indent=2)
    )
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
