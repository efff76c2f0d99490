"""A list of images (``image_urls`` of the editing models): thumbnails in a row that can be
dragged to reorder, with Add (browse), Paste, drop, a URL box, move and Remove. Local files
are sent as paths (the runner uploads them); a ``file://`` URL is never sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.forms.fields import IMAGE_FILTER, FieldWidget, field_kind
from fal_desktop.forms.image_field import as_input, images_from_mime, pasted_folder
from fal_desktop.forms.spec import FieldSpec
from fal_desktop.forms.url_thumbnails import local_thumbnail, thumbnails

__all__ = ["ImageListField"]

THUMB = 64
ROLE = Qt.ItemDataRole.UserRole


def _name(value: str) -> str:
    tail = (
        value.rstrip("/").rsplit("/", 1)[-1]
        if value.startswith(("http://", "https://"))
        else Path(value).name
    )
    return tail if len(tail) <= 14 else tail[:12] + "…"


@field_kind("image_list")
class ImageListField(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.setAcceptDrops(True)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 22, THUMB + 26))
        self.list.setFixedHeight(THUMB + 34)
        self.list.setMovement(QListView.Movement.Snap)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.model().rowsMoved.connect(self.value_changed)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.setToolTip("Drop images here; drag a thumbnail to change the order")
        self.empty_hint = QLabel("Drop images here, paste them, or Add…", self.list.viewport())
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setStyleSheet("color: palette(placeholder-text);")
        hint_box = QVBoxLayout(self.list.viewport())
        hint_box.addWidget(self.empty_hint)
        column.addWidget(self.list)
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("Or type or paste an image URL, then Enter")
        self.url_edit.returnPressed.connect(self._add_typed)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…", self)
        self.paste_button = QPushButton("Paste", self)
        self.left_button = QPushButton("◀", self)
        self.right_button = QPushButton("▶", self)
        self.remove_button = QPushButton("Remove", self)
        self.left_button.setToolTip("Move earlier")
        self.right_button.setToolTip("Move later")
        for button in (self.left_button, self.right_button):
            button.setFixedWidth(32)
        for button in (
            self.add_button,
            self.paste_button,
            self.remove_button,
        ):  # fits a narrow form
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 20)
        self.add_button.clicked.connect(self._browse)
        self.paste_button.clicked.connect(self.paste)
        self.left_button.clicked.connect(lambda: self.move_selected(-1))
        self.right_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (
            self.add_button,
            self.paste_button,
            self.left_button,
            self.right_button,
            self.remove_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addWidget(self.url_edit)
        self.row.addLayout(column)
        thumbnails().ready.connect(self._url_thumbnail)
        self._update_buttons()

    # -- editing ---------------------------------------------------------------------------

    def add_images(self, values: list[str]) -> None:
        for value in values:
            value = as_input(value)
            if not value:
                continue
            item = QListWidgetItem(_name(value))
            item.setData(ROLE, value)
            item.setToolTip(value)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            self._set_icon(item, value)
            self.list.addItem(item)
        self._update_buttons()
        self.value_changed.emit()

    def _set_icon(self, item: QListWidgetItem, value: str) -> None:
        if value.startswith(("http://", "https://")):
            image = thumbnails().request(value, THUMB) or QImage()
        elif value.startswith("data:"):
            image = QImage()
        else:
            image = local_thumbnail(value, THUMB)
        if image.isNull():
            image = QImage(THUMB, THUMB, QImage.Format.Format_ARGB32)
            image.fill(Qt.GlobalColor.transparent)
        item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _url_thumbnail(self, url: str, image: QImage) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ROLE) == url and not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _browse(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose images", "", IMAGE_FILTER)
        self.add_images(paths)

    def _add_typed(self) -> None:
        self.add_images([self.url_edit.text()])
        self.url_edit.clear()

    def paste(self) -> bool:
        found = images_from_mime(QGuiApplication.clipboard().mimeData(), pasted_folder(self))
        self.add_images(found)
        return bool(found)

    def move_selected(self, step: int) -> None:
        rows = sorted(self.list.row(i) for i in self.list.selectedItems())
        if not rows or rows[0] + step < 0 or rows[-1] + step >= self.list.count():
            return
        for row in rows if step < 0 else reversed(rows):
            item = self.list.takeItem(row)
            self.list.insertItem(row + step, item)
            item.setSelected(True)
        self.value_changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update_buttons()
        self.value_changed.emit()

    def _update_buttons(self) -> None:
        self.empty_hint.setVisible(self.list.count() == 0)
        chosen = bool(self.list.selectedItems())
        for button in (self.left_button, self.right_button, self.remove_button):
            button.setEnabled(chosen)

    # -- drops -----------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.source() is not self.list and (
            event.mimeData().hasUrls() or event.mimeData().hasText()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        self.add_images(images_from_mime(event.mimeData(), pasted_folder(self)))
        event.acceptProposedAction()

    # -- value -----------------------------------------------------------------------------

    def values(self) -> list[str]:
        return [self.list.item(row).data(ROLE) for row in range(self.list.count())]

    def value(self) -> Any:
        values = self.values()
        if values or self.spec.required:
            return values
        return self.spec.unset_value

    def set_value(self, value: Any) -> None:
        self.list.clear()
        self._update_buttons()
        items = value if isinstance(value, list) else ([] if value is None else [value])
        self.add_images([str(v) for v in items if v])
