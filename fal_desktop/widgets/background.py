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
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["Background"]

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    answered = Signal(object, object, object)  # (done, failed), result, exception


class _Task(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        handlers: tuple[Done | None, Failed | None],
        fn: Callable[..., Any],
        args: tuple[Any, ...],
    ) -> None:
        super().__init__()
        self.relay, self.handlers, self.fn, self.args = relay, handlers, fn, args

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        fn, args, self.fn, self.args = self.fn, self.args, _nothing, ()
        try:
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
    keeps the calls in order)."""

    def __init__(self, parent: QObject | None = None, *, threads: int | None = None) -> None:
        super().__init__(parent)
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
        task = _Task(self._relay, (done, failed), fn, args)
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
