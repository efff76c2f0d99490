"""Work off the GUI thread, with its answer handed back on the GUI thread: the one way the
window does slow things (decoding, saving, exporting, loading a schema, testing a key).

    self.work = Background(self, threads=1)
    self.work.run(decode, path, done=self._show, failed=self._say)

``done(result)`` and ``failed(exception)`` run on the thread that owns the ``Background``
(the GUI thread). An exception with no ``failed`` goes to ``sys.excepthook``. Once the owner
is gone (a window closed while a decode ran), answers are dropped. ``stop()`` drops what has
not started and waits for what has: call it when closing.

``detached=True`` runs the call on a daemon thread of its own instead of the pool: for a call
that may never return (a keyring waiting for its unlock prompt), which must not hold up
quitting. ``wait`` and ``stop`` do not wait for those.

The call must not hold a widget without a parent: the worker drops its references, and a
widget's last reference dropped there would delete it on the wrong thread.

``bulk=True`` is for long loops of Python (a folder of thousands searched, thousands of jobs
recorded): such a worker holds Python's lock (the GIL) from the GUI thread, which needs it each
time Qt calls into Python (a timer, a paint, a slot), up to Python's switch interval (5 ms) each
time. While a bulk call runs the interval is 1 ms (process-wide; back when the last ends).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["BULK_SWITCH_INTERVAL_S", "Background", "quick_switches"]

#: How long a thread running Python keeps the GIL once another waits for it, while a bulk call
#: runs (Python's default: 5 ms). Not for every worker: in a scroll through 10,000 thumbnails
#: (decoded without the GIL) 1 ms made the frames' p99 longer, not shorter.
BULK_SWITCH_INTERVAL_S = 0.001

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    answered = Signal(object, object, object)  # (done, failed), result, exception


_switching = threading.Lock()
_bulk_calls = 0
_usual_interval = 0.005


@contextmanager
def quick_switches() -> Iterator[None]:
    """The GIL switch interval at :data:`BULK_SWITCH_INTERVAL_S` inside (nested and parallel
    uses count: the usual interval comes back when the last one ends)."""
    global _bulk_calls, _usual_interval
    with _switching:
        if not _bulk_calls:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, BULK_SWITCH_INTERVAL_S))
        _bulk_calls += 1
    try:
        yield
    finally:
        with _switching:
            _bulk_calls -= 1
            if not _bulk_calls:
                sys.setswitchinterval(_usual_interval)


class _Task(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        handlers: tuple[Done | None, Failed | None],
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        bulk: bool = False,
    ) -> None:
        super().__init__()
        self.relay, self.handlers, self.fn, self.args = relay, handlers, fn, args
        self.bulk = bulk

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        fn, args, self.fn, self.args = self.fn, self.args, _nothing, ()
        try:
            if self.bulk:
                with quick_switches():
                    result = fn(*args)
            else:
                result = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as data
            error = exc
        del fn, args
        handlers, self.handlers = self.handlers, (None, None)  # the answer carries them over
        try:
            self.relay.answered.emit(handlers, result, error)
        except RuntimeError:
            pass  # the owner was deleted meanwhile: nobody is left to answer


def _nothing() -> None:
    return None


class Background(QObject):
    """A pool of worker threads owned by a widget (``threads``: at most that many at once; 1
    keeps the calls in order; ``bulk``: its calls are long loops of Python, see above)."""

    def __init__(
        self, parent: QObject | None = None, *, threads: int | None = None, bulk: bool = False
    ) -> None:
        super().__init__(parent)
        self.bulk = bulk
        self._pool = QThreadPool(self)
        if threads:
            self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.answered.connect(self._answer)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Done | None = None,
        failed: Failed | None = None,
        detached: bool = False,
    ) -> None:
        """Call ``fn(*args)`` on a worker; then ``done(result)`` or ``failed(exc)`` here."""
        task = _Task(self._relay, (done, failed), fn, args, self.bulk)
        if detached:
            threading.Thread(
                target=task.run, name=getattr(fn, "__name__", "background"), daemon=True
            ).start()
        else:
            self._pool.start(task)

    def _answer(
        self, handlers: tuple[Done | None, Failed | None], result: Any, error: BaseException | None
    ) -> None:
        done, failed = handlers
        if error is None:
            if done is not None:
                done(result)
        elif failed is not None:
            failed(error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)

    def clear(self) -> None:
        """Drop the calls that have not started yet."""
        self._pool.clear()

    def wait(self, ms: int = 20000) -> bool:
        """Wait for every call under way and queued; whether they all ended in time."""
        return self._pool.waitForDone(ms)

    def stop(self, ms: int = 5000) -> None:
        """Drop what has not started and wait for what has (closing the window)."""
        self._pool.clear()
        self._pool.waitForDone(ms)
