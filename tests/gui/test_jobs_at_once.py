"""Preferences → Jobs at once applies while jobs run, through the window and its engine."""

from __future__ import annotations

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.window import prefs
from tests.gui.conftest import rows
from tests.gui.test_feels_at_home import action


def set_jobs_at_once(window, count: int) -> None:
    action(window, "&Preferences…").trigger()
    dialog = window.home.preferences
    dialog.jobs.setValue(count)
    dialog.accept()


def run(qtbot, window, prompt: str) -> None:
    before = len(rows(window))
    window.model_panel.form.fields["prompt"].set_value(prompt)
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == before + 1, timeout=5000)


def test_jobs_at_once_changed_in_preferences_applies_to_the_jobs_running(
    qtbot, open_window, emulator
):
    emulator.job_duration = 60.0  # they stay at fal until the test lets them finish
    emulator.service.queue.steps = 100
    window = open_window()
    set_jobs_at_once(window, 1)
    assert prefs.jobs_in_flight(window.settings) == 1
    window.model_panel.select_model("fal-ai/flux/schnell")
    for prompt in ("a red door", "a green door", "a blue door"):
        run(qtbot, window, prompt)
    first, second, third = rows(window)
    qtbot.waitUntil(lambda: first.job.request_id is not None, timeout=20000)
    assert len(emulator.submit_requests) == 1
    assert second.state is JobState.PENDING and third.state is JobState.PENDING  # waiting

    set_jobs_at_once(window, 3)  # the two waiting go to fal now, not at the next start
    qtbot.waitUntil(lambda: len(emulator.submit_requests) == 3, timeout=20000)
    qtbot.waitUntil(lambda: all(r.job.request_id for r in rows(window)), timeout=20000)
    assert not first.state.finished  # the first still runs: three at once

    set_jobs_at_once(window, 1)  # fewer: the running ones are not stopped
    emulator.job_duration = 0.3
    qtbot.waitUntil(lambda: all(r.state.finished for r in rows(window)), timeout=30000)
    assert [r.state for r in rows(window)] == [JobState.COMPLETED] * 3
    assert len(emulator.submit_requests) == 3  # nothing sent twice
    assert not [r for r in emulator.requests if r.path.endswith("/cancel")]
    assert window.manager._config["max_in_flight"] == 1  # what an engine started again is sent
