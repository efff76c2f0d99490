"""Progress of the jobs under way in the window title (and the taskbar where the desktop
shows it), and a desktop notification when a long run of jobs ends while the user is away.

A "run" starts when a job starts while none is under way and ends when every job started
since has stopped; a run that took ``LONG_SECONDS`` or more, ending while the window is not
the active one, is announced (Preferences → Notifications turns it off)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from fal_desktop.ui.window import prefs

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QSystemTrayIcon, QWidget

    from fal_desktop.jobs.events import JobUpdate

__all__ = ["APP_NAME", "JobProgress", "Notifier", "app_title", "send_desktop_notification"]

APP_NAME = "fal desktop"
LONG_SECONDS = 20
log = logging.getLogger(__name__)


def app_title(sandbox: bool) -> str:
    """The app's display name: Qt appends it to every window title that does not end with it,
    so the main window's title always ends with exactly this (see ``JobProgress.title``)."""
    return f"{APP_NAME} — sandbox" if sandbox else APP_NAME


def send_desktop_notification(title: str, body: str) -> bool:
    """Ask the desktop to show a notification (freedesktop over D-Bus on Linux, the native
    centre on macOS and Windows); whether it took it. Blocks briefly: call off the GUI thread."""
    try:
        from desktop_notifier import DesktopNotifierSync
    except ImportError:  # pragma: no cover - a build without it uses the tray
        return False
    taken: list[bool] = []
    notifier = DesktopNotifierSync(app_name=APP_NAME)
    try:
        notifier.send(title=title, message=body, on_dispatched=lambda: taken.append(True))
    except Exception:  # noqa: BLE001 - no bus, no service: the tray says it instead
        log.info("desktop notification failed", exc_info=True)
        return False
    return bool(taken)


class Notifier(QObject):
    """Sends notifications off the GUI thread; where the desktop takes none, the system
    tray's balloon says it (if there is a tray)."""

    def __init__(self, parent: QObject, send: Callable[[str, str], bool] | None = None) -> None:
        super().__init__(parent)
        from fal_desktop.widgets.background import Background

        self.send_desktop = send or send_desktop_notification
        self.work = Background(self, threads=1)
        self.tray: QSystemTrayIcon | None = None
        self.sent: list[
            tuple[str, str, str]
        ] = []  # (how, title, body): what was asked, for the log

    def notify(self, title: str, body: str) -> None:
        self.work.run(
            self.send_desktop,
            title,
            body,
            done=lambda ok: self._sent(title, body) if ok else self._tray(title, body),
            failed=lambda _exc: self._tray(title, body),
        )

    def _sent(self, title: str, body: str) -> None:
        self.sent.append(("desktop", title, body))

    def _tray(self, title: str, body: str) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("no desktop notification service or tray: %s", body)
            self.sent.append(("none", title, body))
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(QGuiApplication.windowIcon(), self)
        self.tray.show()
        self.tray.showMessage(title, body)
        self.sent.append(("tray", title, body))

    def stop(self) -> None:
        self.work.stop()


class JobProgress(QObject):
    """Follows the window's job updates: the title shows "2 of 5 done", and a long run that
    ends while the window is inactive is announced."""

    def __init__(
        self,
        window: QWidget,
        settings: QSettings,
        sandbox: bool,
        notifier: Notifier | None = None,
    ) -> None:
        """``window``: whose title shows the progress; ``sandbox``: the title says so."""
        super().__init__(window)
        self.window, self.settings, self.sandbox = window, settings, sandbox
        self.notifier = notifier or Notifier(self)
        self.clock: Callable[[], float] = time.monotonic
        self._started: float | None = None
        self._stopped: dict[str, object] = {}  # job id → its state, once it stopped
        self._jobs: set[str] = set()
        self._shown: float | None = None  # the taskbar's progress, sent only when it changes
        self.show_title()

    def on_updates(self, updates: list[JobUpdate]) -> None:
        for update in updates:
            if not update.state.finished:
                if not self._jobs:
                    self._started = self.clock()
                self._jobs.add(update.job_id)
                self._stopped.pop(update.job_id, None)  # retried: under way again
            elif update.job_id in self._jobs:
                self._stopped[update.job_id] = update.state
        if self._jobs and len(self._stopped) == len(self._jobs):
            self._run_ended()
        self.show_title()

    def _run_ended(self) -> None:
        from fal_desktop.core.jobstore import JobState

        seconds = self.clock() - (self._started or self.clock())
        states = list(self._stopped.values())
        self._jobs, self._stopped, self._started = set(), {}, None
        if (
            seconds < LONG_SECONDS
            or self.window.isActiveWindow()
            or not prefs.notifications_on(self.settings)
        ):
            return
        done = sum(1 for state in states if state is JobState.COMPLETED)
        if len(states) == 1:
            body = "Your job is done." if done else "Your job stopped without a result."
        else:
            body = f"{done} of {len(states)} jobs are done."
            if done < len(states):
                body += f" {len(states) - done} stopped without a result."
        self.notifier.notify(app_title(self.sandbox), body)

    def title(self) -> str:
        name = app_title(self.sandbox)
        if not self._jobs:
            return name
        return f"{len(self._stopped)} of {len(self._jobs)} done · {name}"

    def show_title(self) -> None:
        self.window.setWindowTitle(self.title())
        fraction = len(self._stopped) / len(self._jobs) if self._jobs else None
        if fraction != self._shown:
            self._shown = fraction
            launcher_progress(fraction)

    def stop(self) -> None:
        self.notifier.stop()
        if self._shown is not None:
            launcher_progress(None)


def launcher_progress(fraction: float | None) -> None:
    """Progress on the app's taskbar / dock entry, on desktops that read the Unity launcher
    API over D-Bus (KDE Plasma, Ubuntu's dock, …); nothing elsewhere."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusMessage
    except ImportError:  # pragma: no cover
        return
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return
    message = QDBusMessage.createSignal(
        "/fal_desktop/launcher", "com.canonical.Unity.LauncherEntry", "Update"
    )
    message.setArguments(
        [
            "application://fal-desktop.desktop",
            {"progress": float(fraction or 0.0), "progress-visible": fraction is not None},
        ]
    )
    bus.send(message)
