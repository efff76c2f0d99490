"""Save, copy and drag out results. Saving runs off the GUI thread and reports a sentence.

Signals:
    finished(str): what happened, for the window's notice bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QObject, QSettings, QUrl, Signal
from PySide6.QtGui import QDrag, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from fal_desktop.core.paths import is_local_file
from fal_desktop.core.saved_files import SavedFiles
from fal_desktop.core.saving import (
    DEFAULT_TEMPLATE,
    first_words,
    job_parameters,
    render_name,
    save_with_metadata,
)
from fal_desktop.widgets.background import Background

if TYPE_CHECKING:  # the window builds its saver before the jobs table and the result views
    from fal_desktop.ui.jobs.table import JobRow

__all__ = ["ResultSaver", "plan_saves"]


def _stem(row: JobRow) -> str:
    for key, value in row.job.inputs.items():
        if (
            "image" in key
            and isinstance(value, str)
            and value
            and not value.startswith("data:")
            and ("/" in value or "\\" in value)
        ):
            return Path(value.replace("\\", "/").rsplit("/", 1)[-1]).stem or "image"
    return first_words(row.job.inputs.get("prompt")) or "image"


def _factor(row: JobRow) -> str:
    """An upscale's factor (``4``): its result's width over its input's; empty otherwise."""
    output = row.job.output if isinstance(row.job.output, dict) else {}
    image_size = output.get("image") if isinstance(output.get("image"), dict) else None
    before = row.job.inputs.get("image_url")
    if not image_size or not isinstance(before, str) or not is_local_file(before):
        return ""
    from PIL import Image

    try:
        with Image.open(before) as original:
            return f"{image_size.get('width', 0) / max(1, original.width):g}"
    except (OSError, ValueError):
        return ""


Plan = tuple[Path, Path, dict[str, Any]]  # source, target, the parameters written with it


def plan_saves(
    rows: list[JobRow],
    folder: Path,
    template: str = DEFAULT_TEMPLATE,
    *,
    session_name: Callable[[str | None], str] = lambda session_id: "session",
    varied: Callable[[JobRow], str] = lambda row: "",
    only: int | None = None,
) -> list[Plan]:
    """(source, target, parameters) for every result file of the given rows (``only``: just
    that file of each row)."""
    plans: list[Plan] = []
    for row in rows:
        params = job_parameters(row.job)
        fields = {
            "stem": _stem(row),
            "prompt": first_words(row.job.inputs.get("prompt")),
            "model": row.job.endpoint_id.rsplit("/", 1)[-1],
            "factor": _factor(row),
            "seed": params["seed"],
            "varied": varied(row),
            "session": session_name(row.job.session_id),
        }
        for index, file in enumerate(row.files):
            if only is not None and index != only:
                continue
            source = Path(file)
            name = render_name(
                template,
                **fields,
                index=index,
                n=index + 1 if len(row.files) > 1 else "",
                ext=source.suffix.lstrip(".").lower() or "png",
            )
            plans.append((source, folder / name, params))
    return plans


def write_plans(
    plans: list[Plan],
    *,
    quiet: bool,
    what: str,
    overwrite: bool = False,
) -> tuple[list[tuple[str, str]], str, bool]:
    """Write every planned file (a worker thread): ((result, copy) pairs written, sentence, all
    went well). The sentence is empty when all went well quietly."""
    saved, problems = [], []
    for source, target, params in plans:
        try:
            saved.append(
                (str(source), str(save_with_metadata(source, target, params, overwrite=overwrite)))
            )
        except (OSError, ValueError) as exc:
            problems.append(
                f"{target.name}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
            )
    message = ""
    if problems:
        message = (
            f"{what}: saved {len(saved)} of {len(plans)} files. {problems[0]}. "
            f"The results are still in the app's data folder ({plans[0][0].parent.parent})."
        )
    elif not quiet:
        folder = plans[0][1].parent if plans else ""
        message = (
            f"Saved {Path(saved[0][1]).name} to {folder}."
            if len(saved) == 1
            else f"Saved {len(saved)} files to {folder}."
        )
    return saved, message, not problems


class ResultSaver(QObject):
    """Signals: finished(str, bool) a sentence for the notice bar and whether all went well;
    wrote(list, str) the files written by one save (and its sentence, empty when all went well
    quietly)."""

    finished = Signal(str, bool)
    wrote = Signal(list, str)

    def __init__(
        self, settings: QSettings, parent: QObject | None = None, *, record: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.work = Background(self, threads=1)  # one at a time: names are picked as files land
        self.saved = SavedFiles(record)
        #: The session's name and a Vary run's varied value, for names (set by the window).
        self.session_name: Callable[[str | None], str] = lambda session_id: "session"
        self.varied: Callable[[JobRow], str] = lambda row: ""

    def plan(
        self,
        rows: list[JobRow],
        folder: Path,
        template: str | None = None,
        *,
        only: int | None = None,
    ) -> list[Plan]:
        return plan_saves(
            [r for r in rows if r.files],
            folder,
            template or self.template,
            session_name=self.session_name,
            varied=self.varied,
            only=only,
        )

    def ask_file(self, parent: QWidget | None, suggested: Path) -> Path | None:
        """Save as…: the file name the user chose (starting from ``suggested``), or None. The
        folder is remembered for next time; a name without a suffix gets the result's."""
        chosen, _ = QFileDialog.getSaveFileName(
            parent, "Save result as", str(suggested), "Images (*.png *.jpg *.jpeg *.webp)"
        )
        if not chosen:
            return None
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(suggested.suffix)
        self.settings.setValue("save/folder", str(path.parent))
        return path

    def save_file(self, plan: Plan) -> None:
        """Write one file where the user chose it (Save as…: they agreed to replace it)."""
        self.work.run(
            lambda: write_plans([plan], quiet=False, what="Saving", overwrite=True),
            done=self._saved,
        )

    def save_plans(self, plans: list[Plan], *, quiet: bool = False, what: str = "Saving") -> None:
        self.work.run(lambda: write_plans(plans, quiet=quiet, what=what), done=self._saved)

    def folder(self, parent: QWidget | None, *, ask: bool = False) -> Path | None:
        """The remembered save folder; the user picks it the first time (or when asked)."""
        remembered = self.settings.value("save/folder")
        if remembered and not ask and Path(str(remembered)).is_dir():
            return Path(str(remembered))
        chosen = QFileDialog.getExistingDirectory(
            parent, "Save results to…", str(remembered or Path.home())
        )
        if not chosen:
            return None
        self.settings.setValue("save/folder", chosen)
        return Path(chosen)

    def save(
        self,
        rows: list[JobRow],
        folder: Path,
        template: str | None = None,
        *,
        quiet: bool = False,
        what: str = "Saving",
    ) -> int:
        """Save the rows' files in a worker thread; ``quiet`` reports only problems."""
        plans = self.plan(rows, folder, template)
        if not plans:
            if not quiet:
                self.finished.emit(
                    "There is no finished result to save yet.", True
                )  # nothing wrong
            return 0
        self.save_plans(plans, quiet=quiet, what=what)
        return len(plans)

    def _saved(self, answer: tuple[list[tuple[str, str]], str, bool]) -> None:
        pairs, message, ok = answer
        self.saved.add(pairs)
        self.wrote.emit([copy for _source, copy in pairs], message)
        if message:
            self.finished.emit(message, ok)

    @property
    def template(self) -> str:
        return str(self.settings.value("save/template") or DEFAULT_TEMPLATE)

    def wait_idle(self, ms: int = 30000) -> None:
        self.work.wait(ms)

    @staticmethod
    def copy(row: JobRow | None) -> bool:
        if row is None or not row.files:
            return False
        from fal_desktop.ui.results.image_view import read_image

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
