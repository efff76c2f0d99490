"""The main window's saving actions: save or copy the selected result, save every result, pick
files to upscale, the naming template. A mixin, so the window module stays about layout and
wiring. The Save and Copy menu items are enabled only while there is a finished result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from fal_desktop.ui.jobs_model import JobRow

__all__ = ["WindowSaving"]


class WindowSaving:
    """Needs ``jobs_model``, ``jobs_panel``, ``manager``, ``saver``, ``settings``, ``notice`` and
    ``upscale`` on the window it is mixed into."""

    def _last_done(self) -> JobRow | None:
        for index in reversed(range(self.jobs_model.rowCount())):
            row = self.jobs_model.row_at(index)
            if row is not None and row.files:
                return row
        return None

    def _result_row(self) -> JobRow | None:
        """What Save and Copy act on: the selected job, else the newest finished one."""
        return self.jobs_panel.selected_row() or self._last_done()

    def watch_results(self, *, one: list[QAction], every: list[QAction]) -> None:
        """Keep ``one`` (act on the selected result) and ``every`` (act on all results) enabled
        only while they have a finished result to act on. Call once the panels exist."""
        def update(*_args) -> None:
            row = self._result_row()
            for action in one:
                action.setEnabled(bool(row is not None and row.files))
            for action in every:
                action.setEnabled(self._last_done() is not None)

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

        files, _ = QFileDialog.getOpenFileNames(self, "Images to upscale", str(Path.home()), IMAGE_FILTER)
        if files:
            self.upscale(files)

    def edit_template(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(
            self, "Naming template",
            "How saved files are named. Fields: {stem} {model} {factor} {seed} {index} {date} {ext}",
            text=self.saver.template)
        if ok and text.strip():
            self.settings.setValue("save/template", text.strip())

    def _nothing_to(self, verb: str, row: JobRow | None) -> None:
        """A calm notice: there is no finished result for Save or Copy (not a problem)."""
        text = (f"There is no finished result to {verb} yet." if row is None
                else f"Select a finished job to {verb} its result.")
        self.notice.show_message(text, info=True)

    def save_selected(self) -> None:
        row = self._result_row()
        folder = self.saver.folder(self) if row is not None and row.files else None
        if row is None or not row.files:
            self._nothing_to("save", row)
        elif folder is not None:
            self.saver.save([self._with_output(row)], folder)

    def copy_selected(self) -> None:
        row = self._result_row()
        if row is None or not row.files:
            self._nothing_to("copy", row)
        elif self.saver.copy(row):
            self.notice.show_message("Copied the image to the clipboard.", info=True)
        else:
            self.notice.show_message(f"{Path(row.files[0]).name} could not be read, so nothing was copied.")

    def save_all(self) -> None:
        rows = [self.jobs_model.row_at(i) for i in range(self.jobs_model.rowCount())]
        rows = [self._with_output(r) for r in rows if r is not None and r.files]
        folder = self.saver.folder(self) if rows else None
        if not rows:
            self._nothing_to("save", None)
        elif folder is not None:
            self.saver.save(rows, folder)
