"""One jobs-engine process seen from the window: start it, send it lines, hear its messages,
stop it. Nothing here waits: Qt writes and reads the pipes from the event loop.

- ``send`` keeps every line, in order: lines sent before the process has started are queued
  and written, in that order, as soon as it has (``started``); later ones go into QProcess's own
  buffer and out at once as far as the pipe takes them (a poll that never waits); Qt writes the
  rest from the event loop.
- ``stop`` closes the engine's stdin once everything queued is written (its cue to stop, after
  a ``shutdown`` line), and kills it if it has not ended ``grace_ms`` later.
- ``messages`` carries what it said (a list of messages per read), ``ended`` how it ended; a
  line that is not a message of the protocol kills it (``garbled``), as does ``kill``.
"""

from __future__ import annotations

import logging
import sys
import time

from PySide6.QtCore import QIODevice, QObject, QProcess, QTimer, Signal

from fal_desktop.jobs import wire

__all__ = ["EngineLink"]

log = logging.getLogger(__name__)


class EngineLink(QObject):
    messages = Signal(object)  # list[dict]: what one read brought, in order
    ended = Signal(
        str
    )  # how it ended ("it crashed", "it exited with code 3", why it did not start)

    def __init__(
        self, command: list[str], stderr_file: str | None = None, parent: QObject | None = None
    ) -> None:
        """``stderr_file``: where the engine's stderr goes when this process has none to share."""
        super().__init__(parent)
        self._command = command
        self._stderr_file = stderr_file
        self._proc: QProcess | None = None
        self._queued: list[bytes] = []  # lines sent before the process started
        self._started = self._ended = self._closing = False
        self._reader = wire.LineReader()
        self.last_heard = time.monotonic()

    @property
    def running(self) -> bool:
        return self._proc is not None and not self._ended

    def start(self) -> None:
        proc = QProcess(self)
        if sys.stderr is not None:
            proc.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        elif self._stderr_file:  # a windowed build has no stderr: the engine's goes to a file
            proc.setStandardErrorFile(self._stderr_file, QIODevice.OpenModeFlag.Append)
        # Bound methods, not lambdas holding ``proc``: a lambda freed inside the QProcess's own
        # destructor would drop the last reference to its wrapper and delete it a second time.
        proc.started.connect(self._on_started)
        proc.readyReadStandardOutput.connect(self._on_output)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        self._proc = proc
        self.last_heard = time.monotonic()
        proc.start(self._command[0], self._command[1:])
        if proc.state() is QProcess.ProcessState.Running and not self._started:
            self._on_started()  # started before start() returned (the signal may come later)

    def send(self, data: bytes) -> None:
        """Write a line; in order with every line sent before it. Dropped once it has ended
        (what a restarted engine needs is sent to it again)."""
        if self._ended or self._proc is None:
            return
        if not self._started:
            self._queued.append(data)
            return
        self._proc.write(data)
        self._flush()

    def _flush(self) -> None:
        """Write now what the pipe takes (a poll with no timeout: it never waits), so a command
        does not wait for the next turn of a busy event loop; Qt writes any rest from there."""
        if self._proc is not None and self._proc.bytesToWrite():
            self._proc.waitForBytesWritten(0)

    def stop(self, grace_ms: int) -> None:
        """Close its stdin once all is written; kill it if it is still there after ``grace_ms``."""
        self._closing = True
        if self._started and self._proc is not None:
            self._proc.closeWriteChannel()
        QTimer.singleShot(grace_ms, self, self.kill)

    def kill(self) -> None:
        """End it now (``ended`` follows)."""
        if self._proc is not None and not self._ended:
            self._proc.kill()

    def read_waiting(self) -> None:
        """Read what it already wrote, without waiting (the window may have been too busy to)."""
        if self._proc is not None and not self._ended and self._proc.waitForReadyRead(0):
            self._read()

    # -- Qt's signals --------------------------------------------------------------------

    def _on_started(self) -> None:
        if self._started or self._proc is None:
            return
        self._started = True
        queued, self._queued = self._queued, []
        for data in queued:
            self._proc.write(data)
        self._flush()
        if self._closing:
            self._proc.closeWriteChannel()

    def _on_output(self) -> None:
        self._read()

    def _read(self) -> None:
        proc = self._proc
        if proc is None:
            return
        data = bytes(proc.readAllStandardOutput().data())
        if not data:
            return
        self.last_heard = time.monotonic()
        try:
            messages = self._reader.feed(data)
        except wire.WireError as exc:
            self.garbled(str(exc))
            return
        if messages:
            self.messages.emit(messages)

    def garbled(self, detail: str) -> None:
        """It sent something that is not the protocol: it is killed (and restarted)."""
        log.warning("the jobs engine sent something unreadable (%s); restarting it", detail)
        self.kill()

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        crashed = status is QProcess.ExitStatus.CrashExit
        self._end("it crashed" if crashed else f"it exited with code {code}")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart and self._proc is not None:
            self._end(self._proc.errorString())

    def _end(self, how: str) -> None:
        if self._ended or self._proc is None:
            return
        self._read()  # its last messages
        self._ended = True
        self._queued = []
        proc, self._proc = self._proc, None
        proc.deleteLater()
        self.ended.emit(how)
