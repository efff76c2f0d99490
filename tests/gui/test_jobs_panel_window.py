"""The jobs panel through the window, against the emulator: failures decided by their kind,
no progress figure on a failed job, elapsed times across a restart, the table following the
shown result (and scrolling to it), folding the panel, and its height when idle."""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, Qt

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.ui.jobs.job_texts import RETRY_REJECTED_TIP
from fal_desktop.ui.jobs.table import COLUMNS
from tests.gui.conftest import rows, run_prompt

SHOTS = Path("/tmp/jobsui-shots")


def _cell(window, job_id, column):
    model = window.jobs_model
    row = next(i for i in range(model.rowCount()) if model.row_at(i).job.id == job_id)
    return model.data(model.index(row, COLUMNS.index(column)))


def _shot(widget, name):
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _reopen(first, open_window):
    first.close()
    first.manager.stop_and_wait()
    first.manager.store.close()
    return open_window()


def test_a_rejected_job_shows_no_progress_and_keeps_retry_off_after_a_restart(qtbot, open_window):
    window = open_window()
    window.model_panel.select_model("fal-ai/recraft-v3")
    job = window.manager.submit("fal-ai/recraft-v3", {"prompt": "z" * 1100})  # too long: a 422
    qtbot.waitUntil(lambda: rows(window)[0].state is JobState.FAILED, timeout=20000)
    row = rows(window)[0]
    assert row.error_kind is ErrorKind.REJECTED_INPUT
    assert _cell(window, job.id, "Progress") == ""  # not "100%": it made nothing
    window.jobs_panel.select_job(job.id)
    panel = window.jobs_panel
    assert not panel.retry_button.isEnabled() and not panel.run_again_button.isEnabled()
    assert window.manager.store.get(job.id).error_kind is ErrorKind.REJECTED_INPUT

    again = _reopen(window, open_window)
    row = rows(again)[0]
    assert row.job.id == job.id and not row.field_errors  # only the stored kind is left
    again.jobs_panel.select_job(job.id)
    assert not again.jobs_panel.retry_button.isEnabled()
    assert again.jobs_panel.retry_button.toolTip() == RETRY_REJECTED_TIP
    assert _cell(again, job.id, "Progress") == ""


def test_elapsed_times_are_kept_across_a_restart(qtbot, open_window, emulator, tmp_path):
    now = time.time()
    store = JobStore(tmp_path / "app" / "data" / "jobs.sqlite3")
    done = JobRecord("fal-ai/flux/schnell", {"prompt": "earlier"}, state=JobState.COMPLETED)
    done.created_at, done.finished_at = now - 600, now - 475  # took 2:05
    waiting = JobRecord("fal-ai/flux/schnell", {"prompt": "sent before the restart"})
    waiting.created_at = now - 65
    store.save_many([done, waiting])
    store.close()
    emulator.job_duration = 3.0
    window = open_window()
    assert _cell(window, done.id, "Elapsed") == "2:05"
    minutes, seconds = _cell(window, waiting.id, "Elapsed").split(":")
    assert int(minutes) * 60 + int(seconds) >= 65  # counted from when it was made, not 0:00
    _shot(window.jobs_panel, "elapsed_after_restart.png")


def test_the_jobs_table_follows_the_shown_result_and_scrolls_to_it(qtbot, open_window, tmp_path):
    window = open_window()
    first = run_prompt(qtbot, window, "a red kite", num_inference_steps=1)
    picture = tmp_path / "other.png"
    Image.new("RGB", (32, 32), (20, 90, 200)).save(picture)
    others = [
        JobRecord(
            "fal-ai/flux/schnell",
            {"prompt": f"older {i}"},
            state=JobState.COMPLETED,
            files=[str(picture)],
        )
        for i in range(40)
    ]
    for job in others:
        window.jobs_model.add_job(job)
    table = window.jobs_panel.table

    def visible(job_id):
        model = window.jobs_model
        number = next(i for i in range(model.rowCount()) if model.row_at(i).job.id == job_id)
        return table.viewport().rect().intersects(table.visualRect(model.index(number, 0)))

    # Selecting a row shows its result, and the table scrolls to the row it selects.
    window.jobs_panel.select_job(others[-1].id)
    assert window.shown_file == str(picture) and visible(others[-1].id)
    assert not visible(first.job.id)

    # A gallery tile shown large selects its job's row and scrolls the table to it.
    gallery = window.session_ui.panel.gallery
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 1, timeout=5000)
    qtbot.mouseClick(
        gallery.viewport(),
        Qt.MouseButton.LeftButton,
        pos=gallery.visualRect(gallery.model().index(0)).center(),
    )
    assert window.shown_file == first.files[0]
    assert window.jobs_panel.selected_row().job.id == first.job.id and visible(first.job.id)
    assert window.jobs_panel.log_view.toPlainText().startswith("fal-ai/flux/schnell")

    # Clicking a row (the user's choice) shows that job's result.
    model = window.jobs_model
    number = next(i for i in range(model.rowCount()) if model.row_at(i).job.id == others[3].id)
    table.scrollTo(model.index(number, 0))
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(model.index(number, 1)).center(),
    )
    assert window.jobs_panel.selected_row().job.id == others[3].id
    assert window.shown_file == str(picture)
    _shot(window, "table_follows_gallery.png")


def test_the_jobs_panel_folds_to_one_line_and_remembers_it(qtbot, open_window):
    window = open_window()
    window.resize(1360, 860)
    panel = window.jobs_panel
    qtbot.waitUntil(lambda: panel.height() > 100, timeout=5000)
    unfolded = panel.height()
    assert unfolded < 0.3 * window.height()  # the idle table leaves the room to the result
    results_before = window.results.height()
    _shot(window, "jobs_unfolded.png")
    qtbot.mouseClick(panel.fold_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.height() < 60, timeout=5000)
    assert not panel.table.isVisible() and not panel.log_view.isVisible()
    assert panel.summary.isVisible() and panel.summary.text() == "idle"
    assert window.results.height() > results_before + 50  # the result got the room
    assert panel.clear_button.isVisible()  # its line keeps the buttons
    _shot(window, "jobs_folded.png")
    _shot(panel, "jobs_folded_panel.png")

    again = _reopen(window, open_window)
    panel = again.jobs_panel
    assert panel.folded and not panel.table.isVisible()
    panel.fold_button.click()
    qtbot.waitUntil(lambda: panel.height() >= 150, timeout=5000)
    assert panel.table.isVisible() and not panel.folded


def test_a_job_that_may_have_reached_fal_says_so_on_retry(qtbot, open_window, emulator):
    emulator.set_faults({"503-accepted": 1.0}, roles={"queue"})
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("a harbour")
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: bool(rows(window)) and rows(window)[0].state.finished, timeout=20000)
    row = rows(window)[0]
    assert row.error_kind is ErrorKind.MAYBE_SENT
    window.jobs_panel.select_job(row.job.id)
    tip = window.jobs_panel.retry_button.toolTip()
    assert "may already have this job" in tip and "charged twice" in tip


def test_the_batch_bar_in_the_window_counts_a_failure_apart(qtbot, open_window, tmp_path):
    good = [tmp_path / f"photo{i}.png" for i in range(3)]
    for i, path in enumerate(good):
        Image.new("RGB", (24, 16), (60 * i, 120, 200)).save(path)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    ids = window.upscale([str(p) for p in good] + [str(broken)])
    qtbot.waitUntil(
        lambda: all(window.jobs_model.row_for(i).state.finished for i in ids), timeout=30000
    )
    label = window.jobs_panel.batch_label.text()
    assert "3 done" in label and "1 failed" in label and "to go" not in label
    bar = window.jobs_panel.batch_bar
    image = bar.grab().toImage()
    left = image.pixelColor(QPoint(int(image.width() * 0.2), image.height() // 2))
    right = image.pixelColor(QPoint(int(image.width() * 0.9), image.height() // 2))
    assert left.green() > 100 and left.red() < 100  # done: green
    assert right.red() > 150 and right.green() < 100  # the failure: red
    _shot(window.jobs_panel, "batch_3_done_1_failed.png")


def test_a_job_row_selects_its_gallery_tile_and_an_old_job_shown_joins_the_table(
    qtbot, open_window, tmp_path
):
    """Both ways: a row picked in the jobs table selects its gallery tile (and scrolls to it);
    a result older than the rows the table loads at start, shown from the gallery, joins the
    table in its place by time, selected."""
    from fal_desktop.core.sessions import SessionStore
    from fal_desktop.ui.window.main_window import HISTORY_ROWS

    picture = tmp_path / "old.png"
    Image.new("RGB", (32, 32), (200, 90, 20)).save(picture)
    now = time.time()
    store = JobStore(tmp_path / "app" / "data" / "jobs.sqlite3")
    session = SessionStore(store).create("last year")
    old = []
    for i in range(3):
        job = JobRecord(
            "fal-ai/flux/schnell",
            {"prompt": f"old {i}"},
            state=JobState.COMPLETED,
            files=[str(picture)],
            session_id=session.id,
        )
        job.created_at, job.finished_at = now - 90_000 + i, now - 89_990 + i
        old.append(job)
    newer = []
    for i in range(HISTORY_ROWS + 5):
        job = JobRecord("fal-ai/flux/schnell", {"prompt": f"new {i}"}, state=JobState.COMPLETED)
        job.created_at, job.finished_at = now - 5_000 + i, now - 4_990 + i
        newer.append(job)
    store.save_many(old + newer)
    store.close()
    window = open_window()
    assert all(window.jobs_model.row_for(job.id) is None for job in old)  # not loaded at start
    window.session_ui.switch_to(session.id)
    gallery = window.session_ui.panel.gallery
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 3, timeout=5000)

    def tile_of(job):
        model = gallery.model()
        return next(
            model.index(r)
            for r in range(model.rowCount())
            if model.index(r).data(Qt.ItemDataRole.UserRole).job.id == job.id
        )

    def click_tile(job):
        qtbot.mouseClick(
            gallery.viewport(),
            Qt.MouseButton.LeftButton,
            pos=gallery.visualRect(tile_of(job)).center(),
        )

    # The gallery's tile of an old run, clicked: its job joins the table, selected.
    click_tile(old[1])
    assert window.jobs_panel.selected_row().job.id == old[1].id
    assert window.jobs_model.row_at(0).job.id == old[1].id  # the oldest row: in time order
    click_tile(old[0])
    assert window.jobs_panel.selected_row().job.id == old[0].id
    assert [window.jobs_model.row_at(i).job.id for i in (0, 1)] == [old[0].id, old[1].id]

    # A row picked in the table selects its tile in the gallery.
    table, model = window.jobs_panel.table, window.jobs_model
    table.scrollTo(model.index(1, 0))
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(model.index(1, 1)).center(),
    )
    assert window.jobs_panel.selected_row().job.id == old[1].id
    assert gallery.currentIndex() == tile_of(old[1])
    assert gallery.selectionModel().isSelected(tile_of(old[1]))
    _shot(window, "table_selects_gallery_tile.png")

    # A row of a job in no session of the gallery leaves no tile selected.
    window.jobs_panel.select_job(newer[-1].id)
    assert not gallery.selectionModel().selectedIndexes()
