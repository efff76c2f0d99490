"""What the user drops on or pastes into the main window: saved outputs restore their
parameters, other images (files, folders, URLs, clipboard pictures) are upscaled."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication, QKeySequence

__all__ = ["WindowInputs"]


class WindowInputs:
    """Needs ``paths``, ``catalog``, ``model_panel``, ``notice``, ``upscale`` and ``_when_ready``
    on the window it is mixed into (before ``QMainWindow`` in the bases, for its events)."""

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        from fal_desktop.ui.window.drop_inputs import has_inputs

        if has_inputs(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        from fal_desktop.ui.window.drop_inputs import dropped_folders, inputs_from_mime

        event.acceptProposedAction()
        folders = dropped_folders(event.mimeData())
        if folders is not None:  # folders are searched on a worker: the window stays live
            self.scan_dropped(*folders)
            return
        self.take_inputs(inputs_from_mime(event.mimeData(), self.paths.data / "pasted"))

    def scan_dropped(self, local: list[Path], remote: list[str]) -> None:
        """Search dropped files and folders for images off the GUI thread, then use them."""
        from fal_desktop.core.inputs import image_files_in
        from fal_desktop.widgets.background import Background

        if getattr(self, "_scanner", None) is None:
            self._scanner = Background(self, threads=1)  # drops are used in the order made
        self.notice.show_message("Looking for images in the dropped folder…", info=True)
        self._scanner.run(
            lambda: [str(p) for p in image_files_in(local)] + remote,
            done=self.take_inputs,
            failed=lambda exc: self.notice.show_message(
                f"The dropped folder could not be read: {exc}"
            ),
        )

    def take_inputs(self, inputs: list[str]) -> None:
        """Dropped inputs: a saved output restores its parameters, anything else is upscaled."""
        if self._when_ready(
            lambda: self.take_inputs(inputs), f"the {len(inputs)} dropped item(s) will be used"
        ):
            return
        if len(inputs) == 1 and self.restore_from_file(inputs[0]):
            return
        self.upscale(inputs)

    def restore_from_file(self, path: str) -> bool:
        """A saved output dropped back: its model and parameters go into the form."""
        from fal_desktop.core.saving import read_metadata

        params = read_metadata(Path(path)) if Path(path).is_file() else None
        endpoint_id = params.get("endpoint_id") if params else None
        inputs = params.get("input") if params else None
        if not isinstance(endpoint_id, str) or not isinstance(inputs, dict):
            return False
        schema = self.catalog.cached(endpoint_id)
        if schema is None:
            self.notice.show_message(
                f"{Path(path).name} was made with {endpoint_id}; load that model "
                "first (type its id at the top left), then drop it again."
            )
            return True
        self.model_panel.select_model(endpoint_id)
        notes = self.model_panel.form.set_value(inputs) if self.model_panel.form else []
        self.notice.show_message(
            f"Parameters restored from {Path(path).name}."
            + (" " + " ".join(notes) if notes else ""),
            info=not notes,
        )
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Reaches the window only when no text field took it, so pasting text still works.
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_inputs()
            return
        super().keyPressEvent(event)

    def paste_inputs(self) -> None:
        from fal_desktop.ui.window.drop_inputs import inputs_from_mime

        self.upscale(
            inputs_from_mime(QGuiApplication.clipboard().mimeData(), self.paths.data / "pasted")
        )
