"""The field widgets' common base, the simple kinds, and ``make_field``.

Every field widget has ``spec``, ``value()``, ``set_value(v)``, ``reset()``, ``unset()``,
``set_error(text | None)`` and a ``value_changed`` signal. ``value()`` returns ``MISSING``
when the field should be left out of the request, ``None`` when it sends null.
``set_value(None)`` puts a field that can be not set into that state.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.forms.field_labels import plain_tooltip
from fal_desktop.forms.spec import MISSING, FieldSpec

__all__ = [
    "MISSING",
    "FieldWidget",
    "changed_values",
    "make_field",
    "field_kind",
    "same_value",
    "INT_LIMIT",
    "IMAGE_FILTER",
    "TextField",
    "BoolField",
    "ReadOnlyField",
    "JsonField",
]

INT_LIMIT = 2**31 - 1
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"
NOT_SET = "Not set"
#: An error inside a field made of others: where (its path, e.g. ``(0, "scale")``) and what.
ErrorAt = tuple[tuple[str | int, ...], str]


def same_value(value: Any, default: Any) -> bool:
    """Whether a field still holds its default (numbers compared as numbers, integers exactly)."""
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default if isinstance(value, bool) and isinstance(default, bool) else False
    if isinstance(value, int) and isinstance(default, int):
        return value == default
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return abs(float(value) - float(default)) <= 1e-4 * max(1.0, abs(float(default)))
    if value is None or default is None:
        return value is default
    if isinstance(value, (dict, list)) or isinstance(default, (dict, list)):
        return bool(value == default)
    return str(value) == str(default)


def changed_values(specs: list[FieldSpec], fields: dict[str, FieldWidget]) -> dict[str, Any]:
    """The request value of a group of fields: required ones, and the rest only where the user
    set them to something other than the schema's default (the server applies its defaults)."""
    out: dict[str, Any] = {}
    for spec in specs:
        field = fields.get(spec.name)
        value = field.value() if field is not None else MISSING
        if value is MISSING:
            continue
        if spec.required or not spec.has_default or not same_value(value, spec.default):
            out[spec.name] = value
    return out


_KINDS: dict[str, type[FieldWidget]] = {}


def field_kind(*kinds: str):
    """Class decorator: the widget ``make_field`` builds for these spec kinds. The modules of
    the kinds register on import (form.py and compound.py import them all)."""

    def register(cls: type[FieldWidget]) -> type[FieldWidget]:
        for kind in kinds:
            _KINDS[kind] = cls
        return cls

    return register


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
            self.setToolTip(plain_tooltip(spec.description))
        self._editors: list[QWidget] = []
        self._unset = False
        self.set_button: QPushButton | None = None  # "Not set": click to choose a value
        self.unset_button: QToolButton | None = None  # ×: back to not set

    def add_unset_toggle(self, editors: list[QWidget]) -> None:
        """For a field that can be not set: "Not set" in place of its editors until clicked, and
        a × beside them that returns it to not set."""
        if not self.spec.unsettable:
            return
        self._editors = editors
        self.set_button = QPushButton(f"{NOT_SET} (click to set)", self)
        self.set_button.setFlat(True)
        self.set_button.setStyleSheet(
            "QPushButton { text-align: left; font-style: italic; "
            "color: palette(placeholder-text); padding: 2px 4px; }"
        )
        self.set_button.setToolTip("Not sent: the model decides. Click to choose a value.")
        self.set_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.set_button.clicked.connect(lambda: self.set_unset(False))
        self.unset_button = QToolButton(self)
        self.unset_button.setText("×")
        self.unset_button.setAutoRaise(True)
        self.unset_button.setToolTip("Not set: leave it to the model")
        self.unset_button.clicked.connect(lambda: self.set_unset(True))
        self.row.insertWidget(0, self.set_button, 1)
        self.row.addWidget(self.unset_button)

    def set_unset(self, unset: bool) -> None:
        if self.set_button is None or self.unset_button is None:
            return
        self._unset = unset
        for widget in self._editors:
            widget.setVisible(not unset)
        self.set_button.setVisible(unset)
        self.unset_button.setVisible(not unset)
        self.value_changed.emit()

    def is_unset(self) -> bool:
        return self._unset

    def set_error(self, text: str | None, errors: list[ErrorAt] | None = None) -> None:
        """Show ``text`` under the field (``None`` hides it); ``errors`` (each at a path inside
        the field) are for the fields made of others."""
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def reset(self) -> None:
        self.set_value(self.spec.default if self.spec.has_default else None)

    def unset(self) -> None:
        """Back to not set where the field can be, else to its default."""
        self.set_value(None) if self.spec.unsettable else self.reset()

    def value(self) -> Any:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover
        raise NotImplementedError


@field_kind("prompt", "text")
class TextField(FieldWidget):
    """One line or several; empty is not set (unless required, or clearing a default)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        multiline = spec.kind == "prompt"
        self.editor: QPlainTextEdit | QLineEdit
        if multiline:
            self.editor = lines = QPlainTextEdit(self)
            lines.setFixedHeight(90 if spec.name == "prompt" else 56)
            lines.setTabChangesFocus(True)
        else:
            self.editor = line = QLineEdit(self)
            line.setClearButtonEnabled(not spec.required)
        self.editor.setPlaceholderText(spec.placeholder or ("" if spec.required else NOT_SET))
        self.editor.textChanged.connect(self.value_changed)
        self.row.addWidget(self.editor)

    def text(self) -> str:
        return (
            self.editor.toPlainText()
            if isinstance(self.editor, QPlainTextEdit)
            else self.editor.text()
        )

    def value(self) -> Any:
        text = self.text()
        if text or self.spec.required:
            return text
        if self.spec.has_default and self.spec.default not in (None, ""):
            return "" if not self.spec.nullable else None  # the user cleared the default
        return MISSING

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if isinstance(self.editor, QPlainTextEdit):
            self.editor.setPlainText(text)
        else:
            self.editor.setText(text)


@field_kind("bool")
class BoolField(FieldWidget):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.check = QCheckBox(self)
        self.check.toggled.connect(self.value_changed)
        self.row.addWidget(self.check)
        self.row.addStretch(1)
        self.add_unset_toggle([self.check])

    def value(self) -> Any:
        return self.spec.unset_value if self._unset else self.check.isChecked()

    def set_value(self, value: Any) -> None:
        if value is None and self.spec.unsettable:
            self.set_unset(True)
            return
        self.set_unset(False)
        self.check.setChecked(bool(value))


@field_kind("readonly")
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


@field_kind("json")
class JsonField(FieldWidget):
    """Anything else, as JSON that is checked as you type; empty is not set."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setFixedHeight(56)
        self.editor.setPlaceholderText(
            "JSON, e.g. " + (json.dumps(spec.default) if spec.has_default else "[]")
        )
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


def make_field(spec: FieldSpec, parent: QWidget | None = None) -> FieldWidget:
    """The widget of a spec's kind (JSON for a kind no module registered), at its default."""
    widget = _KINDS.get(spec.kind, JsonField)(spec, parent)
    widget.reset()
    return widget
