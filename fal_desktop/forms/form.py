"""ParamsForm: an endpoint's whole input form, from its schema.

Required fields come first, the common ones next, the rest under "Advanced". The value
is a dict holding the required fields and the ones the user set to something other than the
schema's default, so the server applies its own defaults to everything else. An optional
field without a default starts "not set" and is not sent; transport fields (sync_mode) are
not shown and never sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.api.openapi import EndpointSchema, FieldError
from fal_desktop.api.quick_validate import surely_fits_object
from fal_desktop.forms import compound  # noqa: F401 - registers every kind of field
from fal_desktop.forms.field_labels import plain_tooltip
from fal_desktop.forms.fields import FieldWidget, changed_values, make_field
from fal_desktop.forms.spec import FieldSpec, field_specs

if TYPE_CHECKING:
    from fal_desktop.forms.prompt_completer import PromptCompleter

__all__ = ["ParamsForm"]

LABEL_WIDTH = 130


def _label(spec: FieldSpec) -> QLabel:
    text = spec.title + (" *" if spec.required else "")
    label = QLabel(text)
    label.setToolTip(plain_tooltip(spec.description))
    label.setWordWrap(True)
    label.setFixedWidth(LABEL_WIDTH)  # one label column for the main and advanced parts
    return label


class ParamsForm(QWidget):
    value_changed = Signal()

    def __init__(self, schema: EndpointSchema, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self.specs = field_specs(schema)
        self.fields: dict[str, FieldWidget] = {}
        self.prompt_completer: PromptCompleter | None = None  # set by the panel with a history
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        main = QFormLayout()
        main.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        layout.addLayout(main)

        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setStyleSheet("QToolButton { border: none; font-weight: 600; }")
        self.advanced_box = QWidget(self)
        advanced = QFormLayout(self.advanced_box)
        advanced.setContentsMargins(0, 0, 0, 0)
        for spec in self.specs:
            if spec.transport:
                continue
            field = make_field(spec, self)
            field.value_changed.connect(self.value_changed)
            self.fields[spec.name] = field
            (advanced if spec.advanced else main).addRow(_label(spec), field)
        has_advanced = advanced.rowCount() > 0
        self.advanced_toggle.setVisible(has_advanced)
        self.advanced_toggle.toggled.connect(self._show_advanced)
        layout.addWidget(self.advanced_toggle)
        layout.addWidget(self.advanced_box)
        self._show_advanced(False)

        bottom = QHBoxLayout()
        self.notes_label = QLabel(self)
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: palette(dark);")
        bottom.addWidget(self.notes_label, 1)
        self.reset_button = QPushButton("Reset to defaults", self)
        self.reset_button.clicked.connect(self.reset)
        bottom.addWidget(self.reset_button)
        layout.addLayout(bottom)
        layout.addStretch(1)

    def _show_advanced(self, shown: bool) -> None:
        self.advanced_box.setVisible(shown)
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    # -- value ---------------------------------------------------------------------

    def value(self) -> dict[str, Any]:
        return changed_values(self.specs, self.fields)

    def set_value(self, values: dict[str, Any]) -> list[str]:
        """Restore values; ones that no longer fit the schema are dropped with a note."""
        self.reset()
        notes = []
        transport = {s.name for s in self.specs if s.transport}
        for name, value in values.items():
            field = self.fields.get(name)
            if name in transport:
                continue  # how a result travels is the app's choice, not a parameter
            if field is None:
                notes.append(f"{name} is no longer an input of this model; it was left out.")
                continue
            if surely_fits_object(self.schema.input_schema, name, value):
                field.set_value(value)  # no need to import and build jsonschema's validator
                continue
            trial = dict(self.value())
            trial[name] = value
            problems = [e for e in self.schema.validate_input(trial) if e.loc[:1] == (name,)]
            if problems:
                notes.append(f"{field.spec.title}: {problems[0].msg}; the default was kept.")
                continue
            field.set_value(value)
        self.notes_label.setText(" ".join(notes))
        return notes

    def reset(self) -> None:
        for field in self.fields.values():
            field.reset()
            field.set_error(None)
        self.notes_label.clear()

    # -- errors --------------------------------------------------------------------

    def validate(self) -> list[FieldError]:
        """Check the value against the schema and show each problem on its field."""
        value = self.value()
        errors = self.schema.validate_input(value)
        for name, field in self.fields.items():  # what a widget knows the schema cannot say
            problem = field.problem() if hasattr(field, "problem") else None
            if problem and (name,) not in {e.loc[:1] for e in errors}:
                errors.append(FieldError((name,), problem, "value_error"))
        flagged = {e.loc[:1] for e in errors}
        for (
            spec
        ) in self.specs:  # a required field left empty is a mistake, whatever the schema allows
            if (
                spec.required
                and value.get(spec.name) in ("", [], None)
                and (spec.name,) not in flagged
            ):
                errors.append(FieldError((spec.name,), "This field is required", "missing"))
        self.show_field_errors(errors)
        return errors

    def show_field_errors(self, errors: list[FieldError]) -> list[FieldError]:
        """Put each error on the field its ``loc`` names; returns the ones with no field."""
        for field in self.fields.values():
            field.set_error(None)
        unplaced = []
        by_field: dict[str, list[FieldError]] = {}
        for error in errors:
            name = error.loc[0] if error.loc else None
            if isinstance(name, str) and name in self.fields:
                by_field.setdefault(name, []).append(error)
            else:
                unplaced.append(error)
        for name, found in by_field.items():
            field = self.fields[name]
            text = "; ".join(
                (".".join(str(p) for p in e.loc[1:]) + ": " if e.loc[1:] else "") + e.msg
                for e in found
            )
            if field.spec.kind in ("object", "object_list"):
                field.set_error(text, [(e.loc[1:], e.msg) for e in found])
            else:
                field.set_error(text)
            if field.spec.advanced:
                self.advanced_toggle.setChecked(True)
        if unplaced:
            self.notes_label.setText("; ".join(e.msg for e in unplaced))
        return unplaced
