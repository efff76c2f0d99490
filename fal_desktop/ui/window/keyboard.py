"""Help → Keyboard shortcuts: every shortcut of the window, read from its actions and
shortcuts themselves, so the list is always true."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ShortcutsDialog", "shortcut_list"]


def _on_a_keyboard(sequence: QKeySequence) -> bool:
    """Not one of the dedicated application keys few keyboards have (the "Paste", "New" or
    "Open" key that the platform binds beside Ctrl+V, Ctrl+N, Ctrl+O)."""
    combinations = [sequence[i] for i in range(sequence.count())]  # type: ignore[index]  # PySide6's stubs lack QKeySequence.__getitem__
    return not any(Qt.Key.Key_Back.value <= c.key().value < 0x01010000 for c in combinations)


def _keys(sequences: list[QKeySequence]) -> list[str]:
    """Each key as the platform writes it (``Ctrl+V``; ``⌘V`` on macOS)."""
    return [
        s.toString(QKeySequence.SequenceFormat.NativeText)
        for s in sequences
        if not s.isEmpty() and _on_a_keyboard(s)
    ]


def shortcut_list(window: QWidget) -> list[tuple[str, str]]:
    """(what it does, its keys) for every action and shortcut under ``window`` with a key;
    several keys for one thing read ``Ctrl+V or Shift+Ins``."""
    found: dict[str, list[str]] = {}

    def add(what: str, keys: list[str]) -> None:
        listed = found.setdefault(what, [])
        listed.extend(k for k in keys if k not in listed)

    for action in window.findChildren(QAction):
        if not action.isSeparator():
            text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            add(text, _keys(action.shortcuts()))
    for shortcut in window.findChildren(QShortcut):
        add(shortcut.whatsThis() or "Shortcut", _keys(shortcut.keys()))
    return sorted(
        ((what, " or ".join(keys)) for what, keys in found.items() if keys),
        key=lambda item: item[0].lower(),
    )


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        rows = shortcut_list(window)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for index, (what, keys) in enumerate(rows):
            self.table.setItem(index, 0, QTableWidgetItem(what.removesuffix("…")))
            self.table.setItem(index, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(480, 600)
