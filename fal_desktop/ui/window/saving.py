"""The main window's saving actions: save or copy the selected result, save every result, pick
files to upscale, the naming template. A mixin, so the window module stays about layout and
wiring. The Save and Copy menu items are enabled only while there is a finished result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from fal_desktop.ui.jobs.table import JobRow

__all__ = ["WindowSaving"]


class WindowSaving:
    """Needs ``jobs_model``, ``jobs_panel``, ``manager``, ``saver``, ``settings``, ``notice`` and
    ``upscale`` on the window it is mixed into."""

    def _last_done(self) -> JobRow | None:
        return self.jobs_model.newest_with_files()

    def _result_row(self) -> JobRow | None:
        """What Save and Copy act on: the selected job, else the newest finished one."""
        return self.jobs_panel.selected_row() or self._last_done()

    def watch_results(self, *, one: list[QAction], every: list[QAction]) -> None:
        """Keep ``one`` (act on the selected result) and ``every`` (act on all results) enabled
        only while they have a finished result to act on. Call once the panels exist."""

        def update(*_args) -> None:
            last = self._last_done()
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

    def _with_output(self, row: JobRow) -> JobRow:
        stored = self.manager.store.get(row.job.id)
        if stored is not None:
            row.job.output, row.job.payload = stored.output, stored.payload
        return row

    def pick_files_to_upscale(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from fal_desktop.forms.fields import IMAGE_FILTER

        files, _ = QFileDialog.getOpenFileNames(
            self, "Images to upscale", str(Path.home()), IMAGE_FILTER
        )
        if files:
            self.upscale(files)

    def edit_template(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        from fal_desktop.core.saving import fields_help

        text, ok = QInputDialog.getText(
            self,
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

    def shown_index(self, row: JobRow) -> int:
        """Which of the run's images is on screen (the first if none of them is)."""
        shown = getattr(self, "shown_file", None)
        return row.files.index(shown) if shown in row.files else 0

    def view_selected(self) -> None:
        """F11: the result on screen (or the selected one) in the full-window viewer."""
        row = self._result_row()
        if row is not None and row.files:
            self.session_ui.open_viewer(row.job, self.shown_index(row))

    def save_selected(self) -> None:
        """Save as…: the result on screen (or the selected one), under a name the user picks."""
        row = self._result_row()
        if row is None or not row.files:
            self._nothing_to("save", row)
        else:
            self.save_as(row, self.shown_index(row))

    def save_as(self, row: JobRow, index: int = 0) -> None:
        remembered = self.settings.value("save/folder")
        folder = (
            Path(str(remembered)) if remembered and Path(str(remembered)).is_dir() else Path.home()
        )
        plans = self.saver.plan([self._with_output(row)], folder, only=index)
        if not plans:
            return
        source, suggested, params = plans[0]
        chosen = self.saver.ask_file(self, suggested)
        if chosen is not None:
            self.saver.save_file((source, chosen, params))

    def copy_selected(self) -> None:
        row = self._result_row()
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

        rows = [self.jobs_model.row_at(i) for i in range(self.jobs_model.rowCount())]
        rows = [self._with_output(r) for r in rows if r is not None and r.files]
        if not rows:
            self._nothing_to("save", None)
            return
        folder = self.saver.folder(self)
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
            answer = confirm.ask_save_all(self, text)
            if answer == "save":
                self.saver.save_plans(fresh)
                return
            folder = self.saver.folder(self, ask=True) if answer == "other" else None
