"""A session's results as a grid of thumbnails, the newest first.

Signals (GalleryView):
    result_activated(GalleryItem): the user clicked a result (show it large).
    action_requested(str, GalleryItem): one of :data:`RESULT_ACTIONS` was picked (Delete key:
        delete; Enter or a double-click: view, the full-window viewer); ``upscale:<model id>``
        for an upscaler picked in the Upscale with submenu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QStyledItemDelegate, QWidget

from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.core.resources import model_title
from fal_desktop.core.saving import seed_of
from fal_desktop.core.sessions import prompt_of, short_time
from fal_desktop.ui.jobs.table import describe_inputs
from fal_desktop.ui.sessions.thumbnails import THUMB_SIDE, ThumbnailCache

__all__ = ["GalleryItem", "GalleryModel", "GalleryView", "RESULT_ACTIONS"]

#: (name, menu text) of what can be done with one result.
RESULT_ACTIONS = (
    ("view", "View full window (F11)"),
    ("reuse", "Reuse all parameters"),
    ("new_seed", "Reuse with a new seed"),
    ("vary", "Vary one parameter…"),
    ("use_input", "Use as input"),
    ("upscale", "Upscale with"),
    ("compare", "Show its row side by side"),
    ("copy", "Copy image"),
    ("save", "Save…"),
    ("delete", "Delete…"),
)


@dataclass(frozen=True)
class GalleryItem:
    job: JobRecord
    index: int  # which of the job's files
    path: str

    def tooltip(self) -> str:
        job = self.job
        lines = [prompt_of(job) or job.label or job.endpoint_id]
        seed = seed_of(job.output, job.inputs)
        lines.append(f"{job.endpoint_id}" + (f" · seed {seed}" if seed not in ("", None) else ""))
        if job.finished_at:
            lines.append(
                f"{short_time(job.finished_at)} · took {job.finished_at - job.created_at:.1f} s"
            )
        return "\n".join(lines)


def items_of(job: JobRecord) -> list[GalleryItem]:
    if job.state is not JobState.COMPLETED:
        return []
    return [GalleryItem(job, index, path) for index, path in enumerate(job.files)]


#: The roles the gallery answers, as the plain ints the view passes (an int compared with a Qt
#: enum member costs ~0.2 µs: thousands of times a scroll frame).
_DISPLAY, _DECORATION, _TOOLTIP, _USER = (
    Qt.ItemDataRole.DisplayRole.value,
    Qt.ItemDataRole.DecorationRole.value,
    Qt.ItemDataRole.ToolTipRole.value,
    Qt.ItemDataRole.UserRole.value,
)
_ANSWERED = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, _USER})


class GalleryModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailCache, parent: Any = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._items: list[GalleryItem] = []
        self._rows_by_path: dict[str, list[int]] | None = None  # built when needed, per change
        thumbnails.ready.connect(self._thumbnail_ready)
        for change in (self.modelReset, self.rowsInserted, self.rowsRemoved):
            change.connect(self._forget_rows)
        self._placeholder = QPixmap(THUMB_SIDE, THUMB_SIDE)
        self._placeholder.fill(QColor(128, 128, 128, 40))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role not in _ANSWERED:  # the view asks 8 roles per tile per paint; 6 have no answer
            value = getattr(role, "value", None)  # a Qt enum member (from Python): its int
            if value not in _ANSWERED:
                return None
            role = value
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role == _DISPLAY:  # the tiles of one run of several are told apart
            text = (
                item.job.label
                or describe_inputs(item.job.inputs)
                or item.job.endpoint_id.rsplit("/", 1)[-1]
            )
            count = len(item.job.files)
            return f"{item.index + 1}/{count} · {text}" if count > 1 else text
        if role == _DECORATION:
            pixmap = self.thumbnails.get(item.path)
            return pixmap if pixmap is not None and not pixmap.isNull() else self._placeholder
        if role == _TOOLTIP:
            return item.tooltip()
        return item  # UserRole

    # -- contents --------------------------------------------------------------------

    def set_runs(self, runs: list[JobRecord]) -> None:
        self.beginResetModel()
        self._items = [item for job in reversed(runs) for item in items_of(job)]
        self.endResetModel()

    def add_run(self, job: JobRecord) -> None:
        """A run that just finished goes first (after removing any older copy of it)."""
        self.remove_job(job.id)
        new = items_of(job)
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self._items[0:0] = new
            self.endInsertRows()

    def add_older(self, runs: list[JobRecord]) -> None:
        """Older runs (oldest first) join the end; runs the gallery shows already are skipped."""
        shown = {item.job.id for item in self._items}
        new = [item for job in reversed(runs) if job.id not in shown for item in items_of(job)]
        if new:
            self.beginInsertRows(QModelIndex(), len(self._items), len(self._items) + len(new) - 1)
            self._items.extend(new)
            self.endInsertRows()

    def remove_job(self, job_id: str) -> None:
        rows = [i for i, item in enumerate(self._items) if item.job.id == job_id]
        for row in reversed(rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self.endRemoveRows()

    def items(self) -> list[GalleryItem]:
        return list(self._items)

    def row_of(self, job_id: str, index: int = 0) -> int:
        for row, item in enumerate(self._items):
            if item.job.id == job_id and item.index == index:
                return row
        return -1

    def _forget_rows(self, *_: object) -> None:
        self._rows_by_path = None

    def _thumbnail_ready(self, source: str) -> None:
        """Repaint the tiles of ``source``: found by a lookup, not a walk through every tile
        (a session of 10,000 results gets dozens of thumbnails per scrolled frame)."""
        if self._rows_by_path is None:
            self._rows_by_path = {}
            for row, item in enumerate(self._items):
                self._rows_by_path.setdefault(item.path, []).append(row)
        for row in self._rows_by_path.get(source, ()):
            at = self.index(row)
            self.dataChanged.emit(at, at, [Qt.ItemDataRole.DecorationRole])


class _PictureOnly(QStyledItemDelegate):
    """A tile without its caption (the strip's)."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.text = ""
        option.features &= ~option.ViewItemFeature.HasDisplay


class GalleryView(QListView):
    result_activated = Signal(object)
    action_requested = Signal(str, object)

    def __init__(self, model: GalleryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        # Room for the picture and one line of caption (elided), whatever the font.
        self.setGridSize(QSize(THUMB_SIDE + 12, THUMB_SIDE + 2 * self.fontMetrics().height() + 8))
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # prompts often start alike
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.clicked.connect(self._clicked)
        self.activated.connect(self._view)  # Enter or a double-click: the full-window viewer
        self.upscalers: Callable[[], list[str]] = list  # the Upscale with submenu's models

    def as_strip(self) -> GalleryView:
        """One row of tiles that scrolls sideways (under the result on a narrow window)."""
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Pictures only (captions are in the tooltips): the strip takes little of the height.
        self.setItemDelegate(_PictureOnly(self))
        self.setGridSize(QSize(THUMB_SIDE + 8, THUMB_SIDE + 6))
        bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        self.setFixedHeight(self.gridSize().height() + bar + 2 * self.frameWidth() + 2)
        return self

    def current_item(self) -> GalleryItem | None:
        index = self.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def select(self, job_id: str, index: int = 0) -> None:
        model = self.model()
        row = model.row_of(job_id, index) if isinstance(model, GalleryModel) else -1
        if row >= 0:
            self.setCurrentIndex(model.index(row, 0))

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        """While the user scrolls, the tiles flying past are not decoded (see ``hold``)."""
        model = self.model()
        if isinstance(model, GalleryModel):
            model.thumbnails.hold()
        super().scrollContentsBy(dx, dy)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        item = self.current_item()
        if item is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.action_requested.emit("delete", item)  # asks first
            return
        super().keyPressEvent(event)

    def _clicked(self, index: QModelIndex) -> None:
        item = index.data(Qt.ItemDataRole.UserRole)
        if item is not None:
            self.result_activated.emit(item)

    def _view(self, index: QModelIndex) -> None:
        item = index.data(Qt.ItemDataRole.UserRole)
        if item is not None:
            self.result_activated.emit(item)
            self.action_requested.emit("view", item)

    def _menu(self, position) -> None:
        index = self.indexAt(position)
        item = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if item is None:
            return
        menu = QMenu(self)
        for name, text in RESULT_ACTIONS:
            if name == "compare" and not item.job.group_id:
                continue
            if name == "upscale":
                upscale_menu(menu.addMenu(text), self.upscalers(), item, self.action_requested)
                continue
            menu.addAction(text).triggered.connect(
                lambda _checked=False, n=name: self.action_requested.emit(n, item)
            )
        menu.exec(self.viewport().mapToGlobal(position))


def upscale_menu(menu: QMenu, upscalers: list[str], item: object, signal: SignalInstance) -> None:
    """One entry per upscaler; picking one emits ``upscale:<model id>`` (and ``item``)."""
    menu.clear()
    for endpoint_id in upscalers:
        menu.addAction(model_title(endpoint_id)).triggered.connect(
            lambda _checked=False, e=endpoint_id: (
                signal.emit(f"upscale:{e}", item)
                if item is not None
                else signal.emit(f"upscale:{e}")
            )
        )
    if not upscalers:
        menu.addAction("No upscaler is loaded").setEnabled(False)
