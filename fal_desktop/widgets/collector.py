"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, a collection runs in whichever thread happens to allocate past a threshold —
a worker decoding an image or fetching prices — and a Qt object that only a reference cycle
kept alive (a closed dialog, a window) is then destroyed on that thread. Qt cannot stop its
timers from there ("Timers cannot be stopped from another thread") and the process crashes.
So automatic collection is switched off and :class:`GuiThreadCollector` collects from a timer
on the GUI thread, by the same thresholds as Python would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector"]


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 250) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    @staticmethod
    def collect_due() -> int:
        """Collect the oldest generation whose count passed its threshold (as Python does);
        the number of objects found unreachable."""
        counts, limits = gc.get_count(), gc.get_threshold()
        if counts[0] < limits[0]:
            return 0
        generation = 2 if counts[2] >= limits[2] else 1 if counts[1] >= limits[1] else 0
        return gc.collect(generation)

    def stop(self) -> None:
        """Back to automatic collection (a test session ending)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
