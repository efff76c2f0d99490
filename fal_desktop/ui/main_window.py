"""The main window: models and form on the left, the result in the middle, jobs below.

Layout and wiring only; the work happens in the job manager and the layers below it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from fal_desktop import __version__
from fal_desktop.ui.shell import EARLY, ActionQueue, Placeholder, hold_actions

if TYPE_CHECKING:  # the rest is imported when the window is finished (see finish_setup)
    from collections.abc import Callable

    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.core.secrets import ApiKeyStore
    from fal_desktop.jobs.events import JobUpdate
    from fal_desktop.jobs.manager import JobManager
    from fal_desktop.ui.jobs_model import JobRow
    from fal_desktop.ui.key_dialog import ApiKeyDialog, KeyTester

__all__ = ["MainWindow", "SANDBOX_MESSAGE"]

SANDBOX_MESSAGE = "Sandbox — images are made locally, not by fal's models"
HISTORY_ROWS = 50
DEFAULT_UPSCALER = "fal-ai/aura-sr"


class Banner(QWidget):
    """A strip across the top of the window with a message and an optional action."""

    def __init__(self, colour: str, text_colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#banner {{ background: {colour}; }} QLabel {{ color: {text_colour};"
                           " font-weight: 600; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.button = QPushButton(self)
        self.button.hide()
        row.addWidget(self.button)
        self.hide()

    def show_message(self, text: str, action: str | None = None) -> None:
        self.label.setText(text)
        self.button.setText(action or "")
        self.button.setVisible(bool(action))
        self.setVisible(bool(text))


class MainWindow(QMainWindow):
    """With ``deferred=True`` only the frame is built (title, menus, "Loading…" placeholders) so
    it can be shown at once; ``finish_setup`` then builds the panels and resumes the jobs."""

    def __init__(
        self,
        *,
        paths: AppPaths,
        catalog: Catalog | None = None,
        manager: JobManager | None = None,
        key_store: ApiKeyStore | None = None,
        key_tester: KeyTester | None = None,
        sandbox: bool = False,
        settings: QSettings | None = None,
        deferred: bool = False,
    ) -> None:
        super().__init__()
        self.paths, self.sandbox = paths, sandbox
        self.settings = settings or QSettings(str(paths.config / "window.ini"), QSettings.Format.IniFormat)
        self.setWindowTitle("fal desktop — sandbox" if sandbox else "fal desktop")
        self.resize(1360, 860)
        self._key_dialog: ApiKeyDialog | None = None
        self.ready, self.resumed = False, []
        self._early = ActionQueue()  # what the user does before the window is ready

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sandbox_banner = Banner("#f6c343", "#3a2a00", central)
        if sandbox:
            self.sandbox_banner.show_message(SANDBOX_MESSAGE)
            self.sandbox_banner.setToolTip("Started with --sandbox: a fal emulator on this computer "
                                           "answers every request. Nothing is sent to fal.ai or billed.")
        self.notice = Banner("#b3261e", "#ffffff", central)
        self.notice.button.clicked.connect(self.open_key_dialog)
        layout.addWidget(self.sandbox_banner)
        layout.addWidget(self.notice)

        # The frame at its final size; finish_setup puts the panels where the placeholders are.
        self.outer = QSplitter(Qt.Orientation.Vertical, central)
        self.top = QSplitter(Qt.Orientation.Horizontal, self.outer)
        self.top.addWidget(Placeholder())
        self.top.addWidget(Placeholder(""))
        self.top.setStretchFactor(1, 1)
        self.top.setSizes([440, 900])
        self.outer.addWidget(Placeholder(""))
        self.outer.setStretchFactor(0, 3)
        self.outer.setStretchFactor(1, 1)
        self.outer.setSizes([580, 260])
        layout.addWidget(self.outer, 1)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)
        self._build_menus()
        self._release_actions = hold_actions(self)
        self._restore_window("outer", "top", geometry=True)
        if not deferred:
            if catalog is None or manager is None or key_store is None:
                raise TypeError("MainWindow needs catalog, manager and key_store unless deferred=True")
            self.finish_setup(catalog=catalog, manager=manager, key_store=key_store, key_tester=key_tester)

    def finish_setup(self, *, catalog: Catalog, manager: JobManager, key_store: ApiKeyStore,
                     key_tester: KeyTester | None = None) -> None:
        """Build the panels, load the history, resume unfinished jobs, check the key."""
        from fal_desktop.core.form_memory import FormMemory
        from fal_desktop.ui.compare_pane import ComparePane
        from fal_desktop.ui.image_view import ImageView
        from fal_desktop.ui.jobs_model import JobsModel
        from fal_desktop.ui.jobs_panel import JobsPanel
        from fal_desktop.ui.model_panel import ModelPanel
        from fal_desktop.ui.saver import ResultSaver

        self.catalog, self.manager = catalog, manager
        self.memory = FormMemory(self.paths.config / "last-values.json")
        self.key_store, self.key_tester = key_store, key_tester
        central = self.centralWidget()
        self.model_panel = ModelPanel(catalog, self.memory, central)
        self.result_view = ImageView(None, "Run a model to see its result here,\nor drop images anywhere to upscale them.")
        self.compare = ComparePane(None)
        self.results = QStackedWidget(central)
        self.results.addWidget(self.result_view)
        self.results.addWidget(self.compare)
        self.results.setMinimumSize(320, 240)  # the compare bar may be clipped, the form never
        self.jobs_model = JobsModel(self)
        self.jobs_panel = JobsPanel(self.jobs_model, central)
        for splitter, index, panel in ((self.top, 0, self.model_panel), (self.top, 1, self.results),
                                       (self.outer, 1, self.jobs_panel)):
            splitter.replaceWidget(index, panel).deleteLater()
        self.top.setStretchFactor(1, 1)
        self.outer.setStretchFactor(1, 1)

        self.model_panel.run_requested.connect(self.submit)
        manager.job_added.connect(self.jobs_model.add_job)
        manager.job_updated.connect(self._on_update)
        self.jobs_panel.cancel_requested.connect(manager.cancel)
        self.jobs_panel.retry_requested.connect(self._retry)
        self.jobs_panel.clear_requested.connect(self._clear_finished)
        self.jobs_panel.pause_toggled.connect(lambda paused: manager.pause() if paused else manager.resume())
        self.jobs_panel.job_selected.connect(self._show_job)

        self.saver = ResultSaver(self.settings, self)
        self.saver.finished.connect(lambda text: self.notice.show_message(text))
        for source in (self.compare, self.result_view):
            source.drag_requested.connect(
                lambda: self.saver.drag(self, self.jobs_panel.selected_row() or self._last_done()))
        self._restore_window("top", "outer", "jobs")
        for job in manager.store.all(limit=HISTORY_ROWS):
            if job.state.finished:
                self.jobs_model.add_job(job)
        self.resumed = manager.resume_unfinished()
        self.model_panel.select_model(self.memory.last_endpoint or "fal-ai/flux/dev")
        self._check_key()
        self.ready = True
        self._release_actions()
        self._early.release()

    def _when_ready(self, action: Callable[[], object], what: str) -> bool:
        """Queue ``action`` if the window is still starting; True if it was queued."""
        if self.ready:
            return False
        self._early.add(action)
        self.notice.show_message(f"Still starting up: {what} as soon as the window is ready.")
        return True

    # -- menus and the key -----------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        save_action = QAction("&Save result", self, shortcut=QKeySequence.StandardKey.Save)
        save_action.triggered.connect(self.save_selected)
        save_all = QAction("Save &all finished results", self, shortcut=QKeySequence("Ctrl+Shift+S"))
        save_all.triggered.connect(self.save_all)
        folder_action = QAction("Choose the save &folder…", self)
        folder_action.triggered.connect(lambda: self.saver.folder(self, ask=True))
        upscale_files = QAction("&Upscale files…", self, shortcut=QKeySequence.StandardKey.Open)
        upscale_files.triggered.connect(self.pick_files_to_upscale)
        template_action = QAction("Naming &template…", self)
        template_action.triggered.connect(self.edit_template)
        file_menu.addAction(upscale_files)
        file_menu.addSeparator()
        for action in (save_action, save_all, folder_action, template_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        quit_action.setProperty(EARLY, True)
        file_menu.addAction(quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        paste_action = QAction("&Paste images to upscale", self)
        paste_action.setToolTip("Upscale the image, files or URL on the clipboard (Ctrl+V outside a text field)")
        paste_action.triggered.connect(self.paste_inputs)
        edit_menu.addAction(paste_action)
        copy_action = QAction("&Copy result image", self, shortcut=QKeySequence("Ctrl+Shift+C"))
        copy_action.triggered.connect(lambda: self.saver.copy(self.jobs_panel.selected_row() or self._last_done()))
        edit_menu.addAction(copy_action)
        settings_menu = self.menuBar().addMenu("&Settings")
        key_action = QAction("fal &API key…", self)
        key_action.triggered.connect(lambda: self.open_key_dialog())
        settings_menu.addAction(key_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About fal desktop", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "About fal desktop", f"fal desktop {__version__}\nImages with the models hosted on fal.ai."))
        about.setProperty(EARLY, True)
        help_menu.addAction(about)

    def _check_key(self) -> None:
        if self.key_store.get() is None:
            self.notice.show_message("No fal API key is set, so jobs cannot run yet.", "Set API key…")
        else:
            self.notice.show_message("")

    def open_key_dialog(self, reason: str | None = None) -> None:
        from fal_desktop.ui.key_dialog import ApiKeyDialog

        if self._key_dialog is not None and self._key_dialog.isVisible():
            return
        self._key_dialog = ApiKeyDialog(self.key_store, self.key_tester, reason=reason, parent=self)
        self._key_dialog.finished.connect(lambda _r: self._check_key())
        self._key_dialog.open()

    # -- jobs -----------------------------------------------------------------------

    def submit(self, endpoint_id: str, inputs: dict) -> None:
        if self.key_store.get() is None:
            self.open_key_dialog("Set your fal API key to run models.")
            return
        job = self.manager.submit(endpoint_id, inputs)
        self.jobs_panel.select_job(job.id)

    def _retry(self, job_id: str) -> None:
        job = self.manager.retry(job_id)
        if job is not None:
            self.jobs_panel.select_job(job.id)

    def _clear_finished(self) -> None:
        self.manager.clear_finished()
        self.jobs_model.remove_finished()

    def _on_update(self, update: JobUpdate) -> None:
        from fal_desktop.core.jobstore import JobState

        row = self.jobs_model.apply(update)
        self.jobs_panel.on_update(update)
        if row is None:
            return
        if update.auth_failed:
            self.open_key_dialog(f"{update.error} {update.error_detail or ''}".strip())
        form = self.model_panel.form
        if update.field_errors and form is not None and form.schema.endpoint_id == row.job.endpoint_id:
            form.show_field_errors(list(update.field_errors))
        if update.state is JobState.COMPLETED:
            output = self.manager.store.get(row.job.id)
            seed = output.output.get("seed") if output and isinstance(output.output, dict) else None
            seed_field = form.fields.get("seed") if form is not None else None
            if isinstance(seed, int) and seed_field is not None and hasattr(seed_field, "set_last_seed"):
                seed_field.set_last_seed(seed)
            selected = self.jobs_panel.selected_row()
            if selected is None or selected.job.id == row.job.id:
                self._show_job(row)

    def _show_job(self, row: JobRow | None) -> None:
        after = row.files[0] if row and row.files else None
        before = self._before_image(row) if after else None
        if after and before:
            self.results.setCurrentWidget(self.compare)
            seconds = row.elapsed() if row.ended else None
            self.compare.show_pair(before, after, row.job.endpoint_id, seconds)
        else:
            self.results.setCurrentWidget(self.result_view)
            self.result_view.show_file(after)

    @staticmethod
    def _before_image(row: JobRow) -> str | None:
        """The local input image of an upscale job, if it had one."""
        for value in row.job.inputs.values():
            if isinstance(value, str) and value and not value.startswith(("http:", "https:", "data:")):
                if Path(value).is_file():
                    return value
        return None

    # -- saving ----------------------------------------------------------------------

    def _last_done(self) -> JobRow | None:
        done = [self.jobs_model.row_at(i) for i in range(self.jobs_model.rowCount())]
        done = [r for r in done if r is not None and r.files]
        return done[-1] if done else None

    def _with_output(self, row: JobRow) -> JobRow:
        stored = self.manager.store.get(row.job.id)
        if stored is not None:
            row.job.output, row.job.payload = stored.output, stored.payload
        return row

    def pick_files_to_upscale(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from fal_desktop.forms.fields import IMAGE_FILTER

        files, _ = QFileDialog.getOpenFileNames(self, "Images to upscale", str(Path.home()), IMAGE_FILTER)
        if files:
            self.upscale(files)

    def edit_template(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(
            self, "Naming template",
            "How saved files are named. Fields: {stem} {model} {factor} {seed} {index} {date} {ext}",
            text=self.saver.template)
        if ok and text.strip():
            self.settings.setValue("save/template", text.strip())

    def save_selected(self) -> None:
        row = self.jobs_panel.selected_row() or self._last_done()
        folder = self.saver.folder(self) if row is not None and row.files else None
        if row is None or not row.files:
            self.notice.show_message("Select a finished job to save its result.")
        elif folder is not None:
            self.saver.save([self._with_output(row)], folder)

    def save_all(self) -> None:
        rows = [self.jobs_model.row_at(i) for i in range(self.jobs_model.rowCount())]
        rows = [self._with_output(r) for r in rows if r is not None and r.files]
        folder = self.saver.folder(self) if rows else None
        if not rows:
            self.notice.show_message("There is no finished result to save yet.")
        elif folder is not None:
            self.saver.save(rows, folder)

    # -- dropping and pasting images to upscale -----------------------------------------

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        from fal_desktop.ui.drop_inputs import has_inputs

        if has_inputs(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        from fal_desktop.ui.drop_inputs import inputs_from_mime

        inputs = inputs_from_mime(event.mimeData(), self.paths.cache / "pasted")
        event.acceptProposedAction()
        self.take_inputs(inputs)

    def take_inputs(self, inputs: list[str]) -> None:
        """Dropped inputs: a saved output restores its parameters, anything else is upscaled."""
        if self._when_ready(lambda: self.take_inputs(inputs), f"the {len(inputs)} dropped item(s) will be used"):
            return
        if len(inputs) == 1 and self.restore_from_file(inputs[0]):
            return
        self.upscale(inputs)

    def restore_from_file(self, path: str) -> bool:
        """A saved output dropped back: its model and parameters go into the form."""
        from fal_desktop.core.saving import read_metadata

        params = read_metadata(Path(path)) if Path(path).is_file() else None
        endpoint_id = params.get("endpoint_id") if params else None
        inputs = params.get("input") if params else None
        if not isinstance(endpoint_id, str) or not isinstance(inputs, dict):
            return False
        schema = self.catalog.cached(endpoint_id)
        if schema is None:
            self.notice.show_message(f"{Path(path).name} was made with {endpoint_id}; load that model "
                                     "first (type its id at the top left), then drop it again.")
            return True
        self.model_panel.select_model(endpoint_id)
        notes = self.model_panel.form.set_value(inputs) if self.model_panel.form else []
        self.notice.show_message(f"Parameters restored from {Path(path).name}."
                                 + (" " + " ".join(notes) if notes else ""))
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Reaches the window only when no text field took it, so pasting text still works.
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_inputs()
            return
        super().keyPressEvent(event)

    def paste_inputs(self) -> None:
        from fal_desktop.ui.drop_inputs import inputs_from_mime

        self.upscale(inputs_from_mime(QGuiApplication.clipboard().mimeData(), self.paths.cache / "pasted"))

    def upscale(self, inputs: list[str]) -> list[str]:
        """One job per input with the chosen upscaler and the current form values."""
        if not inputs:
            self.notice.show_message("Nothing to upscale there: drop or paste image files, a folder or an image URL.")
            return []
        if self._when_ready(lambda: self.upscale(inputs), f"{len(inputs)} image(s) will be upscaled"):
            return []
        panel = self.model_panel
        if panel.image_field() is None:
            panel.select_model(self.memory.get("__app__").get("upscaler") or DEFAULT_UPSCALER)
        field = panel.image_field()
        if field is None or panel.form is None:
            self.notice.show_message("Pick an upscaler first: this model takes no image.")
            return []
        if self.key_store.get() is None:
            self.open_key_dialog("Set your fal API key to run models.")
            return []
        values = panel.form.value()
        items = [({**values, field: value}, value.rstrip("/").rsplit("/", 1)[-1]) for value in inputs]
        ids = [job.id for job in self.manager.submit_many(panel.form.schema.endpoint_id, items)]
        self.jobs_panel.start_batch(ids)
        return ids

    # -- window state ------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        jobs_panel = getattr(self, "jobs_panel", None)  # built by finish_setup
        return {"outer": self.outer, "top": self.top, **({"jobs": jobs_panel.splitter} if jobs_panel else {})}

    def _restore_window(self, *names: str, geometry: bool = False) -> None:
        """The named splitters' saved states, and the window's saved geometry if asked."""
        saved = self.settings.value("geometry") if geometry else None
        if saved is not None:
            self.restoreGeometry(saved)
        for name in names:
            state = self.settings.value(f"splitter/{name}")
            if state is not None:
                self._splitters()[name].restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        if self.ready:  # before, the splitters hold placeholders, sized without the panels' limits
            for name, splitter in self._splitters().items():
                self.settings.setValue(f"splitter/{name}", splitter.saveState())
            self.model_panel._remember()
        self.settings.sync()
        super().closeEvent(event)
