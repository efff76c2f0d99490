"""The result view: decoded off the GUI thread, and only what is still to be shown."""

from __future__ import annotations

import threading

from PIL import Image

from fal_desktop.ui.results import image_view
from fal_desktop.ui.results.image_view import ImageView


def test_files_replaced_before_their_turn_are_not_decoded(qtbot, tmp_path, monkeypatch):
    paths = []
    for i, size in enumerate([(40, 30), (50, 20), (64, 48)]):
        paths.append(str(tmp_path / f"r{i}.png"))
        Image.new("RGB", size, (i * 80, 10, 10)).save(paths[-1])
    view = ImageView()
    qtbot.addWidget(view)
    decoded = []
    decode = image_view.decode_fitted
    monkeypatch.setattr(
        image_view, "decode_fitted", lambda path, box: decoded.append(path) or decode(path, box)
    )
    gate = threading.Event()
    view.work.run(gate.wait, 10)  # the decode thread is busy: the three wait their turn
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
    view.work.run(gate.wait, 10)  # the decode is held back until after the resize
    view.show_file(str(path))
    view.resize(900, 900)  # e.g. the window is maximised while the result loads
    qtbot.wait(120)  # the refit timer fires while the first decode still waits
    gate.set()
    qtbot.waitUntil(lambda: view.image.width() == 900 - 2 * view.margin(), timeout=10000)
    assert view.source_size.width() == 2400


def _edges_on_screen(view: ImageView):
    """The colours of the outermost pixels of the picture as the view draws it."""
    shot = view.grab().toImage()
    scale = shot.width() / view.width()
    # Where the picture lands: centred in the label's content area (frame and margin inside).
    rect = view.contentsRect().adjusted(
        view.margin(), view.margin(), -view.margin(), -view.margin()
    )
    w, h = view.image.width() / scale, view.image.height() / scale
    left = rect.x() + (rect.width() - w) / 2
    top = rect.y() + (rect.height() - h) / 2

    def at(x, y):
        return shot.pixelColor(int(x * scale), int(y * scale)).getRgb()[:3]

    middle_x, middle_y = left + w / 2, top + h / 2
    return {
        "left": at(left + 1, middle_y),
        "right": at(left + w - 2, middle_y),
        "top": at(middle_x, top + 1),
        "bottom": at(middle_x, top + h - 2),
    }


def test_the_whole_picture_is_shown_edges_included(qtbot, tmp_path):
    """Each edge of the file (a band of its own colour) is on screen: nothing is cropped."""
    path = tmp_path / "edges.png"
    picture = Image.new("RGB", (800, 600), (128, 128, 128))
    bands = {"left": (255, 0, 0), "right": (0, 0, 255), "top": (0, 200, 0), "bottom": (255, 255, 0)}
    for name, colour in bands.items():
        box = {
            "left": (0, 40, 24, 560),
            "right": (776, 40, 800, 560),
            "top": (40, 0, 760, 24),
            "bottom": (40, 576, 760, 600),
        }[name]
        picture.paste(colour, box)
    picture.save(path)
    for width, height in ((400, 400), (300, 500), (700, 260)):  # taller, wider, and tiny boxes
        view = ImageView()
        qtbot.addWidget(view)
        view.resize(width, height)
        view.show()
        view.show_file(str(path))
        qtbot.waitUntil(lambda v=view: not v.image.isNull(), timeout=5000)
        view.wait_idle()
        qtbot.wait(100)  # the refit after show settles
        view.wait_idle()
        qtbot.waitUntil(
            lambda v=view: v.image.width() <= v.contentsRect().width() - 2 * v.margin(),
            timeout=5000,
        )
        ratio = view.image.width() / view.image.height()
        assert abs(ratio - 800 / 600) < 0.02, (width, height, ratio)
        edges = _edges_on_screen(view)
        for name, colour in bands.items():
            got = edges[name]
            assert all(abs(a - b) <= 40 for a, b in zip(got, colour, strict=False)), (
                width,
                height,
                name,
                got,
            )
