"""Number fields: a spin box with a slider, a number that may be an object (a LoRA scale per
block), and the seed (any 64-bit value, exactly)."""

from __future__ import annotations

import json
import random
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from fal_desktop.forms.fields import INT_LIMIT, MISSING, FieldWidget, field_kind
from fal_desktop.forms.number_format import decimals_of
from fal_desktop.forms.spec import FieldSpec

__all__ = ["NumberField", "NumberOrObjectField", "SeedField", "SEED_LIMIT"]

SEED_LIMIT = 2**64 - 1  # fal's results carry seeds up to about this


@field_kind("slider", "number")
class NumberField(FieldWidget):
    """A spin box, with a slider beside it when the range is bounded."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        low = spec.minimum if spec.minimum is not None else -INT_LIMIT
        high = spec.maximum if spec.maximum is not None else INT_LIMIT
        self.spin: QSpinBox | QDoubleSpinBox
        if spec.integer:
            self.spin = QSpinBox(self)
            self.spin.setRange(int(max(low, -INT_LIMIT)), int(min(high, INT_LIMIT)))
        else:
            self.spin = decimal = QDoubleSpinBox(self)
            decimal.setDecimals(spec.decimals)
            decimal.setSingleStep(spec.step)
            decimal.setRange(low, high)
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
        if self.slider is None:
            self.row.addStretch(1)
        self.add_unset_toggle([w for w in (self.slider, self.spin) if w is not None])

    def _to_slider(self, value: float) -> int:
        low, high = self.spin.minimum(), self.spin.maximum()
        return round((value - low) / (high - low) * self._steps) if high > low else 0

    def _slider_moved(self, position: int) -> None:
        low, high = self.spin.minimum(), self.spin.maximum()
        value = low + (high - low) * position / self._steps
        self.spin.blockSignals(True)
        self._set_spin(value)
        self.spin.blockSignals(False)
        self.value_changed.emit()

    def _set_spin(self, value: float) -> None:
        if isinstance(self.spin, QDoubleSpinBox):
            self.spin.setValue(value)
        else:
            self.spin.setValue(round(value))

    def _spin_changed(self, value: float) -> None:
        if self.slider is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(self._to_slider(value))
            self.slider.blockSignals(False)
        self.value_changed.emit()

    def number(self) -> Any:
        return int(self.spin.value()) if self.spec.integer else round(float(self.spin.value()), 6)

    def value(self) -> Any:
        return self.spec.unset_value if self._unset else self.number()

    def set_value(self, value: Any) -> None:
        if value is None and self.spec.unsettable:
            self.set_unset(True)
            return
        self.set_unset(False)
        try:
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):  # NaN or ±inf
                raise ValueError(value)
        except (TypeError, ValueError, OverflowError):
            number = self.spin.minimum() if self.spin.minimum() > -INT_LIMIT else 0
        if isinstance(self.spin, QDoubleSpinBox):
            # a restored value keeps its precision (0.125 stays 0.125)
            self.spin.setDecimals(max(self.spec.decimals, min(decimals_of(number), 6)))
            self.spin.setValue(number)
        else:
            self.spin.setValue(int(number))
        self._spin_changed(self.spin.value())


@field_kind("number_or_object")
class NumberOrObjectField(NumberField):
    """``anyOf [object, number]`` (a LoRA scale): a number; the object form (e.g. a scale per
    block) only behind the "{…}" switch, as JSON."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.object_switch = QToolButton(self)
        self.object_switch.setText("{…}")
        self.object_switch.setCheckable(True)
        self.object_switch.setToolTip("Give an object (JSON) instead of a number")
        self.object_editor = QPlainTextEdit(self)
        self.object_editor.setFixedHeight(48)
        self.object_editor.setPlaceholderText('JSON object, e.g. {"double_blocks": 1.0}')
        self.object_editor.hide()
        self.object_editor.textChanged.connect(self.value_changed)
        self.object_switch.toggled.connect(self._switched)
        index = self.row.indexOf(self.spin) + 1  # beside the number it replaces
        self.row.insertWidget(index, self.object_switch)
        self.row.insertWidget(index, self.object_editor, 1)
        self._editors += [self.object_switch]

    def _switched(self, on: bool) -> None:
        self.spin.setVisible(not on)
        if self.slider is not None:
            self.slider.setVisible(not on)
        self.object_editor.setVisible(on)
        self.value_changed.emit()

    def set_unset(self, unset: bool) -> None:
        super().set_unset(unset)
        if not unset and hasattr(self, "object_switch"):
            self._switched(self.object_switch.isChecked())
        elif hasattr(self, "object_editor"):
            self.object_editor.hide()

    def value(self) -> Any:
        if self._unset or not self.object_switch.isChecked():
            return super().value()
        text = self.object_editor.toPlainText().strip()
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return text  # validation says what is wrong

    def set_value(self, value: Any) -> None:
        if isinstance(value, dict):
            self.set_unset(False)
            self.object_editor.setPlainText(json.dumps(value))
            self.object_switch.setChecked(True)
            return
        if hasattr(self, "object_switch"):
            self.object_switch.setChecked(False)
        super().set_value(value)


@field_kind("seed")
class SeedField(FieldWidget):
    """A seed: "Random" (left to the server) or a fixed number from 0 to 2^64−1, kept exactly;
    "Reuse last" fills in the last run's seed."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.limit = (
            int(spec.maximum)
            if spec.maximum is not None and spec.maximum < SEED_LIMIT
            else SEED_LIMIT
        )
        self.random_box = QCheckBox("Random", self)
        self.edit = QLineEdit(self)
        self.edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,20}"), self.edit)
        )
        self.edit.setPlaceholderText("a number")
        self.edit.setMinimumWidth(110)  # grows to show all 20 digits where there is room
        self.edit.setMaximumWidth(200)
        self.reuse_button = QPushButton("Reuse last", self)
        self.reuse_button.setEnabled(False)
        self.random_box.toggled.connect(lambda on: self.edit.setEnabled(not on))
        self.random_box.toggled.connect(self.value_changed)
        self.edit.textChanged.connect(self._edited)
        self.reuse_button.clicked.connect(self._reuse)
        self._last: int | None = None
        self.row.addWidget(self.random_box)
        self.row.addWidget(self.edit, 1)
        self.row.addWidget(self.reuse_button)
        self.row.addStretch(0)
        self.random_box.setChecked(True)

    def problem(self) -> str | None:
        """What is wrong with the typed seed (checked before a run), if anything."""
        seed = self.seed()
        if not self.random_box.isChecked() and seed is not None and seed > self.limit:
            return f"A seed is at most {self.limit}"
        return None

    def _edited(self, _text: str) -> None:
        self.set_error(self.problem())
        self.value_changed.emit()

    def set_last_seed(self, seed: int | None) -> None:
        self._last = seed
        self.reuse_button.setEnabled(seed is not None)
        self.reuse_button.setToolTip(f"Use seed {seed} again" if seed is not None else "")

    def _reuse(self) -> None:
        if self._last is not None:
            self.set_value(self._last)

    def seed(self) -> int | None:
        text = self.edit.text()
        return int(text) if text else None

    def value(self) -> Any:
        if self.random_box.isChecked():
            return MISSING
        seed = self.seed()
        return MISSING if seed is None else seed

    def set_value(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.edit.setText(
                str(max(0, value))
            )  # past the limit it is said (problem), not changed
            self.edit.setCursorPosition(0)  # a narrow form shows where a 20-digit seed starts
            self.random_box.setChecked(False)
        else:
            if value == "new":
                self.edit.setText(str(random.randrange(min(self.limit, INT_LIMIT))))
            self.random_box.setChecked(True)
