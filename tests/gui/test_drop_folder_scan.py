"""A dropped folder is searched for images on a worker thread, then upscaled."""

from __future__ import annotations

import threading

from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from fal_desktop.core import inputs as core_inputs
from tests.gui.conftest import rows


def test_a_dropped_folder_is_scanned_off_the_gui_thread(qtbot, open_window, tmp_path, monkeypatch):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (16, 16), (n * 80, 0, 0)).save(folder / f"p{n}.png")
    scanned_on = []
    real = core_inputs.image_files_in
    monkeypatch.setattr(
        core_inputs,
        "image_files_in",
        lambda paths: scanned_on.append(threading.current_thread()) or real(paths),
    )
    window = open_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    window.dropEvent(
        QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    qtbot.waitUntil(lambda: len(rows(window)) == 3, timeout=10000)
    assert scanned_on and scanned_on[0] is not threading.main_thread()
    assert sorted(r.job.label for r in rows(window)) == ["p0.png", "p1.png", "p2.png"]
