"""Prompt-to-image sessions through the window, against the emulator: the gallery, reuse,
new seed, vary, compare models, prompt history, export, auto-save and deleting."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from fal_desktop.core.jobstore import JobState
from fal_desktop.core.saving import read_metadata
from fal_desktop.ui.dialogs import confirm
from fal_desktop.ui.sessions.run_dialogs import CompareModelsDialog
from tests.gui.conftest import rows as _rows
from tests.gui.conftest import run_prompt as _run

SCREENSHOTS = (
    Path(os.environ.get("FAL_DESKTOP_SCREENSHOTS", ""))
    if os.environ.get("FAL_DESKTOP_SCREENSHOTS")
    else None
)


def _gallery(window):
    return window.session_ui.panel.gallery_model.items()


def _close(window):
    window.close()
    window.manager.stop_and_wait()
    window.manager.store.close()


def _grab(window, name):
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SCREENSHOTS / name))


def test_a_session_of_several_runs_survives_closing_and_reopening(qtbot, open_window):
    window = open_window()
    window.session_ui.rename_session(window.session_ui.session_id, "Lighthouses")
    for prompt in ("a lighthouse at dawn", "a lighthouse in fog", "a lighthouse at night"):
        _run(qtbot, window, prompt)
    qtbot.waitUntil(lambda: len(_gallery(window)) == 3, timeout=5000)
    assert [i.job.inputs["prompt"] for i in _gallery(window)][
        0
    ] == "a lighthouse at night"  # newest first
    window.session_ui.new_session("Forests")
    _run(qtbot, window, "pine trees")
    assert [i.job.inputs["prompt"] for i in _gallery(window)] == ["pine trees"]
    _close(window)

    again = open_window()
    again.resize(
        1360, 860
    )  # its geometry was restored onto the 800 px offscreen screen: widen it again
    panel = again.session_ui.panel
    assert again.session_ui.session.name == "Forests"  # continues where it left off
    names = [panel.list.item(i).text().splitlines()[0] for i in range(panel.list.count())]
    assert names == ["Forests", "Lighthouses"]
    lighthouses = next(s for s in again.sessions.all() if s.name == "Lighthouses")
    again.session_ui.switch_to(lighthouses.id)
    items = _gallery(again)
    assert sorted(i.job.inputs["prompt"] for i in items) == [
        "a lighthouse at dawn",
        "a lighthouse at night",
        "a lighthouse in fog",
    ]
    assert all(i.job.request_id and i.job.finished_at and Path(i.path).is_file() for i in items)
    # Thumbnails are made off the GUI thread and cached on disk, small.
    for item in items:
        again.session_ui.thumbnails.get(item.path)
    qtbot.waitUntil(
        lambda: all(again.session_ui.thumbnails.get(i.path) is not None for i in items),
        timeout=10000,
    )
    cached = list((again.paths.cache / "thumbnails").rglob("*.png"))
    assert len(cached) >= 3
    with Image.open(cached[0]) as thumb:
        assert max(thumb.size) <= 120
    # Searching by prompt text finds the session; clicking a result shows it large.
    panel.search.setText("fog")
    assert [panel.list.item(i).text().splitlines()[0] for i in range(panel.list.count())] == [
        "Lighthouses"
    ]
    assert not panel.list_hint.isVisible()
    panel.search.setText("no such prompt")
    # No hits: said inside the (empty) list, at its top, just under the search box.
    assert panel.list.count() == 0 and "No session" in panel.list_hint.text()
    assert panel.list_hint.isVisible() and panel.list_hint.geometry().top() < 20
    assert (
        panel.list_hint.mapTo(panel, panel.list_hint.rect().topLeft()).y()
        < panel.search.geometry().bottom() + 30
    )
    panel.search.clear()
    assert not panel.list_hint.isVisible() and panel.list.count() > 0
    view = panel.gallery
    view.clicked.emit(panel.gallery_model.index(1))
    qtbot.waitUntil(lambda: not again.result_view.image.isNull(), timeout=10000)
    qtbot.wait(50)
    _grab(again, "gallery.png")
    assert again.result_view.path == items[1].path
    assert again.session_ui.current.id == items[1].job.id


def test_reuse_with_a_new_seed_changes_only_the_seed(qtbot, open_window):
    window = open_window()
    row = _run(qtbot, window, "a red fox in snow", image_size="square", num_inference_steps=2)
    job = window.manager.store.get(row.job.id)
    made_with = job.output["seed"]
    window.model_panel.select_model("fal-ai/flux/dev")  # the user moved on
    window.model_panel.form.fields["prompt"].set_value("something else")

    # Click the result in the gallery, then the buttons under the large view.
    gallery = window.session_ui.panel.gallery
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 1, timeout=5000)
    qtbot.mouseClick(
        gallery.viewport(),
        Qt.MouseButton.LeftButton,
        pos=gallery.visualRect(gallery.model().index(0)).center(),
    )
    assert window.session_ui.current.id == job.id
    window.session_ui.bar.button("reuse").click()
    assert window.model_panel.endpoint_id == "fal-ai/flux/schnell"
    same = window.model_panel.form.value()
    assert same == {**job.inputs, "seed": made_with}

    window.session_ui.bar.button("new_seed").click()
    fresh = window.model_panel.form.value()
    assert fresh.pop("seed") != made_with
    assert fresh == {k: v for k, v in job.inputs.items() if k != "seed"}
    assert "new seed" in window.notice.label.text()


def test_compare_models_runs_three_models_on_one_prompt_side_by_side(qtbot, open_window, emulator):
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("a glass teapot on a wooden table")
    models = ["fal-ai/fast-lightning-sdxl", "fal-ai/fast-sdxl", "fal-ai/flux/schnell"]  # as listed

    shown = {}

    def answer_the_dialog():  # noted, then answered: a failed check here would leave it open
        dialog = QApplication.activeModalWidget()
        shown["dialog"] = type(dialog).__name__
        if isinstance(dialog, CompareModelsDialog):
            shown["prompt"], shown["chosen"] = dialog.prompt_text(), dialog.chosen()
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        elif dialog is not None:
            dialog.close()

    QTimer.singleShot(200, answer_the_dialog)
    window.model_panel.compare_button.click()  # opens the dialog; returns once it is answered
    assert shown["dialog"] == "CompareModelsDialog"
    assert shown["prompt"] == "a glass teapot on a wooden table"
    assert shown["chosen"] == models  # the usual three are ticked the first time
    qtbot.waitUntil(
        lambda: window.manager.store.query("SELECT COUNT(*) FROM jobs")[0][0] == 3, timeout=5000
    )
    jobs = sorted(window.manager.store.all(), key=lambda j: models.index(j.endpoint_id))
    assert [j.endpoint_id for j in jobs] == models
    assert len({j.group_id for j in jobs}) == 1 and jobs[0].group_id
    assert all(j.inputs["prompt"] == "a glass teapot on a wooden table" for j in jobs)
    row = window.session_ui.row
    assert window.results.currentWidget() is row
    qtbot.waitUntil(
        lambda: all(window.manager.store.get(j.id).state is JobState.COMPLETED for j in jobs),
        timeout=30000,
    )
    assert all(emulator.submissions[m] == 1 for m in models)
    qtbot.waitUntil(
        lambda: all(not c.image.image.isNull() for c in row.cells.values()), timeout=10000
    )
    qtbot.waitUntil(
        lambda: all(window.session_ui.thumbnails.get(i.path) for i in _gallery(window)),
        timeout=10000,
    )
    headings = [row.cells[j.id].heading.text() for j in jobs]
    assert headings == ["fast-lightning-sdxl", "fast-sdxl", "flux/schnell"]
    assert all("seed" in row.cells[j.id].caption.text() for j in jobs)
    # The three cells sit side by side in one row.
    tops = {row.cells[j.id].geometry().top() for j in jobs}
    lefts = [row.cells[j.id].geometry().left() for j in jobs]
    assert len(tops) == 1 and lefts == sorted(lefts)
    assert len(_gallery(window)) == 3
    _grab(window, "compare-models.png")
    # Clicking a cell picks that result for the action bar.
    qtbot.mouseClick(row.cells[jobs[1].id], Qt.MouseButton.LeftButton)
    assert window.session_ui.current.id == jobs[1].id
    assert window.session_ui.bar.buttons["reuse"].isEnabled()


def test_vary_one_parameter_keeps_everything_else(qtbot, open_window):
    window = open_window()
    row = _run(qtbot, window, "a paper boat", image_size="square")
    job = window.manager.store.get(row.job.id)
    from fal_desktop.ui.sessions.run_dialogs import VaryDialog, parse_values

    schema = window.catalog.cached(job.endpoint_id)
    dialog = VaryDialog(schema, {**job.inputs, "seed": job.output["seed"]})
    dialog.parameter.setCurrentIndex(dialog.parameter.findData("num_inference_steps"))
    dialog.values.setPlainText("1, 2, 3")
    runs = dialog.runs()
    dialog.values.setPlainText("1, 99")
    assert "99" in dialog.problem.text() and not dialog.buttons.buttons()[0].isEnabled()
    with_values = window.session_ui.vary(job, runs)
    assert [j.inputs["num_inference_steps"] for j in with_values] == [1, 2, 3]
    for varied in with_values:
        others = {k: v for k, v in varied.inputs.items() if k != "num_inference_steps"}
        assert others == {
            **{k: v for k, v in job.inputs.items() if k != "num_inference_steps"},
            "seed": job.output["seed"],
        }
    qtbot.waitUntil(
        lambda: all(window.manager.store.get(j.id).state.finished for j in with_values),
        timeout=30000,
    )
    headings = [window.session_ui.row.cells[j.id].heading.text() for j in with_values]
    assert headings == [f"num_inference_steps = {n}" for n in (1, 2, 3)]
    assert parse_values(dialog.spec(), "2,  4") == [2, 4]


def test_prompt_history_completes_earlier_prompts(qtbot, open_window):
    window = open_window()
    _run(qtbot, window, "a lighthouse at dawn, oil painting")
    window.model_panel.select_model("fal-ai/flux/dev")
    form = window.model_panel.form
    editor = form.fields["prompt"].editor
    form.fields["prompt"].set_value("")
    window.activateWindow()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=3000)
    qtbot.keyClicks(editor, "lighth")
    completer = form.prompt_completer.completer
    qtbot.waitUntil(lambda: completer.popup().isVisible(), timeout=3000)
    assert completer.currentCompletion() == "a lighthouse at dawn, oil painting"
    form.prompt_completer.insert(completer.currentCompletion())
    assert form.value()["prompt"] == "a lighthouse at dawn, oil painting"


def test_upscale_a_result_hands_it_to_the_upscale_flow(qtbot, open_window):
    window = open_window()
    row = _run(qtbot, window, "a small house")
    job = window.manager.store.get(row.job.id)
    window.session_ui.act("upscale", job)
    qtbot.waitUntil(lambda: len(_rows(window)) == 2, timeout=5000)
    upscale = _rows(window)[-1]
    assert (
        upscale.job.endpoint_id == "fal-ai/aura-sr"
        and upscale.job.inputs["image_url"] == job.files[0]
    )
    assert upscale.job.session_id == job.session_id
    qtbot.waitUntil(lambda: upscale.state is JobState.COMPLETED, timeout=20000)


def test_export_a_session(qtbot, open_window, tmp_path):
    window = open_window()
    window.session_ui.rename_session(window.session_ui.session_id, "Boats")
    for prompt in ("a red boat", "a blue boat"):
        _run(qtbot, window, prompt)
    with qtbot.waitSignal(window.session_ui.exported, timeout=20000) as signal:
        window.session_ui.export(window.session_ui.session_id, tmp_path / "exports")
    assert (
        "Exported 2 images" in signal.args[0] and "Exported 2 images" in window.notice.label.text()
    )
    folder = tmp_path / "exports" / "Boats"
    document = json.loads((folder / "session.json").read_text())
    assert [r["input"]["prompt"] for r in document["runs"]] == ["a red boat", "a blue boat"]
    pngs = sorted(folder.glob("*.png"))
    assert (
        len(pngs) == 2 and read_metadata(pngs[0])["request_id"] == document["runs"][0]["request_id"]
    )


def test_auto_save_embeds_parameters_and_dropping_the_file_restores_the_form(
    qtbot, open_window, tmp_path
):
    window = open_window()
    window.session_ui.rename_session(window.session_ui.session_id, "Autos")
    folder = tmp_path / "auto"
    window.autosaver.set_enabled(True, folder=folder)
    assert window.autosave_action.isChecked()
    with qtbot.waitSignal(window.saver.wrote, timeout=30000) as signal:
        row = _run(qtbot, window, "a yellow tram", image_size="square", num_inference_steps=3)
    job = window.manager.store.get(row.job.id)
    [saved] = [Path(p) for p in signal.args[0]]
    seed = job.output["seed"]
    assert (
        saved.relative_to(folder).parts[1] == f"Autos_{seed}_0.png"
    )  # {date}/{session}_{seed}_{index}
    with Image.open(saved) as image:  # read back with Pillow, as another tool would
        assert (
            "a yellow tram" in image.info["parameters"]
            and f"Seed: {seed}" in image.info["parameters"]
        )
        meta = json.loads(image.info["fal"])
    assert meta["endpoint_id"] == "fal-ai/flux/schnell" and meta["request_id"] == job.request_id
    assert meta["input"]["num_inference_steps"] == 3

    # A JPEG copy of it carries the same metadata in EXIF; dropping either restores the form.
    from fal_desktop.core.saving import save_with_metadata

    jpeg = save_with_metadata(saved, tmp_path / "copy.jpg", meta)
    with Image.open(jpeg) as image:
        assert json.loads(image.getexif()[0x9286])["seed"] == seed
    for dropped in (saved, jpeg):
        window.model_panel.select_model("fal-ai/esrgan")
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(dropped))])
        event = QDropEvent(
            QPoint(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        window.dropEvent(event)
        assert window.model_panel.endpoint_id == "fal-ai/flux/schnell"
        assert window.model_panel.form.value() == meta["input"]
    assert len(_rows(window)) == 1  # nothing was sent for upscaling


def test_auto_save_to_an_unwritable_folder_keeps_the_output_and_says_so(
    qtbot, open_window, tmp_path
):
    window = open_window()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")  # fails for root too, unlike chmod
    window.autosaver.set_enabled(True, folder=blocker / "inside")
    with qtbot.waitSignal(window.saver.wrote, timeout=30000) as signal:
        row = _run(qtbot, window, "a kite")
    assert signal.args[0] == []
    assert "Auto-save" in window.notice.label.text() and "data folder" in window.notice.label.text()
    assert all(Path(f).is_file() for f in row.files)
    assert _gallery(window)[0].path == row.files[0]


def test_delete_a_result_and_a_session(qtbot, open_window, monkeypatch):
    window = open_window()
    keep = _run(qtbot, window, "keep me")
    gone = _run(qtbot, window, "delete me")
    qtbot.waitUntil(lambda: len(_gallery(window)) == 2, timeout=5000)
    monkeypatch.setattr(confirm, "confirm_delete", lambda *a, **k: False)
    window.session_ui.act("delete", window.manager.store.get(gone.job.id))
    assert len(_gallery(window)) == 2  # said no: nothing happened
    monkeypatch.setattr(confirm, "confirm_delete", lambda *a, **k: True)
    gallery = window.session_ui.panel.gallery
    gallery.select(gone.job.id)
    qtbot.keyClick(gallery, Qt.Key.Key_Delete)  # the Delete key on the selected tile
    assert [i.job.id for i in _gallery(window)] == [keep.job.id]
    qtbot.waitUntil(
        lambda: not any(Path(f).exists() for f in gone.files), timeout=5000
    )  # off the GUI thread
    assert window.jobs_model.row_for(gone.job.id) is None
    first = window.session_ui.session_id
    window.session_ui.delete_session(first)
    assert window.sessions.get(first) is None and window.session_ui.session_id != first
    assert _gallery(window) == []
    qtbot.waitUntil(lambda: not any(Path(f).exists() for f in keep.files), timeout=5000)
    QApplication.processEvents()


def test_deleting_a_result_that_was_upscaled_keeps_the_upscale_before_image(
    qtbot, open_window, monkeypatch
):
    window = open_window()
    made = _run(qtbot, window, "a lighthouse")
    source = made.files[0]
    [upscale_id] = window.upscale([source])  # the result, upscaled: its before image is that file
    qtbot.waitUntil(
        lambda: window.manager.store.get(upscale_id).state is JobState.COMPLETED, timeout=20000
    )
    monkeypatch.setattr(confirm, "confirm_delete", lambda *a, **k: True)
    window.session_ui.act("delete", window.manager.store.get(made.job.id))
    window.close()  # waits for the removal under way
    assert window.manager.store.get(made.job.id) is None  # the result is gone from the session
    assert Path(source).is_file()  # but not the upscale's before image
    assert all(Path(f).is_file() for f in window.manager.store.get(upscale_id).files)


def test_a_prompt_too_long_for_a_file_name_still_shows_its_result(qtbot, open_window):
    window = open_window()
    prompt = "a very detailed lighthouse, " * 20  # 560 characters: not a possible file name
    row = _run(qtbot, window, prompt.strip())
    qtbot.waitUntil(lambda: not window.result_view.image.isNull(), timeout=10000)
    assert window.result_view.path == row.files[0]
    assert _gallery(window)[0].job.id == row.job.id


def test_a_session_with_a_run_going_is_not_deleted(qtbot, open_window, emulator, monkeypatch):
    emulator.job_duration = 3.0
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("slow one")
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: bool(_rows(window)), timeout=5000)
    monkeypatch.setattr(confirm, "confirm_delete", lambda *a, **k: True)
    session = window.session_ui.session_id
    window.session_ui.delete_session(session)
    assert window.sessions.get(session) is not None
    assert "still going" in window.notice.label.text()
    row = _rows(window)[0]
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    qtbot.waitUntil(lambda: len(_gallery(window)) == 1, timeout=5000)  # it landed in its session


def test_after_a_side_by_side_row_a_new_run_shows_its_own_result(qtbot, open_window):
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("two models")
    jobs = window.session_ui.compare_models(["fal-ai/flux/schnell", "fal-ai/fast-sdxl"])
    assert window.results.currentWidget() is window.session_ui.row
    assert not window.session_ui.bar.buttons["compare"].isVisible()  # the row is already there
    qtbot.waitUntil(
        lambda: all(window.manager.store.get(j.id).state.finished for j in jobs), timeout=30000
    )
    row = _run(qtbot, window, "a plain run afterwards")
    qtbot.waitUntil(lambda: window.result_view.path == row.files[0], timeout=10000)
    assert window.results.currentWidget() is window.result_view


def test_counts_of_other_sessions_follow_their_runs(qtbot, open_window, emulator):
    emulator.job_duration = 1.0
    window = open_window()
    first = window.session_ui.session_id
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("finishes later")
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: bool(_rows(window)), timeout=5000)
    window.session_ui.new_session("Other")  # switch away while it runs
    panel = window.session_ui.panel

    def listed():
        return {
            panel.list.item(i).text().splitlines()[0]: panel.list.item(i).text().splitlines()[1]
            for i in range(panel.list.count())
        }

    qtbot.waitUntil(
        lambda: listed().get(window.sessions.get(first).name, "").startswith("1 result"),
        timeout=20000,
    )


def test_deleting_a_result_removes_its_cached_thumbnail(qtbot, open_window, monkeypatch):
    from fal_desktop.ui.sessions.thumbnails import cache_file

    window = open_window()
    row = _run(qtbot, window, "short lived")
    thumbs = window.session_ui.thumbnails
    qtbot.waitUntil(lambda: bool(_gallery(window)), timeout=5000)
    thumbs.get(row.files[0])
    qtbot.waitUntil(lambda: thumbs.get(row.files[0]) is not None, timeout=10000)
    cached = cache_file(thumbs.folder, row.files[0], thumbs.side)
    assert cached.is_file()
    monkeypatch.setattr(confirm, "confirm_delete", lambda *a, **k: True)
    window.session_ui.act("delete", window.manager.store.get(row.job.id))
    assert not cached.exists()
    qtbot.waitUntil(
        lambda: not Path(row.files[0]).exists(), timeout=5000
    )  # removed off the GUI thread


def test_vary_the_prompt_one_per_line(qtbot, open_window):
    from fal_desktop.ui.sessions.run_dialogs import VaryDialog

    window = open_window()
    row = _run(qtbot, window, "a cat")
    job = window.manager.store.get(row.job.id)
    dialog = VaryDialog(window.catalog.cached(job.endpoint_id), job.inputs)
    qtbot.addWidget(dialog)
    dialog.parameter.setCurrentIndex(dialog.parameter.findData("prompt"))
    assert "one per line" in dialog.problem.text()
    dialog.values.setPlainText("a cat, sitting\na dog, running")
    runs = dialog.runs()
    assert [r["prompt"] for r in runs] == ["a cat, sitting", "a dog, running"]
    jobs = window.session_ui.vary(job, runs)
    qtbot.waitUntil(
        lambda: all(window.manager.store.get(j.id).state.finished for j in jobs), timeout=30000
    )
    assert [window.session_ui.row.cells[j.id].heading.text() for j in jobs] == [
        "prompt = a cat, sitting",
        "prompt = a dog, running",
    ]


def test_a_retried_run_takes_its_place_in_the_row(qtbot, open_window, emulator):
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("retry me")
    first, second = window.session_ui.compare_models(["fal-ai/flux/schnell", "fal-ai/fast-sdxl"])
    qtbot.waitUntil(
        lambda: all(window.manager.store.get(j.id).state.finished for j in (first, second)),
        timeout=30000,
    )
    again = window.manager.run_again(first.id)  # as the jobs panel's Run again does
    qtbot.waitUntil(lambda: window.manager.store.get(again.id).state.finished, timeout=20000)
    window.session_ui.show_group(first.group_id)
    assert list(window.session_ui.row.cells) == [again.id, second.id]


def test_a_big_session_shows_its_newest_runs_first_and_the_older_ones_follow(
    qtbot, open_window, tmp_path, monkeypatch
):
    """A session of thousands opens on its newest page; the rest is read off the GUI thread
    and joins the end of the gallery: every run once, newest first (here 7 runs, pages of 3;
    two runs made at the same second straddle the page's edge)."""
    import time

    from fal_desktop.core.jobstore import JobRecord, JobStore
    from fal_desktop.core.sessions import SessionStore
    from fal_desktop.ui.sessions import panel as session_panel

    monkeypatch.setattr(session_panel, "FIRST_PAGE", 3)
    picture = tmp_path / "p.png"
    Image.new("RGB", (24, 24), (10, 120, 30)).save(picture)
    store = JobStore(tmp_path / "app" / "data" / "jobs.sqlite3")
    session = SessionStore(store).create("big")
    now = time.time()
    jobs = []
    for n, made in enumerate([1, 2, 3, 4, 4, 5, 6]):
        job = JobRecord(
            "fal-ai/flux/schnell",
            {"prompt": f"run {n}"},
            state=JobState.COMPLETED,
            files=[str(picture)],
            session_id=session.id,
        )
        job.created_at = job.finished_at = now - 100 + made
        jobs.append(job)
    store.save_many(jobs)
    store.close()
    window = open_window()
    window.session_ui.switch_to(session.id)
    model = window.session_ui.panel.gallery_model
    assert model.rowCount() >= 3  # the newest page at once
    qtbot.waitUntil(lambda: model.rowCount() == 7, timeout=5000)
    shown = [item.job.id for item in model.items()]
    assert sorted(shown) == sorted(job.id for job in jobs)  # each once
    made = [item.job.created_at for item in model.items()]
    assert made == sorted(made, reverse=True)  # newest first
    assert "7 results" in window.session_ui.panel.gallery_title.text()


def test_a_gallery_tile_answers_its_roles_asked_by_int_or_by_enum(qtbot, open_window):
    """The gallery answers the roles it has (the view asks by int, Python code by Qt enum
    member) and nothing for the others, which the view asks for each tile at each paint."""
    from fal_desktop.ui.sessions.gallery import GalleryItem

    window = open_window()
    _run(qtbot, window, "a red fox")
    model = window.session_ui.panel.gallery_model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10000)
    index = model.index(0)
    item = model.data(index, Qt.ItemDataRole.UserRole)
    assert isinstance(item, GalleryItem) and model.data(index, 256) is item
    assert index.data(Qt.ItemDataRole.UserRole) is item  # through Qt: an int
    shown = model.data(index, Qt.ItemDataRole.DisplayRole)
    assert isinstance(shown, str) and shown and model.data(index, 0) == shown
    assert "a red fox" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert not model.data(index, Qt.ItemDataRole.DecorationRole).isNull()
    for role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.FontRole.value, 13):
        assert model.data(index, role) is None
