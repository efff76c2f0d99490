"""Failures nobody caught are logged with their traceback and shown once; the app keeps running.
The log folder is one menu item away; the jobs engine logs its own failures."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.core.logs import close_logging, hide_secret, setup_logging
from fal_desktop.jobs import wire
from fal_desktop.jobs.process_manager import ProcessJobManager
from fal_desktop.ui.window.crash import CrashReporter
from tests.gui.conftest import KEY, run_prompt


def _action(window, text):
    return next(
        a
        for menu in window.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.text() == text
    )


@pytest.fixture
def opened_urls(monkeypatch):
    opened = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True)
    )
    return opened


@pytest.fixture
def reporter_for():
    """A CrashReporter installed as the app installs it; the hooks are put back afterwards."""
    saved = sys.excepthook, threading.excepthook

    def make(window):
        reporter = CrashReporter(setup_logging(window.paths.logs, "fal-desktop.log"), window)
        reporter.install()
        return reporter

    yield make
    sys.excepthook, threading.excepthook = saved
    close_logging()


def _visible_crash_dialogs():
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown_once_and_the_window_keeps_working(
    qtbot, open_window, reporter_for, monkeypatch, opened_urls
):
    window = open_window()
    reporter = reporter_for(window)

    def broken():
        raise RuntimeError("the comparison broke")

    monkeypatch.setattr(window.session_ui, "compare_models", broken)
    compare = _action(window, "&Compare models…")
    compare.trigger()  # Qt calls the slot: the exception ends up in sys.excepthook
    qtbot.waitUntil(lambda: len(_visible_crash_dialogs()) == 1, timeout=5000)
    compare.trigger()  # the same failure again: logged, not shown again
    threading.Thread(target=lambda: 1 / 0, name="worker-x").start()  # another one, in a thread
    log_file = window.paths.logs / "fal-desktop.log"
    qtbot.waitUntil(lambda: "ZeroDivisionError" in log_file.read_text(), timeout=5000)
    qtbot.waitUntil(lambda: "1 more problem" in reporter.dialog.informativeText(), timeout=5000)

    dialogs = _visible_crash_dialogs()
    assert len(dialogs) == 1 and dialogs[0] is reporter.dialog
    assert "RuntimeError: the comparison broke" in dialogs[0].text()
    assert "in broken (test_crash_and_logs.py" in dialogs[0].text()
    assert str(log_file) in dialogs[0].informativeText()
    assert reporter.shown == [reporter.shown[0]]  # one dialog for the three failures

    log = log_file.read_text()
    assert (
        log.count("RuntimeError: the comparison broke") == 2
    )  # each one logged, with its traceback
    assert "Traceback (most recent call last)" in log and "in broken\n    raise RuntimeError" in log
    assert "in the thread worker-x" in log

    open_log = next(b for b in dialogs[0].buttons() if b.text() == "Open log folder")
    open_log.click()
    assert [url.toLocalFile() for url in opened_urls] == [str(window.paths.logs)]
    for dialog in _visible_crash_dialogs():
        dialog.close()
    assert _visible_crash_dialogs() == []

    row = run_prompt(qtbot, window, "still running after the failures")  # the app kept going
    assert row.state is JobState.COMPLETED


def test_help_opens_the_log_folder(qtbot, open_window, opened_urls):
    window = open_window()
    _action(window, "Open the &log folder").trigger()
    assert [url.toLocalFile() for url in opened_urls] == [str(window.paths.logs)]
    assert window.paths.logs.is_dir()


def test_a_secret_is_hidden_in_every_log_line(tmp_path):
    log_file = setup_logging(tmp_path, "fal-desktop.log")
    try:
        hide_secret(KEY)
        logging.getLogger("fal_desktop.test").warning(
            "a careless line with %s and %s", KEY, KEY.split(":")[1]
        )
    finally:
        close_logging()
    text = log_file.read_text()
    assert "a careless line with [hidden] and [hidden]" in text and KEY.split(":")[1] not in text


def test_an_exception_in_the_engine_is_logged_to_its_log_and_the_engine_restarted(
    qtbot, emulator, tmp_path
):
    logs = tmp_path / "logs"
    store = JobStore(tmp_path / "jobs.sqlite3")
    manager = ProcessJobManager(
        store, emulator.hosts, tmp_path / "outputs", key=lambda: KEY, log_dir=logs
    )
    problems = []
    manager.problem.connect(problems.append)
    try:
        qtbot.waitUntil(lambda: manager.pid is not None, timeout=20000)
        first = manager.pid
        manager._send(
            wire.encode("start", jobs=[{"endpoint": "fal-ai/flux/schnell"}])
        )  # no job id: a bug
        qtbot.waitUntil(lambda: manager.pid not in (None, first), timeout=20000)  # restarted
        log = (logs / "jobs-engine.log").read_text()
        assert "Unhandled exception in the jobs engine" in log
        assert "Traceback (most recent call last)" in log and "KeyError: 'id'" in log
        assert any(
            "failed with an error" in p and str(logs / "jobs-engine.log") in p for p in problems
        )
        job = manager.submit("fal-ai/flux/schnell", {"prompt": "after the engine failed"})
        qtbot.waitUntil(lambda: manager.store.get(job.id).state.finished, timeout=20000)
        assert manager.store.get(job.id).state is JobState.COMPLETED
    finally:
        manager.stop_and_wait()
        store.close()


def test_without_a_stderr_nothing_vanishes(tmp_path, monkeypatch):
    """A windowed build has no stderr: an uncaught exception still reaches the log file."""
    monkeypatch.setattr(sys, "stderr", None)
    log_file = setup_logging(tmp_path, "fal-desktop.log")
    saved = sys.excepthook, threading.excepthook
    try:
        CrashReporter(log_file).install()
        try:
            raise LookupError("nobody sees a console")
        except LookupError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook, threading.excepthook = saved
        close_logging()
    text = log_file.read_text()
    assert "LookupError: nobody sees a console" in text and "Traceback" in text
