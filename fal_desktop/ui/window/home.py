"""What makes the window feel at home: the first start's welcome, Preferences (applied live),
the job progress in the title with notifications, and the keyboard actions on all jobs.

Signals: welcome_dismissed() the user closed the welcome (the window says the plain "no key"
notice then).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from fal_desktop.ui.window import prefs
from fal_desktop.ui.window.welcome import DISMISSED, WelcomePanel, sandbox_command, start_detached

if TYPE_CHECKING:
    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.form_memory import FormMemory
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.jobs.manager import BaseJobManager
    from fal_desktop.ui.dialogs.preferences import PreferencesDialog
    from fal_desktop.ui.jobs.table import JobRow, JobsModel
    from fal_desktop.ui.models.panel import ModelPanel
    from fal_desktop.ui.window.notify import JobProgress
    from fal_desktop.ui.window.shell import Banner

__all__ = ["HomeHost", "WindowHome"]


class HomeHost(Protocol):
    """What the welcome, Preferences and the actions on every job need of the window (named
    here, not imported: the window builds this). All but ``paths``, ``settings`` and
    ``sandbox`` are there once the window is ready."""

    paths: AppPaths
    settings: QSettings
    sandbox: bool
    notice: Banner
    catalog: Catalog
    memory: FormMemory
    manager: BaseJobManager
    jobs_model: JobsModel
    model_panel: ModelPanel

    def retry(self, job_id: str) -> None: ...


class WindowHome(QObject):
    welcome_dismissed = Signal()

    def __init__(
        self, host: HomeHost, window: QMainWindow, open_key_dialog: Callable[[], object]
    ) -> None:
        """``window`` (the host's widget) parents the dialogs and is closed to restart."""
        super().__init__(window)
        self.host, self.window = host, window
        self.start_args: list[str] = []  # the command line's arguments (app.py), for a restart
        self.welcome = WelcomePanel(
            host.paths.outputs, open_key_dialog, self.try_sandbox, window.centralWidget()
        )
        self.welcome.close_button.clicked.connect(self.dismiss_welcome)
        self.progress: JobProgress | None = None
        self.preferences: PreferencesDialog | None = None  # tests reach it while it is open

    def ready(self) -> None:
        """The window's panels and job manager exist (``finish_setup``)."""
        from fal_desktop.ui.window.notify import JobProgress

        self.progress = JobProgress(self.window, self.host.settings, self.host.sandbox)
        self.host.manager.jobs_updated.connect(self.progress.on_updates)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    # -- the welcome ------------------------------------------------------------------

    def show_welcome(self) -> bool:
        """Show the welcome if this is a first start (no key, no job ever, not dismissed)."""
        settings = self.host.settings
        wanted = (
            str(settings.value(DISMISSED, "false")).lower() != "true"
            and not self.host.sandbox
            and not self.host.manager.store.all(limit=1)
        )
        self.welcome.setVisible(wanted)
        return wanted

    def key_set(self) -> None:
        """A key is set: the welcome is done for good."""
        if self.welcome.isVisible() or self.host.settings.value(DISMISSED) is None:
            self.host.settings.setValue(DISMISSED, "true")
        self.welcome.hide()

    def dismiss_welcome(self) -> None:
        self.host.settings.setValue(DISMISSED, "true")
        self.welcome.hide()
        self.welcome_dismissed.emit()

    def try_sandbox(self) -> None:
        """Start fal desktop again in the sandbox (same arguments) and close this window."""
        command = sandbox_command(self.start_args)
        if not start_detached(command):
            QMessageBox.information(
                self.window,
                "Try the sandbox",
                "fal desktop could not start itself again. Start it with --sandbox:\n\n"
                + " ".join(command),
            )
            return
        self.window.close()

    # -- preferences ------------------------------------------------------------------

    def open_preferences(self) -> None:
        from fal_desktop.ui.dialogs.preferences import PreferencesDialog

        host = self.host
        upscalers = [
            e.endpoint_id
            for e in host.catalog.entries()
            if e.category in ("upscale", "image-upscaling") or "upscal" in e.endpoint_id
        ]
        current = host.memory.get("__app__").get("upscaler") or prefs.DEFAULT_UPSCALER
        dialog = PreferencesDialog(host.settings, upscalers, current, self.window)
        self.preferences = dialog
        dialog.accepted.connect(lambda: self._apply(dialog))
        dialog.open()

    def _apply(self, dialog: PreferencesDialog) -> None:
        from fal_desktop.ui.window.theme import apply_theme

        dialog.store()
        memory = self.host.memory
        memory.remember("__app__", {**memory.get("__app__"), "upscaler": dialog.chosen_upscaler})
        apply_theme(prefs.theme(self.host.settings))
        self.host.manager.set_max_in_flight(prefs.jobs_in_flight(self.host.settings))

    # -- every job at once ------------------------------------------------------------

    def cancel_all(self) -> int:
        """Cancel every job under way or waiting; how many."""
        from fal_desktop.ui.jobs.panel import JobsPanel

        rows = [row for row in self._rows() if JobsPanel._can_cancel(row)]  # noqa: SLF001
        for row in rows:
            self.host.manager.cancel(row.job.id)
        self._say(f"Cancelled {len(rows)} job(s)." if rows else "No job to cancel.")
        return len(rows)

    def retry_failed(self) -> int:
        """Retry every stopped job Retry applies to (never a new paid job); how many."""
        from fal_desktop.ui.jobs.job_texts import retry_tip

        rows = [row for row in self._rows() if retry_tip(row) is not None]
        for row in rows:
            self.host.retry(row.job.id)  # the window's own Retry
        self._say(f"Retrying {len(rows)} job(s)." if rows else "No job to retry.")
        return len(rows)

    def _rows(self) -> list[JobRow]:
        model = self.host.jobs_model
        return [row for i in range(model.rowCount()) if (row := model.row_at(i)) is not None]

    def _say(self, text: str) -> None:
        self.host.notice.show_message(text, info=True)

    # -- focus ------------------------------------------------------------------------

    def focus_prompt(self) -> None:
        form = self.host.model_panel.form
        field = form.fields.get("prompt") if form is not None else None
        target = getattr(field, "editor", field)
        if target is None:
            self._say("This model has no prompt.")
            return
        target.setFocus()

    def focus_model_picker(self) -> None:
        picker = self.host.model_panel.picker
        picker.setFocus()
        picker.showPopup()


def apply_start_preferences(window: HomeHost) -> None:
    """The theme saved in the preferences, before the window is first shown."""
    from fal_desktop.ui.window.theme import apply_theme

    if QApplication.instance() is not None:
        apply_theme(prefs.theme(window.settings))
