"""A dropped folder is searched for images on a worker thread, then upscaled."""

from __future__ import annotations

import threading

from PIL import Image

from fal_desktop.core import inputs as core_inputs
from tests.gui.conftest import rows
from tests.gui.test_upscale_drop import _drop, _urls


def test_a_dropped_folder_is_scanned_off_the_gui_thread(qtbot, open_window, tmp_path, monkeypatch):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (16, 16), (n * 80, 0, 0)).save(folder / f"p{n}.png")
    scanned_on = []
    real = core_inputs.image_paths_in
    monkeypatch.setattr(
        core_inputs,
        "image_paths_in",
        lambda paths: scanned_on.append(threading.current_thread()) or real(paths),
    )
    window = open_window()
    _drop(window, _urls(folder))
    qtbot.waitUntil(lambda: len(rows(window)) == 3, timeout=10000)
    assert scanned_on and scanned_on[0] is not threading.main_thread()
    assert sorted(r.job.label for r in rows(window)) == ["p0.png", "p1.png", "p2.png"]


def test_a_big_dropped_folder_is_recorded_off_the_gui_thread_and_sent_in_steps_each_once(
    qtbot, open_window, emulator, money_questions, tmp_path, monkeypatch
):
    """Thousands of images (here 7, with the threshold lowered): the runs and their estimates
    made on a worker, one question, every job recorded before the first is sent, on a worker;
    then sent a few at a time; each image reaches fal exactly once, none is missing."""
    from fal_desktop.core.jobstore import JobState
    from fal_desktop.ui.jobs import stepped_sending

    monkeypatch.setattr(stepped_sending, "STEPPED_BATCH", 3)
    monkeypatch.setattr(stepped_sending, "SEND_STEP", 2)
    monkeypatch.setattr(stepped_sending, "STEP_MS", 1e-6)  # each next step: the fewest jobs, one
    folder = tmp_path / "many"
    folder.mkdir()
    names = [f"p{n}.png" for n in range(7)]
    for n, name in enumerate(names):
        Image.new("RGB", (16, 16), (n * 30, 0, 0)).save(folder / name)
    window = open_window()
    recorded_on, started_in_steps, estimated_on = [], [], []
    real_record, real_start = window.manager.record_runs, window.manager.start_recorded
    real_estimator = window.spending.estimator

    def estimator(endpoint_ids):
        estimate = real_estimator(endpoint_ids)
        return lambda *run: estimated_on.append(threading.current_thread()) or estimate(*run)

    monkeypatch.setattr(window.spending, "estimator", estimator)
    monkeypatch.setattr(
        window.manager,
        "record_runs",
        lambda *a, **k: recorded_on.append(threading.current_thread()) or real_record(*a, **k),
    )
    monkeypatch.setattr(
        window.manager,
        "start_recorded",
        lambda jobs: started_in_steps.append(len(jobs)) or real_start(jobs),
    )
    _drop(window, _urls(folder))
    qtbot.waitUntil(
        lambda: len(rows(window)) == 7 and all(r.state is JobState.COMPLETED for r in rows(window)),
        timeout=30000,
    )
    assert len(money_questions.of("batch")) == 1  # the estimated total was asked about, once
    assert "7 jobs will be sent" in money_questions.of("batch")[0]
    assert recorded_on and recorded_on[0] is not threading.main_thread()
    assert len(estimated_on) == 7 and threading.main_thread() not in estimated_on
    assert started_in_steps == [2, 1, 1, 1, 1, 1]  # each job started once, in steps
    assert sorted(r.job.label for r in rows(window)) == names
    stored = [j for j in window.manager.store.all() if j.label in names]
    assert sorted(j.label for j in stored) == names  # recorded once each
    assert len(emulator.submit_requests) == 7  # each image sent to fal once
    assert sorted(window.jobs_panel.batch_ids()) == sorted(j.id for j in stored)
    assert window.jobs_panel.selected_row().job.label == "p0.png"  # the batch's first job


def test_a_long_folder_search_says_so(qtbot, open_window, tmp_path, monkeypatch):
    """A search still going after a moment (a slow drive) says so in the banner; the images
    are used once it ends. (A quick one, 5,000 files in ~15 ms, goes straight to the batch.)"""
    folder = tmp_path / "slow"
    folder.mkdir()
    Image.new("RGB", (16, 16), (90, 0, 0)).save(folder / "only.png")
    go_on = threading.Event()
    real = core_inputs.image_paths_in
    monkeypatch.setattr(core_inputs, "image_paths_in", lambda paths: go_on.wait(10) and real(paths))
    window = open_window()
    try:
        _drop(window, _urls(folder))
        qtbot.waitUntil(
            lambda: (
                window.notice.isVisible() and "Looking for images" in window.notice.label.text()
            ),
            timeout=5000,
        )
        assert not rows(window)
    finally:
        go_on.set()
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=10000)
    assert rows(window)[0].job.label == "only.png"
