"""The two-step start: the window's frame is shown and painted first, the rest is built right
after, and whatever the user does in between is queued or refused without a crash."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QMenu

from fal_desktop.api import RetryPolicy
from fal_desktop.app import key_tester, window_services
from fal_desktop.core.catalog import Catalog
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.core.paths import AppPaths
from fal_desktop.core.secrets import ApiKeyStore
from fal_desktop.jobs.process_manager import ProcessJobManager
from fal_desktop.startup import Startup
from fal_desktop.ui.window.main_window import MainWindow
from fal_desktop.ui.window.shell import FALLBACK_MS, Placeholder
from tests.gui.conftest import KEY
from tests.gui.conftest import rows as _rows
from tests.gui.test_money import MODEL as MONEY_MODEL
from tests.gui.test_money import submits


class PaintLog(QObject):
    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@pytest.fixture
def deferred_start(qtbot, emulator, tmp_path, memory_keyring):
    """A deferred window (shown, not ready) and the Startup that will finish it."""
    made = []

    def make(after_usable=None):
        """``after_usable(window)``: called the moment the window is usable, before its
        panels are built (the next turn of the event loop)."""
        paths = AppPaths.under(tmp_path / "app").ensure()
        window = MainWindow(paths=paths)
        qtbot.addWidget(window)
        log = PaintLog(window)
        calls = []

        def build(startup):
            calls.append(log.paints)  # how often the window had been painted before the build
            store = ApiKeyStore(environ={"FAL_KEY": KEY})
            jobs = JobStore(paths.data / "jobs.sqlite3")
            startup.closers.append(jobs.close)
            manager = ProcessJobManager(
                jobs,
                emulator.hosts,
                paths.outputs,
                key=store.get,
                retry=RetryPolicy(base_delay=0.01),
            )
            startup.closers.append(manager.stop_and_wait)
            window.finish_setup(
                window_services(
                    window,
                    catalog=Catalog(paths.schema_cache, emulator.hosts),
                    manager=manager,
                    key_store=store,
                    key_tester=key_tester(emulator.hosts),
                ),
                panels_later=True,  # as the app does
            )
            if after_usable is not None:
                after_usable(window)

        startup = Startup(QApplication.instance(), window, build)
        made.append((window, startup))
        return window, startup, calls

    yield make
    for window, startup in made:
        window.close()
        startup.close()


RESULT_ITEMS = (
    "&Save result as…",
    "Save &all finished results",
    "&Copy result image",
    "Result in &full window",
)


def _items(window):
    return [
        a
        for menu in window.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.menu() is None and not a.isSeparator()
    ]


def _held(window):
    """The menu items that wait for the window to be ready (all but Quit, About, the log folder and the shortcuts list, and those
    that also wait for a finished result)."""
    return [
        a
        for a in _items(window)
        if a.text()
        not in (
            "&Quit",
            "&About fal desktop",
            "Open the &log folder",
            "&Keyboard shortcuts",
            *RESULT_ITEMS,
        )
    ]


def _result_items(window):
    return [a for a in _items(window) if a.text() in RESULT_ITEMS]


def _image(tmp_path, name):
    path = tmp_path / name
    Image.new("RGB", (32, 24), (200, 90, 30)).save(path)
    return path


def test_the_frame_is_painted_first_then_the_window_becomes_usable(qtbot, deferred_start, tmp_path):
    window, _startup, calls = deferred_start()
    window.show()
    assert not window.ready and not hasattr(window, "model_panel")
    assert [p.text() for p in window.findChildren(Placeholder) if p.text()] == ["Loading…"]
    assert window.menuBar().actions() and all(not a.isEnabled() for a in _held(window))
    assert len(_result_items(window)) == 4 and all(not a.isEnabled() for a in _result_items(window))
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    assert calls and calls[0] >= 1  # built only after the frame had been painted
    assert window.findChildren(Placeholder) == []  # every placeholder replaced by its panel
    assert all(a.isEnabled() for a in _held(window))
    assert all(not a.isEnabled() for a in _result_items(window))  # no result yet
    assert window.model_panel.form is not None

    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("a deferred lighthouse")
    window.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 1 and _rows(window)[0].state.finished, timeout=20000
    )
    assert _rows(window)[0].state is JobState.COMPLETED
    assert _rows(window)[0].files
    assert all(a.isEnabled() for a in _result_items(window))


def test_what_the_user_does_before_ready_is_queued_or_refused(qtbot, deferred_start, tmp_path):
    window, _startup, _calls = deferred_start()
    window.show()
    assert not window.ready
    # Held menu items do nothing yet (triggering a disabled action is a no-op, not a crash).
    for action in _held(window) + _result_items(window):
        action.trigger()
    assert window.upscale([str(_image(tmp_path, "pasted.png"))]) == []
    assert "Still starting up" in window.notice.label.text()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(_image(tmp_path, "dropped.png")))])
    window.dropEvent(
        QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    assert not window.ready

    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 2 and all(r.state.finished for r in _rows(window)),
        timeout=30000,
    )
    assert sorted(r.job.label for r in _rows(window)) == ["dropped.png", "pasted.png"]
    assert all(r.state is JobState.COMPLETED for r in _rows(window))
    assert window.model_panel.endpoint_id == "fal-ai/aura-sr"


def test_closing_before_ready_saves_the_geometry_and_builds_nothing(
    qtbot, deferred_start, tmp_path
):
    window, startup, calls = deferred_start()
    startup.quit_after_ms = 0  # quit right after the first paint, before the rest is built
    window.show()
    assert startup.exec() == 0
    window.close()
    assert calls == [] and not window.ready
    assert window.settings.value("geometry") is not None
    assert window.settings.value("splitter/top") is None  # placeholders' sizes are not kept


def test_a_window_closed_before_ready_is_never_built(qtbot, deferred_start):
    window, startup, calls = deferred_start()
    window.show()
    window.close()  # before it was ever painted: the step runs anyway once the fallback fires
    qtbot.wait(FALLBACK_MS + 500)
    assert calls == [] and not window.ready and not startup.ready


def test_a_failing_build_ends_the_loop_and_is_raised(qtbot, tmp_path):
    window = MainWindow(paths=AppPaths.under(tmp_path / "app").ensure())
    qtbot.addWidget(window)

    def build(_startup):
        raise RuntimeError("the job store is unreadable")

    startup = Startup(QApplication.instance(), window, build)
    window.show()
    with pytest.raises(RuntimeError, match="unreadable"):
        startup.exec()
    window.close()


def _start(tmp_path, *flags, basedir=None, key=KEY):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "FAL_DESKTOP_STARTUP_TRACE": "1",
    }
    if key:
        env["FAL_KEY"] = key
    done = subprocess.run(
        [sys.executable, "-m", "fal_desktop", "--basedir", basedir or str(tmp_path / "app")]
        + list(flags),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    moments = {}
    for line in done.stderr.splitlines():
        if line.startswith("startup "):
            _, moment, at = line.split()
            moments[moment] = float(at)
    return done.returncode, moments


def test_the_command_line_quits_when_shown_or_when_ready(tmp_path):
    status, moments = _start(tmp_path, "--quit-after", "0")
    assert status == 0 and list(moments) == ["shown"]  # quit before the rest was built
    shot = tmp_path / "ready.png"
    status, moments = _start(tmp_path, "--quit-when-ready", "--screenshot", str(shot))
    assert (
        status == 0 and list(moments) == ["shown", "ready"] and moments["shown"] < moments["ready"]
    )
    assert QImage(str(shot)).width() > 0  # taken on the way out, once the window was ready


@pytest.mark.keyring
def test_the_key_in_the_keyring_is_read_by_a_child_at_start(tmp_path, secret_service):
    """With no ``FAL_KEY``, the window gets the keyring's key from its child process
    (``core/keyring_child.py``), and the log says where the key came from, never the key."""
    key = "kr-" + "9" * 30 + ":secret"
    ApiKeyStore(environ={}).save(key)
    try:
        status, moments = _start(tmp_path, "--quit-when-ready", key=None)
    finally:
        ApiKeyStore(environ={}).remove()
    assert status == 0 and "ready" in moments
    log = (tmp_path / "app" / "data" / "logs" / "fal-desktop.log").read_text()
    assert "fal key: from the system keyring" in log and key not in log


def test_a_relative_basedir_is_taken_from_the_working_directory(tmp_path):
    status, moments = _start(tmp_path, "--quit-when-ready", basedir="here")
    assert status == 0 and "ready" in moments  # it crashed building the welcome's links
    assert (tmp_path / "here" / "config").is_dir() and (tmp_path / "here" / "data").is_dir()


def test_settle_memory_freezes_start_up_objects_and_collects_less_often():
    import gc

    from fal_desktop.startup import settle_memory

    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's defaults (an earlier start-up test changed them)
    gc.unfreeze()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 1000  # modules, classes, widgets made so far
        assert gc.get_threshold()[0] > 700
        cycle = []
        cycle.append(cycle)  # cycles made later are still collected
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def _run_at_once(prompt):
    """What a user does the moment the form is usable: type a prompt and press Run."""

    def act(window):
        assert window.usable and not window.ready  # the panels come right after
        window.model_panel.select_model(MONEY_MODEL)
        window.model_panel.form.fields["prompt"].set_value(prompt)
        window.model_panel.run_button.click()

    return act


def test_a_run_clicked_the_moment_the_form_is_usable_is_sent_once(qtbot, deferred_start, emulator):
    window, _startup, _calls = deferred_start(after_usable=_run_at_once("at once"))
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    # Every panel is there, in the frame's places (no "Loading…" left).
    assert window.jobs_panel.isVisible() and window.results.isVisible()
    assert window.session_ui.panel.isVisibleTo(window) and not window.findChildren(Placeholder)
    assert all(a.isEnabled() for a in _held(window))
    qtbot.waitUntil(lambda: len(_rows(window)) == 1, timeout=5000)
    row = _rows(window)[0]
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    assert row.job.inputs["prompt"] == "at once"
    assert submits(emulator) == 1
    assert "Still starting up" not in window.notice.label.text()  # said, then cleared


def test_jobs_resumed_before_the_table_exists_are_shown_and_followed_once(
    qtbot, deferred_start, emulator
):
    emulator.job_duration = 2.0
    window, startup, _ = deferred_start(after_usable=_run_at_once("across a restart"))
    window.show()
    qtbot.waitUntil(lambda: window.ready and len(_rows(window)) == 1, timeout=10000)
    job_id = _rows(window)[0].job.id
    qtbot.waitUntil(lambda: bool(window.manager.store.get(job_id).request_id), timeout=10000)
    window.close()  # quit with the job at fal: the next start resumes it
    startup.close()
    window, _startup, _ = deferred_start()
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    assert [job.id for job in window.resumed] == [job_id]
    row = window.jobs_model.row_for(job_id)  # the resumed job, in the table built after it
    assert row is not None
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    assert submits(emulator) == 1  # followed by its request id, never sent again


def test_panels_built_after_usable_get_the_widths_a_resize_would_give(qtbot, deferred_start):
    """The sessions panel arrives after the first paint: it still takes at most a quarter of
    the width, as on any resize (it once kept its placeholder's share and squeezed the result)."""
    window, _startup, _calls = deferred_start()
    window.resize(1016, 664)
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    left, right = window.main.sizes()
    assert right <= max(200, (left + right) // 4)


@pytest.mark.parametrize("size", [None, (1016, 700)])  # the first window's size, and a smaller one
def test_nothing_moves_when_the_panels_replace_their_placeholders(qtbot, deferred_start, size):
    """Usable first, the panels on the next turn of the event loop: the Run button and the
    splitters stay where the user first saw them (the jobs placeholder once took a share of the
    height, and the sessions placeholder more than its quarter of the width)."""

    def layout(window):
        # What is painted: the layout's pending requests done, not the queued panel build.
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        run = window.model_panel.run_button
        return run.mapTo(window, QPoint(0, 0)), run.size(), window.main.sizes(), window.top.sizes()

    seen = []

    def usable(window):
        assert not window.ready and window.findChildren(Placeholder)
        seen.append(layout(window))

    window, _startup, _calls = deferred_start(after_usable=usable)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    assert window.jobs_panel.isVisible() and window.session_ui.panel.isVisible()
    assert seen and layout(window) == seen[0]
