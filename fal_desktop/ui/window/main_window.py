"""The main window: models and form on the left, the result in the middle, jobs below, the
sessions and their gallery on the right.

Layout and wiring only; the work happens in the job manager and the layers below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSettings, QSize, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from fal_desktop.ui.window import geometry
from fal_desktop.ui.window.home import WindowHome
from fal_desktop.ui.window.inputs import WindowInputs
from fal_desktop.ui.window.menus import build_menus
from fal_desktop.ui.window.notify import app_title
from fal_desktop.ui.window.shell import ActionQueue, Banner, hold_actions
from fal_desktop.ui.window.splits import WindowSplits

if TYPE_CHECKING:  # the rest is imported when the window is finished (see finish_setup)
    from collections.abc import Callable

    from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeyEvent, QResizeEvent

    from fal_desktop.core.jobstore import JobRecord
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.jobs.events import JobUpdate
    from fal_desktop.ui.jobs.table import JobRow
    from fal_desktop.ui.window.keyboard import ShortcutsDialog
    from fal_desktop.ui.window.services import WindowServices

__all__ = ["MainWindow", "SANDBOX_MESSAGE"]

SANDBOX_MESSAGE = "Sandbox — images are made locally, not by fal's models"
STARTING = "Still starting up"
HISTORY_ROWS = 50
FORM_WIDTH = 440  # px: the least the form needs without a sideways scroll bar
WANTED_SIZE = QSize(1360, 860)  # the first window's size where the screen has room for it


class MainWindow(QMainWindow):
    """Built in two steps: the constructor makes only the frame (title, menus, "Loading…"
    placeholders) so it can be shown at once; ``finish_setup`` then builds the panels from the
    services the composition root made (``fal_desktop.app.window_services``) and resumes the
    jobs. Its parts do the work; the window places them and wires their signals."""

    # Set by build_menus.
    autosave_action: QAction
    result_actions: dict[str, list[QAction]]
    shortcuts_dialog: ShortcutsDialog

    def __init__(
        self, *, paths: AppPaths, sandbox: bool = False, settings: QSettings | None = None
    ) -> None:
        super().__init__()
        self.paths, self.sandbox = paths, sandbox
        self.settings = settings or QSettings(
            str(paths.config / "window.ini"), QSettings.Format.IniFormat
        )
        self.setWindowTitle(app_title(sandbox))  # Qt adds nothing: it ends with the display name
        self.resize(WANTED_SIZE)
        self.usable, self.ready, self.closed = False, False, False  # see finish_setup
        self.resumed: list[JobRecord] = []
        self._early = ActionQueue()  # what the user does before the window is ready

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sandbox_banner = Banner("#f6c343", "#3a2a00", central)
        if sandbox:
            self.sandbox_banner.show_message(SANDBOX_MESSAGE)
            self.sandbox_banner.setToolTip(
                "Started with --sandbox: a fal emulator on this computer "
                "answers every request. Nothing is sent to fal.ai or billed."
            )
        self.notice = Banner("#b3261e", "#ffffff", central)
        self.notice.button.clicked.connect(lambda: self.open_key_dialog())
        layout.addWidget(self.sandbox_banner)
        layout.addWidget(self.notice)
        self.setCentralWidget(central)
        # welcome, preferences, progress, actions on every job
        self.home = WindowHome(self, self, lambda: self.open_key_dialog())
        layout.addWidget(self.home.welcome)
        self.inputs = WindowInputs(self, paths.data / "pasted", self)  # drops and pastes

        # The frame at its final size; finish_setup puts the panels where the placeholders are.
        self.splits = WindowSplits(self, self.settings, central)
        self.main, self.outer, self.top = self.splits.main, self.splits.outer, self.splits.top
        layout.addWidget(self.main, 1)
        self.setAcceptDrops(True)
        build_menus(self, self)
        self._release_actions = hold_actions(self)
        restored = self.splits.restore("main", "outer", "top", geometry=True)
        geometry.fit_to_screen(self, WANTED_SIZE, restored=restored)

    def finish_setup(self, services: WindowServices, *, panels_later: bool = False) -> None:
        """Make the window usable: the first form, the key check, unfinished jobs resumed (handed
        to the job manager). Then the jobs table, results and sessions panels, the saving
        actions and the costs — at once, or with ``panels_later`` (the app's start) from the
        event loop right after, so the form is usable first. Until they are built
        ``ready`` is False: a Run, a drop or a paste waits in ``when_ready`` and is done then."""
        from fal_desktop.ui.models.panel import ModelPanel
        from fal_desktop.ui.models.platform_ui import PlatformUI
        from fal_desktop.ui.window.key_gate import KeyGate

        self.services = services
        self.catalog, self.manager, self.key_store = (
            services.catalog,
            services.manager,
            services.key_store,
        )
        self.memory, self.sessions = services.memory, services.sessions
        self.saver, self.autosaver = services.saver, services.autosaver
        manager, central = services.manager, self.centralWidget()
        self.model_panel = ModelPanel(
            self.catalog, self.memory, central, prompt_history=self.sessions.prompts
        )
        self.model_panel.setMinimumWidth(FORM_WIDTH)
        placeholder = self.top.replaceWidget(0, self.model_panel)
        if placeholder is not None:
            placeholder.deleteLater()
        manager.problem.connect(self.notice.show_message)
        manager.recovered.connect(lambda text: self.notice.show_message(text, info=True))
        self.key_gate = KeyGate(
            self,
            key_store=self.key_store,
            key_tester=services.key_tester,
            sandbox=self.sandbox,
            notice=self.notice,
            home=self.home,
            key_changed=manager.key_changed,
        )
        self.home.welcome_dismissed.connect(self.key_gate.check_key)
        self.model_panel.run_requested.connect(self._run_requested)
        self.model_panel.compare_requested.connect(self._compare_requested)
        self.home.ready()  # progress in the title: it follows the manager's updates from here
        # What the manager says before the jobs table exists is held for it, in order.
        held: list[tuple[bool, object]] = []
        hold_added, hold_updates = (
            lambda job: held.append((True, job)),
            lambda updates: held.append((False, updates)),
        )
        manager.job_added.connect(hold_added)
        manager.jobs_updated.connect(hold_updates)
        self.resumed = manager.resume_unfinished()
        self.platform_ui = PlatformUI(self, self, self.catalog, self.key_store.get)  # prices
        self.model_panel.select_model(self.memory.last_endpoint or "fal-ai/flux/dev")
        self.key_gate.check_key()
        self.usable = True

        def build_panels() -> None:
            manager.job_added.disconnect(hold_added)
            manager.jobs_updated.disconnect(hold_updates)
            if not self.closed:
                self._build_panels(held)

        if panels_later:
            QTimer.singleShot(0, self, build_panels)
        else:
            build_panels()

    def _build_panels(self, held: list[tuple[bool, object]]) -> None:
        """The jobs table (history, then the resumed jobs and what the manager said since),
        the results and sessions, saving, costs; then the window is ready."""
        from fal_desktop.ui.jobs.notices import JobNotices
        from fal_desktop.ui.jobs.panel import JobsPanel
        from fal_desktop.ui.jobs.spending import Spending
        from fal_desktop.ui.jobs.table import JobsModel
        from fal_desktop.ui.results.area import ResultsArea
        from fal_desktop.ui.sessions.controller import SessionController
        from fal_desktop.ui.window.runs import JobRuns
        from fal_desktop.ui.window.saving import SavingActions

        manager, central = self.manager, self.centralWidget()
        self.results = ResultsArea(central)
        self.result_view, self.compare, self.run_grid = (
            self.results.result_view,
            self.results.compare,
            self.results.run_grid,
        )
        self.jobs_model = JobsModel(self)
        self.jobs_panel = JobsPanel(self.jobs_model, central, settings=self.settings)
        self.saver.session_name = self._session_name
        self.saver.finished.connect(lambda text, ok: self.notice.show_message(text, info=ok))
        self.autosave_action.setChecked(self.autosaver.enabled)
        self.autosaver.enabled_changed.connect(self.autosave_action.setChecked)
        self.session_ui = SessionController(self, self.sessions)
        self.saver.varied = self.session_ui.varied
        self.results.addWidget(self.session_ui.row)
        self.results.shown.connect(self._result_shown)
        self._place_panels()
        sideways = self.model_panel.form_scroll.horizontalScrollBar()
        sideways.rangeChanged.connect(self.splits.fit_form_column)
        self.splits.fit_form_column(sideways.minimum(), sideways.maximum())
        self.runs = JobRuns(self, self)  # the manager's jobs into the table, the panels, the form
        self.jobs_panel.job_selected.connect(self.results.show_result)
        self.saving = SavingActions(
            self,
            jobs_model=self.jobs_model,
            jobs_panel=self.jobs_panel,
            store=manager.store,
            saver=self.saver,
            settings=self.settings,
            notice=self.notice,
            shown_index=self.results.shown_index,
            open_viewer=self.session_ui.open_viewer,
        )
        self.saving.upscale_requested.connect(self.upscale)
        for source in (self.compare, self.result_view):
            source.drag_requested.connect(lambda: self.saver.drag(self, self.saving.result_row()))
        self.splits.restore("main", "top", "outer", "jobs", "sessions")
        for job in manager.store.all(limit=HISTORY_ROWS):
            if job.state.finished:
                self.jobs_model.add_job(job)
        for added, what in held:  # the resumed jobs, then anything said about them since
            if added:
                self.jobs_model.add_job(cast("JobRecord", what))
            else:
                self.runs.on_updates(cast("list[JobUpdate]", what))
        self.spending = Spending(self, self)  # costs, totals, the batch question, the spend limit
        self.spending.show_totals()
        self.job_notices = JobNotices(
            self.notice,
            has_key=lambda: self.key_store.get() is not None,
            at_fal=manager.at_fal,
            settled=self.key_gate.check_key,
        )
        self.job_notices.resumed(sum(1 for job in self.resumed if job.request_id))
        self.saving.watch_results(**self.result_actions)  # Save/Copy: on once there is a result
        self.ready = True
        if self.notice.label.text().startswith(STARTING):  # said by when_ready: no longer so
            self.notice.show_message("")
        self._release_actions()
        self._early.release()

    def _run_requested(self, endpoint_id: str, inputs: dict[str, Any]) -> None:
        if not self.when_ready(
            lambda: self.runs.submit(endpoint_id, inputs), "your run will be sent"
        ):
            self.runs.submit(endpoint_id, inputs)

    def _compare_requested(self) -> None:
        if not self.when_ready(self._compare_requested, "the comparison will open"):
            self.session_ui.compare_models()

    def _place_panels(self) -> None:
        """The panels where the frame's placeholders are; the result with its bars below it."""
        central = self.centralWidget()
        results_box = QWidget(central)
        box_layout = QVBoxLayout(results_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.setSpacing(0)
        box_layout.addWidget(self.results, 1)
        box_layout.addWidget(self.session_ui.bar)
        box_layout.addWidget(self.session_ui.details)
        box_layout.addWidget(self.session_ui.strip)
        for splitter, index, panel in (
            (self.top, 1, results_box),
            (self.outer, 1, self.jobs_panel),
            (self.main, 1, self.session_ui.panel),
        ):
            placeholder = splitter.replaceWidget(index, panel)
            if placeholder is not None:
                placeholder.deleteLater()
        # So a window can narrow enough to fold it (resizeEvent).
        self.session_ui.panel.setMinimumWidth(1)
        self.splits.add_panels(
            jobs=self.jobs_panel.splitter,
            sessions=self.session_ui.panel.splitter,
            strip=self.session_ui.strip,
            result_least=self.results.minimumWidth,
        )
        self.top.setStretchFactor(1, 1)
        self.outer.setStretchFactor(0, 1)  # a taller window grows the result, not the jobs table
        self.outer.setStretchFactor(1, 0)

    def once_ready(self, action: Callable[[], object]) -> None:
        """Do ``action`` now if the window is ready, else as soon as it is (nothing said)."""
        if self.ready:
            action()
        else:
            self._early.add(action)

    def when_ready(self, action: Callable[[], object], what: str) -> bool:
        """Queue ``action`` if the window is still starting; True if it was queued."""
        if self.ready:
            return False
        self._early.add(action)
        self.notice.show_message(f"{STARTING}: {what} as soon as the window is ready.")
        return True

    def _result_shown(self, row: JobRow | None) -> None:
        if row is not None and row.job.state.finished:
            self.jobs_model.add_older(row.job)  # older than the table's rows: it joins them
        self.jobs_panel.reveal_job(row.job.id if row else None)  # the table follows the result
        self.session_ui.shown(row.job if row else None)

    def _session_name(self, session_id: str | None) -> str:
        session = self.sessions.get(session_id)
        return session.name if session else "session"

    # -- what the parts ask of the window (MenuHost, SessionHost, HomeHost, ...) ----------

    @property
    def shown_file(self) -> str | None:
        """The result file on screen (the mask editor paints over it)."""
        return self.results.shown_file if self.ready else None

    def open_key_dialog(self, reason: str | None = None) -> None:
        self.key_gate.open_dialog(reason)

    def has_key(self, then: Callable[[], object] | None = None) -> bool:
        return self.key_gate.has_key(then)

    def show_result(self, row: JobRow | None, index: int | None = None) -> None:
        self.results.show_result(row, index)

    def shown_index(self, row: JobRow) -> int:
        return self.results.shown_index(row)

    def save_as(self, row: JobRow, index: int = 0) -> None:
        self.saving.save_as(row, index)

    def upscale(
        self, inputs: list[str], upscaler: str | None = None, *, ask: bool = True
    ) -> list[str]:
        """Upscale ``inputs`` (see ``JobRuns.upscale``), once the window is ready."""
        if not inputs:
            self.notice.show_message(
                "Nothing to upscale there: drop or paste image files, a folder or an image URL.",
                info=True,
            )
            return []
        if self.when_ready(
            lambda: self.upscale(inputs, upscaler, ask=ask),
            f"{len(inputs)} image(s) will be upscaled",
        ):
            return []
        return self.runs.upscale(inputs, upscaler, ask=ask)

    def retry(self, job_id: str) -> None:
        self.runs.retry(job_id)

    def forget_job(self, job_id: str) -> None:
        self.runs.forget_job(job_id)

    # -- window state ------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.splits.resized(event.size().width())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        self.inputs.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.inputs.drop(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self.inputs.key_press(event):
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.splits.save(splitters=self.ready)
        if self.usable:  # the form is built (finish_setup); the panels may not be yet
            self.model_panel._remember()  # noqa: SLF001 - the form's values, for next time
        if self.ready:
            self.job_notices.quitting()  # said, never waited for: they resume at the next start
            self.session_ui.shutdown()
        if self.usable:
            self.saver.wait_idle()  # a save or auto-save under way finishes its file
            self.services.file_remover.shutdown(wait=True)  # a delete under way removes its files
        if self.ready:
            self.results.stop()  # a decode under way would signal a deleted window
        if self.usable:
            self.platform_ui.shutdown()
            self.home.stop()
        self.settings.sync()
        self.closed = True
        super().closeEvent(event)
