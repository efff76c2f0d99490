"""What makes the window feel at home: the first start's welcome, Preferences (applied live),
the job progress in the title with notifications, and the keyboard actions on all jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from fal_desktop.ui.window import prefs
from fal_desktop.ui.window.welcome import DISMISSED, WelcomePanel, sandbox_command, start_detached

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow as MainWindow  # the main window (no import cycle)

    from fal_desktop.ui.window.notify import JobProgress

__all__ = ["WindowHome"]


class WindowHome(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.start_args: list[str] = []  # the command line's arguments (app.py), for a restart
        self.welcome = WelcomePanel(
            window.paths.outputs,
            lambda: window.open_key_dialog(),
            self.try_sandbox,
            window.centralWidget(),
        )
        self.welcome.close_button.clicked.connect(self.dismiss_welcome)
        self.progress: JobProgress | None = None

    def ready(self) -> None:
        """The window's panels and job manager exist (``finish_setup``)."""
        from fal_desktop.ui.window.notify import JobProgress

        self.progress = JobProgress(self.window)
        self.window.manager.jobs_updated.connect(self.progress.on_updates)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    # -- the welcome ------------------------------------------------------------------

    def show_welcome(self) -> bool:
        """Show the welcome if this is a first start (no key, no job ever, not dismissed)."""
        settings = self.window.settings
        wanted = (
            str(settings.value(DISMISSED, "false")).lower() != "true"
            and not self.window.sandbox
            and not self.window.manager.store.all(limit=1)
        )
        self.welcome.setVisible(wanted)
        return wanted

    def key_set(self) -> None:
        """A key is set: the welcome is done for good."""
        if self.welcome.isVisible() or self.window.settings.value(DISMISSED) is None:
            self.window.settings.setValue(DISMISSED, "true")
        self.welcome.hide()

    def dismiss_welcome(self) -> None:
        self.window.settings.setValue(DISMISSED, "true")
        self.welcome.hide()
        self.window._check_key()  # noqa: SLF001 - the plain "no key" notice, now

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

        window = self.window
        upscalers = [
            e.endpoint_id
            for e in window.catalog.entries()
            if e.category in ("upscale", "image-upscaling") or "upscal" in e.endpoint_id
        ]
        current = window.memory.get("__app__").get("upscaler") or prefs.DEFAULT_UPSCALER
        dialog = PreferencesDialog(window.settings, upscalers, current, window)
        self.preferences = dialog  # tests reach it while it is open
        dialog.accepted.connect(lambda: self._apply(dialog))
        dialog.open()

    def _apply(self, dialog) -> None:
        from fal_desktop.ui.window.theme import apply_theme

        dialog.store()
        window = self.window
        window.memory.remember(
            "__app__", {**window.memory.get("__app__"), "upscaler": dialog.chosen_upscaler}
        )
        apply_theme(prefs.theme(window.settings))
        window.manager.set_max_in_flight(prefs.jobs_in_flight(window.settings))

    # -- every job at once ------------------------------------------------------------

    def cancel_all(self) -> int:
        """Cancel every job under way or waiting; how many."""
        from fal_desktop.ui.jobs.panel import JobsPanel

        rows = [row for row in self._rows() if JobsPanel._can_cancel(row)]  # noqa: SLF001
        for row in rows:
            self.window.manager.cancel(row.job.id)
        self._say(f"Cancelled {len(rows)} job(s)." if rows else "No job to cancel.")
        return len(rows)

    def retry_failed(self) -> int:
        """Retry every stopped job Retry applies to (never a new paid job); how many."""
        from fal_desktop.ui.jobs.panel import retry_tip

        rows = [row for row in self._rows() if retry_tip(row) is not None]
        for row in rows:
            self.window._retry(row.job.id)  # noqa: SLF001 - the window's own Retry
        self._say(f"Retrying {len(rows)} job(s)." if rows else "No job to retry.")
        return len(rows)

    def _rows(self):
        model = self.window.jobs_model
        return [model.row_at(i) for i in range(model.rowCount())]

    def _say(self, text: str) -> None:
        self.window.notice.show_message(text, info=True)

    # -- focus ------------------------------------------------------------------------

    def focus_prompt(self) -> None:
        form = self.window.model_panel.form
        field = form.fields.get("prompt") if form is not None else None
        target = getattr(field, "editor", field)
        if target is None:
            self._say("This model has no prompt.")
            return
        target.setFocus()

    def focus_model_picker(self) -> None:
        picker = self.window.model_panel.picker
        picker.setFocus()
        picker.showPopup()


def apply_start_preferences(window: MainWindow) -> None:
    """The theme saved in the preferences, before the window is first shown."""
    from fal_desktop.ui.window.theme import apply_theme

    if QApplication.instance() is not None:
        apply_theme(prefs.theme(window.settings))
