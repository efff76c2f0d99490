"""The delete confirmation: Delete (destructive) and Cancel (the default)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from fal_desktop.ui.dialogs.confirm import confirm_delete, delete_box


def test_the_box_offers_delete_and_cancel_with_cancel_the_default(qtbot):
    box = delete_box(None, "Delete session", "Delete “Session 1”?", "Delete session")
    qtbot.addWidget(box)
    texts = {button.text().replace("&", ""): box.buttonRole(button) for button in box.buttons()}
    assert texts == {
        "Delete session": QMessageBox.ButtonRole.DestructiveRole,
        "Cancel": QMessageBox.ButtonRole.RejectRole,
    }
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)


def _answer(click_delete: bool) -> None:
    box = QApplication.activeModalWidget()
    if not isinstance(box, QMessageBox):
        QTimer.singleShot(20, lambda: _answer(click_delete))
        return
    if click_delete:
        box.delete_button.click()
    else:
        QApplication.sendEvent(
            box, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
        )


def test_confirm_delete_is_true_only_for_the_delete_button(qtbot):
    QTimer.singleShot(0, lambda: _answer(True))
    assert confirm_delete(None, "Delete result", "Delete this result?") is True
    QTimer.singleShot(0, lambda: _answer(False))
    assert confirm_delete(None, "Delete result", "Delete this result?") is False
