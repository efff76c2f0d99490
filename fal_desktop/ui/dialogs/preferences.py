"""Settings → Preferences…: the look, where results are saved, the default upscaler, how many
jobs run at once and desktop notifications. OK applies them at once (and they are kept in
the app's settings for the next start)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.resources import model_title
from fal_desktop.ui.window import prefs

__all__ = ["PreferencesDialog"]

THEME_NAMES = {"system": "Same as the system", "light": "Light", "dark": "Dark"}


class PreferencesDialog(QDialog):
    """``upscalers``: the endpoint ids offered as the default upscaler; ``upscaler``: the
    current one. Reads and writes ``settings``; the window applies what changed (``apply``)."""

    def __init__(
        self,
        settings: QSettings,
        upscalers: list[str],
        upscaler: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        outer = QVBoxLayout(self)
        self.form = QFormLayout()  # a later row (the spend limit) is added here with addRow
        outer.addLayout(self.form)

        self.theme = QComboBox(self)
        for key, text in THEME_NAMES.items():
            self.theme.addItem(text, key)
        self.theme.setCurrentIndex(list(THEME_NAMES).index(prefs.theme(settings)))
        self.form.addRow("&Theme:", self.theme)

        folder_box = QWidget(self)  # a widget, so the row's label gets its Alt+S buddy
        folder_row = QHBoxLayout(folder_box)
        folder_row.setContentsMargins(0, 0, 0, 0)
        self.folder = QLineEdit(str(settings.value("save/folder") or ""), self)
        self.folder.setPlaceholderText("Asked the first time you save")
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        folder_label = QLabel("&Save results to:", self)
        folder_label.setBuddy(self.folder)
        self.form.addRow(folder_label, folder_box)

        self.upscaler = QComboBox(self)
        for endpoint_id in dict.fromkeys([*upscalers, upscaler]):
            self.upscaler.addItem(model_title(endpoint_id), endpoint_id)
        self.upscaler.setCurrentIndex(max(0, self.upscaler.findData(upscaler)))
        self.upscaler.setToolTip("The model used for images you drop, paste or open to upscale")
        self.form.addRow("Default &upscaler:", self.upscaler)

        least, most, _ = prefs.JOBS_IN_FLIGHT
        self.jobs = QSpinBox(self)
        self.jobs.setRange(least, most)
        self.jobs.setValue(prefs.jobs_in_flight(settings))
        self.jobs.setToolTip(
            "How many jobs are sent to fal and followed at the same time; the rest wait their turn"
        )
        self.form.addRow("&Jobs at once:", self.jobs)
        self.jobs_note = QLabel(
            "Applies at once. Running jobs are never stopped to lower it.", self
        )
        self.jobs_note.setEnabled(False)
        self.form.addRow("", self.jobs_note)

        self.notify = QCheckBox("Tell me when long jobs finish while I'm in another window", self)
        self.notify.setChecked(prefs.notifications_on(settings))
        self.form.addRow("&Notifications:", self.notify)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.setMinimumWidth(520)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Save results to…", self.folder.text() or str(Path.home())
        )
        if chosen:
            self.folder.setText(chosen)

    def store(self) -> None:
        """Write the dialog's values into the settings."""
        prefs.set_theme(self.settings, self.theme.currentData())
        folder = self.folder.text().strip()
        if folder:
            self.settings.setValue("save/folder", folder)
        else:
            self.settings.remove("save/folder")
        prefs.set_jobs_in_flight(self.settings, self.jobs.value())
        prefs.set_notifications_on(self.settings, self.notify.isChecked())
        self.settings.sync()

    @property
    def chosen_upscaler(self) -> str:
        return str(self.upscaler.currentData())
