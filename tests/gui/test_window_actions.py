"""The window's menu items and hints: Save/Copy follow the results, shortcuts show, empty
views say what to do, the result bar keeps its "…"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QMenu

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.jobs.panel import JOBS_EMPTY
from tests.gui.conftest import rows as _rows


def _action(window, text):
    [action] = [
        a
        for menu in window.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.text() == text
    ]
    return action


def _run(qtbot, window, prompt="a lighthouse"):
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value(prompt)
    window.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: bool(_rows(window)) and _rows(window)[-1].state is JobState.COMPLETED, timeout=20000
    )
    return _rows(window)[-1]


def test_save_and_copy_wait_for_a_finished_result(qtbot, open_window):
    window = open_window()
    save, save_all, copy = (
        _action(window, t)
        for t in ("&Save result as…", "Save &all finished results", "&Copy result image")
    )
    assert not save.isEnabled() and not save_all.isEnabled() and not copy.isEnabled()
    window.saving.copy_selected()  # e.g. from a shortcut that raced the state: calm, and says "copy"
    assert window.notice.label.text() == "There is no finished result to copy yet."
    assert window.notice.info and window.notice.isVisible()
    window.saving.save_all()
    assert (
        window.notice.label.text() == "There is no finished result to save yet."
        and window.notice.info
    )
    row = _run(qtbot, window)
    qtbot.waitUntil(
        lambda: save.isEnabled() and save_all.isEnabled() and copy.isEnabled(), timeout=5000
    )
    QGuiApplication.clipboard().clear()
    copy.trigger()
    assert window.notice.info and "Copied" in window.notice.label.text()
    assert QGuiApplication.clipboard().image().width() == QImage(row.files[0]).width()
    window.jobs_panel.clear_requested.emit()  # Clear finished: nothing left to save
    qtbot.waitUntil(
        lambda: not save.isEnabled() and not save_all.isEnabled() and not copy.isEnabled(),
        timeout=5000,
    )


def test_menu_shortcuts_show_and_paste_leaves_text_fields_alone(qtbot, open_window):
    window = open_window()
    paste, quit_ = _action(window, "&Paste images to upscale"), _action(window, "&Quit")
    assert paste.shortcut().toString() == "Ctrl+V" and quit_.shortcut().toString()
    window.model_panel.select_model("fal-ai/esrgan")
    window.activateWindow()
    qtbot.waitActive(window)
    image = QImage(32, 16, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.magenta)
    QGuiApplication.clipboard().setImage(image)
    edit = window.model_panel.endpoint_edit  # a text field: Ctrl+V is its own paste
    edit.setFocus()
    QGuiApplication.clipboard().setText("fal-ai/flux/dev")
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == "fal-ai/flux/dev" and _rows(window) == []
    QGuiApplication.clipboard().setImage(image)
    window.jobs_panel.table.setFocus()  # not a text field: the menu item's shortcut upscales it
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_rows(window)) == 1, timeout=5000)
    qtbot.waitUntil(lambda: _rows(window)[0].state.finished, timeout=20000)
    assert len(_rows(window)) == 1  # one paste, one job


def test_the_empty_jobs_table_says_what_to_do(qtbot, open_window):
    window = open_window()
    hint = window.jobs_panel.empty_hint
    assert hint.text() == JOBS_EMPTY and hint.isVisible()
    assert hint.parent() is window.jobs_panel.table.viewport()
    _run(qtbot, window)
    assert not hint.isVisible()


def test_result_bar_buttons_keep_the_dots_of_actions_that_ask(qtbot, open_window):
    window = open_window()
    _run(qtbot, window)
    bar = window.session_ui.bar
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    texts = {name: bar.button(name).text() for name in ("vary", "save", "delete", "copy", "reuse")}
    assert texts == {
        "vary": "Vary…",
        "save": "Save…",
        "delete": "Delete…",
        "copy": "Copy",
        "reuse": "Reuse",
    }
