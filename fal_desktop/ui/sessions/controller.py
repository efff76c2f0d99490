"""Sessions in the window: which session runs go to, the gallery, the side-by-side row, and
what can be done with a result (reuse, new seed, vary, upscale, copy, save, delete).

The window owns the widgets' places; this object owns their behaviour. It talks to the job
manager, the model panel and the session store, never to the network.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from fal_desktop.core.export import export_session
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.core.saving import varied_value
from fal_desktop.core.sessions import SessionBusy, SessionStore, prompt_of
from fal_desktop.jobs.events import JobUpdate
from fal_desktop.ui.dialogs import confirm as confirm_dialog  # tests replace confirm_delete there
from fal_desktop.ui.jobs.table import JobRow, local_input_image, row_of
from fal_desktop.ui.results.comparison_row import ComparisonRow
from fal_desktop.ui.results.details import ResultDetails
from fal_desktop.ui.results.result_bar import ResultBar
from fal_desktop.ui.results.reuse import use_as_input
from fal_desktop.ui.results.viewer import ResultViewer, ViewerItem
from fal_desktop.ui.sessions.gallery import GalleryItem, GalleryView
from fal_desktop.ui.sessions.panel import SessionPanel
from fal_desktop.ui.sessions.rerun import comparison_runs, reuse_in_form, vary_runs
from fal_desktop.ui.sessions.thumbnails import ThumbnailCache
from fal_desktop.widgets.background import Background

if TYPE_CHECKING:
    from fal_desktop.ui.sessions.host import SessionHost

__all__ = ["SessionController"]


class SessionController(QObject):
    exported = Signal(str)

    def __init__(self, window: SessionHost, sessions: SessionStore) -> None:
        #: The window as a widget: the parent of this object and of its dialogs.
        self.parent_widget = window if isinstance(window, QWidget) else None
        super().__init__(self.parent_widget)
        self.window, self.sessions = window, sessions
        self.thumbnails = ThumbnailCache(window.paths.cache / "thumbnails", parent=self)
        self.panel = SessionPanel(sessions, self.thumbnails)
        self.row = ComparisonRow()
        self.bar = ResultBar()
        self.details = ResultDetails()
        # The gallery as one row under the result, while a narrow window folds the panel away.
        self.strip = GalleryView(self.panel.gallery_model).as_strip()
        self.strip.setToolTip("This session's results; widen the window for the sessions panel")
        self.strip.hide()
        self.bar.upscalers = window.catalog.upscalers
        self.current: JobRecord | None = None
        self._closed = False
        self.work = Background(self)
        remembered = window.settings.value("session/current")
        self.session = sessions.latest_or_new(str(remembered) if remembered else None)
        self.panel.session_chosen.connect(self.switch_to)
        self.panel.new_requested.connect(self.new_session)
        self.panel.rename_requested.connect(self.rename_session)
        self.panel.delete_requested.connect(self.delete_session)
        self.panel.export_requested.connect(self.ask_export)
        for gallery in (self.panel.gallery, self.strip):
            gallery.upscalers = window.catalog.upscalers
            gallery.result_activated.connect(self.show_item)
            gallery.action_requested.connect(
                lambda name, item: self.act(name, item.job, item.index)
            )
        self.bar.action_requested.connect(lambda name: self.act(name, self.current))
        self.row.picked.connect(self._picked_in_row)
        self._list_refresh = QTimer(self)
        self._list_refresh.setSingleShot(True)
        self._list_refresh.setInterval(400)
        self._list_refresh.timeout.connect(self.panel.refresh)
        self.switch_to(self.session.id)

    def shutdown(self) -> None:
        """The window is closing: no more refreshes, thumbnails finished or dropped."""
        self._closed = True
        self._list_refresh.stop()
        self.thumbnails.shutdown()
        self.work.wait(30000)  # an export under way finishes its folder

    # -- sessions -----------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        return self.session.id

    def switch_to(self, session_id: str) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            return
        self.session = session
        self.window.settings.setValue("session/current", session.id)
        self.panel.show_session(session)

    def new_session(self, name: str | None = None) -> None:
        self.switch_to(self.sessions.create(name).id)

    def rename_session(self, session_id: str, name: str | None = None) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(
                self.parent_widget, "Rename session", "Name:", text=session.name
            )
            if not ok:
                return
        try:
            self.sessions.rename(session_id, name)
        except ValueError as exc:
            self.window.notice.show_message(str(exc))
            return
        self.switch_to(session_id)

    def delete_session(self, session_id: str, *, confirm: bool = True) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            return
        try:
            runs = self.sessions.deletable_runs(session_id)
        except SessionBusy as busy:
            self.window.notice.show_message(str(busy))
            return
        if confirm and not confirm_dialog.confirm_delete(
            self.parent_widget,
            "Delete session",
            f"Delete “{session.name}” and its {session.results} results from this computer? "
            "Files you saved elsewhere stay.",
            "Delete session",
        ):
            return
        self._forget_thumbnails(runs)  # the cache is named by the files, so before they go
        deleted = self.sessions.delete(session_id)
        for job in deleted:
            self._forget(job)
        self.window.notice.show_message(f"Session “{session.name}” was deleted.", info=True)
        if session_id == self.session.id:
            self.session = self.sessions.latest_or_new(None)
        self.switch_to(self.session.id)

    def ask_export(self, session_id: str) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.parent_widget, "Export the session into…", str(Path.home())
        )
        if folder:
            self.export(session_id, Path(folder))

    def export(self, session_id: str, folder: Path) -> None:
        session = self.sessions.get(session_id)
        if session is not None:
            self.work.run(
                export_session,
                session,
                self.sessions.runs(session_id),
                folder,
                done=lambda result: self._export_done(result.sentence(), not result.problems),
                failed=lambda exc: self._export_done(
                    f"The session could not be exported: {exc}", False
                ),
            )

    def _export_done(self, sentence: str, ok: bool) -> None:
        self.window.notice.show_message(sentence, info=ok)
        self.exported.emit(sentence)

    # -- runs ---------------------------------------------------------------------------

    def submitted(self, jobs: list[JobRecord]) -> None:
        """Runs were sent from this session: remember their prompts."""
        for prompt in dict.fromkeys(prompt_of(job) for job in jobs):
            self.sessions.remember_prompt(prompt)
        self.sessions.touch(self.session.id)

    def on_updates(self, updates: list[JobUpdate]) -> None:
        """A batch of job updates: finished runs join the gallery (and are auto-saved); the
        side-by-side row follows its runs."""
        if self._closed:
            return
        row_changed = False
        for update in updates:
            if (
                self.row.group_id
                and update.job_id in self.row.cells
                and (update.message is not None or update.state.finished)
            ):
                row_changed = True
            if not update.state.finished:
                continue
            job = self.sessions.jobs.get(update.job_id)
            if job is None:
                continue
            if job.state is JobState.COMPLETED:
                self.window.autosaver.completed(job)
                if job.session_id == self.session.id:
                    self.panel.gallery_model.add_run(job)
                self._list_refresh.start()  # counts change in any session; once for a burst
            if self.current is not None and self.current.id == job.id:
                self.shown(job)  # the result bar now offers what a finished result can do
        if row_changed:
            self._refresh_row()

    def shown(self, job: JobRecord | None) -> None:
        """The window shows this job's result now: the result bar acts on it."""
        job = (self.sessions.jobs.get(job.id) or job) if job is not None else None
        self.current = job
        upscaled = job is not None and local_input_image(job) is not None
        row_on_screen = self.window.results.currentWidget() is self.row
        has_result = job is not None and job.state is JobState.COMPLETED and bool(job.files)
        self.bar.set_result(
            has_result, grouped=bool(job and job.group_id) and not row_on_screen, upscaled=upscaled
        )
        shown = getattr(self.window, "shown_file", None)
        index = job.files.index(shown) if job is not None and shown in job.files else 0
        on_grid = self.window.results.currentWidget() is self.window.run_grid
        self.bar.set_run_size(len(job.files) if job is not None and has_result else 0, not on_grid)
        self.details.show_job(job if has_result else None, index)
        self._select_tile(job, index)

    def _select_tile(self, job: JobRecord | None, index: int) -> None:
        """The gallery follows what the window shows (a job picked in the jobs table): its
        tile is selected and scrolled to; no tile when the job is not in this session."""
        model = self.panel.gallery_model
        row = model.row_of(job.id, index) if job is not None else -1
        for gallery in (self.panel.gallery, self.strip):
            if row < 0:
                gallery.selectionModel().clear()
            elif gallery.currentIndex().row() != row:
                gallery.setCurrentIndex(model.index(row, 0))

    def leave_row(self) -> None:
        """A run outside the side-by-side row starts: the large view goes back to results."""
        if self.window.results.currentWidget() is self.row:
            self.window.results.setCurrentWidget(self.window.result_view)
            self.shown(self.current)

    def show_item(self, item: GalleryItem) -> None:
        job = self.sessions.jobs.get(item.job.id) or item.job
        self.window.show_result(row_of(job), item.index)  # the tile's own image of the run

    def show_group(self, group_id: str, selected: str | None = None) -> None:
        jobs = self._group(group_id)
        if jobs:
            self.row.show_group(group_id, jobs, selected)
            self.window.results.setCurrentWidget(self.row)
            self.shown(next((j for j in jobs if j.id == selected), None))
            return
        self.leave_row()

    def _refresh_row(self) -> None:
        group_id = self.row.group_id
        if group_id is None:
            return
        selected = self.current.id if self.current else None
        self.row.show_group(group_id, self._group(group_id), selected)

    def _group(self, group_id: str) -> list[JobRecord]:
        """A group's runs in order; a retry takes the place of the run it retried (a dict keeps
        the place of a key's first entry when the key is given a new value)."""
        slots: dict[str, JobRecord] = {}
        for job in self.sessions.group(group_id):  # oldest first
            slots[json.dumps([job.endpoint_id, job.inputs], sort_keys=True)] = job
        return list(slots.values())

    def _picked_in_row(self, job_id: str) -> None:
        self.shown(self.sessions.jobs.get(job_id))

    # -- what a result offers -------------------------------------------------------------

    def open_viewer(self, job: JobRecord | None = None, index: int = 0) -> ResultViewer:
        """The full-window viewer on the session's results (newest first), at ``job``'s image."""
        items = self.panel.gallery_model.items()
        start = next(
            (
                n
                for n, item in enumerate(items)
                if job is not None and item.job.id == job.id and item.index == index
            ),
            0,
        )
        viewer = ResultViewer(
            [ViewerItem(item.path, item.tooltip().replace("\n", "  ·  ")) for item in items],
            start,
            self.parent_widget,
        )
        viewer.current_changed.connect(
            lambda n: self.panel.gallery.select(items[n].job.id, items[n].index)
        )
        viewer.showFullScreen()
        return viewer

    def varied(self, row: JobRow) -> str:
        """A Vary run's varied value (``guidance_scale-5.5``), for file names."""
        group = self.sessions.group(row.job.group_id) if row.job.group_id else []
        return varied_value(row.job, group)

    def act(self, name: str, job: JobRecord | None, index: int | None = None) -> None:
        """``index``: which of the run's images (a gallery tile's); else the one on screen."""
        if job is None:
            return
        job = self.sessions.jobs.get(job.id) or job
        if name == "view":
            self.open_viewer(job, self.window.shown_index(row_of(job)) if index is None else index)
        elif name in ("reuse", "new_seed"):
            self.reuse(job, new_seed=name == "new_seed")
        elif name == "vary":
            self.vary(job)
        elif name.startswith("upscale") and job.files:
            chosen = name.partition(":")[2] or None  # upscale:<model id> from its menu
            self.window.upscale([self._file(job, index)], upscaler=chosen)
        elif name == "use_input" and job.files:
            use_as_input(
                self.window.model_panel, self._file(job, index), self.window.notice.show_message
            )
        elif name == "all":
            self.window.show_result(row_of(job))
        elif name == "compare" and job.group_id:
            self.show_group(job.group_id, job.id)
        elif name == "copy":
            self.window.saver.copy(row_of(job))
        elif name == "save":
            row = row_of(job)
            self.window.save_as(row, self.window.shown_index(row) if index is None else index)
        elif name == "delete":
            self.delete_result(job)

    def _file(self, job: JobRecord, index: int | None) -> str:
        """The run's ``index``-th file; with none, the one on screen."""
        if index is None:
            index = self.window.shown_index(row_of(job))
        return job.files[min(index, len(job.files) - 1)]

    def reuse(self, job: JobRecord, *, new_seed: bool = False) -> bool:
        """Put the run's model and parameters in the form, with its seed or a new one."""
        return reuse_in_form(self.window, job, new_seed=new_seed)

    def vary(self, job: JobRecord, runs: list[dict[str, Any]] | None = None) -> list[JobRecord]:
        """Run the job again once per value of one parameter (asked for unless given)."""
        return self.start_group(vary_runs(self.window, job, runs, self.parent_widget))

    def compare_models(
        self, endpoint_ids: list[str] | None = None, prompt: str | None = None
    ) -> list[JobRecord]:
        """One prompt on several text-to-image models, shown side by side."""
        return self.start_group(
            comparison_runs(self.window, endpoint_ids, prompt, self.parent_widget)
        )

    def start_group(self, runs: list[tuple[str, dict[str, Any]]]) -> list[JobRecord]:
        if not runs or not self.window.has_key():
            return []
        group = uuid.uuid4().hex
        jobs = self.window.spending.send(  # the estimated total first, and the spend limit
            [(e, inputs, "") for e, inputs in runs], session_id=self.session.id, group_id=group
        )
        if not jobs:
            return []
        self.submitted(jobs)
        self.show_group(group, jobs[0].id)
        return jobs

    def delete_result(self, job: JobRecord, *, confirm: bool = True) -> bool:
        if confirm and not confirm_dialog.confirm_delete(
            self.parent_widget,
            "Delete result",
            "Delete this result from this computer? Files you saved elsewhere stay.",
        ):
            return False
        if not job.state.finished:
            self.window.notice.show_message(
                "A run that has not finished cannot be deleted; cancel it first."
            )
            return False
        self._forget_thumbnails([job])  # named by the files, so before they go
        self.sessions.delete_run(job.id)
        self._forget(job)
        self.panel.refresh()
        if self.current is not None and self.current.id == job.id:
            self.window.show_result(None)
        return True

    def _forget_thumbnails(self, jobs: list[JobRecord]) -> None:
        """What is kept about the files of deleted runs: thumbnails, the record of saved copies."""
        for job in jobs:
            for path in job.files:
                self.thumbnails.forget(path)
        self.window.saver.saved.forget([path for job in jobs for path in job.files])

    def _forget(self, job: JobRecord) -> None:
        self.panel.gallery_model.remove_job(job.id)
        self.window.forget_job(job.id)
        if job.group_id and job.group_id == self.row.group_id:
            rest = self.sessions.group(job.group_id)
            if rest:
                self._refresh_row()
