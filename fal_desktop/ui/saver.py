"""Save, copy and drag out results. Saving runs off the GUI thread and reports a sentence.

Signals:
    finished(str): what happened, for the window's notice bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QSettings, QUrl, Signal
from PySide6.QtGui import QDrag, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from fal_desktop.core.paths import is_local_file
from fal_desktop.core.saving import (
    DEFAULT_UPSCALE_TEMPLATE, job_parameters, render_name, save_with_metadata,
)
from fal_desktop.ui.background import Background
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


def save_all(plans: list[tuple[Path, Path, dict]], *, quiet: bool, what: str) -> tuple[list[str], str, bool]:
    """Write every planned file (a worker thread); (files written, sentence, all went well).
    The sentence is empty when all went well quietly."""
    saved, problems = [], []
    for source, target, params in plans:
        try:
            saved.append(save_with_metadata(source, target, params))
        except (OSError, ValueError) as exc:
            problems.append(f"{target.name}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
    message = ""
    if problems:
        message = (f"{what}: saved {len(saved)} of {len(plans)} files. {problems[0]}. "
                   f"The results are still in the app's data folder ({plans[0][0].parent.parent}).")
    elif not quiet:
        folder = plans[0][1].parent if plans else ""
        message = f"Saved {len(saved)} file{'s' if len(saved) != 1 else ''} to {folder}."
    return [str(p) for p in saved], message, not problems


class ResultSaver(QObject):
    """Signals: finished(str, bool) a sentence for the notice bar and whether all went well;
    wrote(list, str) the files written by one save (and its sentence, empty when all went well
    quietly)."""

    finished = Signal(str, bool)
    wrote = Signal(list, str)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.work = Background(self)

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
        self.work.run(lambda: save_all(plans, quiet=quiet, what=what), done=self._saved)
        return len(plans)

    def _saved(self, answer: tuple[list[str], str, bool]) -> None:
        saved, message, ok = answer
        self.wrote.emit(saved, message)
        if message:
            self.finished.emit(message, ok)

    @property
    def template(self) -> str:
        return str(self.settings.value("save/template") or DEFAULT_UPSCALE_TEMPLATE)

    def wait_idle(self, ms: int = 30000) -> None:
        self.work.wait(ms)

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
