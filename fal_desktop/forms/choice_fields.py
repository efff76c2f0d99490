"""Fields that pick one of a list: enums (large ones filter as you type) and image sizes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QLabel, QSpinBox, QWidget

from fal_desktop.forms.field_labels import enum_label, preset_label
from fal_desktop.forms.fields import FieldWidget, field_kind
from fal_desktop.forms.spec import IMAGE_SIZE_PRESETS, LARGE_ENUM, FieldSpec

__all__ = ["EnumField", "ImageSizeField", "NOT_SET_ITEM"]

NOT_SET_ITEM = "(not set)"
_UNSET = "\x00unset"  # item data of "(not set)"


def filter_as_you_type(combo: QComboBox) -> None:
    """Typing in ``combo`` pops up the items that contain the text, in any case; typed text is
    never added as an item. (What superqt's ``QSearchableComboBox`` does; importing superqt
    brings qtpy and all its widgets, over 100 ms of the start.)"""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = QCompleter(combo.model(), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    combo.setCompleter(completer)


@field_kind("enum")
class EnumField(FieldWidget):
    """A combo of the schema's values. With 30 or more, it shows readable labels and filters
    as you type; the raw value is in each item's tooltip. "(not set)" leads where the field
    can be not set."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.searchable = len(spec.enum) >= LARGE_ENUM and not spec.editable_enum
        self.combo = QComboBox(self)
        if self.searchable:
            filter_as_you_type(self.combo)
        else:
            self.combo.setEditable(spec.editable_enum)
        self.combo.setMaxVisibleItems(20)
        if spec.unsettable:
            self.combo.addItem(NOT_SET_ITEM, _UNSET)
        for option in spec.enum:
            self.combo.addItem(enum_label(option) if self.searchable else str(option), option)
            self.combo.setItemData(
                self.combo.count() - 1, f"Sent as: {option}", Qt.ItemDataRole.ToolTipRole
            )
        typing_line = self.combo.lineEdit() if self.searchable else None  # editable: it has one
        if typing_line is not None:
            typing_line.setPlaceholderText("Type to filter")
            typing_line.editingFinished.connect(self._snap_back)
        self.combo.currentIndexChanged.connect(self._index_changed)
        self.row.addWidget(self.combo, 1)

    def _index_changed(self) -> None:
        data = self.combo.currentData()
        self.combo.setToolTip("" if data == _UNSET else f"Sent as: {data}")
        self.value_changed.emit()

    def _snap_back(self) -> None:
        """Typed text that names no value shows the chosen one again (it is what is sent)."""
        index = self.combo.findText(self.combo.currentText(), Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        else:
            self.combo.setEditText(self.combo.itemText(self.combo.currentIndex()))

    def value(self) -> Any:
        if (
            not self.searchable
            and self.combo.isEditable()
            and self.combo.currentText() != self.combo.itemText(self.combo.currentIndex())
        ):
            return self.combo.currentText() or self.spec.unset_value
        data = self.combo.currentData()
        return self.spec.unset_value if data == _UNSET else data

    def set_value(self, value: Any) -> None:
        for index in range(self.combo.count()):
            data = self.combo.itemData(index)
            if data != _UNSET and value is not None and str(data) == str(value):
                self.combo.setCurrentIndex(index)
                return
        if value is None and self.combo.count():
            self.combo.setCurrentIndex(0)
        elif self.combo.isEditable() and not self.searchable:
            self.combo.setEditText(str(value))


@field_kind("image_size")
class ImageSizeField(FieldWidget):
    """A preset with its pixels, or a custom width × height; "(not set)" leads where the
    schema has no default (the output then follows the model, e.g. its control image)."""

    CUSTOM = "custom"

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        if spec.unsettable:
            self.combo.addItem(NOT_SET_ITEM, _UNSET)
        presets = [p for p in spec.enum if isinstance(p, str)] or list(IMAGE_SIZE_PRESETS)
        for preset in presets:
            self.combo.addItem(preset_label(preset), preset)
            self.combo.setItemData(
                self.combo.count() - 1, f"Sent as: {preset}", Qt.ItemDataRole.ToolTipRole
            )
        self.combo.addItem("Custom…", self.CUSTOM)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(9)  # fits a narrow form; the list shows whole labels
        widest = max(
            self.combo.fontMetrics().horizontalAdvance(self.combo.itemText(i))
            for i in range(self.combo.count())
        )
        self.combo.view().setMinimumWidth(widest + 24)
        self.width_spin, self.height_spin = QSpinBox(self), QSpinBox(self)
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(64, 14142)
            spin.setSingleStep(8)
            spin.setValue(1024)
            spin.setSuffix(" px")
            spin.valueChanged.connect(self.value_changed)
        self.times = QLabel("×", self)
        self.combo.currentIndexChanged.connect(self._mode_changed)
        self.combo.setMaximumWidth(widest + 48)  # grows to whole labels where there is room
        self.row.addWidget(self.combo, 3)
        for widget in (self.width_spin, self.times, self.height_spin):
            self.row.addWidget(widget)
        self.row.addStretch(1)
        self._mode_changed()

    def _mode_changed(self) -> None:
        custom = self.combo.currentData() == self.CUSTOM
        for widget in (self.width_spin, self.times, self.height_spin):
            widget.setVisible(custom)
        self.value_changed.emit()

    def value(self) -> Any:
        data = self.combo.currentData()
        if data == self.CUSTOM:
            return {"width": self.width_spin.value(), "height": self.height_spin.value()}
        return self.spec.unset_value if data == _UNSET else data

    def set_value(self, value: Any) -> None:
        if isinstance(value, dict):
            self.combo.setCurrentIndex(self.combo.findData(self.CUSTOM))
            self.width_spin.setValue(int(value.get("width") or 1024))
            self.height_spin.setValue(int(value.get("height") or 1024))
        else:
            index = self.combo.findData(value) if value is not None else -1
            self.combo.setCurrentIndex(index if index >= 0 else 0)
