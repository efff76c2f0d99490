"""The left side of the window: pick a model (or type any endpoint id), fill its form, run.

Signals:
    run_requested(str, dict): endpoint id and the form's value, already validated.
    model_changed(str): a model's form is now shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.catalog import GROUPS, Catalog
from fal_desktop.core.form_memory import FormMemory
from fal_desktop.forms.fields import TextField
from fal_desktop.forms.form import ParamsForm
from fal_desktop.forms.prompt_completer import PromptCompleter
from fal_desktop.widgets.background import Background

__all__ = ["ModelPanel"]

CARRIED_PROMPTS = ("prompt", "negative_prompt")  # follow the user between text-to-image models


class ModelPanel(QWidget):
    run_requested = Signal(
        str, object
    )  # object: a dict would pass through QVariantMap, where a 64-bit seed overflows
    model_changed = Signal(str)
    compare_requested = Signal()
    browse_requested = Signal()

    def __init__(
        self,
        catalog: Catalog,
        memory: FormMemory,
        parent: QWidget | None = None,
        *,
        prompt_history: Callable[[], list[str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog, self.memory = catalog, memory
        self.prompt_history = prompt_history
        self.form: ParamsForm | None = None
        self.work = Background(self)
        layout = QVBoxLayout(self)

        self.picker = QComboBox(self)
        self.picker.setMaxVisibleItems(24)
        self.picker.activated.connect(self._picked)
        self.browse_button = QPushButton("Browse models…", self)
        self.browse_button.setToolTip(
            "Search fal's whole catalog by name, category or tag (Ctrl+L)"
        )
        self.browse_button.clicked.connect(self.browse_requested)
        pick_row = QHBoxLayout()
        pick_row.addWidget(self.picker, 1)
        pick_row.addWidget(self.browse_button)
        layout.addLayout(pick_row)

        other = QHBoxLayout()
        self.endpoint_edit = QLineEdit(self)
        self.endpoint_edit.setPlaceholderText("Any other model: owner/name, e.g. fal-ai/recraft-v3")
        self.endpoint_edit.returnPressed.connect(self._load_typed)
        self.load_button = QPushButton("Load", self)
        self.load_button.clicked.connect(self._load_typed)
        other.addWidget(self.endpoint_edit, 1)
        other.addWidget(self.load_button)
        layout.addLayout(other)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        layout.addWidget(self.status_label)

        self.form_scroll = QScrollArea(self)  # the form, which scrolls when it is taller
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(self.form_scroll, 1)

        self.run_button = QPushButton("Run  (Ctrl+Enter)", self)
        self.run_button.setDefault(True)
        self.run_button.setMinimumHeight(34)
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self.run)
        self.compare_button = QPushButton("Compare models…", self)
        self.compare_button.setToolTip(
            "Send this prompt to several text-to-image models and see "
            "the results side by side (Ctrl+Shift+M)"
        )
        self.compare_button.setMinimumHeight(34)
        self.compare_button.clicked.connect(self.compare_requested)
        self.price_label = QLabel(self)  # filled by ui/models/platform_ui.py: the price of a run
        self.price_label.setWordWrap(True)
        self.price_label.hide()
        layout.addWidget(self.price_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.compare_button)
        layout.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(
                QKeySequence(keys), self, self.run, context=Qt.ShortcutContext.WindowShortcut
            ).setWhatsThis("Run the model")
        self.refresh_models()

    # -- the model list ------------------------------------------------------------------

    def refresh_models(self) -> None:
        model = QStandardItemModel(self.picker)
        entries = self.catalog.entries()
        for group in GROUPS:
            members = [e for e in entries if e.group == group]
            members.sort(key=lambda e: (not e.bundled, e.title.lower()))  # by name, as shown
            if not members:
                continue
            header = QStandardItem(group.upper())
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            model.appendRow(header)
            for entry in members:
                item = QStandardItem("   " + entry.title)  # its display name, even offline
                item.setData(entry.endpoint_id, Qt.ItemDataRole.UserRole)
                item.setToolTip(entry.endpoint_id)
                model.appendRow(item)
        self.picker.setModel(model)

    def image_field(self) -> str | None:
        """The name of the form's main image input, if the model takes one."""
        if self.form is None:
            return None
        for spec in self.form.specs:
            if spec.kind == "image" and spec.required:
                return spec.name
        return None

    @property
    def endpoint_id(self) -> str | None:
        return self.form.schema.endpoint_id if self.form else None

    def _picked(self, index: int) -> None:
        endpoint_id = self.picker.itemData(index, Qt.ItemDataRole.UserRole)
        if endpoint_id:
            self.select_model(endpoint_id)

    def _load_typed(self) -> None:
        text = self.endpoint_edit.text().strip()
        if text:
            self.select_model(text)

    def select_model(self, endpoint_id: str) -> None:
        schema = self.catalog.cached(endpoint_id)
        if schema is not None:
            self._show_schema(schema)
            return
        self._set_status(f"Loading {endpoint_id} from fal…", error=False)
        self.load_button.setEnabled(False)
        self.work.run(self.catalog.load, endpoint_id, done=self._on_loaded, failed=self._on_loaded)

    def _on_loaded(self, result: EndpointSchema | BaseException) -> None:
        self.load_button.setEnabled(True)
        if isinstance(result, EndpointSchema):
            self.refresh_models()
            self._show_schema(result)
        else:
            self._set_status(str(result), error=True)

    def _set_status(self, text: str, *, error: bool) -> None:
        self.status_label.setStyleSheet("color: #c62828;" if error else "")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def _carried_prompts(self, schema: EndpointSchema) -> dict[str, str]:
        """The prompt and negative prompt typed in a text-to-image form, for the next one."""
        old = self.form
        if (
            old is None
            or old.schema.category != "text-to-image"
            or schema.category != "text-to-image"
        ):
            return {}
        values = old.value()
        return {
            name: values[name]
            for name in CARRIED_PROMPTS
            if isinstance(values.get(name), str) and values[name].strip()
        }

    def _show_schema(self, schema: EndpointSchema) -> None:
        carried = self._carried_prompts(schema)
        self._remember()
        self._set_status("", error=False)
        self.form = ParamsForm(schema)
        notes = self.form.set_value(self.memory.get(schema.endpoint_id))
        if notes:
            self.form.notes_label.setText("Last values restored. " + " ".join(notes))
        for name, text in carried.items():
            if name in self.form.fields:
                self.form.fields[name].set_value(text)
        self.form_scroll.setWidget(self.form)
        prompt = self.form.fields.get("prompt")
        editor = prompt.editor if isinstance(prompt, TextField) else None
        if self.prompt_history is not None and isinstance(editor, QPlainTextEdit):
            self.form.prompt_completer = PromptCompleter(editor, self.prompt_history)
        for index in range(self.picker.count()):
            if self.picker.itemData(index, Qt.ItemDataRole.UserRole) == schema.endpoint_id:
                self.picker.setCurrentIndex(index)
        self.run_button.setEnabled(True)
        self.memory.last_endpoint = schema.endpoint_id
        if self.image_field() is not None:
            self.memory.remember(
                "__app__", {**self.memory.get("__app__"), "upscaler": schema.endpoint_id}
            )
        self.model_changed.emit(schema.endpoint_id)

    def _remember(self) -> None:
        if self.form is not None:
            self.memory.remember(self.form.schema.endpoint_id, self.form.value())

    # -- running -----------------------------------------------------------------------

    def run(self) -> None:
        if self.form is None or not self.run_button.isEnabled():
            return
        errors = self.form.validate()
        if errors:
            return
        self._remember()
        self.run_requested.emit(self.form.schema.endpoint_id, self.form.value())

    def wait_idle(self) -> None:
        self.work.wait(20000)
