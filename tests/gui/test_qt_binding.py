"""The Qt binding must not leak references to None: PySide6 6.12.0 under Python 3.11 drops
one on every call to a void method, and a long session then crashes in ``none_dealloc``."""

from __future__ import annotations

import sys

from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(2000):
            label.setText("x")
            painter.save()
            painter.restore()
        drift = sys.getrefcount(None) - before
    finally:
        painter.end()
    assert abs(drift) < 100, f"None lost {-drift} references in 6000 calls"
