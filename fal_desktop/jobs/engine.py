"""One asyncio event loop runs every job: in the engine process (``engine_process.py``), or,
for the in-process ``JobManager``, on the worker thread this module provides.

Why one loop rather than a pool of threads: a job spends nearly all its life waiting on
the network (queue position, a status stream, a download). A thousand of them on one
loop cost a thousand small tasks and sockets, where a thread each would cost a thousand
stacks and a thousand blocking calls that cannot be cancelled. httpx's AsyncClient
multiplexes them, cancelling is ``task.cancel()``, and the little CPU work there is
(hashing, writing files) is short. Image decoding happens elsewhere, off the GUI thread.

The engine knows no Qt: it reports through a plain callback that may be called from its
thread; the Qt layer turns that into a queued signal.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """An asyncio loop running in a daemon thread, with thread-safe ways in."""

    def __init__(self, name: str = "fal-jobs") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("The loop thread is not running.")
        return self._loop

    def start(self) -> LoopThread:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def submit(self, coro: Awaitable[T]) -> Future[T]:
        """Schedule a coroutine on the loop from any thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]

    def call(self, func: Callable[..., Any], *args: Any) -> None:
        """Call a plain function on the loop thread."""
        self.loop.call_soon_threadsafe(func, *args)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel every task, let them clean up, and stop the thread."""
        if self._thread is None or self._loop is None:
            return
        loop = self._loop

        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result(timeout)
        except Exception:
            pass
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout)
        self._thread = None
        self._loop = None
