"""What the middle of the window shows: an upscale's before/after when done, the tile's own
image of a run of several, what a job without a picture is doing; a run held back by a missing
key; a narrow window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog
from tests.gui.conftest import KEY, rows
from tests.gui.conftest import run_prompt as _run


def test_an_upscale_after_a_run_shows_its_before_and_after_when_done(qtbot, open_window):
    window = open_window()
    made = _run(qtbot, window, "a lighthouse")
    qtbot.waitUntil(lambda: window.result_view.path == made.files[0], timeout=5000)
    [upscale_id] = window.upscale([made.files[0]])
    qtbot.waitUntil(lambda: window.results.currentWidget() is window.compare, timeout=20000)
    assert window.jobs_panel.selected_row().job.id == upscale_id


def test_each_tile_of_a_run_of_several_shows_its_own_image(qtbot, open_window):
    window = open_window()
    row = _run(qtbot, window, "two doors", num_images=2)
    assert len(row.files) == 2
    panel = window.session_ui.panel
    qtbot.waitUntil(lambda: panel.gallery_model.rowCount() == 2, timeout=5000)
    gallery = panel.gallery
    for tile in (1, 0):
        item = panel.gallery_model.items()[tile]
        qtbot.mouseClick(
            gallery.viewport(),
            Qt.MouseButton.LeftButton,
            pos=gallery.visualRect(panel.gallery_model.index(tile)).center(),
        )
        qtbot.waitUntil(lambda item=item: window.result_view.path == item.path, timeout=5000)


def test_a_job_without_a_picture_says_what_it_is_doing(qtbot, open_window, emulator):
    emulator.job_duration = 2.0
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("slow")
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: window.result_view.text().startswith("Running…"), timeout=10000)
    assert "%" in window.result_view.text() or "appears here" in window.result_view.text()
    window.jobs_panel.cancel_button.click()
    qtbot.waitUntil(lambda: window.result_view.text() == "This run was cancelled.", timeout=10000)


def test_a_run_held_back_by_a_missing_key_goes_out_once_it_is_set(qtbot, open_window):
    window = open_window(key=None)
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("after the key")
    window.model_panel.run_button.click()
    dialog = window.findChild(ApiKeyDialog)
    assert dialog.isVisible() and window.jobs_model.rowCount() == 0
    dialog.key_edit.setText(KEY)
    dialog.session_button.click()  # no keyring needed for this one
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 1, timeout=5000)
    row = rows(window)[0]
    assert row.job.inputs["prompt"] == "after the key"
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)


def test_a_narrow_window_folds_the_sessions_away_and_a_wide_one_brings_them_back(
    qtbot, open_window
):
    window = open_window()
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() <= 800, timeout=3000)
    assert not window.session_ui.panel.isVisible()  # the Session menu still has New, Rename…
    panel = window.model_panel
    assert (
        panel.width() >= 440 and not panel.form_scroll.horizontalScrollBar().isVisible()
    )  # the form fits
    window.resize(1360, 860)
    qtbot.waitUntil(
        lambda: window.session_ui.panel.isVisible() and window.main.sizes()[1] >= 200, timeout=3000
    )


def test_the_tiles_of_a_run_of_several_are_captioned_apart(qtbot, open_window):
    window = open_window()
    _run(qtbot, window, "two doors", num_images=2)
    model = window.session_ui.panel.gallery_model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    captions = sorted(model.data(model.index(i)) for i in range(2))
    assert captions == ["1/2 · two doors", "2/2 · two doors"]


def test_a_gallery_image_clicked_stays_while_the_selected_job_runs_on(qtbot, open_window, emulator):
    window = open_window()
    done = _run(qtbot, window, "first")
    emulator.job_duration = 4.0
    window.model_panel.form.fields["prompt"].set_value("second")
    window.model_panel.run_button.click()  # selected; its progress shows in the middle
    qtbot.waitUntil(
        lambda: window.result_view.text().startswith(("Running", "Sending", "Waiting", "Not sent")),
        timeout=5000,
    )
    panel = window.session_ui.panel
    tile = next(n for n, i in enumerate(panel.gallery_model.items()) if i.job.id == done.job.id)
    qtbot.mouseClick(
        panel.gallery.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.gallery.visualRect(panel.gallery_model.index(tile)).center(),
    )
    qtbot.waitUntil(lambda: window.result_view.path == done.files[0], timeout=5000)
    qtbot.wait(1200)  # several updates of the running job arrive meanwhile
    assert window.result_view.path == done.files[0]
