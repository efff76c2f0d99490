"""Dialogs that start several runs at once: compare models on one prompt, vary one parameter."""

from __future__ import annotations

import json
import random
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.forms.spec import IMAGE_SIZE_PRESETS, FieldSpec, field_specs

__all__ = [
    "CompareModelsDialog",
    "VaryDialog",
    "parse_values",
    "suggested_values",
    "VARIABLE_KINDS",
]

VARIABLE_KINDS = ("slider", "number", "enum", "bool", "seed", "image_size", "prompt", "text")
MAX_RUNS = 8


def _problem_and_buttons(
    dialog: QDialog, layout: QVBoxLayout, on_ok
) -> tuple[QLabel, QDialogButtonBox]:
    """The line that says what is wrong, and OK/Cancel, at the bottom of a dialog."""
    problem = QLabel(dialog)
    problem.setWordWrap(True)
    problem.setStyleSheet("color: #c62828;")
    layout.addWidget(problem)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return problem, buttons


class CompareModelsDialog(QDialog):
    """Pick the text-to-image models to run one prompt on (two to eight)."""

    def __init__(
        self, models: list[str], prompt: str, checked: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare models")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "One prompt, sent to each model you tick; the results appear side by side. "
            "Each model keeps its own last settings.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.prompt = QPlainTextEdit(prompt, self)
        self.prompt.setFixedHeight(70)
        self.prompt.setPlaceholderText("The prompt")
        layout.addWidget(self.prompt)
        self.models = QListWidget(self)
        for endpoint_id in models:
            item = QListWidgetItem(endpoint_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if endpoint_id in checked else Qt.CheckState.Unchecked
            )
            self.models.addItem(item)
        self.models.itemChanged.connect(self._update)
        self.prompt.textChanged.connect(self._update)
        layout.addWidget(self.models, 1)
        self.problem, self.buttons = _problem_and_buttons(self, layout, self.accept)
        self.resize(460, 420)
        self._update()

    def chosen(self) -> list[str]:
        return [
            self.models.item(i).text()
            for i in range(self.models.count())
            if self.models.item(i).checkState() == Qt.CheckState.Checked
        ]

    def prompt_text(self) -> str:
        return self.prompt.toPlainText().strip()

    def _update(self) -> None:
        count = len(self.chosen())
        problem = ""
        if not self.prompt_text():
            problem = "Write a prompt first."
        elif count < 2:
            problem = "Tick at least two models."
        elif count > MAX_RUNS:
            problem = f"At most {MAX_RUNS} models at once."
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(f"Run on {count} models")
        ok.setEnabled(not problem)
        self.problem.setText(problem)


def suggested_values(spec: FieldSpec, current: Any) -> list[Any]:
    """A sensible first try for a parameter's values (the user edits them)."""
    if spec.kind == "seed":
        return [random.randrange(2**31 - 1) for _ in range(3)]
    if spec.kind == "bool":
        return [True, False]
    if spec.kind == "image_size":
        return [v for v in (spec.enum or IMAGE_SIZE_PRESETS) if isinstance(v, str)][:3]
    if spec.kind == "enum" and spec.enum:
        return [value for value in spec.enum if isinstance(value, (str, int, float))][:MAX_RUNS]
    if spec.kind in ("slider", "number"):
        value = current if isinstance(current, (int, float)) else spec.default
        value = value if isinstance(value, (int, float)) else (spec.minimum or 0)
        low = spec.minimum if spec.minimum is not None else value - 10
        high = spec.maximum if spec.maximum is not None else value + 10
        step = float(f"{(high - low) / 10 or 1:.0g}")  # a round step: 2, not 1.9
        if spec.integer:
            step = max(1, round(step))
        picks = [max(low, min(high, value + k * step)) for k in (-1, 0, 1)]
        picks = [int(round(p)) if spec.integer else round(p, 2) for p in picks]
        return list(dict.fromkeys(picks))
    return [current] if current not in (None, "") else []


def _format(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def parse_values(spec: FieldSpec, text: str) -> list[Any]:
    """Values typed as a list (commas or lines; text one per line), typed like the field."""
    if spec.kind in ("prompt", "text"):
        parts = [p.strip() for p in text.splitlines()]
    else:
        parts = [p.strip() for line in text.splitlines() for p in line.split(",")]
    values: list[Any] = []
    for part in filter(None, parts):
        if spec.kind == "bool":
            if part.lower() not in ("true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"“{part}” is not true or false.")
            values.append(part.lower() in ("true", "yes", "on"))
        elif spec.kind in ("slider", "number", "seed"):
            try:
                number = (
                    int(part) if part.lstrip("-").isdigit() else float(part)
                )  # 64-bit seeds exactly
            except ValueError:
                raise ValueError(f"“{part}” is not a number.") from None
            values.append(int(number) if spec.integer or spec.kind == "seed" else number)
        else:
            values.append(part)
    return values


class VaryDialog(QDialog):
    """Pick one parameter and the values to try; every other parameter stays as it was."""

    def __init__(
        self, schema: EndpointSchema, inputs: dict[str, Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Vary one parameter")
        self.schema, self.inputs = schema, dict(inputs)
        self.specs = [
            s for s in field_specs(schema) if s.kind in VARIABLE_KINDS and not s.transport
        ]
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The same run again with one parameter changed: one run per value, shown side by side.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.parameter = QComboBox(self)
        for spec in self.specs:
            self.parameter.addItem(spec.title, spec.name)
        self.values = QPlainTextEdit(self)
        self.values.setPlaceholderText(
            "Values, separated by commas or one per line (text: one per line)"
        )
        self.values.setFixedHeight(64)
        self.values.setTabChangesFocus(True)
        form.addRow("Parameter", self.parameter)
        form.addRow("Values", self.values)
        layout.addLayout(form)
        self.problem, self.buttons = _problem_and_buttons(self, layout, self._accept)
        self.parameter.currentIndexChanged.connect(self._suggest)
        self.values.textChanged.connect(self._check)
        self._suggesting = False
        self.parameter.setCurrentIndex(self._preferred())
        self._suggest()
        self.resize(460, 180)

    def _preferred(self) -> int:
        """Guidance if the model has it, else the first numeric parameter, else the first: the
        ones a value can be suggested for, so the dialog opens ready to run."""
        names = [s.name for s in self.specs]
        if "guidance_scale" in names:
            return names.index("guidance_scale")
        return next((i for i, s in enumerate(self.specs) if s.kind in ("slider", "number")), 0)

    def spec(self) -> FieldSpec | None:
        name = self.parameter.currentData()
        return next((s for s in self.specs if s.name == name), None)

    def _suggest(self) -> None:
        spec = self.spec()
        if spec is not None:
            values = [_format(v) for v in suggested_values(spec, self.inputs.get(spec.name))]
            self._suggesting = True  # not the user's typing: an empty suggestion is no mistake yet
            self.values.setPlainText(
                "\n".join(values) if spec.kind in ("prompt", "text") else ", ".join(values)
            )
            self._suggesting = False
        self._check(quiet=not self.values.toPlainText().strip())

    def runs(self) -> list[dict[str, Any]]:
        """One input per value; raises ValueError with a sentence if something is off."""
        spec = self.spec()
        if spec is None:
            raise ValueError("This model has no parameter to vary.")
        values = parse_values(spec, self.values.toPlainText())
        if len(values) < 2:
            raise ValueError(
                "Give at least two values"
                + (", one per line." if spec.kind in ("prompt", "text") else ".")
            )
        if len(values) > MAX_RUNS:
            raise ValueError(f"At most {MAX_RUNS} values at once.")
        runs = []
        for value in values:
            trial = {**self.inputs, spec.name: value}
            problems = [e for e in self.schema.validate_input(trial) if e.loc[:1] == (spec.name,)]
            if problems:
                raise ValueError(f"{_format(value)}: {problems[0].msg}")
            runs.append(trial)
        return runs

    def _check(self, quiet: bool = False) -> None:
        """Enable Run when the values make runs; say what is wrong unless ``quiet`` (nothing
        typed yet) or the text is being suggested."""
        if self._suggesting:
            return
        try:
            count, problem = len(self.runs()), ""
        except ValueError as exc:
            count, problem = 0, str(exc)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(f"Run {count} times" if count else "Run")
        ok.setEnabled(not problem)
        self.problem.setText("" if quiet else problem)

    def _accept(self) -> None:
        self._check()
        if not self.problem.text():
            self.accept()
