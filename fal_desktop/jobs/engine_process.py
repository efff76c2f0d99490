"""The jobs engine as a process of its own: ``fal-desktop --jobs-engine`` (started by the window).

It reads messages (``jobs/wire.py``) on stdin and writes them on stdout; stray prints go to
stderr, so nothing but messages is ever on the wire. Jobs run on one asyncio loop
(``JobScheduler`` + ``run_job``) against the window's SQLite job store, which both
processes open in WAL mode. The window writes a job before asking for it to start; this
process reads it from the store by id and writes every step.

It stops when told to, and when its stdin closes: the window quit or was killed (on Linux
the kernel also kills it then, in case it is stuck). Unfinished jobs stay in the store and
are resumed by whichever engine starts next; none is ever sent twice.

It logs with ``logging`` to ``jobs-engine.log`` in the folder the window names (``log_dir``
in the configure message; ``core/logs.py``), never to stdout. An exception nobody caught, in
the loop, a task or a thread, is logged with its traceback; one that escapes ends the engine
with status 70 (``ENGINE_FAILED``), and the window restarts it.

No Qt is imported here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sys
import threading
from pathlib import Path
from typing import Any

from fal_desktop.jobs import wire

__all__ = ["main"]

log = logging.getLogger("fal_desktop.jobs.engine")

EXIT_GRACE_SECONDS = 10.0  # after stdin closes, the most the clean stop may take


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:  # PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _binary(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.setmode(fd, os.O_BINARY)


class _Pipe:
    """stdin read by a thread, stdout written by a thread: the loop never blocks on either."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        _binary(0)
        self.out_fd = os.dup(1)
        _binary(self.out_fd)
        os.dup2(2, 1)  # print() and libraries writing to fd 1 now reach stderr, never the wire
        sys.stdout = sys.stderr
        self.messages: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._loop = loop
        threading.Thread(target=self._read, name="engine-stdin", daemon=True).start()
        self._writer = threading.Thread(target=self._write, name="engine-stdout", daemon=True)
        self._writer.start()

    def _read(self) -> None:
        reader = wire.LineReader()
        try:
            while chunk := os.read(0, 1 << 16):
                for message in reader.feed(chunk):
                    self._loop.call_soon_threadsafe(self.messages.put_nowait, message)
        except (OSError, wire.WireError) as exc:
            print(f"jobs engine: stdin: {exc}", file=sys.stderr)
        # The window is gone (or said shutdown and closed the pipe). Leave even if the loop is
        # stuck: the only guarantee on macOS and Windows that the engine does not outlive it.
        hard_stop = threading.Timer(EXIT_GRACE_SECONDS + 5, lambda: os._exit(3))
        hard_stop.daemon = True
        hard_stop.start()
        try:
            self._loop.call_soon_threadsafe(self.messages.put_nowait, None)
        except RuntimeError:  # the loop already ended: a clean shutdown came first
            pass

    def _write(self) -> None:
        while (data := self._outbox.get()) is not None:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.out_fd, view) :]
            except OSError:
                return  # the window is gone; stdin's end will stop the loop

    def send(self, kind: str, **fields: Any) -> None:
        self._outbox.put(wire.encode(kind, **fields))

    def close(self, timeout: float = 5.0) -> None:
        self._outbox.put(None)
        self._writer.join(timeout)


async def _serve(pipe: _Pipe) -> int:
    from fal_desktop.api import FalClient, FalHosts, RetryPolicy
    from fal_desktop.core.jobstore import JobStore
    from fal_desktop.jobs.job_context import JobContext, KeyGate
    from fal_desktop.jobs.scheduler import JobScheduler, UpdateBatcher

    config = await pipe.messages.get()
    if config is None:
        return 0
    _start_logging(config.get("log_dir"))
    if config.get("type") != "configure" or config.get("protocol") != wire.PROTOCOL:
        pipe.send(
            "error",
            message=f"This jobs engine speaks protocol {wire.PROTOCOL}; the window sent "
            f"{config.get('type')!r} with protocol {config.get('protocol')!r}.",
        )
        return 2
    from fal_desktop.core.logs import hide_secret

    key: list[str | None] = [config.get("key")]
    hide_secret(key[0])
    limits: dict[str, int | None] = {}
    retry = RetryPolicy(**config["retry"]) if config.get("retry") else RetryPolicy()
    poll = float(config["poll_interval"]) if config.get("poll_interval") else 0.5
    client = FalClient(lambda: key[0], FalHosts(**config["hosts"]), retry=retry, poll_interval=poll)
    # The window created and migrated it. Waiting on its write lock blocks no window here, and a
    # write given up (the request id fal just returned!) would lose a paid result.
    store = JobStore(config["store"], timeout=120.0)
    batcher = UpdateBatcher(
        lambda batch: pipe.send("updates", updates=[wire.update_to_wire(u) for u in batch])
    )
    ctx = JobContext(
        client,
        store,
        Path(config["outputs"]),
        batcher.emit,
        lambda endpoint: limits.get(endpoint),
        KeyGate(lambda: bool(key[0])),
    )
    scheduler = JobScheduler(ctx, int(config.get("max_in_flight", 16)))
    pipe.send("hello", protocol=wire.PROTOCOL, pid=os.getpid())
    log.info(
        "jobs engine %d serving %s (%s)", os.getpid(), config["store"], config["hosts"].get("queue")
    )
    interval = float(config.get("alive_seconds") or wire.ALIVE_SECONDS)

    async def say_alive() -> (
        None
    ):  # from the loop itself: a stuck loop goes quiet, and is restarted
        while True:
            await asyncio.sleep(interval)
            pipe.send("alive")

    alive = asyncio.get_running_loop().create_task(say_alive())
    try:
        while (message := await pipe.messages.get()) is not None:
            kind = message["type"]
            if kind == "start":
                log.info("starting %d job(s)", len(message["jobs"]))
                for item in message["jobs"]:
                    limits[item["endpoint"]] = item.get("max_input_bytes")
                    job = store.get(item["id"])
                    if job is not None and not job.state.finished:
                        scheduler.start(job)
            elif kind == "cancel":
                scheduler.cancel(message["id"], store.get(message["id"]))
            elif kind == "key":
                key[0] = message.get("key")
                hide_secret(key[0])
                ctx.keys.changed()  # jobs waiting for a key go on
            elif kind == "max_in_flight":
                try:
                    count = int(message["count"])
                except (KeyError, TypeError, ValueError):
                    log.warning("ignored a max_in_flight message without a count")
                else:
                    log.info("following at most %d job(s) at once", count)
                    scheduler.set_max_in_flight(count)
            elif kind == "pause":
                scheduler.pause()
            elif kind == "resume":
                scheduler.resume()
            elif kind == "shutdown":
                log.info("told to shut down")
                break
    finally:
        # If the clean stop hangs (a stuck download), leave anyway: the store can always resume.
        watchdog = threading.Timer(EXIT_GRACE_SECONDS, lambda: os._exit(3))
        watchdog.daemon = True
        watchdog.start()
        alive.cancel()
        await scheduler.stop_all()
        await asyncio.sleep(0)  # cancellations that were just started write their state
        batcher.flush()
        try:
            await client.aclose()
        except Exception:  # noqa: BLE001 (closing a client must not stop the shutdown)
            pass
        store.close()
        pipe.send("bye")
    return 0


def main() -> int:
    """Never raises: in a windowed frozen build an exception escaping here would become a
    modal error box in an invisible process, and the engine would hang instead of exiting."""
    try:
        return _main()
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001
        _log_uncaught(sys.exc_info(), "in the jobs engine")
        return 70


def _log_uncaught(exc_info: Any, where: str) -> None:
    """With its traceback: into the log (and stderr, the window's) if logging is set up, else
    stderr alone."""
    if logging.getLogger().handlers:
        log.error("Unhandled exception %s", where, exc_info=exc_info)
    elif sys.stderr is not None:
        import traceback

        print(f"jobs engine: unhandled exception {where}", file=sys.stderr)
        traceback.print_exception(*exc_info, file=sys.stderr)


def _start_logging(folder: str | None) -> None:
    """Logging to the window's logs folder; exceptions in threads and tasks are logged too."""
    from fal_desktop.core.logs import setup_logging

    setup_logging(Path(folder) if folder else None, "jobs-engine.log")
    sys.excepthook = lambda kind, value, tb: _log_uncaught((kind, value, tb), "in the jobs engine")
    threading.excepthook = lambda args: _log_uncaught(
        (args.exc_type, args.exc_value, args.exc_traceback),
        f"in the jobs engine's thread {args.thread.name if args.thread else ''}".strip(),
    )

    def loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        where = f"in the jobs engine's event loop ({context.get('message', '')})"
        if exc is not None:
            _log_uncaught((type(exc), exc, exc.__traceback__), where)
        else:
            log.error("%s", where)

    asyncio.get_running_loop().set_exception_handler(loop_exception)


def _valid_stderr() -> None:
    """With no valid fd 2 (a windowed build's window has no stderr to hand on), put the null
    device there, first thing: later fds (the event loop's) must not land on 2, and fd 1 is
    pointed at 2 so that nothing but messages reaches the wire."""
    if sys.stderr is not None:
        return
    null = os.open(os.devnull, os.O_WRONLY)
    if null != 2:
        os.dup2(null, 2)
        os.close(null)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 (for the life of the process)


def _main() -> int:
    import signal

    _valid_stderr()
    _die_with_parent()
    if hasattr(signal, "SIGINT"):  # Ctrl+C in a terminal is for the window, which stops the engine
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    import gc

    gc.set_threshold(10_000, 50, 50)  # as the window does once ready (startup.settle_memory)

    async def run() -> int:
        pipe = _Pipe(asyncio.get_running_loop())
        try:
            return await _serve(pipe)
        finally:
            pipe.close()

    return asyncio.run(run())
