"""The main window: models and form on the left, the result in the middle, jobs below, the
sessions and their gallery on the right.

Layout and wiring only; the work happens in the job manager and the layers below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from fal_desktop.ui.window import geometry
from fal_desktop.ui.window.home import WindowHome
from fal_desktop.ui.window.inputs import WindowInputs
from fal_desktop.ui.window.menus import build_menus
from fal_desktop.ui.window.notify import app_title
from fal_desktop.ui.window.prefs import DEFAULT_UPSCALER
from fal_desktop.ui.window.saving import WindowSaving
from fal_desktop.ui.window.shell import ActionQueue, Banner, Placeholder, hold_actions

if TYPE_CHECKING:  # the rest is imported when the window is finished (see finish_setup)
    from collections.abc import Callable

    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.jobstore import JobRecord
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.core.secrets import ApiKeyStore
    from fal_desktop.core.sessions import SessionStore
    from fal_desktop.jobs.events import JobUpdate
    from fal_desktop.jobs.manager import BaseJobManager
    from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog, KeyTester
    from fal_desktop.ui.jobs.table import JobRow

__all__ = ["MainWindow", "SANDBOX_MESSAGE"]

SANDBOX_MESSAGE = "Sandbox — images are made locally, not by fal's models"
HISTORY_ROWS = 50
T = TypeVar("T")
NARROW = 1000  # px: narrower windows give the sessions panel's width to the form and result
FORM_WIDTH = 440  # px: the least the form needs without a sideways scroll bar
WANTED_SIZE = QSize(1360, 860)  # the first window's size where the screen has room for it


class MainWindow(WindowInputs, QMainWindow, WindowSaving):
    """With ``deferred=True`` only the frame is built (title, menus, "Loading…" placeholders) so
    it can be shown at once; ``finish_setup`` then builds the panels and resumes the jobs."""

    def __init__(
        self,
        *,
        paths: AppPaths,
        catalog: Catalog | None = None,
        manager: BaseJobManager | None = None,
        key_store: ApiKeyStore | None = None,
        key_tester: KeyTester | None = None,
        sandbox: bool = False,
        settings: QSettings | None = None,
        sessions: SessionStore | None = None,
        deferred: bool = False,
    ) -> None:
        super().__init__()
        self.paths, self.sandbox = paths, sandbox
        self.settings = settings or QSettings(
            str(paths.config / "window.ini"), QSettings.Format.IniFormat
        )
        self.setWindowTitle(app_title(sandbox))  # Qt adds nothing: it ends with the display name
        self.resize(WANTED_SIZE)
        self._key_dialog: ApiKeyDialog | None = None
        self._after_key: Callable[[], object] | None = None
        self._sessions_folded = False  # by a narrow window (resizeEvent), not by the user
        self.ready, self.resumed, self._closed = False, [], False
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
        self.notice.button.clicked.connect(self.open_key_dialog)
        layout.addWidget(self.sandbox_banner)
        layout.addWidget(self.notice)
        self.home = WindowHome(self)  # welcome, preferences, progress, actions on every job
        layout.addWidget(self.home.welcome)

        # The frame at its final size; finish_setup puts the panels where the placeholders are.
        self.main = QSplitter(Qt.Orientation.Horizontal, central)
        self.outer = QSplitter(Qt.Orientation.Vertical, self.main)
        self.top = QSplitter(Qt.Orientation.Horizontal, self.outer)
        self.top.addWidget(Placeholder())
        self.top.addWidget(Placeholder(""))
        self.top.setStretchFactor(1, 1)
        self.top.setSizes([450, 590])
        self.outer.addWidget(Placeholder(""))
        self.outer.setStretchFactor(0, 3)
        self.outer.setStretchFactor(1, 1)
        self.outer.setSizes([640, 200])
        self.main.addWidget(Placeholder(""))
        self.main.setStretchFactor(0, 1)
        self.main.setSizes([1040, 320])
        layout.addWidget(self.main, 1)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)
        build_menus(self)
        self._release_actions = hold_actions(self)
        restored = self._restore_window("main", "outer", "top", geometry=True)
        geometry.fit_to_screen(self, WANTED_SIZE, restored=restored)
        if not deferred:
            if catalog is None or manager is None or key_store is None:
                raise TypeError(
                    "MainWindow needs catalog, manager and key_store unless deferred=True"
                )
            self.finish_setup(
                catalog=catalog,
                manager=manager,
                key_store=key_store,
                key_tester=key_tester,
                sessions=sessions,
            )

    def finish_setup(
        self,
        *,
        catalog: Catalog,
        manager: BaseJobManager,
        key_store: ApiKeyStore,
        key_tester: KeyTester | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        """Build the panels, load the history, resume unfinished jobs, check the key."""
        from fal_desktop.core.form_memory import FormMemory
        from fal_desktop.core.sessions import SessionStore
        from fal_desktop.ui.jobs.panel import JobsPanel
        from fal_desktop.ui.jobs.table import JobsModel
        from fal_desktop.ui.models.panel import ModelPanel
        from fal_desktop.ui.results.autosave import AutoSaver
        from fal_desktop.ui.results.compare_pane import ComparePane
        from fal_desktop.ui.results.image_view import ImageView
        from fal_desktop.ui.results.run_grid import RunGrid
        from fal_desktop.ui.results.saver import ResultSaver
        from fal_desktop.ui.sessions.controller import SessionController

        self.catalog, self.manager = catalog, manager
        self.memory = FormMemory(self.paths.config / "last-values.json")
        self.key_store, self.key_tester = key_store, key_tester
        from concurrent.futures import ThreadPoolExecutor

        self._file_remover = ThreadPoolExecutor(1, thread_name_prefix="remove-files")  # deletes
        self.sessions = sessions or SessionStore(
            manager.store, background=self._file_remover.submit
        )
        central = self.centralWidget()
        self.model_panel = ModelPanel(
            catalog, self.memory, central, prompt_history=self.sessions.prompts
        )
        self.model_panel.setMinimumWidth(FORM_WIDTH)
        self.result_view = ImageView(
            None, "Run a model to see its result here,\nor drop images anywhere to upscale them."
        )
        self.compare = ComparePane(None)
        self.run_grid = RunGrid(None)  # every image of a run of several
        self.run_grid.picked.connect(self._enlarge)
        self.results = QStackedWidget(central)
        self.results.addWidget(self.result_view)
        self.results.addWidget(self.compare)
        self.results.addWidget(self.run_grid)
        self.results.setMinimumSize(240, 240)  # the compare bar may be clipped, the form never
        self.jobs_model = JobsModel(self)
        self.jobs_panel = JobsPanel(self.jobs_model, central, settings=self.settings)
        self.saver = ResultSaver(self.settings, self, record=self.paths.data / "saved-files.json")
        self.saver.session_name = self._session_name
        self.saver.finished.connect(lambda text, ok: self.notice.show_message(text, info=ok))
        manager.problem.connect(self.notice.show_message)
        manager.recovered.connect(lambda text: self.notice.show_message(text, info=True))
        self.autosaver = AutoSaver(self.settings, self.saver, self)
        self.autosave_action.setChecked(self.autosaver.enabled)
        self.autosaver.enabled_changed.connect(self.autosave_action.setChecked)
        self.session_ui = SessionController(self, self.sessions)
        self.saver.varied = self.session_ui.varied
        self.results.addWidget(self.session_ui.row)
        results_box = QWidget(central)
        box_layout = QVBoxLayout(results_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.setSpacing(0)
        box_layout.addWidget(self.results, 1)
        box_layout.addWidget(self.session_ui.bar)
        box_layout.addWidget(self.session_ui.details)
        box_layout.addWidget(self.session_ui.strip)
        self.result_view.clicked.connect(self._back_to_grid)
        for splitter, index, panel in (
            (self.top, 0, self.model_panel),
            (self.top, 1, results_box),
            (self.outer, 1, self.jobs_panel),
            (self.main, 1, self.session_ui.panel),
        ):
            splitter.replaceWidget(index, panel).deleteLater()
        self.session_ui.panel.setMinimumWidth(
            1
        )  # so a window can narrow enough to fold it (resizeEvent)
        self.top.setStretchFactor(1, 1)
        self.outer.setStretchFactor(0, 1)  # a taller window grows the result, not the jobs table
        self.outer.setStretchFactor(1, 0)

        self.model_panel.scroll.horizontalScrollBar().rangeChanged.connect(self._fit_form_column)
        self.model_panel.run_requested.connect(self.submit)
        self.model_panel.compare_requested.connect(lambda: self.session_ui.compare_models())
        self._adding: list | None = None  # jobs of a batch being submitted, added at once
        manager.job_added.connect(
            lambda job: (
                self.jobs_model.add_job(job) if self._adding is None else self._adding.append(job)
            )
        )
        manager.jobs_updated.connect(self._on_updates)
        self.jobs_panel.cancel_requested.connect(manager.cancel)
        self.jobs_panel.retry_requested.connect(self._retry)
        self.jobs_panel.run_again_requested.connect(self._run_again)
        self.jobs_panel.clear_requested.connect(self._clear_finished)
        self.jobs_panel.pause_toggled.connect(
            lambda paused: manager.pause() if paused else manager.resume()
        )
        self.jobs_panel.job_selected.connect(self.show_result)
        for source in (self.compare, self.result_view):
            source.drag_requested.connect(
                lambda: self.saver.drag(self, self.jobs_panel.selected_row() or self._last_done())
            )
        self._restore_window("main", "top", "outer", "jobs", "sessions")
        for job in manager.store.all(limit=HISTORY_ROWS):
            if job.state.finished:
                self.jobs_model.add_job(job)
        self.resumed = manager.resume_unfinished()
        from fal_desktop.ui.models.platform_ui import PlatformUI

        self.platform_ui = PlatformUI(self, catalog, key_store.get)  # browser, prices, balance
        from fal_desktop.ui.jobs.spending import Spending

        self.spending = Spending(self)  # costs, totals, the batch question, the spend limit
        self.spending.show_totals()
        self.model_panel.select_model(self.memory.last_endpoint or "fal-ai/flux/dev")
        self._check_key()
        from fal_desktop.ui.jobs.notices import JobNotices

        self.job_notices = JobNotices(
            self.notice,
            has_key=lambda: self.key_store.get() is not None,
            at_fal=manager.at_fal,
            settled=self._check_key,
        )
        self.job_notices.resumed(sum(1 for job in self.resumed if job.request_id))
        self.home.ready()
        self.watch_results(**self.result_actions)  # Save/Copy: on once there is a result
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

    # -- the key --------------------------------------------------------------------

    def _check_key(self) -> None:
        if self.key_store.get() is None and self.home.show_welcome():
            self.notice.show_message("")  # the welcome says it, calmly
        elif self.key_store.get() is None:
            self.notice.show_message(
                "No fal API key is set, so jobs cannot run yet.", "Set API key…"
            )
        else:
            self.home.key_set()
            self.notice.show_message("")

    def open_key_dialog(self, reason: str | None = None) -> None:
        from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog

        if self._key_dialog is not None and self._key_dialog.isVisible():
            return
        self._key_dialog = ApiKeyDialog(
            self.key_store, self.key_tester, reason=reason, sandbox=self.sandbox, parent=self
        )
        self._key_dialog.finished.connect(lambda _r: self._key_dialog_closed())
        self._key_dialog.open()

    def has_key(self, then: Callable[[], object] | None = None) -> bool:
        """Whether a key is set; if not, the key dialog opens and says why, and ``then`` (the run
        the user asked for) goes out once a key is set there."""
        if self.key_store.get() is None:
            self._after_key = then
            self.open_key_dialog("Set your fal API key to run models.")
            return False
        return True

    def _key_dialog_closed(self) -> None:
        self.manager.key_changed()
        self._check_key()
        then, self._after_key = self._after_key, None
        if then is not None and self.key_store.get() is not None:
            then()

    # -- jobs -----------------------------------------------------------------------

    def submit(self, endpoint_id: str, inputs: dict) -> None:
        if not self.has_key(lambda: self.submit(endpoint_id, inputs)):
            return
        earlier = self.spending.same_call(endpoint_id, inputs)
        if earlier is not None:  # the very same call finished before: its result, for free
            self.jobs_model.add_job(earlier)
            self.jobs_panel.select_job(earlier.id)
            self.show_result(self.jobs_model.row_for(earlier.id))
            return
        self.session_ui.leave_row()  # a new run: its result is shown, not the last row's
        jobs = self.spending.send(
            [(endpoint_id, inputs, "")], session_id=self.session_ui.session_id
        )
        if not jobs:
            return
        self.session_ui.submitted(jobs)
        self.jobs_panel.select_job(jobs[0].id)

    def _session_name(self, session_id: str | None) -> str:
        session = self.sessions.get(session_id)
        return session.name if session else "session"

    def forget_job(self, job_id: str) -> None:
        """A deleted run leaves the jobs list too."""
        self.manager.forget(job_id)
        self.jobs_model.remove_job(job_id)

    def _retry(self, job_id: str) -> None:
        """Carry on with the same job (fetch its paid result again, or send a held one)."""
        job = self.manager.retry(job_id)
        if job is not None:
            self.jobs_panel.select_job(job.id)

    def _run_again(self, job_id: str) -> None:
        """A new paid job with the same input."""
        job = self.manager.run_again(job_id)
        if job is not None:
            self.notice.show_message("Started a new paid job with the same input.", info=True)
            self.jobs_panel.select_job(job.id)

    def _clear_finished(self) -> None:
        self.manager.clear_finished()
        self.jobs_model.remove_finished()

    def _on_updates(self, updates: list[JobUpdate]) -> None:
        """A batch of job updates (one per frame at most): the table and log redraw once."""
        from fal_desktop.core.jobstore import JobState

        if self._closed:
            return  # the app is quitting; the jobs go on in the store and resume next start
        self.jobs_model.apply_many(updates)
        self.jobs_panel.on_updates(updates)
        self.job_notices.on_updates(updates)
        self.session_ui.on_updates(updates)
        self.spending.on_updates(updates)
        form = self.model_panel.form
        completed: list[JobRow] = []
        for update in updates:
            row = self.jobs_model.row_for(update.job_id)
            if row is None:
                continue
            if update.auth_failed:  # the job waits for a key fal accepts (or failed, on a 403)
                self.open_key_dialog(
                    f"{update.error} {update.error_detail or ''}".strip()
                    if update.error
                    else "\n".join(e.message for e in update.new_logs) or "fal refused the key."
                )
            if (
                update.field_errors
                and form is not None
                and form.schema.endpoint_id == row.job.endpoint_id
            ):
                form.show_field_errors(list(update.field_errors))
            if update.state is JobState.COMPLETED:
                completed.append(row)
        seed_field = form.fields.get("seed") if form is not None else None
        for row in reversed(completed if hasattr(seed_field, "set_last_seed") else []):
            output = self.manager.store.get(row.job.id)  # the newest seed wins, as one by one
            seed = output.output.get("seed") if output and isinstance(output.output, dict) else None
            if isinstance(seed, int):
                seed_field.set_last_seed(seed)
                break
        selected = self.jobs_panel.selected_row()
        shown = [row for row in completed if selected is None or selected.job.id == row.job.id]
        if shown and self.results.currentWidget() is not self.session_ui.row:
            self.show_result(shown[-1])  # each would replace the one before: show the last
        elif (
            selected is not None
            and not selected.files
            and self.results.currentWidget() is self.result_view
            and self.session_ui.current is not None
            and self.session_ui.current.id == selected.job.id
            and any(u.job_id == selected.job.id for u in updates)
        ):
            self.show_result(
                selected
            )  # on screen: its state, progress or error, in place of a picture

    def show_result(self, row: JobRow | None, index: int | None = None) -> None:
        """Show a job's result large (its ``index``-th file): the compare view for an upscale,
        else the image; a run of several images without ``index`` shows them all as a grid;
        a job with no result yet says what it is doing."""
        from fal_desktop.ui.jobs.table import local_input_image
        from fal_desktop.ui.jobs.waiting import waiting_text

        after = row.files[min(index or 0, len(row.files) - 1)] if row and row.files else None
        self.shown_file = after
        self._shown_row = row
        before = local_input_image(row.job) if after else None
        if index is None and row is not None and len(row.files) > 1 and not before:
            self.results.setCurrentWidget(self.run_grid)
            self.run_grid.show_files(row.files)
        elif after and before:
            self.results.setCurrentWidget(self.compare)
            seconds = row.elapsed() if row.ended else None
            self.compare.show_pair(before, after, row.job.endpoint_id, seconds)
        else:
            self.results.setCurrentWidget(self.result_view)
            self.result_view.show_file(after, waiting_text(row) if row else None)
        if row is not None and row.job.state.finished:
            self.jobs_model.add_older(row.job)  # older than the table's rows: it joins them
        self.jobs_panel.reveal_job(row.job.id if row else None)  # the table follows the result
        self.session_ui.shown(row.job if row else None)

    def _enlarge(self, index: int) -> None:
        """A click on one image of the grid: that image large (the viewer and Save as… act on it)."""
        row = getattr(self, "_shown_row", None)
        if row is not None:
            self.show_result(row, index)

    def _back_to_grid(self) -> None:
        """A click on an enlarged image of a run of several: all of them again."""
        row = getattr(self, "_shown_row", None)
        if (
            row is not None
            and len(row.files) > 1
            and self.results.currentWidget() is self.result_view
        ):
            self.show_result(row)

    def upscale(
        self, inputs: list[str], upscaler: str | None = None, *, ask: bool = True
    ) -> list[str]:
        """One job per input with the chosen upscaler (``upscaler``, else the current model if
        it takes an image, else the last-used upscaler) and the current form values. Several
        ask first with their estimated total, unless ``ask`` is False (files named on a command
        line); the spend limit applies to all."""
        if not inputs:
            self.notice.show_message(
                "Nothing to upscale there: drop or paste image files, a folder or an image URL.",
                info=True,
            )
            return []
        if self._when_ready(
            lambda: self.upscale(inputs, upscaler, ask=ask),
            f"{len(inputs)} image(s) will be upscaled",
        ):
            return []
        panel = self.model_panel
        if upscaler is not None and panel.endpoint_id != upscaler:
            panel.select_model(upscaler)
        if panel.image_field() is None:
            panel.select_model(self.memory.get("__app__").get("upscaler") or DEFAULT_UPSCALER)
        field = panel.image_field()
        if field is None or panel.form is None:
            self.notice.show_message("Pick an upscaler first: this model takes no image.")
            return []
        if not self.has_key(lambda: self.upscale(inputs, upscaler, ask=ask)):
            return []
        values = panel.form.value()
        self.session_ui.leave_row()
        items = [
            ({**values, field: value}, value.rstrip("/").rsplit("/", 1)[-1]) for value in inputs
        ]
        endpoint_id = panel.form.schema.endpoint_id
        runs = [(endpoint_id, v, label) for v, label in items]
        from fal_desktop.ui.jobs.spending import STEPPED_BATCH

        if ask and len(runs) > STEPPED_BATCH:  # thousands: recorded on a worker, sent in steps
            self.spending.send_in_steps(
                runs,
                session_id=self.session_ui.session_id,
                start=lambda jobs: self._add_rows(lambda: self.manager.start_recorded(jobs)),
                done=self._batch_sent,
            )
            return []
        jobs = self._add_rows(  # many images: the estimated total is asked about first
            lambda: self.spending.send(
                runs, folder=len(items) > 1, ask=ask, session_id=self.session_ui.session_id
            )
        )
        return self._batch_sent(jobs)

    def _add_rows(self, submit: Callable[[], T]) -> T:
        """``submit()``'s new jobs join the jobs table in one insert (thousands of rows)."""
        self._adding = []
        try:
            return submit()
        finally:
            added, self._adding = self._adding, None
            self.jobs_model.add_jobs(added)

    def _batch_sent(self, jobs: list[JobRecord]) -> list[str]:
        """An upscale batch was sent: the session remembers it, the jobs panel follows it."""
        if not jobs:
            return []
        self.session_ui.submitted(jobs)
        ids = [job.id for job in jobs]
        self.jobs_panel.start_batch(ids)
        self.jobs_panel.select_job(ids[0])  # its result (the before/after view) shows when done
        return ids

    # -- window state ------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        found = {"main": self.main, "outer": self.outer, "top": self.top}
        if hasattr(self, "session_ui"):  # the panels' own splitters, once finish_setup built them
            found.update(jobs=self.jobs_panel.splitter, sessions=self.session_ui.panel.splitter)
        return found

    def _restore_window(self, *names: str, geometry: bool = False) -> bool:
        """The named splitters' saved states, and the window's saved geometry if asked (True
        if it was restored)."""
        saved = self.settings.value("geometry") if geometry else None
        restored = saved is not None and self.restoreGeometry(saved)
        splitters = self._splitters()
        for name in names:
            state = self.settings.value(f"splitter/{name}")
            if state is not None and name in splitters:
                splitters[name].restoreState(state)
        return restored

    def resizeEvent(self, event) -> None:  # noqa: N802
        """A narrower window takes width from the sessions panel too, not only from the form;
        below ``NARROW`` px it folds the sessions panel away (the Session menu still works; the
        gallery stays as a strip under the result) and brings it back once the window is wide
        again."""
        super().resizeEvent(event)
        side = self.main.widget(1)
        if side is None:
            return
        left, right = self.main.sizes()
        total, most = left + right, max(200, (left + right) // 4)
        if event.size().width() < NARROW:
            if not side.isHidden():  # hidden, not squeezed: its width is not needed then either
                self._sessions_folded = True
                side.hide()
                self._show_strip(True)
        elif self._sessions_folded:  # wide again: the panel it folded comes back
            self._sessions_folded = False
            side.show()
            self._show_strip(False)
            self.main.setSizes([total - min(most, 320), min(most, 320)])
        elif right > most:
            self.main.setSizes([total - most, most])

    def _fit_form_column(self, _least: int, overflow: int) -> None:
        """The form grew wider than its column: the column takes the room from the result
        (which keeps its least width), so nothing scrolls sideways."""
        form, result = self.top.sizes()
        grow = min(overflow + 2, result - self.results.minimumWidth())
        if overflow > 0 and grow > 0:
            self.top.setSizes([form + grow, result - grow])

    def _show_strip(self, visible: bool) -> None:
        if hasattr(self, "session_ui"):  # built by finish_setup
            self.session_ui.strip.setVisible(visible)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        if self.ready:  # before, the splitters hold placeholders, sized without the panels' limits
            for name, splitter in self._splitters().items():
                self.settings.setValue(f"splitter/{name}", splitter.saveState())
            self.model_panel._remember()
            self.job_notices.quitting()  # said, never waited for: they resume at the next start
            self.session_ui.shutdown()
            self.saver.wait_idle()  # a save or auto-save under way finishes its file
            self._file_remover.shutdown(wait=True)  # a delete under way removes all its files
            self.compare.stop()  # a decode under way would signal a deleted window
            self.result_view.stop()
            self.run_grid.stop()
            self.platform_ui.shutdown()
            self.home.stop()
        self.settings.sync()
        self._closed = True
        super().closeEvent(event)
