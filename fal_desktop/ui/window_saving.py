"""The main window's saving actions: save the selected or every result, pick files to upscale,
the naming template. A mixin, so the window module stays about layout and wiring."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fal_desktop.ui.jobs_model import JobRow

__all__ = ["WindowSaving"]


class WindowSaving:
    """Needs ``jobs_model``, ``jobs_panel``, ``manager``, ``saver``, ``settings``, ``notice`` and
    ``upscale`` on the window it is mixed into."""

    def _last_done(self) -> JobRow | None:
        done = [self.jobs_model.row_at(i) for i in range(self.jobs_model.rowCount())]
        done = [r for r in done if r is not None and r.files]
        return done[-1] if done else None

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

    def save_selected(self) -> None:
        row = self.jobs_panel.selected_row() or self._last_done()
        folder = self.saver.folder(self) if row is not None and row.files else None
        if row is None or not row.files:
            self.notice.show_message("Select a finished job to save its result.")
        elif folder is not None:
            self.saver.save([self._with_output(row)], folder)

    def save_all(self) -> None:
        rows = [self.jobs_model.row_at(i) for i in range(self.jobs_model.rowCount())]
        rows = [self._with_output(r) for r in rows if r is not None and r.files]
        folder = self.saver.folder(self) if rows else None
        if not rows:
            self.notice.show_message("There is no finished result to save yet.")
        elif folder is not None:
            self.saver.save(rows, folder)
