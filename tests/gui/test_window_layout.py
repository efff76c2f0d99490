"""The window's layout: the first window fits the screen, the form column grows with nested
rows (a LoRA plus a ControlNet) without a sideways scroll, and a narrow window keeps the
gallery as a strip when the sessions panel folds away."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSettings, Qt

from fal_desktop.ui.window import geometry
from tests.gui.conftest import run_prompt


def test_the_first_window_fits_a_small_screen(qtbot, open_window, monkeypatch):
    monkeypatch.setattr(geometry, "available_screen", lambda _w: QRect(0, 0, 1024, 700))
    window = open_window()
    frame = window.geometry()
    assert frame.width() <= 1024 and frame.height() <= 700, frame
    assert QRect(0, 0, 1024, 700).contains(frame)


def test_a_saved_geometry_is_kept_only_if_it_fits(qtbot, open_window, monkeypatch, tmp_path):
    monkeypatch.setattr(geometry, "available_screen", lambda _w: QRect(0, 0, 1920, 1080))
    window = open_window()
    window.resize(780, 690)  # the offscreen screen is 800×800: Qt keeps a restore within it
    window.close()  # saves its geometry
    settings = QSettings(str(window.paths.config / "window.ini"), QSettings.Format.IniFormat)
    assert settings.value("geometry") is not None
    again = open_window()
    assert (again.width(), again.height()) == (780, 690)  # it fits: kept
    again.close()
    monkeypatch.setattr(geometry, "available_screen", lambda _w: QRect(0, 0, 720, 600))
    small = open_window()  # the same saved geometry on a smaller screen: it would not fit
    assert small.width() <= 720 and small.height() <= 600


def test_a_lora_and_a_controlnet_fit_the_form_column(qtbot, open_window):
    window = open_window()
    window.resize(1024, 700)
    panel = window.model_panel
    panel.select_model("fal-ai/lora")
    form = panel.form
    if not form.advanced_toggle.isChecked():
        form.advanced_toggle.click()
    form.fields["loras"].add_row()
    form.fields["controlnets"].add_row()
    scroll = panel.form_scroll
    qtbot.waitUntil(lambda: form.fields["controlnets"].isVisible(), timeout=3000)
    qtbot.wait(50)  # the layout settles
    assert not scroll.horizontalScrollBar().isVisible()
    viewport = QRect(QPoint(0, 0), scroll.viewport().size())
    removes = [
        button
        for name in ("loras", "controlnets")
        for button in form.fields[name].findChildren(type(panel.run_button))
        if button.text() == "Remove"
    ]
    assert len(removes) == 2 and all(b.isVisible() for b in removes)
    for button in removes:  # the whole button is within the column's width
        left = button.mapTo(scroll.viewport(), QPoint(0, 0)).x()
        assert left >= 0 and left + button.width() <= viewport.width(), (left, viewport)


def test_a_narrow_window_keeps_the_gallery_as_a_strip(qtbot, open_window):
    window = open_window()
    row = run_prompt(qtbot, window, "a small boat")
    window.resize(900, 640)
    qtbot.waitUntil(lambda: not window.session_ui.panel.isVisible(), timeout=3000)
    strip = window.session_ui.strip
    qtbot.waitUntil(lambda: strip.isVisible(), timeout=3000)
    assert strip.model().rowCount() == 1
    qtbot.mouseClick(
        strip.viewport(),
        Qt.MouseButton.LeftButton,
        pos=strip.visualRect(strip.model().index(0)).center(),
    )
    qtbot.waitUntil(lambda: window.result_view.path == row.files[0], timeout=5000)
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.session_ui.panel.isVisible(), timeout=3000)
    assert not strip.isVisible()


def test_the_form_column_grows_with_a_wider_form(qtbot, open_window):
    window = open_window()
    window.resize(1600, 1000)
    panel = window.model_panel
    panel.select_model("fal-ai/flux/dev")
    before = window.top.sizes()[0]
    panel.form.setMinimumWidth(before + 120)  # as a wide nested row would
    qtbot.waitUntil(lambda: window.top.sizes()[0] >= before + 120, timeout=3000)
    qtbot.waitUntil(lambda: not panel.form_scroll.horizontalScrollBar().isVisible(), timeout=3000)
