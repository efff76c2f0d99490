"""Work off the GUI thread, with its answer handed back on the GUI thread: the one way the
window does slow things (decoding, saving, exporting, loading a schema, testing a key).

    self.work = Background(self, threads=1)
    self.work.run(decode, path, done=self._show, failed=self._say)

``done(result)`` and ``failed(exception)`` run on the thread that owns the ``Background``
(the GUI thread). An exception with no ``failed`` goes to ``sys.excepthook``. Once the owner
is gone (a window closed while a decode ran), answers are dropped. ``stop()`` drops what has
not started and waits for what has: call it when closing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["Background"]

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    answered = Signal(object, object, object)  # (done, failed), result, exception


class _Task(QRunnable):
    def __init__(self, relay: _Relay, handlers: tuple[Done | None, Failed | None],
                 fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self.relay, self.handlers, self.fn, self.args = relay, handlers, fn, args

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = self.fn(*self.args)
        except Exception as exc:  # handed to the GUI thread as data
            error = exc
        try:
            self.relay.answered.emit(self.handlers, result, error)
        except RuntimeError:
            pass  # the owner was deleted meanwhile: nobody is left to answer


class Background(QObject):
    """A pool of worker threads owned by a widget (``threads``: at most that many at once; 1
    keeps the calls in order)."""

    def __init__(self, parent: QObject | None = None, *, threads: int | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        if threads:
            self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.answered.connect(self._answer)

    def run(self, fn: Callable[..., Any], *args: Any, done: Done | None = None,
            failed: Failed | None = None) -> None:
        """Call ``fn(*args)`` on a worker; then ``done(result)`` or ``failed(exc)`` here."""
        self._pool.start(_Task(self._relay, (done, failed), fn, args))

    def _answer(self, handlers: tuple[Done | None, Failed | None], result: Any,
                error: BaseException | None) -> None:
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
