"""The compare view: split, side by side, toggle; zoom and pan; big images; in the window."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.results.compare_pane import ComparePane
from fal_desktop.ui.results.compare_view import CompareView
from fal_desktop.ui.results.image_view import read_image
from tests.gui.conftest import rows

RED, BLUE = QColor(220, 30, 30), QColor(30, 60, 220)


def solid(w, h, colour) -> QImage:
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(colour)
    return image


@pytest.fixture
def view(qtbot):
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_images(solid(100, 100, RED), solid(400, 400, BLUE))
    return widget


def colour_at(widget, x, y) -> QColor:
    return widget.grab().toImage().pixelColor(x, y)


def is_close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) < 30 and abs(a.blue() - b.blue()) < 30


def test_split_shows_before_left_and_after_right(view):
    assert view.split == 0.5 and view.image_size.width() == 400
    assert is_close(colour_at(view, 120, 150), RED) and is_close(colour_at(view, 280, 150), BLUE)


def test_drag_the_split_with_the_mouse(qtbot, view):
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(view, QPoint(100, 150))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 150))
    assert abs(view.split - 0.25) < 0.01
    assert is_close(colour_at(view, 150, 60), BLUE) and is_close(colour_at(view, 90, 60), RED)


def test_keyboard_moves_the_split(qtbot, view):
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert abs(view.split - 0.52) < 1e-6
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert abs(view.split - 0.42) < 1e-6
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.split == 0.0


def test_wheel_zoom_keeps_the_point_under_the_cursor(view):
    anchor = QPointF(300, 100)
    before = view.to_image(anchor)
    view.set_zoom(view.zoom * 3, anchor)
    after = view.to_image(anchor)
    assert abs(before.x() - after.x()) < 1e-6 and abs(before.y() - after.y()) < 1e-6


def test_fit_and_one_to_one(qtbot, view):
    assert abs(view.zoom - 0.75) < 1e-6  # 400×400 into 400×300
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert view.zoom == 1.0
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert abs(view.zoom - 0.75) < 1e-6


def test_pan_by_dragging_away_from_the_split(qtbot, view):
    view.set_zoom(2.0)
    centre = view.center
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    qtbot.mouseMove(view, QPoint(90, 70))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(90, 70))
    assert (
        abs(view.center.x() - (centre.x() - 20)) < 1e-6
        and abs(view.center.y() - (centre.y() - 10)) < 1e-6
    )
    assert view.split == 0.5


def test_side_by_side_and_toggle(qtbot, view):
    view.set_mode("side")
    assert is_close(colour_at(view, 100, 150), RED) and is_close(colour_at(view, 300, 150), BLUE)
    view.set_mode("toggle")
    assert is_close(colour_at(view, 200, 150), BLUE)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert is_close(colour_at(view, 200, 150), RED)


def test_before_is_stretched_to_the_after_size_so_pixels_line_up(qtbot):
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(200, 200)
    widget.show()
    before = solid(50, 50, RED)
    for y in range(50):
        for x in range(25, 50):
            before.setPixelColor(x, y, BLUE)
    widget.set_images(before, solid(200, 200, BLUE))
    widget.set_mode("toggle")
    widget.showing_before = True
    frame = widget.grab().toImage()
    assert is_close(frame.pixelColor(95, 100), RED) and is_close(frame.pixelColor(105, 100), BLUE)


def test_a_huge_result_loads_and_renders(qtbot, tmp_path):
    path = tmp_path / "huge.png"
    Image.new("RGB", (8192, 8192), (10, 200, 90)).save(path, compress_level=1)
    image = read_image(str(path))  # more than Qt's default 256 MB allocation limit
    assert image.width() == 8192
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(500, 400)
    widget.show()
    widget.set_images(solid(2048, 2048, RED), image)
    for split in (0.2, 0.5, 0.8):
        widget.set_split(split)
        widget.repaint()
    widget.set_zoom(1.0)
    assert widget.grab().toImage().pixelColor(450, 200).green() > 150


def test_empty_state_says_what_to_do(qtbot):
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(300, 200)
    widget.show()
    assert "Drop images" in widget.empty_text
    widget.grab()  # paints without images


def test_upscale_job_opens_the_compare_view(qtbot, open_window, tmp_path):
    picture = tmp_path / "small.png"
    Image.new("RGB", (40, 30), (240, 180, 20)).save(picture)
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    window.upscale([str(picture)])
    qtbot.waitUntil(
        lambda: bool(rows(window)) and rows(window)[0].state is JobState.COMPLETED, timeout=20000
    )
    qtbot.waitUntil(
        lambda: window.results.currentWidget() is window.compare and window.compare.view.has_before,
        timeout=10000,
    )
    assert (
        "40×30 → 80×60" in window.compare.info_label.text()
        and "×2.0" in window.compare.info_label.text()
    )


def test_side_by_side_fits_each_half_and_split_fits_again(view):
    """A 400×400 image in a 400×300 view: split fits at 0.75; a 200×300 half fits at 0.5."""
    view.set_zoom(3.0)
    view.set_mode("side")
    assert abs(view.zoom - 0.5) < 1e-6
    frame = view.grab().toImage()
    # each half shows the whole image: 200×200, centred, with background above and below
    assert is_close(frame.pixelColor(100, 60), RED) and is_close(frame.pixelColor(100, 240), RED)
    assert is_close(frame.pixelColor(300, 60), BLUE) and is_close(frame.pixelColor(300, 240), BLUE)
    assert not is_close(frame.pixelColor(100, 20), RED) and not is_close(
        frame.pixelColor(300, 280), BLUE
    )
    view.set_mode("split")
    assert abs(view.zoom - 0.75) < 1e-6


def test_a_chosen_zoom_survives_split_to_toggle(view):
    view.set_zoom(2.0)
    view.set_mode("toggle")
    assert view.zoom == 2.0


def test_the_info_line_has_its_own_row_and_shows_whole_at_the_default_size(
    qtbot, open_window, tmp_path
):
    picture = tmp_path / "small.png"
    Image.new("RGB", (40, 30), (240, 180, 20)).save(picture)
    window = open_window()
    window.resize(1360, 860)  # the default size
    window.model_panel.select_model("fal-ai/esrgan")
    window.upscale([str(picture)])
    qtbot.waitUntil(
        lambda: (
            window.results.currentWidget() is window.compare
            and "×2.0" in window.compare.info_label.text()
        ),
        timeout=20000,
    )
    pane, label = window.compare, window.compare.info_label
    text = label.text()
    assert "fal-ai/esrgan" in text and text.endswith(" s")
    assert label.isVisible() and label.width() >= label.fontMetrics().horizontalAdvance(text)
    assert label.geometry().top() >= pane.drag_button.geometry().bottom()  # under the buttons
    assert label.geometry().bottom() <= pane.view.geometry().top()  # above the images
    assert label.geometry().left() < pane.width() // 4 and label.toolTip() == text
    pane.grab().save(str(tmp_path / "compare-pane-1360.png"))


def test_a_narrow_pane_elides_the_info_and_keeps_it_whole_in_the_tooltip(qtbot):
    pane = ComparePane()
    qtbot.addWidget(pane)
    pane.resize(pane.minimumSizeHint().width(), 300)  # as narrow as the buttons allow
    pane.show()
    qtbot.waitExposed(pane)
    model = "someone/a-rather-long-model-name-for-upscaling-holiday-photos/with-a-sub-path-v2"
    pane.set_info(QSize(320, 240), QSize(1280, 960), model, 12.34)
    label = pane.info_label
    assert label.text().startswith("320×240 → 1280×960") and label.text().endswith("12.3 s")
    assert label.shown_text().endswith("…") and label.shown_text().startswith("320×240")
    assert label.toolTip() == label.text()


def test_space_flips_after_choosing_toggle_and_the_next_upscale_opens_on_after(
    qtbot, open_window, tmp_path
):
    """Clicking Toggle leaves Space to the view (it flips, not the button), and a new result
    opens on After even when Before was showing."""
    pictures = []
    for name in ("first", "second"):
        pictures.append(tmp_path / f"{name}.png")
        Image.new("RGB", (40, 30), (240, 180, 20)).save(pictures[-1])
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    window.upscale([str(pictures[0])])
    pane = window.compare
    qtbot.waitUntil(
        lambda: window.results.currentWidget() is pane and pane.view.has_before, timeout=20000
    )
    toggle = next(b for b in pane.mode_buttons.buttons() if b.property("mode") == "toggle")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert pane.view.mode == "toggle" and pane.view.hasFocus()
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Space)
    assert pane.view.showing_before and pane.view.mode == "toggle"
    first_row = rows(window)[-1]
    window.upscale([str(pictures[1])])
    qtbot.waitUntil(
        lambda: rows(window)[-1] is not first_row and rows(window)[-1].state is JobState.COMPLETED,
        timeout=20000,
    )
    qtbot.waitUntil(lambda: not pane.view.showing_before, timeout=10000)
    assert pane.view.mode == "toggle"
