"""Save, copy and drag out results. Saving runs off the GUI thread and reports a sentence.

Signals:
    finished(str): what happened, for the window's notice bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QRunnable, QSettings, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDrag, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from fal_desktop.core.paths import is_local_file
from fal_desktop.core.saving import (
    DEFAULT_UPSCALE_TEMPLATE, job_parameters, render_name, save_with_metadata,
)
from fal_desktop.ui.image_view import read_image
from fal_desktop.ui.jobs_model import JobRow

__all__ = ["ResultSaver", "plan_saves"]

TEXT_TEMPLATE = "{stem}_{seed}_{index}.{ext}"


def _stem(row: JobRow) -> str:
    for key, value in row.job.inputs.items():
        if "image" in key and isinstance(value, str) and value and not value.startswith("data:") and \
                ("/" in value or "\\" in value):
            return Path(value.replace("\\", "/").rsplit("/", 1)[-1]).stem or "image"
    words = str(row.job.inputs.get("prompt") or "image").split()[:6]
    return "-".join(words) or "image"


def plan_saves(rows: list[JobRow], folder: Path, template: str = DEFAULT_UPSCALE_TEMPLATE, *,
               session_name: Callable[[str | None], str] = lambda session_id: "session",
               ) -> list[tuple[Path, Path, dict]]:
    """(source, target, parameters) for every result file of the given rows."""
    plans = []
    for row in rows:
        output = row.job.output if isinstance(row.job.output, dict) else {}
        params = job_parameters(row.job)
        seed = params["seed"]
        for index, source in enumerate(row.files):
            source = Path(source)
            factor = ""
            image_size = output.get("image") if isinstance(output.get("image"), dict) else None
            before = row.job.inputs.get("image_url")
            if image_size and is_local_file(before):
                from PIL import Image

                with Image.open(before) as original:
                    factor = f"{image_size.get('width', 0) / max(1, original.width):g}"
            chosen = template if factor else (TEXT_TEMPLATE if "{factor}" in template else template)
            name = render_name(chosen, stem=_stem(row), model=row.job.endpoint_id.rsplit("/", 1)[-1],
                               factor=factor or "1", ext=source.suffix.lstrip(".").lower() or "png",
                               seed=seed, index=index, session=session_name(row.job.session_id))
            plans.append((source, folder / name, params))
    return plans


class _SaveTask(QRunnable):
    def __init__(self, plans: list[tuple[Path, Path, dict]], signals: "_Signals", *, quiet: bool,
                 what: str) -> None:
        super().__init__()
        self.plans, self.signals, self.quiet, self.what = plans, signals, quiet, what

    def run(self) -> None:
        saved, problems = [], []
        for source, target, params in self.plans:
            try:
                saved.append(save_with_metadata(source, target, params))
            except (OSError, ValueError) as exc:
                problems.append(f"{target.name}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
        message = ""
        if problems:
            message = (f"{self.what}: saved {len(saved)} of {len(self.plans)} files. {problems[0]}. "
                       f"The results are still in the app's data folder ({self.plans[0][0].parent.parent}).")
        elif not self.quiet:
            folder = self.plans[0][1].parent if self.plans else ""
            message = f"Saved {len(saved)} file{'s' if len(saved) != 1 else ''} to {folder}."
        self.signals.wrote.emit([str(p) for p in saved], message)
        if message:
            self.signals.finished.emit(message, not problems)


class _Signals(QObject):
    finished = Signal(str, bool)
    wrote = Signal(list, str)


class ResultSaver(QObject):
    """Signals: finished(str, bool) a sentence for the notice bar and whether all went well;
    wrote(list, str) the files written by one save (and its sentence, empty when all went well
    quietly)."""

    finished = Signal(str, bool)
    wrote = Signal(list, str)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._pool = QThreadPool(self)
        self._signals = _Signals(self)
        self._signals.finished.connect(self.finished)
        self._signals.wrote.connect(self.wrote)

    def folder(self, parent: QWidget | None, *, ask: bool = False) -> Path | None:
        """The remembered save folder; the user picks it the first time (or when asked)."""
        remembered = self.settings.value("save/folder")
        if remembered and not ask and Path(str(remembered)).is_dir():
            return Path(str(remembered))
        chosen = QFileDialog.getExistingDirectory(parent, "Save results to…", str(remembered or Path.home()))
        if not chosen:
            return None
        self.settings.setValue("save/folder", chosen)
        return Path(chosen)

    def save(self, rows: list[JobRow], folder: Path, template: str | None = None, *,
             session_name: Callable[[str | None], str] = lambda session_id: "session",
             quiet: bool = False, what: str = "Saving") -> int:
        """Save the rows' files in a worker thread; ``quiet`` reports only problems."""
        plans = plan_saves([r for r in rows if r.files], folder, template or self.template,
                           session_name=session_name)
        if not plans:
            if not quiet:
                self.finished.emit("There is no finished result to save yet.", True)  # nothing wrong
            return 0
        self._pool.start(_SaveTask(plans, self._signals, quiet=quiet, what=what))
        return len(plans)

    @property
    def template(self) -> str:
        return str(self.settings.value("save/template") or DEFAULT_UPSCALE_TEMPLATE)

    def wait_idle(self, ms: int = 30000) -> None:
        self._pool.waitForDone(ms)

    @staticmethod
    def copy(row: JobRow | None) -> bool:
        if row is None or not row.files:
            return False
        image = read_image(row.files[0])
        if image.isNull():
            return False
        # setImage, not a QMimeData made here: the clipboard outlives Python at exit, and a
        # Python-made QMimeData on it crashes the interpreter's shutdown.
        QGuiApplication.clipboard().setImage(image)
        return True

    @staticmethod
    def drag(source: QWidget, row: JobRow | None) -> None:
        """Drag the result file out of the window (into a file manager or another app)."""
        if row is None or not row.files:
            return
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(f) for f in row.files])
        drag = QDrag(source)
        drag.setMimeData(mime)
        drag.exec()
