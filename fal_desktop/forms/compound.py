"""Fields that hold other fields: lists of values, objects, and lists of objects (LoRAs…)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.forms import choice_fields, image_field, image_list, number_fields  # noqa: F401 - their kinds register
from fal_desktop.forms.field_labels import plain_tooltip
from fal_desktop.forms.fields import (
    MISSING,
    ErrorAt,
    FieldWidget,
    changed_values,
    field_kind,
    make_field,
)
from fal_desktop.forms.spec import FieldSpec

__all__ = ["ListField", "ObjectField", "ObjectListField", "SubForm"]


class SubForm(QWidget):
    """The fields of one object, laid out as a small form."""

    def __init__(self, specs: list[FieldSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.specs = specs
        self.fields: dict[str, FieldWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # A field too wide beside its label goes under it: nested rows stack, not scroll sideways.
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for spec in specs:
            field = make_field(spec, self)
            self.fields[spec.name] = field
            label = QLabel(spec.title + (" *" if spec.required else ""), self)
            label.setToolTip(plain_tooltip(spec.description))
            layout.addRow(label, field)

    def value(self) -> dict[str, Any]:
        return changed_values(self.specs, self.fields)

    def set_value(self, value: Any) -> None:
        for name, field in self.fields.items():
            if isinstance(value, dict) and name in value:
                field.set_value(value[name])
            else:
                field.reset()

    def show_errors(self, errors: list[ErrorAt]) -> None:
        for field in self.fields.values():
            field.set_error(None)
        for loc, message in errors:
            if loc and loc[0] in self.fields:
                where = ".".join(str(p) for p in loc[1:])
                self.fields[loc[0]].set_error(f"{where}: {message}" if where else message)


@field_kind("list")
class ListField(FieldWidget):
    """A list of plain values, one per line."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setFixedHeight(56)
        self.editor.setPlaceholderText("One per line")
        self.editor.textChanged.connect(self.value_changed)
        self.row.addWidget(self.editor)
        items = spec.schema.get("items")
        if not isinstance(items, dict):
            items = {}
        self._item_type = items.get("type", "string")

    def value(self) -> Any:
        lines = [line.strip() for line in self.editor.toPlainText().splitlines() if line.strip()]
        if not lines:
            return self.spec.unset_value if not self.spec.required else []
        if self._item_type in ("number", "integer"):
            numbers = []
            for line in lines:
                try:
                    numbers.append(int(line) if self._item_type == "integer" else float(line))
                except ValueError:
                    return lines  # validation says which line is wrong
            return numbers
        return lines

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else ([] if value is None else [value])
        self.editor.setPlainText("\n".join(str(v) for v in items))


@field_kind("object")
class ObjectField(FieldWidget):
    """An object with known fields, shown as an indented sub-form. An optional one is absent
    (not sent) until "Add …" is clicked, and absent again after "Remove"."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        self.sub = SubForm(spec.children, self)
        column.addWidget(self.sub)
        self.add_button = QPushButton(f"Add {_one_of(spec.title, plural=False)}", self)
        self.remove_button = QPushButton("Remove", self)
        self.add_button.clicked.connect(lambda: self.set_value({}))
        self.remove_button.clicked.connect(lambda: self.set_value(None))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.row.addLayout(column)
        self.present = True
        for field in self.sub.fields.values():
            field.value_changed.connect(self.value_changed)

    def _show(self, present: bool) -> None:
        self.present = present or self.spec.required
        self.sub.setVisible(self.present)
        self.add_button.setVisible(not self.present)
        self.remove_button.setVisible(self.present and not self.spec.required)
        self.value_changed.emit()

    def value(self) -> Any:
        if not self.present:
            return self.spec.unset_value
        value = self.sub.value()
        if not value and isinstance(self.spec.default, dict) and not self.spec.required:
            return MISSING  # shown with its default and unchanged: the server's default applies
        return value

    def set_value(self, value: Any) -> None:
        self.sub.set_value(value if isinstance(value, dict) else {})
        self._show(isinstance(value, dict))

    def reset(self) -> None:
        default = self.spec.default if self.spec.has_default else None
        self.set_value(default if isinstance(default, dict) and not self.spec.unsettable else None)

    def set_error(self, text: str | None, errors: list[ErrorAt] | None = None) -> None:
        super().set_error(text if not errors else None)
        self.sub.show_errors(errors or [])


def _one_of(title: str, plural: bool = True) -> str:
    """ "LoRAs" → "LoRA", "Controlnet units" → "controlnet unit": for an "Add …" button."""
    one = (
        title[:-1] if plural and title.endswith("s") and not title.endswith("ss") else title
    ) or "item"
    first = one.split(" ", 1)[0]
    return one[:1].lower() + one[1:] if first[1:].islower() or len(first) == 1 else one


@field_kind("object_list")
class ObjectListField(FieldWidget):
    """Rows of sub-forms with Add and Remove, e.g. LoRA weights; no rows is not sent."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        self.rows_box = QVBoxLayout()
        column.addLayout(self.rows_box)
        self.add_button = QPushButton(f"Add {_one_of(spec.title)}", self)
        self.add_button.clicked.connect(lambda: self.add_row())
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.row.addLayout(column)
        self.items: list[SubForm] = []

    def add_row(self, value: Any = None) -> SubForm:
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        line = QVBoxLayout(frame)  # Remove under the row's fields: never pushed out of sight
        line.setContentsMargins(6, 6, 6, 6)
        sub = SubForm(self.spec.children, frame)
        sub.set_value(value or {})
        remove = QPushButton("Remove", frame)
        remove.clicked.connect(lambda: self.remove_row(sub))
        line.addWidget(sub, 1)
        line.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        for field in sub.fields.values():
            field.value_changed.connect(self.value_changed)
        self.rows_box.addWidget(frame)
        self.items.append(sub)
        self.value_changed.emit()
        return sub

    def remove_row(self, sub: SubForm) -> None:
        if sub in self.items:
            self.items.remove(sub)
            row = sub.parentWidget()
            (row or sub).deleteLater()
            self.value_changed.emit()

    def value(self) -> Any:
        if self.items:
            return [sub.value() for sub in self.items]
        if self.spec.required or (isinstance(self.spec.default, list) and self.spec.default):
            return []  # the user removed the default's items
        return self.spec.unset_value

    def set_value(self, value: Any) -> None:
        for sub in list(self.items):
            self.remove_row(sub)
        for item in value if isinstance(value, list) else []:
            self.add_row(item if isinstance(item, dict) else {})

    def set_error(self, text: str | None, errors: list[ErrorAt] | None = None) -> None:
        placed = []
        for loc, message in errors or []:
            if loc and isinstance(loc[0], int) and loc[0] < len(self.items):
                placed.append((loc[0], loc[1:], message))
        for index, sub in enumerate(self.items):
            sub.show_errors([(rest, msg) for i, rest, msg in placed if i == index])
        super().set_error(text if not placed else None)
