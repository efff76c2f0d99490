"""Asking before something is deleted: a "Delete" button (destructive) and "Cancel", which is
the default, so Enter or Esc never delete by accident."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["DeleteBox", "ask_save_all", "confirm_delete", "delete_box"]


class DeleteBox(QMessageBox):
    """The question, with its destructive button as ``delete_button``."""

    def __init__(self, parent: QWidget | None, title: str, text: str, action: str) -> None:
        super().__init__(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
        )
        self.delete_button = self.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        cancel = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(cancel)
        self.setEscapeButton(cancel)


def delete_box(parent: QWidget | None, title: str, text: str, action: str = "Delete") -> DeleteBox:
    """The question, not yet shown; its destructive button is ``box.delete_button``."""
    return DeleteBox(parent, title, text, action)


def confirm_delete(parent: QWidget | None, title: str, text: str, action: str = "Delete") -> bool:
    """Ask, and return whether the user chose to delete."""
    box = delete_box(parent, title, text, action)
    box.exec()
    return box.clickedButton() is box.delete_button


def ask_save_all(parent: QWidget | None, text: str) -> str:
    """Save all: "save", "other" (pick another folder first) or "cancel"."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Save all results",
        text,
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    save = box.addButton("Save", QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton("Other folder…", QMessageBox.ButtonRole.ActionRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "other" if clicked is other else "cancel"
