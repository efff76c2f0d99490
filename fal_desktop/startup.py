"""Starting in two steps: the main window's frame is shown, and right after its first paint
the rest (job manager, catalog, first form, resumed jobs, key check) is built.

Set ``FAL_DESKTOP_STARTUP_TRACE=1`` to have both moments printed to stderr as
``startup shown <t>`` and ``startup ready <t>``, with ``t`` from ``time.monotonic()`` (the
system's monotonic clock, so another process can subtract its own start time).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from fal_desktop.ui.shell import after_first_paint

__all__ = ["TRACE_ENV", "Startup", "settle_memory"]

TRACE_ENV = "FAL_DESKTOP_STARTUP_TRACE"


def trace(moment: str) -> None:
    if os.environ.get(TRACE_ENV):
        print(f"startup {moment} {time.monotonic():.6f}", file=sys.stderr, flush=True)


def settle_memory() -> None:
    """Once the window is ready: what start-up made (modules, schemas, widgets) is frozen out of
    the garbage collector's scans, and it collects less often. Each collection holds the GIL,
    so with the defaults a busy window stalled 40 ms in a full one and 5–10 ms in middle ones
    (bench/gui_responsiveness.py); cycles are still collected, just in fewer, smaller passes."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 50)


class Startup:
    """Runs ``build(startup)`` from the event loop once ``window`` has been painted.

    ``quit_after_ms`` counts from that first paint; a quit due first (0 ms), or the window
    closed before, means ``build`` never runs. An exception in ``build`` ends the event loop
    and is raised again from ``exec`` (as it was when everything was built before the loop
    started). ``close`` calls the ``closers`` that ``build`` registered, last first.
    """

    def __init__(self, app: QApplication, window: QWidget, build: Callable[[Startup], object]) -> None:
        self.app, self.window, self.build = app, window, build
        self.closers: list[Callable[[], object]] = []
        self.quit_after_ms: int | None = None
        self.quit_when_ready = False
        self.screenshot: Path | None = None  # taken once ready, after screenshot_delay_ms or on quit
        self.screenshot_delay_ms = 300
        self.ready = False
        self._quitting = False
        self._error: BaseException | None = None
        after_first_paint(window, self._painted)

    def _painted(self) -> None:
        trace("shown")
        if self.quit_after_ms is not None:
            QTimer.singleShot(self.quit_after_ms, self.quit)
        QTimer.singleShot(0, self._build)  # after a quit timer of 0: that one quits first

    def _build(self) -> None:
        if self._quitting or not self.window.isVisible():  # quit or closed before the build
            return
        try:
            self.build(self)
        except BaseException as exc:  # noqa: BLE001 (raised again from exec)
            self._error = exc
            self.quit(1)
            return
        self.ready = True
        trace("ready")
        settle_memory()
        if self.screenshot is not None:
            QTimer.singleShot(self.screenshot_delay_ms, self._take_screenshot)
        if self.quit_when_ready:
            QTimer.singleShot(0, self.quit)

    def _take_screenshot(self) -> None:
        if self.screenshot is not None:
            self.window.grab().save(str(self.screenshot))
            self.screenshot = None

    def quit(self, status: int = 0) -> None:
        if self.ready and not self._quitting:
            self._take_screenshot()
        self._quitting = True
        self.app.exit(status)

    def exec(self) -> int:
        status = self.app.exec()
        if self._error is not None:
            raise self._error
        return status

    def close(self) -> None:
        while self.closers:
            self.closers.pop()()
