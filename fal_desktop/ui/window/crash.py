"""What the app does with failures nobody caught: each is logged with its traceback and shown
once, in a window that says what failed and where the log is, and the app keeps running.

- ``install_qt_messages`` (before the QApplication exists): Qt's own messages go to the log, and
  a platform plugin that cannot start ends the app with a sentence naming the packages to
  install (``core/system_libs.py``) instead of Qt's abort.
- ``CrashReporter.install``: ``sys.excepthook`` (an exception in a Qt slot or virtual method
  arrives there) and ``threading.excepthook``.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QtMsgType, QUrl, Signal, qInstallMessageHandler
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from fal_desktop.core.logs import log_exception

__all__ = ["CrashReporter", "install_qt_messages", "open_folder"]

_qt_log = logging.getLogger("qt")
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_platform_messages: list[
    str
] = []  # what Qt said about its platform plugin, for the failure sentence


def _qt_message(kind: QtMsgType, context, message: str) -> None:
    category = getattr(context, "category", None) or "default"
    if category.startswith("qt.qpa"):
        _platform_messages.append(message)
        del _platform_messages[:-10]
    if kind is QtMsgType.QtFatalMsg and "platform plugin" in message:
        from fal_desktop.core.system_libs import platform_failure_sentence

        sentence = platform_failure_sentence(_platform_messages)
        root = logging.getLogger()
        if root.handlers:
            _qt_log.info("Qt: %s", message.strip())
            _qt_log.critical("%s", sentence)
        if sys.stderr is not None and not any(
            getattr(h, "stream", None) is sys.stderr for h in root.handlers
        ):
            print(sentence, file=sys.stderr)
        logging.shutdown()
        os._exit(1)  # before Qt aborts: a sentence and status 1, not SIGABRT
    level = _LEVELS.get(kind, logging.WARNING)
    if category.startswith(
        "qt.qpa"
    ):  # the platform's hints can mislead (naming installed packages): log only
        level = min(level, logging.INFO)
    source = "Qt" if category == "default" else f"Qt ({category})"
    _qt_log.log(level, "%s: %s", source, message)
    if kind is QtMsgType.QtFatalMsg:
        logging.shutdown()  # Qt aborts next: the log has the reason


def install_qt_messages() -> None:
    """Qt's messages go to the log (and so to stderr from warnings up, if there is one)."""
    qInstallMessageHandler(_qt_message)


def open_folder(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _where(tb) -> str:
    frames = traceback.extract_tb(tb)
    if not frames:
        return ""
    last = frames[-1]
    return f"in {last.name} ({Path(last.filename).name}, line {last.lineno})"


class CrashReporter(QObject):
    """Logs every uncaught exception and shows each kind of failure once (``dialog``, over
    ``window``). A failure seen before, or one that arrives while the dialog is open, is only
    logged (the open dialog counts it)."""

    _failed = Signal(str, str)  # what failed, a key for "seen before": to the GUI thread

    def __init__(self, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.window: QWidget | None = parent  # the dialogs' parent
        self.dialog: QMessageBox | None = None
        self.shown: list[str] = []
        self._seen: set[str] = set()
        self._more = 0
        self._failed.connect(self._show)

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def _excepthook(self, kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        self.report(kind, value, tb, "")

    def _thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, f"in the thread {name}")

    def report(self, kind, value, tb, context: str) -> None:
        where = _where(tb)
        log_exception(" ".join(p for p in (context, where) if p), (kind, value, tb))
        summary = f"{kind.__name__}: {value}" if str(value) else kind.__name__
        what = f"{summary}\n{where}{' ' + context if context else ''}".strip()
        self._failed.emit(what, f"{kind.__name__} {where} {context}")

    def _show(self, what: str, seen_key: str) -> None:
        if seen_key in self._seen:
            return
        self._seen.add(seen_key)
        if self.dialog is not None and self.dialog.isVisible():
            self._more += 1
            self.dialog.setInformativeText(
                self._details(
                    f"{self._more} more problem{'s' if self._more > 1 else ''} since then, also in the log."
                )
            )
            return
        self._more = 0
        self.shown.append(what)
        summary, _, where = what.partition("\n")
        dialog = QMessageBox(
            QMessageBox.Icon.Warning,
            "fal desktop: something went wrong",
            f"<b>Something failed inside fal desktop.</b><br><br>{html.escape(summary)}"
            f"<br>{html.escape(where)}",
            parent=self.window,
        )
        dialog.setTextFormat(Qt.TextFormat.RichText)
        dialog.setStyleSheet("#qt_msgbox_label, #qt_msgbox_informativelabel { min-width: 440px; }")
        dialog.setInformativeText(self._details())
        dialog.setModal(False)  # the app keeps running: nothing waits for this window
        if self.log_file is not None:
            folder = self.log_file.parent
            button = dialog.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda: open_folder(folder))
        dialog.addButton(QMessageBox.StandardButton.Close)
        self.dialog = dialog
        dialog.show()

    def _details(self, extra: str = "") -> str:
        where = (
            f"The details are in the log:<br><code>{html.escape(str(self.log_file))}</code>"
            if self.log_file is not None
            else "The details were written to the terminal (no log file could be opened)."
        )
        return "<br><br>".join(
            p
            for p in (
                "fal desktop keeps running; what you were doing may not have finished.",
                where,
                extra,
            )
            if p
        )
