"""Completion from earlier prompts in a multi-line prompt editor.

Typing three or more characters pops up the earlier prompts that contain them; Ctrl+Space
shows them all. Picking one replaces the whole prompt. Qt's QCompleter only drives line
edits on its own, so this wires it to a QPlainTextEdit (as in Qt's "Custom Completer").
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QPlainTextEdit

__all__ = ["PromptCompleter", "MIN_CHARS"]

MIN_CHARS = 3


class PromptCompleter(QObject):
    def __init__(self, editor: QPlainTextEdit, history: Callable[[], list[str]]) -> None:
        super().__init__(editor)
        self.editor, self.history = editor, history
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(editor)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(8)
        # The text overload of the signal; PySide6's stubs do not model indexing a signal.
        self.completer.activated[str].connect(self.insert)  # type: ignore[index]
        editor.installEventFilter(self)
        editor.textChanged.connect(self._typed)
        self._inserting = False

    def insert(self, text: str) -> None:
        self._inserting = True
        try:
            self.editor.setPlainText(text)
            cursor = self.editor.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            self.editor.setTextCursor(cursor)
        finally:
            self._inserting = False
        self._hide_popup()

    def show_all(self) -> None:
        self._popup("")

    def _typed(self) -> None:
        if self._inserting or not self.editor.hasFocus():
            return
        text = self.editor.toPlainText().strip()
        if len(text) < MIN_CHARS:
            self._hide_popup()
            return
        self._popup(text)

    def _popup(self, prefix: str) -> None:
        current = self.editor.toPlainText().strip()
        self.model.setStringList([p for p in self.history() if p != current])
        self.completer.setCompletionPrefix(prefix)
        if self.completer.completionCount() == 0:
            self._hide_popup()
            return
        rect = self.editor.cursorRect()
        rect.setWidth(max(260, self.editor.width() - rect.x()))
        self.completer.complete(rect)

    def _hide_popup(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.editor
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event
            popup = self.completer.popup()
            if (
                popup is not None
                and popup.isVisible()
                and key.key()
                in (
                    Qt.Key.Key_Return,
                    Qt.Key.Key_Enter,
                    Qt.Key.Key_Escape,
                    Qt.Key.Key_Tab,
                    Qt.Key.Key_Backtab,
                )
            ):
                event.ignore()
                return True  # the popup handles them
            if (
                key.key() == Qt.Key.Key_Space
                and key.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                self.show_all()
                return True
        return False
