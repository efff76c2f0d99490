"""One small widget per field kind, all with the same interface.

Every field widget has ``spec``, ``value()``, ``set_value(v)``, ``reset()``,
``set_error(text | None)`` and a ``value_changed`` signal. ``value()`` returns
``MISSING`` when the field should be left out of the request.
"""

from __future__ import annotations

import json
import random
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget,
)

from fal_desktop.forms.spec import IMAGE_SIZE_PRESETS, FieldSpec, decimals_of

__all__ = ["MISSING", "FieldWidget", "changed_values", "make_field", "same_value"]

MISSING = object()
INT_LIMIT = 2**31 - 1
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"


def same_value(value: Any, default: Any) -> bool:
    """Whether a field still holds its default (numbers compared as numbers)."""
    numbers = (int, float)
    if isinstance(value, numbers) and isinstance(default, numbers) and not isinstance(value, bool):
        return abs(float(value) - float(default)) <= 1e-4 * max(1.0, abs(float(default)))
    return str(value) == str(default)


def changed_values(specs: list[FieldSpec], fields: dict[str, "FieldWidget"]) -> dict[str, Any]:
    """The request value of a group of fields: required ones, and the rest only where they
    differ from the schema's default (the server applies its own defaults)."""
    out: dict[str, Any] = {}
    for spec in specs:
        value = fields[spec.name].value()
        if value is MISSING:
            continue
        if spec.required or not spec.has_default or not same_value(value, spec.default):
            out[spec.name] = value
    return out


class FieldWidget(QWidget):
    value_changed = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.row)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        outer.addWidget(self.error_label)
        if spec.description:
            self.setToolTip(spec.description)

    def set_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def reset(self) -> None:
        self.set_value(self.spec.default if self.spec.has_default else None)

    def value(self) -> Any:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover
        raise NotImplementedError


class TextField(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        multiline = spec.kind == "prompt"
        self.editor = QPlainTextEdit(self) if multiline else QLineEdit(self)
        if multiline:
            self.editor.setFixedHeight(90 if spec.name == "prompt" else 56)
            self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText(spec.placeholder)
        self.editor.textChanged.connect(self.value_changed)
        self.row.addWidget(self.editor)

    def value(self) -> Any:
        text = self.editor.toPlainText() if isinstance(self.editor, QPlainTextEdit) else self.editor.text()
        return text if text or self.spec.required else MISSING

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if isinstance(self.editor, QPlainTextEdit):
            self.editor.setPlainText(text)
        else:
            self.editor.setText(text)


class EnumField(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        self.combo.setEditable(spec.editable_enum)
        self.combo.setMaxVisibleItems(20)
        if spec.nullable and not spec.required:
            self.combo.addItem("(default)", MISSING)
        for option in spec.enum:
            self.combo.addItem(str(option), option)
        self.combo.currentIndexChanged.connect(self.value_changed)
        self.row.addWidget(self.combo)

    def value(self) -> Any:
        if self.combo.isEditable() and self.combo.currentText() != self.combo.itemText(self.combo.currentIndex()):
            return self.combo.currentText()
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        for index in range(self.combo.count()):
            data = self.combo.itemData(index)
            if data is not MISSING and str(data) == str(value):
                self.combo.setCurrentIndex(index)
                return
        if value is None and self.combo.count():
            self.combo.setCurrentIndex(0)
        elif self.combo.isEditable():
            self.combo.setEditText(str(value))


class BoolField(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.check = QCheckBox(self)
        self.check.toggled.connect(self.value_changed)
        self.row.addWidget(self.check)
        self.row.addStretch(1)

    def value(self) -> Any:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class NumberField(FieldWidget):
    """A spin box, with a slider beside it when the range is bounded."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        low = spec.minimum if spec.minimum is not None else -INT_LIMIT
        high = spec.maximum if spec.maximum is not None else INT_LIMIT
        if spec.integer:
            self.spin = QSpinBox(self)
            self.spin.setRange(int(max(low, -INT_LIMIT)), int(min(high, INT_LIMIT)))
        else:
            self.spin = QDoubleSpinBox(self)
            self.spin.setDecimals(spec.decimals)
            self.spin.setSingleStep(spec.step)
            self.spin.setRange(low, high)
        self.spin.setPrefix(spec.prefix)
        self.slider = None
        if spec.kind == "slider":
            self.slider = QSlider(Qt.Orientation.Horizontal, self)
            self._steps = int(high - low) if spec.integer else 1000
            self.slider.setRange(0, self._steps)
            self.slider.valueChanged.connect(self._slider_moved)
            self.row.addWidget(self.slider, 1)
        self.spin.setMinimumWidth(90)
        self.spin.valueChanged.connect(self._spin_changed)
        self.row.addWidget(self.spin)

    def _to_slider(self, value: float) -> int:
        low, high = self.spin.minimum(), self.spin.maximum()
        return round((value - low) / (high - low) * self._steps) if high > low else 0

    def _slider_moved(self, position: int) -> None:
        low, high = self.spin.minimum(), self.spin.maximum()
        value = low + (high - low) * position / self._steps
        self.spin.blockSignals(True)
        self.spin.setValue(round(value) if self.spec.integer else value)
        self.spin.blockSignals(False)
        self.value_changed.emit()

    def _spin_changed(self, value: float) -> None:
        if self.slider is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(self._to_slider(value))
            self.slider.blockSignals(False)
        self.value_changed.emit()

    def value(self) -> Any:
        return int(self.spin.value()) if self.spec.integer else round(float(self.spin.value()), 6)

    def set_value(self, value: Any) -> None:
        try:
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):  # NaN or ±inf
                raise ValueError(value)
        except (TypeError, ValueError, OverflowError):
            number = self.spin.minimum() if self.spin.minimum() > -INT_LIMIT else 0
        if not self.spec.integer:  # a restored value keeps its precision (0.125 stays 0.125)
            self.spin.setDecimals(max(self.spec.decimals, min(decimals_of(number), 6)))
        self.spin.setValue(int(number) if self.spec.integer else number)
        self._spin_changed(self.spin.value())


class SeedField(FieldWidget):
    """A seed: "random" (left to the server) or a fixed number; "reuse last" fills the last one."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.random_box = QCheckBox("Random", self)
        self.spin = QSpinBox(self)
        self.spin.setRange(0, INT_LIMIT)
        self.spin.setMinimumWidth(120)
        self.reuse_button = QPushButton("Reuse last", self)
        self.reuse_button.setEnabled(False)
        self.random_box.toggled.connect(lambda on: self.spin.setEnabled(not on))
        self.random_box.toggled.connect(self.value_changed)
        self.spin.valueChanged.connect(self.value_changed)
        self.reuse_button.clicked.connect(self._reuse)
        self._last: int | None = None
        for widget in (self.random_box, self.spin, self.reuse_button):
            self.row.addWidget(widget)
        self.row.addStretch(1)
        self.random_box.setChecked(True)

    def set_last_seed(self, seed: int | None) -> None:
        self._last = seed
        self.reuse_button.setEnabled(seed is not None)
        self.reuse_button.setToolTip(f"Use seed {seed} again" if seed is not None else "")

    def _reuse(self) -> None:
        if self._last is not None:
            self.set_value(self._last)

    def value(self) -> Any:
        return MISSING if self.random_box.isChecked() else int(self.spin.value())

    def set_value(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.random_box.setChecked(False)
            self.spin.setValue(max(0, min(value, INT_LIMIT)))
        else:
            self.random_box.setChecked(True)
            self.spin.setValue(random.randrange(INT_LIMIT) if value == "new" else self.spin.value())


class ImageSizeField(FieldWidget):
    """A preset, or a custom width × height."""

    CUSTOM = "custom"

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        presets = [p for p in spec.enum if isinstance(p, str)] or list(IMAGE_SIZE_PRESETS)
        for preset in presets:
            self.combo.addItem(preset.replace("_", " ").replace(" 4 3", " 4:3").replace(" 16 9", " 16:9"), preset)
        self.combo.addItem("Custom…", self.CUSTOM)
        self.width_spin, self.height_spin = QSpinBox(self), QSpinBox(self)
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(64, 14142)
            spin.setSingleStep(8)
            spin.setValue(1024)
            spin.setSuffix(" px")
            spin.valueChanged.connect(self.value_changed)
        self.times = QLabel("×", self)
        self.combo.currentIndexChanged.connect(self._mode_changed)
        for widget in (self.combo, self.width_spin, self.times, self.height_spin):
            self.row.addWidget(widget)
        self.row.addStretch(1)
        self._mode_changed()

    def _mode_changed(self) -> None:
        custom = self.combo.currentData() == self.CUSTOM
        for widget in (self.width_spin, self.times, self.height_spin):
            widget.setVisible(custom)
        self.value_changed.emit()

    def value(self) -> Any:
        if self.combo.currentData() == self.CUSTOM:
            return {"width": self.width_spin.value(), "height": self.height_spin.value()}
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        if isinstance(value, dict):
            self.combo.setCurrentIndex(self.combo.findData(self.CUSTOM))
            self.width_spin.setValue(int(value.get("width") or 1024))
            self.height_spin.setValue(int(value.get("height") or 1024))
        else:
            index = self.combo.findData(value)
            self.combo.setCurrentIndex(index if index >= 0 else 0)


class ReadOnlyField(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.label = QLabel(spec.prefix + str(spec.default), self)
        self.row.addWidget(self.label)
        self.row.addStretch(1)

    def value(self) -> Any:
        return MISSING  # fixed by the model; nothing to send

    def set_value(self, value: Any) -> None:
        pass


class JsonField(FieldWidget):
    """Anything else, as JSON that is checked as you type."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setFixedHeight(56)
        self.editor.setPlaceholderText("JSON, e.g. " + (json.dumps(spec.default) if spec.has_default else "[]"))
        self.editor.textChanged.connect(self._check)
        self.row.addWidget(self.editor)

    def _check(self) -> None:
        try:
            self._parsed()
            self.set_error(None)
        except ValueError as exc:
            self.set_error(f"Not valid JSON: {exc}")
        self.value_changed.emit()

    def _parsed(self) -> Any:
        text = self.editor.toPlainText().strip()
        return MISSING if not text else json.loads(text)

    def value(self) -> Any:
        try:
            return self._parsed()
        except ValueError:
            return self.editor.toPlainText()

    def set_value(self, value: Any) -> None:
        self.editor.setPlainText("" if value is None or value is MISSING else json.dumps(value))


_KINDS = {"prompt": TextField, "text": TextField, "enum": EnumField, "bool": BoolField,
          "slider": NumberField, "number": NumberField, "seed": SeedField,
          "image_size": ImageSizeField, "readonly": ReadOnlyField,
          "json": JsonField}


def make_field(spec: FieldSpec, parent: QWidget | None = None) -> FieldWidget:
    from fal_desktop.forms import compound, image_field

    kinds = {**_KINDS, "list": compound.ListField, "object": compound.ObjectField,
             "object_list": compound.ObjectListField, "image": image_field.ImageField}
    widget = kinds.get(spec.kind, JsonField)(spec, parent)
    widget.reset()
    return widget
