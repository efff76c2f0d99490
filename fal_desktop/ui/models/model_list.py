"""The model browser's list: a Qt model over the whole catalog, a filter proxy that matches a
precomputed search text (no widget is rebuilt per keystroke), and a delegate that paints each
row with its thumbnail, display name, id, description, tags and marks.

Thumbnails are fetched and decoded on worker threads (``Background``), kept on disk in the
cache folder, and painted once they arrive.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from fal_desktop.api.tls import system_trust
from fal_desktop.core.atomic import write_bytes_atomic
from fal_desktop.core.model_directory import ModelInfo, ModelPicks, matches_filter
from fal_desktop.widgets.background import Background

__all__ = ["ModelFilter", "ModelListModel", "ModelRowDelegate", "INFO_ROLE"]

INFO_ROLE = Qt.ItemDataRole.UserRole + 1
MARK_ROLE = Qt.ItemDataRole.UserRole + 2  # "favourite", "recent" or ""
THUMB = 56


def _load_thumbnail(url: str, folder: Path, http: httpx.Client) -> QImage:
    """A worker's job: the thumbnail from the disk cache, else from the CDN (no key sent)."""
    path = folder / (hashlib.sha1(url.encode()).hexdigest() + ".img")
    data = b""
    if path.is_file():
        data = path.read_bytes()
    else:
        response = http.get(url)
        response.raise_for_status()
        data = response.content
        write_bytes_atomic(path, data)
    image = QImage.fromData(data)
    if image.isNull():
        raise ValueError("not an image")
    return image.scaled(
        THUMB,
        THUMB,
        Qt.AspectRatioMode.KeepAspectRatioByExpanding,
        Qt.TransformationMode.SmoothTransformation,
    )


class ModelListModel(QAbstractListModel):
    """Favourites first, then recently used, then every other model by display name."""

    def __init__(self, picks: ModelPicks, thumbnails: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.picks = picks
        self.models: list[ModelInfo] = []
        self.search_texts: list[str] = []
        self._marks: list[str] = []
        self._thumb_folder = thumbnails
        self._pixmaps: dict[str, QPixmap | None] = {}  # None: asked for, not here (yet)
        self._rows_of_url: dict[str, list[int]] = {}
        self._http = httpx.Client(
            timeout=httpx.Timeout(15.0, connect=5.0), follow_redirects=True, verify=system_trust()
        )
        self.work = Background(self, threads=4)

    def close(self) -> None:
        self.work.stop()
        self._http.close()

    def set_models(self, models: list[ModelInfo]) -> None:
        favourites = {e: n for n, e in enumerate(self.picks.favourites)}
        recent = {e: n for n, e in enumerate(self.picks.recent)}

        def rank(info: ModelInfo) -> tuple[int, int, str]:
            if info.endpoint_id in favourites:
                return (0, favourites[info.endpoint_id], "")
            if info.endpoint_id in recent:
                return (1, recent[info.endpoint_id], "")
            return (2, info.deprecated, info.display_name.lower())

        self.beginResetModel()
        self.models = sorted(models, key=rank)
        self.search_texts = [m.search_text for m in self.models]
        self._rows_of_url = {}
        for row, info in enumerate(self.models):
            self._rows_of_url.setdefault(info.thumbnail_url, []).append(row)
        self._marks = [
            "favourite"
            if m.endpoint_id in favourites
            else "recent"
            if m.endpoint_id in recent
            else ""
            for m in self.models
        ]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.models)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if not index.isValid():
            return None
        info = self.models[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return info.display_name
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{info.endpoint_id}\n{info.description}" if info.description else info.endpoint_id
            )
        if role == INFO_ROLE:
            return info
        if role == MARK_ROLE:
            return self._marks[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(info.thumbnail_url)
        return None

    def _thumbnail(self, url: str) -> QPixmap | None:
        if not url.startswith(("http://", "https://")):
            return None
        if url not in self._pixmaps:
            self._pixmaps[url] = None
            self.work.run(
                _load_thumbnail,
                url,
                self._thumb_folder,
                self._http,
                done=lambda image: self._arrived(url, image),
                failed=lambda _exc: None,
            )  # no picture: the row shows without one
        return self._pixmaps[url]

    def _arrived(self, url: str, image: QImage) -> None:
        self._pixmaps[url] = QPixmap.fromImage(image)
        for row in self._rows_of_url.get(url, []):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def row_of(self, endpoint_id: str) -> int:
        return next((n for n, m in enumerate(self.models) if m.endpoint_id == endpoint_id), -1)


class ModelFilter(QSortFilterProxyModel):
    """Rows whose search text holds every typed word, in the chosen category. The matching is
    done in one pass over the precomputed texts; ``filterAcceptsRow`` only looks the answer up."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.category: str | None = None
        self.show_deprecated = True
        self._accepted: bytearray = bytearray()

    def set_query(
        self,
        text: str | None = None,
        category: str | None | bool = False,
        show_deprecated: bool | None = None,
    ) -> None:
        """Change what is asked (arguments left out stay as they are) and filter again."""
        if text is not None:
            self.words = text.lower().split()
        if category is not False:
            self.category = category  # type: ignore[assignment]
        if show_deprecated is not None:
            self.show_deprecated = show_deprecated
        self.refilter()

    def refilter(self) -> None:
        source = self.sourceModel()
        if not isinstance(source, ModelListModel):
            return
        words, category, old = self.words, self.category, self.show_deprecated
        self.beginFilterChange()
        self._accepted = bytearray(
            all(w in text for w in words)
            and (old or not info.deprecated)
            and matches_filter(info, category)
            for info, text in zip(source.models, source.search_texts, strict=False)
        )
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        return row < len(self._accepted) and bool(self._accepted[row])


class ModelRowDelegate(QStyledItemDelegate):
    """Thumbnail | bold display name (+ ★, recent, DEPRECATED) / id / description / tags."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802
        return QSize(1, THUMB + 12)  # as wide as the view: long text is elided, never scrolled

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        info: ModelInfo = index.data(INFO_ROLE)
        mark = index.data(MARK_ROLE)
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
            )
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        dim = QColor(text_color)
        dim.setAlpha(150)
        rect = option.rect.adjusted(6, 6, -6, -6)
        thumb = QRect(rect.left(), rect.top(), THUMB, THUMB)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            source = QRect(
                (pixmap.width() - THUMB) // 2, (pixmap.height() - THUMB) // 2, THUMB, THUMB
            )
            painter.drawPixmap(thumb, pixmap, source)
        else:
            painter.fillRect(thumb, palette.alternateBase())
        text = rect.adjusted(THUMB + 10, 0, 0, 0)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color)
        line = painter.fontMetrics().height()
        title = ("★ " if mark == "favourite" else "") + info.display_name
        painter.drawText(
            QRect(text.left(), text.top(), text.width(), line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(
                title, Qt.TextElideMode.ElideRight, text.width() - 150
            ),
        )
        badges = [
            b
            for b in ("DEPRECATED" if info.deprecated else "", "recent" if mark == "recent" else "")
            if b
        ]
        painter.setFont(option.font)
        if badges:
            painter.setPen(QColor("#c62828") if info.deprecated else dim)
            painter.drawText(
                QRect(text.left(), text.top(), text.width(), line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                " · ".join(badges),
            )
        painter.setPen(dim)
        metrics = painter.fontMetrics()
        tags = " ".join(f"#{t}" for t in info.tags[:5])
        for row, words in enumerate((f"{info.endpoint_id}   {tags}", info.description), start=1):
            painter.drawText(
                QRect(text.left(), text.top() + row * (line + 1), text.width(), line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(words, Qt.TextElideMode.ElideRight, text.width()),
            )
        painter.restore()
