"""Optional auto-save: every new result is written to a chosen folder as it arrives, named by
a template (``{date}/{session}_{seed}_{index}.{ext}`` by default), parameters embedded. The
result always stays in the app's data folder too, so a full disk or a read-only folder costs
the copy, never the result; the window's notice says so.

Signals:
    enabled_changed(bool)
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from fal_desktop.core.jobstore import JobRecord
from fal_desktop.core.saving import DEFAULT_AUTOSAVE_TEMPLATE, fields_help
from fal_desktop.ui.results.saver import ResultSaver

__all__ = ["AutoSaver"]


class AutoSaver(QObject):
    enabled_changed = Signal(bool)

    def __init__(
        self, settings: QSettings, saver: ResultSaver, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings, self.saver = settings, saver

    @property
    def enabled(self) -> bool:
        return str(self.settings.value("autosave/enabled", "false")).lower() == "true"

    @property
    def folder(self) -> Path | None:
        value = self.settings.value("autosave/folder")
        return Path(str(value)) if value else None

    @property
    def template(self) -> str:
        return str(self.settings.value("autosave/template") or DEFAULT_AUTOSAVE_TEMPLATE)

    def set_enabled(
        self, on: bool, parent: QWidget | None = None, *, folder: Path | None = None
    ) -> None:
        """Switch auto-save on (asking for the folder the first time) or off."""
        if folder is not None:
            self.settings.setValue("autosave/folder", str(folder))
        if on and self.folder is None:
            chosen = QFileDialog.getExistingDirectory(
                parent, "Auto-save results to…", str(Path.home())
            )
            if not chosen:
                on = False
            else:
                self.settings.setValue("autosave/folder", chosen)
        self.settings.setValue("autosave/enabled", "true" if on else "false")
        self.enabled_changed.emit(on)

    def configure(self, parent: QWidget | None) -> None:
        """Pick the folder (which turns auto-save on: that is why one picks it) and the naming."""
        chosen = QFileDialog.getExistingDirectory(
            parent, "Auto-save results to…", str(self.folder or Path.home())
        )
        text, ok = QInputDialog.getText(
            parent,
            "Auto-save naming",
            "How auto-saved files are named (folders allowed with /).\n" + fields_help(),
            text=self.template,
        )
        if ok and text.strip():
            self.settings.setValue("autosave/template", text.strip())
        if chosen:
            self.set_enabled(True, parent, folder=Path(chosen))

    def completed(self, job: JobRecord) -> bool:
        """A run finished: save its files if auto-save is on. Returns whether it started."""
        folder = self.folder
        if not self.enabled or folder is None or not job.files:
            return False
        from fal_desktop.ui.jobs.table import row_of  # built after the saver, at start

        self.saver.save([row_of(job)], folder, self.template, quiet=True, what="Auto-save")
        return True
