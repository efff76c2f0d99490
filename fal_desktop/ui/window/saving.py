"""The window's saving actions: save or copy the result on screen, save every result, view it
full-window, pick files to upscale, the naming template. The Save and Copy menu items are
enabled only while there is a finished result.

Signals: upscale_requested(list) files the user picked to upscale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from fal_desktop.core.jobstore import JobRecord, JobStore
    from fal_desktop.ui.jobs.panel import JobsPanel
    from fal_desktop.ui.jobs.table import JobRow, JobsModel
    from fal_desktop.ui.results.saver import ResultSaver
    from fal_desktop.ui.window.shell import Banner

__all__ = ["SavingActions"]


class SavingActions(QObject):
    upscale_requested = Signal(list)

    def __init__(
        self,
        window: QWidget,
        *,
        jobs_model: JobsModel,
        jobs_panel: JobsPanel,
        store: JobStore,
        saver: ResultSaver,
        settings: QSettings,
        notice: Banner,
        shown_index: Callable[[JobRow], int],
        open_viewer: Callable[[JobRecord, int], object],
    ) -> None:
        """``window`` parents the dialogs; ``shown_index(row)``: which of a run's images is on
        screen; ``open_viewer(job, index)``: the full-window viewer."""
        super().__init__(window)
        self.window = window
        self.jobs_model, self.jobs_panel, self.store = jobs_model, jobs_panel, store
        self.saver, self.settings, self.notice = saver, settings, notice
        self.shown_index, self.open_viewer = shown_index, open_viewer

    def last_done(self) -> JobRow | None:
        return self.jobs_model.newest_with_files()

    def result_row(self) -> JobRow | None:
        """What Save and Copy act on: the selected job, else the newest finished one."""
        return self.jobs_panel.selected_row() or self.last_done()

    def watch_results(self, *, one: list[QAction], every: list[QAction]) -> None:
        """Keep ``one`` (act on the selected result) and ``every`` (act on all results) enabled
        only while they have a finished result to act on. Call once the panels exist."""

        def update(*_args) -> None:
            last = self.last_done()
            row = self.jobs_panel.selected_row() or last
            for action in one:
                action.setEnabled(bool(row is not None and row.files))
            for action in every:
                action.setEnabled(last is not None)

        model = self.jobs_model
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(update)
        self.jobs_panel.job_selected.connect(update)
        update()

    def with_output(self, row: JobRow) -> JobRow:
        stored = self.store.get(row.job.id)
        if stored is not None:
            row.job.output, row.job.payload = stored.output, stored.payload
        return row

    def pick_files_to_upscale(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from fal_desktop.forms.fields import IMAGE_FILTER

        files, _ = QFileDialog.getOpenFileNames(
            self.window, "Images to upscale", str(Path.home()), IMAGE_FILTER
        )
        if files:
            self.upscale_requested.emit(files)

    def edit_template(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        from fal_desktop.core.saving import fields_help

        text, ok = QInputDialog.getText(
            self.window,
            "Naming template",
            "How saved files are named (every kind of result). A part between underscores whose "
            "fields are all empty is left out.\n" + fields_help(),
            text=self.saver.template,
        )
        if ok and text.strip():
            self.settings.setValue("save/template", text.strip())

    def _nothing_to(self, verb: str, row: JobRow | None) -> None:
        """A calm notice: there is no finished result for Save or Copy (not a problem)."""
        text = (
            f"There is no finished result to {verb} yet."
            if row is None
            else f"Select a finished job to {verb} its result."
        )
        self.notice.show_message(text, info=True)

    def view_selected(self) -> None:
        """F11: the result on screen (or the selected one) in the full-window viewer."""
        row = self.result_row()
        if row is not None and row.files:
            self.open_viewer(row.job, self.shown_index(row))

    def save_selected(self) -> None:
        """Save as…: the result on screen (or the selected one), under a name the user picks."""
        row = self.result_row()
        if row is None or not row.files:
            self._nothing_to("save", row)
        else:
            self.save_as(row, self.shown_index(row))

    def save_as(self, row: JobRow, index: int = 0) -> None:
        remembered = self.settings.value("save/folder")
        folder = (
            Path(str(remembered)) if remembered and Path(str(remembered)).is_dir() else Path.home()
        )
        plans = self.saver.plan([self.with_output(row)], folder, only=index)
        if not plans:
            return
        source, suggested, params = plans[0]
        chosen = self.saver.ask_file(self.window, suggested)
        if chosen is not None:
            self.saver.save_file((source, chosen, params))

    def copy_selected(self) -> None:
        row = self.result_row()
        if row is None or not row.files:
            self._nothing_to("copy", row)
        elif self.saver.copy(row):
            self.notice.show_message("Copied the image to the clipboard.", info=True)
        else:
            self.notice.show_message(
                f"{Path(row.files[0]).name} could not be read, so nothing was copied."
            )

    def save_all(self) -> None:
        """Every finished result into the save folder, after saying how many and where; files
        saved before (and still there) are skipped."""
        from fal_desktop.ui.dialogs import confirm

        model = self.jobs_model
        rows = [
            self.with_output(row)
            for i in range(model.rowCount())
            if (row := model.row_at(i)) is not None and row.files
        ]
        if not rows:
            self._nothing_to("save", None)
            return
        folder = self.saver.folder(self.window)
        while folder is not None:
            plans = self.saver.plan(rows, folder)
            fresh = [plan for plan in plans if not self.saver.saved.saved_before(plan[0])]
            skipped = len(plans) - len(fresh)
            if not fresh:
                self.notice.show_message(
                    f"All {len(plans)} result files were saved before; "
                    "there is nothing new to save.",
                    info=True,
                )
                return
            text = f"Save {len(fresh)} file{'s' if len(fresh) != 1 else ''} to {folder}?" + (
                f"\n{skipped} saved before {'is' if skipped == 1 else 'are'} skipped."
                if skipped
                else ""
            )
            answer = confirm.ask_save_all(self.window, text)
            if answer == "save":
                self.saver.save_plans(fresh)
                return
            folder = self.saver.folder(self.window, ask=True) if answer == "other" else None
