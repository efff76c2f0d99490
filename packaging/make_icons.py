"""Render resources/icons/fal-desktop.svg to the PNG sizes, .ico and .icns the builds need.

QT_QPA_PLATFORM=offscreen python packaging/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "fal-desktop.svg"))
    pngs = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        path = ICONS / f"fal-desktop-{size}.png"
        image.save(str(path))
        pngs.append(path)
    largest = Image.open(pngs[-1])
    largest.save(ICONS / "fal-desktop.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    largest.save(ICONS / "fal-desktop.icns")
    del app
    print("\n".join(str(p) for p in sorted(ICONS.iterdir())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
