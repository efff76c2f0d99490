"""Fixtures for window tests: an emulator and a factory of main windows wired to it."""

from __future__ import annotations

import pytest
import shiboken6

from fal_desktop.api import RetryPolicy
from fal_desktop.app import built_window, key_tester
from fal_desktop.core.catalog import Catalog
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.core.logs import close_logging, setup_logging
from fal_desktop.core.paths import AppPaths
from fal_desktop.core.secrets import ApiKeyStore
from fal_desktop.emulator import Emulator
from fal_desktop.jobs.process_manager import ProcessJobManager

KEY = "window-test-0123:secret-4567-abcdef"


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread(qapp):
    """As the app does: a Qt object that only a reference cycle kept (a closed test's window)
    is freed on this thread, never on a worker that happened to allocate (a crash)."""
    from fal_desktop.widgets.collector import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _thumbnails_from_loopback_only(monkeypatch):
    """Image fields fetch URL thumbnails; in tests only from loopback servers, never fal's."""
    from fal_desktop.forms import url_thumbnails

    monkeypatch.setattr(url_thumbnails, "ALLOWED_HOSTS", {"127.0.0.1", "localhost"})


@pytest.fixture(autouse=True)
def _a_large_screen(monkeypatch):
    """The offscreen platform's screen is 800×800; windows in tests open as on a large one."""
    from PySide6.QtCore import QRect

    from fal_desktop.ui.window import geometry

    monkeypatch.setattr(geometry, "available_screen", lambda _window: QRect(0, 0, 1920, 1200))


class MoneyQuestions:
    """What the window asked about money, and the answers tests give (a modal box would hang)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.send_batch = True
        self.over_limit = "stop"
        self.show_same_call = False
        self.when_paused = "stop"

    def install(self, monkeypatch) -> None:
        from fal_desktop.ui.jobs import money_questions

        def answer(kind, value):
            def ask(_parent, text):
                self.asked.append((kind, text))
                return value() if callable(value) else value

            return ask

        monkeypatch.setattr(money_questions, "ask_batch", answer("batch", lambda: self.send_batch))
        monkeypatch.setattr(
            money_questions, "ask_over_limit", answer("limit", lambda: self.over_limit)
        )
        monkeypatch.setattr(
            money_questions, "ask_same_call", answer("same", lambda: self.show_same_call)
        )
        monkeypatch.setattr(
            money_questions, "ask_paused", answer("paused", lambda: self.when_paused)
        )

    def of(self, kind: str) -> list[str]:
        return [text for k, text in self.asked if k == kind]


@pytest.fixture(autouse=True)
def money_questions(monkeypatch):
    """The batch total, spend limit and same-call questions, answered (see MoneyQuestions)."""
    questions = MoneyQuestions()
    questions.install(monkeypatch)
    return questions


@pytest.fixture
def emulator():
    with Emulator(key=KEY, job_duration=0.4, workers=2) as emu:
        yield emu


@pytest.fixture
def open_window(qtbot, emulator, tmp_path, memory_keyring):
    windows = []

    def make(key=KEY, sandbox=False, logs=False, hosts=None):
        """A window as the app builds it: its jobs run in an engine process; ``sandbox`` as
        with --sandbox (give it the key too); ``logs``: both log to files in ``paths.logs``,
        as the app does; ``hosts``: fal's hosts if not all the emulator's."""
        hosts = hosts or emulator.hosts
        paths = AppPaths.under(tmp_path / "app").ensure()
        if logs:
            setup_logging(paths.logs, "fal-desktop.log")
        store = ApiKeyStore(environ={"FAL_KEY": key} if key else {})
        jobs = JobStore(paths.data / "jobs.sqlite3")
        manager = ProcessJobManager(
            jobs,
            hosts,
            paths.outputs,
            key=store.get,
            retry=RetryPolicy(base_delay=0.01),
            log_dir=paths.logs if logs else None,
        )
        window = built_window(  # the services as the app builds them
            paths,
            catalog=Catalog(paths.schema_cache, hosts),
            manager=manager,
            key_store=store,
            key_tester=key_tester(hosts),
            sandbox=sandbox,
        )
        qtbot.addWidget(window)
        window.show()
        windows.append((window, manager, jobs))
        return window

    yield make
    for window, manager, jobs in windows:
        if shiboken6.isValid(window):  # a test may have closed it, and Qt deleted it since
            window.close()
        manager.stop_and_wait()
        jobs.close()
    close_logging()


def rows(window):
    """The job rows the window shows, top to bottom."""
    return [window.jobs_model.row_at(i) for i in range(window.jobs_model.rowCount())]


def run_prompt(qtbot, window, prompt, endpoint="fal-ai/flux/schnell", **values):
    """Run a prompt through the form and the Run button; the row once its job completed."""
    window.model_panel.select_model(endpoint)
    form = window.model_panel.form
    form.fields["prompt"].set_value(prompt)
    for name, value in values.items():
        form.fields[name].set_value(value)
    before = len(rows(window))
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == before + 1, timeout=5000)
    row = rows(window)[-1]
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    return row
