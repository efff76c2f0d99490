"""Starting in two steps: the main window's frame is shown, and right after its first paint
the rest (job manager, catalog, first form, resumed jobs, key check) is built.

Set ``FAL_DESKTOP_STARTUP_TRACE=1`` to have both moments printed to stderr as
``startup shown <t>`` and ``startup ready <t>``, with ``t`` from ``time.monotonic()`` (the
system's monotonic clock, so another process can subtract its own start time), each followed
by ``startup-cpu <moment> <s>``: the CPU seconds this process (all its threads) used so far.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from fal_desktop.ui.window.shell import after_first_paint
from fal_desktop.widgets.background import Background

__all__ = ["TRACE_ENV", "Startup", "settle_memory"]

TRACE_ENV = "FAL_DESKTOP_STARTUP_TRACE"


def trace(moment: str) -> None:
    if os.environ.get(TRACE_ENV):
        at, cpu = time.monotonic(), time.process_time()
        print(f"startup {moment} {at:.6f}\nstartup-cpu {moment} {cpu:.6f}", file=sys.stderr)
        sys.stderr.flush()


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
    """Runs ``build(startup)`` from the event loop once ``window`` has been painted and
    ``prepare`` (if given) has returned: it runs on a worker thread from the start, for what may
    block (reading the keyring); its result is ``startup.prepared``. Should the window be
    painted and ``prepare`` still run ``WAITING_MS`` later, ``waiting()`` is called (to say so),
    and again every 5 s while it runs.

    ``quit_after_ms`` counts from that first paint; a quit due first (0 ms), or the window
    closed before, means ``build`` never runs. An exception in ``build`` ends the event loop
    and is raised again from ``exec`` (as it was when everything was built before the loop
    started). ``close`` calls the ``closers`` that ``build`` registered, last first.
    """

    WAITING_MS = 700

    def __init__(
        self,
        app: QApplication,
        window: QWidget,
        build: Callable[[Startup], object],
        prepare: Callable[[], object] | None = None,
    ) -> None:
        self.app, self.window, self.build = app, window, build
        self.prepared: object = None
        self.waiting: Callable[[], object] | None = None
        self._prepared = prepare is None
        self._painted_yet = self._building = False
        self.closers: list[Callable[[], object]] = []
        self.quit_after_ms: int | None = None
        self.quit_when_ready = False
        self.screenshot: Path | None = (
            None  # taken once ready, after screenshot_delay_ms or on quit
        )
        self.screenshot_delay_ms = 300
        self.ready = False
        self._quitting = False
        self._error: BaseException | None = None
        if prepare is not None:
            self.work = Background(window)  # the keyring may never answer: a thread of its own
            self.work.run(
                prepare,
                detached=True,
                done=lambda result: self._on_prepared(result, None),
                failed=lambda error: self._on_prepared(None, error),
            )
        after_first_paint(window, self._painted)

    def _on_prepared(self, result: object, error: BaseException | None) -> None:
        self.prepared, self._prepared = result, True
        if error is not None:
            self._error = error
            self.quit(1)
        elif self._painted_yet:
            self._build()

    def _painted(self) -> None:
        trace("shown")
        self._painted_yet = True
        if self.quit_after_ms is not None:
            QTimer.singleShot(self.quit_after_ms, self.quit)
        QTimer.singleShot(0, self._build)  # after a quit timer of 0: that one quits first
        QTimer.singleShot(self.WAITING_MS, self._still_preparing)

    def _still_preparing(self) -> None:
        if not self._prepared and not self._quitting and self.waiting is not None:
            self.waiting()
            QTimer.singleShot(5000, self._still_preparing)  # said again while it lasts

    def _build(self) -> None:
        if self._quitting or not self.window.isVisible() or self._building:  # quit or closed before
            return
        if not self._prepared:  # _on_prepared builds
            return
        self._building = True
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
            if QApplication.platformName() == "xcb":  # what the X server shows: proves it painted
                pixmap = self.window.screen().grabWindow(self.window.winId())
            else:
                pixmap = self.window.grab()
            pixmap.save(str(self.screenshot))
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
