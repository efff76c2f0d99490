"""What the user drops on or pastes into the main window: saved outputs restore their
parameters, other images (files, folders, URLs, clipboard pictures) are upscaled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeyEvent, QKeySequence

if TYPE_CHECKING:
    from fal_desktop.core.catalog import Catalog
    from fal_desktop.ui.models.panel import ModelPanel
    from fal_desktop.ui.window.shell import Banner
    from fal_desktop.widgets.background import Background

__all__ = ["InputsHost", "WindowInputs"]

#: A folder search still going after this long says so in the banner. Shown at once, the
#: banner's first frame (the window's layout and paint, while the search holds Python's lock on
#: a worker) was the drop's longest frame, 20–30 ms, for a search of 5,000 files that ends in
#: about 15 ms; the batch question follows it.
SCAN_NOTICE_MS = 300


class InputsHost(Protocol):
    """What dropped and pasted inputs need of the window (``catalog`` and ``model_panel`` only
    once it is ready: until then ``when_ready`` queues what was dropped)."""

    notice: Banner
    catalog: Catalog
    model_panel: ModelPanel

    def when_ready(self, action: Callable[[], object], what: str) -> bool: ...
    def upscale(
        self, inputs: list[str], upscaler: str | None = None, *, ask: bool = True
    ) -> list[str]: ...


class WindowInputs(QObject):
    """The window hands it its drag, drop and key events (``drag_enter``, ``drop``,
    ``key_press``); pasted pictures are written under ``paste_dir``."""

    def __init__(self, window: InputsHost, paste_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window, self.paste_dir = window, paste_dir
        self._scanner: Background | None = None
        self._scanning = 0  # searches under way
        self._scan_notice = QTimer(self, singleShot=True, interval=SCAN_NOTICE_MS)
        self._scan_notice.timeout.connect(self._say_scanning)

    def drag_enter(self, event: QDragEnterEvent) -> None:
        from fal_desktop.ui.window.drop_inputs import has_inputs

        if has_inputs(event.mimeData()):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        from fal_desktop.ui.window.drop_inputs import dropped_folders, inputs_from_mime

        event.acceptProposedAction()
        folders = dropped_folders(event.mimeData())
        if folders is not None:  # folders are searched on a worker: the window stays live
            self.scan_dropped(*folders)
            return
        self.take_inputs(inputs_from_mime(event.mimeData(), self.paste_dir))

    def scan_dropped(self, local: list[Path], remote: list[str]) -> None:
        """Search dropped files and folders for images off the GUI thread, then use them."""
        from fal_desktop.core.inputs import image_paths_in
        from fal_desktop.widgets.background import Background

        if self._scanner is None:  # drops are used in the order made; a bulk Python loop
            self._scanner = Background(self, threads=1, bulk=True)
        self._scanning += 1
        self._scan_notice.start()

        def scanned(inputs: list[str]) -> None:
            self._scanning -= 1
            self.take_inputs(inputs)

        def failed(exc: BaseException) -> None:
            self._scanning -= 1
            self.window.notice.show_message(f"The dropped folder could not be read: {exc}")

        self._scanner.run(lambda: image_paths_in(local) + remote, done=scanned, failed=failed)

    def _say_scanning(self) -> None:
        if self._scanning:
            self.window.notice.show_message("Looking for images in the dropped folder…", info=True)

    def take_inputs(self, inputs: list[str]) -> None:
        """Dropped inputs: a saved output restores its parameters, anything else is upscaled."""
        if self.window.when_ready(
            lambda: self.take_inputs(inputs), f"the {len(inputs)} dropped item(s) will be used"
        ):
            return
        if len(inputs) == 1 and self.restore_from_file(inputs[0]):
            return
        self.window.upscale(inputs)

    def restore_from_file(self, path: str) -> bool:
        """A saved output dropped back: its model and parameters go into the form."""
        from fal_desktop.core.saving import read_metadata

        params = read_metadata(Path(path)) if Path(path).is_file() else None
        endpoint_id = params.get("endpoint_id") if params else None
        inputs = params.get("input") if params else None
        if not isinstance(endpoint_id, str) or not isinstance(inputs, dict):
            return False
        window = self.window
        schema = window.catalog.cached(endpoint_id)
        if schema is None:
            window.notice.show_message(
                f"{Path(path).name} was made with {endpoint_id}; load that model "
                "first (type its id at the top left), then drop it again."
            )
            return True
        window.model_panel.select_model(endpoint_id)
        form = window.model_panel.form
        notes = form.set_value(inputs) if form is not None else []
        window.notice.show_message(
            f"Parameters restored from {Path(path).name}."
            + (" " + " ".join(notes) if notes else ""),
            info=not notes,
        )
        return True

    def key_press(self, event: QKeyEvent) -> bool:
        """Whether it took the key (Paste). The window gets a key only when no text field took
        it, so pasting text still works."""
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_inputs()
            return True
        return False

    def paste_inputs(self) -> None:
        from fal_desktop.ui.window.drop_inputs import inputs_from_mime

        self.window.upscale(
            inputs_from_mime(QGuiApplication.clipboard().mimeData(), self.paste_dir)
        )
