"""One fal-desktop per job store: a second start hands its request to the first and leaves.

Two windows on one job store would both resume the same unfinished jobs, and a job not yet
sent could be sent by each. So the first start holds a lock file beside the store
(``QLockFile``: a crashed holder's lock is taken over), and listens on a local socket once its
window is up. A later start that finds the lock held sends its request there (one JSON line,
e.g. ``{"upscale": [...]}``), which brings the window to the front and starts those jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLockFile, QObject

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

__all__ = ["SingleInstance", "take_lock"]

CONNECT_TRIES = 25  # × 200 ms: the first may still be starting (it listens after its first paint)
MAX_REQUEST_BYTES = 1 << 20


def take_lock(lock_path: Path) -> tuple[QLockFile, bool]:
    """The one-window-per-job-store lock (``ui/window/instance.py``), taken before the window shows: the
    lock, and whether this is the first start. A folder where no lock can be made is
    not a reason to refuse to start: then every start counts as the first."""
    lock = QLockFile(str(lock_path))
    lock.setStaleLockTime(0)  # stale only when its process is gone, however old
    first = lock.tryLock(0) or lock.error() is not QLockFile.LockError.LockFailedError
    return lock, first


class SingleInstance(QObject):
    """``lock``: one :func:`take_lock` already took (app.py takes it before importing this)."""

    def __init__(
        self, lock_path: Path, lock: QLockFile | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.lock_path = Path(lock_path)
        self._lock = lock
        self._server: QLocalServer | None = None
        self._clients: list[Any] = []

    @property
    def name(self) -> str:
        """The local socket's name (imports kept off the way to the first window)."""
        import hashlib

        return (
            "fal-desktop-" + hashlib.sha256(str(self.lock_path.resolve()).encode()).hexdigest()[:24]
        )

    def acquire(self) -> bool:
        """True if this is the first start (see :func:`take_lock`)."""
        self._lock, first = take_lock(self.lock_path)
        return first

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._lock is not None:
            self._lock.unlock()

    # -- the first start -------------------------------------------------------------

    def listen(self, handle: Callable[[dict[str, Any]], None]) -> bool:
        """Serve later starts' requests: ``handle(request)`` on the GUI thread."""
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(self.name)  # a crashed holder's socket; the lock is ours
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(lambda: self._accept(handle))
        self._server = server
        return server.listen(self.name)

    def _accept(self, handle: Callable[[dict[str, Any]], None]) -> None:
        import json

        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            self._clients.append(socket)
            buffer = bytearray()
            answered: list[bool] = []

            def readable(socket=socket, buffer=buffer, answered=answered) -> None:
                buffer += bytes(socket.readAll().data())
                if answered or (b"\n" not in buffer and len(buffer) < MAX_REQUEST_BYTES):
                    return
                answered.append(True)
                try:
                    request = json.loads(bytes(buffer).split(b"\n", 1)[0])
                except ValueError:
                    request = None
                socket.write(b"ok\n" if isinstance(request, dict) else b"not understood\n")
                socket.flush()
                socket.disconnectFromServer()
                if isinstance(request, dict):
                    handle(request)

            socket.readyRead.connect(readable)
            socket.disconnected.connect(lambda socket=socket: self._forget(socket))

    def _forget(self, socket: Any) -> None:
        if socket in self._clients:
            self._clients.remove(socket)
            socket.deleteLater()

    # -- a later start -----------------------------------------------------------------

    def send(self, request: dict[str, Any]) -> str:
        """Hand ``request`` to the first start: "ok" once it said so; "busy" if it took the
        request but did not answer in time (its window is busy; it still acts on it); "none"
        if nothing listened (blocks up to ~10 s while the first one may still be starting)."""
        import json

        from PySide6.QtCore import QThread
        from PySide6.QtNetwork import QLocalSocket

        for _ in range(CONNECT_TRIES):
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(200):
                socket.write(json.dumps(request).encode() + b"\n")
                if not socket.waitForBytesWritten(3000):
                    socket.abort()
                    return "none"
                answer = b""
                while b"\n" not in answer and socket.waitForReadyRead(3000):
                    answer += bytes(socket.readAll().data())
                socket.abort()
                return "ok" if answer.startswith(b"ok") else "busy"
            QThread.msleep(200)
        return "none"
