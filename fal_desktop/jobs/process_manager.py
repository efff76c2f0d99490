"""The job manager the app uses: the jobs run in a child process, the window only listens.

Why a process: the jobs' Python work (parsing status streams, TLS, writing files) holds the
GIL, and a thread engine in the window's process made the window miss frames while 200 jobs
streamed logs (``bench/gui_responsiveness.py``). Here the window reads one line of JSON per
frame from a pipe that Qt watches in C++.

- The engine is ``fal-desktop --jobs-engine`` (``jobs/engine_process.py``), talking
  ``jobs/wire.py`` over its stdin/stdout; its stderr is the app's (in a windowed build, which
  has none, ``jobs-engine-stderr.log`` in the logs folder). It logs to ``jobs-engine.log``
  there (``log_dir``; ``core/logs.py``).
- The key and each model's input-size limit are sent as data; the key is re-sent when the
  key store's answer changes. It never appears on a command line.
- If the engine dies, it is started again (at once, then after 1, 5 and 30 s if it keeps
  dying) and follows every unfinished job from the store: nothing is sent twice. The rows
  say so, and ``problem`` gives the banner a sentence when it happens more than once.
- An engine that goes silent (no "alive" for ``SILENT_BEATS`` beats: its loop is stuck) is
  killed and started again the same way.
- The engine ends with the window: told to on ``shutdown``, and by its stdin closing if the
  window is killed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QIODevice, QObject, QProcess, QTimer, Signal

from fal_desktop import ENGINE_FLAG
from fal_desktop.api import FalHosts, RetryPolicy
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.jobs import wire
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.manager import BaseJobManager

__all__ = ["ENGINE_FAILED", "ProcessJobManager", "engine_command"]

log = logging.getLogger(__name__)
ENGINE_FAILED = 70  # the engine's exit status after an exception nobody caught (it logged it)
RESTART_DELAYS = (0.0, 1.0, 5.0, 30.0)  # seconds, by how many times it died in the last minute
SILENT_BEATS = 6  # missed "alive" messages before a silent engine is taken for stuck
SHUTDOWN_SECONDS = 8  # then it is killed: every step is in the store, so nothing is lost
ENGINE_LOG_BYTES = 1 << 20  # the engine's stderr log (windowed builds only) starts over past this
START_WAIT_MS = 5000
WRITE_WAIT_MS = 50  # only reached if the engine stopped reading (Qt writes the rest later)


def engine_command() -> list[str]:
    """How to start the engine: this very program with ``--jobs-engine`` (frozen or not)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, ENGINE_FLAG]
    return [sys.executable, "-m", "fal_desktop", ENGINE_FLAG]


class ProcessJobManager(BaseJobManager):
    engine_started = Signal(int)  # the engine's process id, once it said hello

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
        self._last_heard = time.monotonic()
        self._watch = QTimer(self)
        self._watch.setInterval(int(alive_seconds * 1000))
        self._watch.timeout.connect(self._check_alive)
        self._watch.start()
        self._command = command or engine_command()
        self._key = key
        self._limit = max_input_bytes or (lambda endpoint_id: None)
        self._paused = False
        self._deaths: list[float] = []
        self._cancelled_while_down: set[str] = set()
        self._cancels_sent: set[str] = set()  # re-sent if that engine dies before they land
        self._proc: QProcess | None = None
        self._reader = wire.LineReader()
        self._sent_key: str | None = None
        self._broken: str | None = None  # an engine of another protocol: restarting cannot help
        self._problem_shown = False
        self._log_counts: dict[str, int] = {}  # fal's log lines delivered, per job
        self._replay_skip: dict[str, int] = {}  # of those, how many a restarted engine will repeat
        self.pid: int | None = None
        self._spawn()

    # -- the process ------------------------------------------------------------------

    def _engine_log(self) -> str:
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
        proc = QProcess(self)
        if sys.stderr is not None:
            proc.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        else:  # a windowed build has no stderr to share: the engine's goes to a small log file
            proc.setStandardErrorFile(self._engine_log(), QIODevice.OpenModeFlag.Append)
        # Bound methods, not lambdas holding ``proc``: a lambda freed inside the QProcess's own
        # destructor would drop the last reference to its wrapper and delete it a second time.
        proc.readyReadStandardOutput.connect(self._on_output)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        self._proc, self._reader, self.pid = proc, wire.LineReader(), None
        log.info("starting the jobs engine")
        self._last_heard = time.monotonic()
        proc.start(self._command[0], self._command[1:])
        proc.waitForStarted(
            START_WAIT_MS
        )  # exec has happened (a few ms): writes now go straight in
        self._sent_key = self._key()
        self._write(
            wire.encode("configure", protocol=wire.PROTOCOL, key=self._sent_key, **self._config)
        )
        if self._paused:
            self._write(wire.encode("pause"))

    def _write(self, data: bytes) -> None:
        proc = self._proc
        if proc is None:
            return
        proc.write(data)
        if proc.state() is QProcess.ProcessState.Running:
            # Now, not when the event loop next runs: a command must not wait for a busy frame.
            # The engine reads its stdin all the time, so this does not block.
            proc.waitForBytesWritten(WRITE_WAIT_MS)

    def _sender(self) -> QProcess:
        proc = self.sender()
        assert isinstance(proc, QProcess)  # only engine processes are connected to these slots
        return proc

    def _on_output(self) -> None:
        self._read(self._sender())

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        crashed = status is QProcess.ExitStatus.CrashExit
        self._finished(self._sender(), "it crashed" if crashed else f"it exited with code {code}")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart:
            proc = self._sender()
            self._finished(proc, proc.errorString())

    def _read(self, proc: QProcess) -> None:
        data = bytes(proc.readAllStandardOutput().data())
        if proc is not self._proc or not data:
            return
        self._last_heard = time.monotonic()
        try:
            messages = self._reader.feed(data)
        except wire.WireError as exc:
            self._garbled(proc, str(exc))
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
                self._garbled(proc, str(exc))
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
            self._deliver(self._without_replayed_logs(batch))

    def _without_replayed_logs(self, batch: list[JobUpdate]) -> list[JobUpdate]:
        """A restarted engine follows a job again from fal's first log line; the rows already
        have the lines the dead one delivered, so those are dropped, not shown twice."""
        out = []
        for update in batch:
            if update.new_logs:
                skip = min(self._replay_skip.get(update.job_id, 0), len(update.new_logs))
                if skip:
                    self._replay_skip[update.job_id] -= skip
                    update = replace(update, new_logs=update.new_logs[skip:])
                self._log_counts[update.job_id] = self._log_counts.get(update.job_id, 0) + len(
                    update.new_logs
                )
            if update.state.finished:
                self._log_counts.pop(update.job_id, None)
                self._replay_skip.pop(update.job_id, None)
            out.append(update)
        return out

    def _hello(self, message: dict[str, Any]) -> None:
        if message.get("protocol") != wire.PROTOCOL:
            self._broken = (
                f"it speaks protocol {message.get('protocol')!r}, this window {wire.PROTOCOL} "
                "(reinstall fal-desktop)"
            )
            self.problem.emit(f"The jobs engine could not start: {self._broken}.")
            if self._proc is not None:
                self._proc.kill()
            return
        self.pid = int(message.get("pid", 0)) or None
        self.engine_started.emit(self.pid or 0)
        if self._problem_shown:
            self._problem_shown = False
            self.recovered.emit("The jobs engine is running again; your jobs carry on.")

    def _check_alive(self) -> None:
        proc = self._proc
        if proc is None or self._closed or proc.state() is not QProcess.ProcessState.Running:
            return
        if time.monotonic() - self._last_heard > self._silence_limit and proc.waitForReadyRead(0):
            self._read(proc)  # it did speak: this window was too busy to read it (not the engine)
        if time.monotonic() - self._last_heard > self._silence_limit:
            log.warning(
                "the jobs engine said nothing for %.0f s; restarting it", self._silence_limit
            )
            proc.kill()  # finished() follows, and with it the restart

    def _garbled(self, proc: QProcess, detail: str) -> None:
        log.warning("the jobs engine sent something unreadable (%s); restarting it", detail)
        proc.kill()  # finished() follows, and with it the restart

    def _finished(self, proc: QProcess, how: str) -> None:
        if proc is not self._proc:
            return
        self._read(proc)  # its last updates
        self._proc = None
        proc.deleteLater()
        if self._closed:
            return
        self._catch_up()
        if self._broken:
            self._hold_jobs(
                f"The jobs engine could not start ({self._broken}); these jobs resume "
                "when fal-desktop is started again."
            )
            return
        now = time.monotonic()
        self._deaths = [t for t in self._deaths if now - t < 60] + [now]
        delay = RESTART_DELAYS[min(len(self._deaths), len(RESTART_DELAYS)) - 1]
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
        elif len(self._deaths) > 1:
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
                    files=tuple(stored.files),
                    extra={"request_id": stored.request_id} if stored.request_id else {},
                )
            )
        if updates:
            self._deliver(updates)

    def _restart(self) -> None:
        if self._closed or self._proc is not None:
            return
        self._spawn()
        if self._proc is None:  # it failed at once: the next restart takes the cancels
            return
        cancelled, self._cancelled_while_down = self._cancelled_while_down, set()
        cancelled |= {
            i for i in self._cancels_sent if i in self._jobs and not self._jobs[i].state.finished
        }
        self._cancels_sent = set(cancelled)
        jobs = [job for job in self.unfinished_jobs() if job.id not in cancelled]
        self._replay_skip = {job.id: self._log_counts.get(job.id, 0) for job in jobs}
        if jobs:
            self._launch(jobs)
        for job_id in cancelled:
            self._write(wire.encode("cancel", id=job_id))

    # -- BaseJobManager -----------------------------------------------------------------

    def _sync_key(self) -> None:
        key = self._key()
        if key != self._sent_key:
            self._sent_key = key
            self._write(wire.encode("key", key=key))

    def _launch(self, jobs: list[JobRecord]) -> None:
        if self._proc is None:
            return  # the restart starts every unfinished job
        self._sync_key()
        self._write(
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
        if self._proc is None:
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
        self._write(wire.encode("cancel", id=job_id))

    def key_changed(self) -> None:
        """The key store's answer may have changed (the key dialog closed)."""
        if self._proc is not None:
            self._sync_key()

    def pause(self) -> None:
        self._paused = True
        self._write(wire.encode("pause"))

    def resume(self) -> None:
        self._paused = False
        if self._proc is not None:
            self._sync_key()  # held jobs go out with the key the store has now
        self._write(wire.encode("resume"))

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._watch.stop()
        proc = self._proc
        if proc is None:
            return
        self._write(wire.encode("shutdown"))
        proc.closeWriteChannel()
        if not proc.waitForFinished(SHUTDOWN_SECONDS * 1000):
            proc.kill()
            proc.waitForFinished(2000)
        self._finished(proc, "shut down")
