"""The job manager the app uses: the jobs run in a child process, the window only listens.

Why a process: the jobs' Python work (parsing status streams, TLS, writing files) holds the
GIL, and a thread engine in the window's process made the window miss frames while 200 jobs
streamed logs (``bench/gui_responsiveness.py``). Here the window reads one line of JSON per
frame from a pipe that Qt watches in C++, and never waits for the engine: lines to it are
queued in order (``jobs/engine_link.py``), its answers come as signals.

- The engine is ``fal-desktop --jobs-engine`` (``jobs/engine_process.py``), talking
  ``jobs/wire.py`` over its stdin/stdout; its stderr is the app's (in a windowed build, which
  has none, ``jobs-engine-stderr.log`` in the logs folder). It logs to ``jobs-engine.log``
  there (``log_dir``; ``core/logs.py``).
- The key and each model's input-size limit are sent as data; the key is re-sent when the
  key store's answer changes. It never appears on a command line.
- If the engine dies, it is started again (``jobs/restarts.py``: at once, then after 1, 5 and
  30 s if it keeps dying) and follows every unfinished job from the store: nothing is sent
  twice; cancels it may not have received are sent again. The rows say so, and ``problem``
  gives the banner a sentence when it happens more than once.
- An engine that goes silent (no "alive" for ``SILENT_BEATS`` beats: its loop is stuck) is
  killed and started again the same way.
- The engine ends with the window: ``shutdown`` tells it to and returns at once (``stopped``
  follows; ``wait_stopped`` keeps the event loop running until then), and its stdin closing
  ends it if the window is killed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from fal_desktop import ENGINE_FLAG, own_command
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.jobs import wire
from fal_desktop.jobs.engine_link import EngineLink
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.manager import BaseJobManager
from fal_desktop.jobs.restarts import ReplayedLogs, RestartPolicy

if TYPE_CHECKING:  # the window imports neither httpx nor the client (see api/__init__.py)
    from fal_desktop.api.hosts import FalHosts
    from fal_desktop.api.retry import RetryPolicy

__all__ = ["ENGINE_FAILED", "ProcessJobManager", "engine_command"]

log = logging.getLogger(__name__)
ENGINE_FAILED = 70  # the engine's exit status after an exception nobody caught (it logged it)
SILENT_BEATS = 6  # missed "alive" messages before a silent engine is taken for stuck
SHUTDOWN_SECONDS = 8  # then it is killed: every step is in the store, so nothing is lost
ENGINE_LOG_BYTES = 1 << 20  # the engine's stderr log (windowed builds only) starts over past this


def engine_command() -> list[str]:
    """How to start the engine: this very program with ``--jobs-engine`` (frozen or not)."""
    return own_command(ENGINE_FLAG)


class ProcessJobManager(BaseJobManager):
    engine_started = Signal(int)  # the engine's process id, once it said hello
    stopped = Signal()  # after shutdown: the engine has ended

    def __init__(
        self,
        store: JobStore,
        hosts: FalHosts,
        outputs_dir: Path,
        *,
        key: Callable[[], str | None],
        max_in_flight: int = 16,
        max_input_bytes: Callable[[str], int | None] | None = None,
        retry: RetryPolicy | None = None,
        poll_interval: float | None = None,
        command: list[str] | None = None,
        alive_seconds: float = wire.ALIVE_SECONDS,
        log_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(store, parent)
        if not isinstance(store.path, Path):
            raise ValueError("The engine process needs a job store in a file, not in memory.")
        self._config = {
            "hosts": asdict(hosts),
            "store": str(store.path),
            "outputs": str(outputs_dir),
            "max_in_flight": max_in_flight,
            "retry": asdict(retry) if retry else None,
            "poll_interval": poll_interval,
            "alive_seconds": alive_seconds,
        }
        self.log_dir = log_dir
        if log_dir is not None:
            self._config["log_dir"] = str(log_dir)
        # An engine silent this long is stuck (its loop says "alive" every alive_seconds).
        self._silence_limit = SILENT_BEATS * alive_seconds
        self._watch = QTimer(self)
        self._watch.setInterval(int(alive_seconds * 1000))
        self._watch.timeout.connect(self._check_alive)
        self._watch.start()
        self._command = command or engine_command()
        self._key = key
        self._limit = max_input_bytes or (lambda endpoint_id: None)
        self._paused = False
        self.restarts = RestartPolicy()
        self._replayed = ReplayedLogs()
        self._cancelled_while_down: set[str] = set()
        self._cancels_sent: set[str] = set()  # re-sent if that engine dies before they land
        self._link: EngineLink | None = None
        self._sent_key: str | None = None
        self._broken: str | None = None  # an engine of another protocol: restarting cannot help
        self._problem_shown = False
        self.pid: int | None = None
        self._spawn()

    # -- the process ------------------------------------------------------------------

    def _stderr_file(self) -> str:
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (
            self.log_dir / "jobs-engine-stderr.log"
            if self.log_dir is not None
            else Path(str(self._config["store"])).with_name("jobs-engine.log")
        )
        try:
            if log.stat().st_size > ENGINE_LOG_BYTES:
                log.unlink()
        except OSError:
            pass
        return str(log)

    def _spawn(self) -> None:
        link = EngineLink(
            self._command, self._stderr_file() if sys.stderr is None else None, parent=self
        )
        link.messages.connect(self._on_messages)
        link.ended.connect(self._on_ended)
        self._link, self.pid = link, None
        log.info("starting the jobs engine")
        link.start()
        self._sent_key = self._key()
        self._send(
            wire.encode("configure", protocol=wire.PROTOCOL, key=self._sent_key, **self._config)
        )
        if self._paused:
            self._send(wire.encode("pause"))

    def _send(self, data: bytes) -> None:
        if self._link is not None:
            self._link.send(data)

    def _on_messages(self, messages: list[dict[str, Any]]) -> None:
        link = self.sender()
        if link is not self._link:
            return
        batch: list[JobUpdate] = []
        for message in messages:
            kind = message["type"]
            try:
                if kind == "updates":
                    batch += [wire.update_from_wire(u) for u in message["updates"]]
                elif kind == "hello":
                    self._hello(message)
                elif kind == "error":
                    self._broken = str(message.get("message", "the jobs engine stopped"))
                    self.problem.emit(f"The jobs engine could not start: {self._broken}")
            except (wire.WireError, KeyError, TypeError) as exc:
                link.garbled(str(exc))
                return
        for update in batch:
            if update.state.finished:
                log.info(
                    "job %s %s%s",
                    update.job_id,
                    update.state.value,
                    f": {update.error} {update.error_detail or ''}".rstrip()
                    if update.error
                    else "",
                )
        if batch:
            self._deliver(self._replayed.filter(batch))

    def _hello(self, message: dict[str, Any]) -> None:
        if message.get("protocol") != wire.PROTOCOL:
            self._broken = (
                f"it speaks protocol {message.get('protocol')!r}, this window {wire.PROTOCOL} "
                "(reinstall fal-desktop)"
            )
            self.problem.emit(f"The jobs engine could not start: {self._broken}.")
            if self._link is not None:
                self._link.kill()
            return
        self.pid = int(message.get("pid", 0)) or None
        self.engine_started.emit(self.pid or 0)
        if self._problem_shown:
            self._problem_shown = False
            self.recovered.emit("The jobs engine is running again; your jobs carry on.")

    def _check_alive(self) -> None:
        link = self._link
        if link is None or self._closed or not link.running:
            return
        if time.monotonic() - link.last_heard > self._silence_limit:
            link.read_waiting()  # it did speak: this window was too busy to read it
        if time.monotonic() - link.last_heard > self._silence_limit:
            log.warning(
                "the jobs engine said nothing for %.0f s; restarting it", self._silence_limit
            )
            link.kill()  # ended follows, and with it the restart

    def _on_ended(self, how: str) -> None:
        link = self.sender()
        if link is not self._link:
            return
        self._link = None
        link.deleteLater()
        if self._closed:
            self.stopped.emit()
            return
        self._catch_up()
        if self._broken:
            self._hold_jobs(
                f"The jobs engine could not start ({self._broken}); these jobs resume "
                "when fal-desktop is started again."
            )
            return
        delay = self.restarts.died()
        log.warning("the jobs engine stopped (%s); starting it again in %.0f s", how, delay)
        self._hold_jobs(
            "The jobs engine stopped unexpectedly and is being restarted; this job "
            "carries on where it was (nothing is sent twice)."
        )
        if how == f"it exited with code {ENGINE_FAILED}":  # an error in the engine: it logged it
            where = (
                f" The details are in {self.log_dir / 'jobs-engine.log'}." if self.log_dir else ""
            )
            self._problem_shown = True
            self.problem.emit(
                f"The jobs engine failed with an error and is being restarted; your jobs "
                f"are kept and carry on.{where}"
            )
        elif self.restarts.keeps_dying:
            self._problem_shown = True
            self.problem.emit(
                f"The jobs engine keeps stopping ({how}). Starting it again in "
                f"{delay:.0f} s; your jobs are kept and carry on."
            )
        QTimer.singleShot(int(delay * 1000), self._restart)

    def _hold_jobs(self, sentence: str) -> None:
        warn = (LogEntry(sentence, "WARN"),)
        updates = [JobUpdate(job.id, job.state, new_logs=warn) for job in self.unfinished_jobs()]
        if updates:
            self._deliver(updates)

    def _catch_up(self) -> None:
        """Jobs the store has finished but whose last updates died with the engine: the rows
        (and the gallery, auto-save, --quit-when-done) hear of them now."""
        updates = []
        for job in self.unfinished_jobs():
            stored = self.store.get(job.id)
            if stored is None or not stored.state.finished:
                continue
            done = stored.state is JobState.COMPLETED
            updates.append(
                JobUpdate(
                    job.id,
                    stored.state,
                    message="Done" if done else stored.error or stored.state.value.capitalize(),
                    progress=1.0 if done else None,
                    error=stored.error,
                    error_detail=stored.error_detail,
                    error_kind=stored.error_kind,
                    files=tuple(stored.files),
                    extra={"request_id": stored.request_id} if stored.request_id else {},
                )
            )
        if updates:
            self._deliver(updates)

    def _restart(self) -> None:
        if self._closed or self._link is not None:
            return
        self._spawn()
        cancelled, self._cancelled_while_down = self._cancelled_while_down, set()
        cancelled |= {
            i for i in self._cancels_sent if i in self._jobs and not self._jobs[i].state.finished
        }
        self._cancels_sent = set(cancelled)
        jobs = [job for job in self.unfinished_jobs() if job.id not in cancelled]
        self._replayed.restarted([job.id for job in jobs])
        if jobs:
            self._launch(jobs)
        for job_id in cancelled:
            self._send(wire.encode("cancel", id=job_id))

    # -- BaseJobManager -----------------------------------------------------------------

    def _sync_key(self) -> None:
        key = self._key()
        if key != self._sent_key:
            self._sent_key = key
            self._send(wire.encode("key", key=key))

    def _launch(self, jobs: list[JobRecord]) -> None:
        if self._link is None:
            return  # the restart starts every unfinished job
        self._sync_key()
        self._send(
            wire.encode(
                "start",
                jobs=[
                    {
                        "id": job.id,
                        "endpoint": job.endpoint_id,
                        "max_input_bytes": self._limit(job.endpoint_id),
                    }
                    for job in jobs
                ],
            )
        )

    def cancel(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.state.final:
            return
        if self._link is None:
            stored = self.store.get(job_id)
            if (
                stored is not None
                and not stored.request_id
                and stored.state is not JobState.SUBMITTING
            ):
                # Not at fal: cancel it here, so a quit before the restart cannot send it later.
                if self.store.finish_unless_finished(job_id, JobState.CANCELLED, time.time()):
                    self._deliver([JobUpdate(job_id, JobState.CANCELLED, message="Cancelled")])
                return
            self._cancelled_while_down.add(job_id)  # at fal: the restarted engine asks it to stop
            return
        self._sync_key()
        self._cancels_sent.add(job_id)
        self._send(wire.encode("cancel", id=job_id))

    def key_changed(self) -> None:
        """The key store's answer may have changed (the key dialog closed)."""
        if self._link is not None:
            self._sync_key()

    def set_max_in_flight(self, count: int) -> None:
        count = max(1, int(count))
        if count == self._config["max_in_flight"]:
            return
        self._config["max_in_flight"] = count  # an engine started again gets it too
        self._send(wire.encode("max_in_flight", count=count))

    def pause(self) -> None:
        self._paused = True
        self._send(wire.encode("pause"))

    def resume(self) -> None:
        self._paused = False
        if self._link is not None:
            self._sync_key()  # held jobs go out with the key the store has now
        self._send(wire.encode("resume"))

    def shutdown(self) -> None:
        """Tell the engine to stop, and return at once: ``stopped`` follows once it has ended
        (it is killed if it has not after ``SHUTDOWN_SECONDS``; every step is in the store)."""
        if self._closed:
            return
        self._closed = True
        self._watch.stop()
        if self._link is None:
            QTimer.singleShot(0, self.stopped.emit)
            return
        self._send(wire.encode("shutdown"))
        self._link.stop(SHUTDOWN_SECONDS * 1000)

    @property
    def running(self) -> bool:
        """An engine process is there (starting, working, or stopping)."""
        return self._link is not None

    def stop_and_wait(self, seconds: float = SHUTDOWN_SECONDS + 2) -> bool:
        """``shutdown`` then ``wait_stopped``: for the app's exit, once its window is closed."""
        self.shutdown()
        return self.wait_stopped(seconds)

    def wait_stopped(self, seconds: float = SHUTDOWN_SECONDS + 2) -> bool:
        """After ``shutdown``: run the event loop (the window keeps painting) until the engine
        has ended, or ``seconds`` passed. For the app's exit and tests; True if it ended."""
        if self._link is None:
            return True
        loop = QEventLoop()
        self.stopped.connect(loop.quit)
        QTimer.singleShot(int(seconds * 1000), loop, loop.quit)
        loop.exec()
        self.stopped.disconnect(loop.quit)
        return self._link is None
