"""The full-window viewer: opened from the gallery (Enter, double-click), the View menu (F11)
or the result bar; ←/→ go through the session's results; Esc closes it."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication

from fal_desktop.ui.results.viewer import ResultViewer, ViewerItem
from tests.gui.conftest import run_prompt


def _viewer() -> ResultViewer | None:
    found = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ResultViewer) and w.isVisible()
    ]
    return found[-1] if found else None


def test_enter_on_a_tile_opens_the_viewer_and_arrows_go_through_the_session(qtbot, open_window):
    window = open_window()
    first = run_prompt(qtbot, window, "a blue whale", image_size="square")
    second = run_prompt(qtbot, window, "a red kite", image_size="landscape_4_3")
    gallery = window.session_ui.panel.gallery
    gallery.select(first.job.id)
    gallery.setFocus()
    qtbot.keyClick(gallery, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _viewer() is not None, timeout=5000)
    viewer = _viewer()
    assert viewer.isFullScreen() and viewer.current.path == first.files[0]
    assert "a blue whale" in viewer.caption.text() and viewer.counter.text() == "2 / 2"
    viewer.wait_idle()
    qtbot.waitUntil(
        lambda: viewer.view.image_size == QSize(*Image.open(first.files[0]).size), timeout=5000
    )

    qtbot.keyClick(viewer, Qt.Key.Key_Left)  # the newest first: left goes to the newer one
    viewer.wait_idle()
    assert viewer.current.path == second.files[0] and viewer.counter.text() == "1 / 2"
    qtbot.waitUntil(
        lambda: viewer.view.image_size == QSize(*Image.open(second.files[0]).size), timeout=5000
    )
    assert gallery.current_item().job.id == second.job.id  # the gallery follows
    qtbot.keyClick(viewer, Qt.Key.Key_Left)  # stops at the end
    assert viewer.current.path == second.files[0]
    qtbot.keyClick(viewer, Qt.Key.Key_1)
    assert viewer.view.zoom == 1.0
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _viewer() is None, timeout=5000)


def test_f11_opens_the_result_on_screen_and_a_single_picture_is_drawn_whole(qtbot, open_window):
    window = open_window()
    row = run_prompt(qtbot, window, "a lighthouse at dusk", image_size="square")
    view_menu = [a for a in window.menuBar().actions() if a.text() == "&View"][0].menu()
    [view] = [a for a in view_menu.actions() if a.text() == "Result in &full window"]
    qtbot.waitUntil(view.isEnabled, timeout=5000)
    view.trigger()
    viewer = _viewer()
    assert viewer is not None and viewer.current.path == row.files[0]
    viewer.wait_idle()
    qtbot.waitUntil(lambda: not viewer.view.image_size.isEmpty(), timeout=5000)
    viewer.view.fit()
    shot = viewer.view.grab().toImage()
    # Fitted and centred: the picture's middle row reaches both sides of its letterbox, no halves.
    with Image.open(row.files[0]) as picture:
        side = min(viewer.view.width(), viewer.view.height())
        expected = picture.convert("RGB").resize((side, side)).getpixel((side // 2, side // 2))
    scale = shot.width() / viewer.view.width()
    middle = shot.pixelColor(
        int(viewer.view.width() / 2 * scale), int(viewer.view.height() / 2 * scale)
    )
    assert all(abs(a - b) < 60 for a, b in zip(middle.getRgb()[:3], expected, strict=False))
    viewer.close()


def test_a_file_that_is_not_an_image_says_so(qtbot, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    viewer = ResultViewer([ViewerItem(str(broken), "broken")])
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.wait_idle()
    qtbot.waitUntil(lambda: "could not be shown" in viewer.view.empty_text, timeout=5000)
