"""The result view: decoded off the GUI thread, and only what is still to be shown."""

from __future__ import annotations

import threading

from PIL import Image
from PySide6.QtCore import QRunnable

from fal_desktop.ui.image_view import ImageView


class _Gate(QRunnable):
    def __init__(self, gate: threading.Event) -> None:
        super().__init__()
        self.gate = gate

    def run(self) -> None:
        self.gate.wait(10)


def test_files_replaced_before_their_turn_are_not_decoded(qtbot, tmp_path):
    paths = []
    for i, size in enumerate([(40, 30), (50, 20), (64, 48)]):
        paths.append(str(tmp_path / f"r{i}.png"))
        Image.new("RGB", size, (i * 80, 10, 10)).save(paths[-1])
    view = ImageView()
    qtbot.addWidget(view)
    decoded = []
    view._signals.done.connect(lambda path, *_: decoded.append(path))
    view._pool.setMaxThreadCount(1)
    gate = threading.Event()
    view._pool.start(_Gate(gate))  # the decode thread is busy: the three wait their turn
    for path in paths:
        view.show_file(path)
    gate.set()
    view.wait_idle()
    qtbot.waitUntil(lambda: not view.image.isNull(), timeout=5000)
    assert decoded == [paths[-1]]
    assert (view.image.width(), view.image.height()) == (64, 48) and view.path == paths[-1]


def test_a_resize_while_decoding_ends_with_the_picture_fitted_to_the_new_size(qtbot, tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGB", (2400, 2400), "navy").save(path)
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.show()
    gate = threading.Event()
    view._pool.start(_Gate(gate))  # the decode is held back until after the resize
    view.show_file(str(path))
    view.resize(900, 900)  # e.g. the window is maximised while the result loads
    qtbot.wait(120)  # the refit timer fires while the first decode still waits
    gate.set()
    qtbot.waitUntil(lambda: view.image.width() == 900, timeout=10000)
    assert view.source_size.width() == 2400
