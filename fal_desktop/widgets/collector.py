"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, a collection runs in whichever thread happens to allocate past a threshold —
a worker decoding an image or fetching prices — and a Qt object that only a reference cycle
kept alive (a closed dialog, a window) is then destroyed on that thread. Qt cannot stop its
timers from there ("Timers cannot be stopped from another thread") and the process crashes.
So automatic collection is switched off and :class:`GuiThreadCollector` collects from a timer
on the GUI thread, by the same thresholds as Python would — including Python's rule for the
oldest generation: a full collection (it walks every object: 40–160 ms with a session of 10,000
runs loaded, one long frame) only once the objects that reached it since the last one number
a quarter of those that were there after it.
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
        #: objects in the oldest generation after the last full collection (Python's
        #: ``long_lived_total``), and the count of that generation when it was last looked at
        self._long_lived = len(gc.get_objects(2))
        self._looked_at = -1
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold (as Python does);
        the number of objects found unreachable."""
        counts, limits = gc.get_count(), gc.get_threshold()
        if counts[0] < limits[0]:
            return 0
        generation = 2 if counts[2] >= limits[2] and self._full_due(counts[2]) else 0
        if not generation and counts[1] >= limits[1]:
            generation = 1
        found = gc.collect(generation)
        if generation == 2:
            self._long_lived, self._looked_at = len(gc.get_objects(2)), -1
        return found

    def _full_due(self, count: int) -> bool:
        """Whether the objects that reached the oldest generation since the last full
        collection are a quarter of those there after it (looked at once per younger
        collection: listing that generation takes ~1 ms for 100,000 objects)."""
        if count == self._looked_at:
            return False
        self._looked_at = count
        return len(gc.get_objects(2)) - self._long_lived >= self._long_lived // 4

    def stop(self) -> None:
        """Back to automatic collection (a test session ending)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
