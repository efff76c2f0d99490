"""What is known about the shown result, in a panel that folds to one line under the result
bar: prompt, model, seed, size, time taken, request id, cost (once recorded), with Show in
folder and Copy seed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImageIOHandler, QImageReader
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.costs import cost_text
from fal_desktop.core.jobstore import JobRecord
from fal_desktop.core.saving import seed_of
from fal_desktop.core.sessions import prompt_of

__all__ = ["ResultDetails", "open_folder"]


def open_folder(folder: Path) -> bool:
    """Open ``folder`` in the desktop's file manager (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def image_size(path: str) -> str:
    """``1024 × 768`` from the file's header (no decode), or "" if it cannot be read."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if not size.isValid():
        return ""
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        size = size.transposed()
    return f"{size.width()} × {size.height()}"


class ResultDetails(QFrame):
    """Call ``show_job(job, index)`` with the result on screen (``None``: nothing shown).

    Folded to its "▸ Details" line until clicked (no animation: it would resize the picture
    above on every frame). Hand-made rather than superqt's ``QCollapsible``: importing superqt
    brings qtpy and every superqt widget, over 100 ms of the start."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 0, 6, 2)
        outer.setSpacing(0)
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toggle.setStyleSheet(
            "QToolButton { border: none; padding: 2px 0; }"
        )  # flat, open or not
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.toggled.connect(self._fold)
        outer.addWidget(self.toggle)
        body = QWidget(self)
        form = QFormLayout(body)
        form.setContentsMargins(8, 0, 4, 4)
        form.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        for key, title in (
            ("prompt", "Prompt"),
            ("model", "Model"),
            ("seed", "Seed"),
            ("size", "Size"),
            ("time", "Time taken"),
            ("request", "Request id"),
            ("cost", "Cost"),
        ):
            label = QLabel(body)
            label.setWordWrap(key == "prompt")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{title}:", label)
            self.values[key] = label
        self._form = form
        buttons = QHBoxLayout()
        self.folder_button = QPushButton("Show in folder", body)
        self.folder_button.setToolTip("Open the folder that holds this image")
        self.folder_button.clicked.connect(self.show_in_folder)
        self.seed_button = QPushButton("Copy seed", body)
        self.seed_button.setToolTip("Copy the exact seed this image was made with")
        self.seed_button.clicked.connect(self.copy_seed)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.seed_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        outer.addWidget(body)
        self.body = body
        self._fold(False)
        self.job: JobRecord | None = None
        self.path: str | None = None
        self.seed: int | None = None
        self.show_job(None)

    def _fold(self, expanded: bool) -> None:
        self.toggle.setText(f"{'▾' if expanded else '▸'} Details")
        self.body.setVisible(expanded)

    def expand(self) -> None:
        self.toggle.setChecked(True)

    def collapse(self) -> None:
        self.toggle.setChecked(False)

    def isExpanded(self) -> bool:  # noqa: N802 (as QCollapsible, which it replaces)
        return self.toggle.isChecked()

    def show_job(self, job: JobRecord | None, index: int = 0) -> None:
        self.job = job
        self.path = job.files[min(index, len(job.files) - 1)] if job and job.files else None
        seed = seed_of(job.output, job.inputs) if job else None
        self.seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
        took = f"{job.finished_at - job.created_at:.1f} s" if job and job.finished_at else ""
        cost = getattr(job, "cost", None) if job else None
        texts = {
            "prompt": (prompt_of(job) or job.label) if job else "",
            "model": job.endpoint_id if job else "",
            "seed": str(self.seed) if self.seed is not None else "—",
            "size": image_size(self.path) if self.path else "",
            "time": took,
            "request": (job.request_id or "") if job else "",
            "cost": cost_text(cost) if isinstance(cost, (int, float)) else "",
        }
        for key, label in self.values.items():
            label.setText(texts[key])
        self._form.setRowVisible(self.values["cost"], bool(texts["cost"]))
        self._form.setRowVisible(self.values["prompt"], bool(texts["prompt"]))
        self.folder_button.setEnabled(self.path is not None)
        self.seed_button.setEnabled(self.seed is not None)
        self.setVisible(job is not None and self.path is not None)

    def show_in_folder(self) -> None:
        if self.path:
            open_folder(Path(self.path).parent)

    def copy_seed(self) -> None:
        if self.seed is not None:
            QGuiApplication.clipboard().setText(str(self.seed))
