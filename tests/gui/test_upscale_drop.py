"""Dropping and pasting images on the window makes upscale jobs; bad files get their message."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage

from fal_desktop.core.jobstore import JobState
from tests.gui.conftest import rows as _rows


def _drop(window, mime):
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def _urls(*paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def test_drop_one_file_switches_to_an_upscaler(qtbot, open_window, tmp_path):
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")  # not an upscaler
    picture = tmp_path / "holiday.png"
    Image.new("RGB", (64, 48), (30, 140, 220)).save(picture)
    _drop(window, _urls(picture))
    assert window.model_panel.endpoint_id == "fal-ai/aura-sr"
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 1 and _rows(window)[0].state is JobState.COMPLETED,
        timeout=20000,
    )
    row = _rows(window)[0]
    with Image.open(row.files[0]) as out:
        assert out.size == (256, 192)  # aura-sr is ×4
    assert row.job.label == "holiday.png"


def test_drop_a_folder_of_good_and_bad_files(qtbot, open_window, tmp_path, emulator):
    emulator.job_duration = 0.1
    folder = tmp_path / "batch"
    (folder / "nested").mkdir(parents=True)
    Image.new("RGB", (20, 20), "red").save(folder / "good1.png")
    Image.new("CMYK", (20, 20)).save(folder / "nested" / "good2.jpg")
    (folder / "empty.png").write_bytes(b"")
    (folder / "fake.jpg").write_bytes(b"not an image at all")
    (folder / "readme.txt").write_text("ignored: not an image file")
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    _drop(window, _urls(folder))
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 4 and all(r.state.finished for r in _rows(window)),
        timeout=30000,
    )
    states = {r.job.label: (r.state, r.error) for r in _rows(window)}
    assert (
        states["good1.png"][0] is JobState.COMPLETED
        and states["good2.jpg"][0] is JobState.COMPLETED
    )
    assert states["empty.png"] == (JobState.FAILED, "empty.png is empty (0 bytes).")
    assert "not an image" in states["fake.jpg"][1]
    bar = window.jobs_panel.batch_bar
    assert bar.total == 4 and sum(bar.ends.values()) == 4
    text = re.sub(r"<[^>]+>", "", window.jobs_panel.batch_label.text())
    assert text.startswith("2 done · 2 failed")  # then what the batch cost


def test_paste_an_image_from_the_clipboard(qtbot, open_window):
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    image = QImage(32, 16, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.magenta)
    QGuiApplication.clipboard().setImage(image)
    window.jobs_panel.table.setFocus()  # not a text field
    qtbot.keyClick(window.jobs_panel.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 1 and _rows(window)[0].state is JobState.COMPLETED,
        timeout=20000,
    )
    with Image.open(_rows(window)[0].files[0]) as out:
        assert out.size == (64, 32)


def test_a_pasted_image_is_kept_so_reuse_brings_it_back_after_the_temp_folder_is_cleared(
    qtbot, open_window, tmp_path, monkeypatch
):
    import shutil
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # this test's temp folder
    (tmp_path / "tmp").mkdir()
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    field = window.model_panel.form.fields["image_url"]
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(image)
    field.edit.setFocus()
    qtbot.keyClick(field.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = Path(field.value())
    assert pasted.parent == window.paths.data / "pasted"  # kept with the app's data
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(_rows(window)) == 1, timeout=5000)
    row = _rows(window)[0]
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)

    shutil.rmtree(tmp_path / "tmp")  # a reboot clears the temp folder (and caches may go)
    shutil.rmtree(window.paths.cache, ignore_errors=True)
    field.set_value("")  # the user moved on
    window.model_panel.select_model("fal-ai/flux/schnell")
    assert window.session_ui.reuse(window.manager.store.get(row.job.id))
    again = window.model_panel.form.fields["image_url"].value()
    assert again == str(pasted)
    with Image.open(again) as back:  # the image is back, not a path to nothing
        assert back.size == (40, 20)

    second = QImage(12, 6, QImage.Format.Format_RGB32)  # pasted on the window: kept too
    second.fill(Qt.GlobalColor.magenta)
    QGuiApplication.clipboard().setImage(second)
    window.jobs_panel.table.setFocus()
    qtbot.keyClick(window.jobs_panel.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_rows(window)) == 2, timeout=5000)
    sent = _rows(window)[1].job.inputs["image_url"]
    assert Path(sent).parent == window.paths.data / "pasted" and sent != str(pasted)


def test_pause_and_cancel_the_rest_of_a_batch(qtbot, open_window, tmp_path, emulator):
    emulator.job_duration = 0.3
    paths = []
    for i in range(6):
        paths.append(tmp_path / f"p{i}.png")
        Image.new("RGB", (8, 8)).save(paths[-1])
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    window.jobs_panel.pause_button.setChecked(True)  # nothing unsent may start
    window.upscale([str(p) for p in paths])
    qtbot.wait(500)
    assert emulator.submissions["fal-ai/esrgan"] == 0
    window.jobs_panel.cancel_rest_button.click()
    qtbot.waitUntil(
        lambda: all(r.state is JobState.CANCELLED for r in _rows(window)), timeout=10000
    )
    assert emulator.submissions["fal-ai/esrgan"] == 0


def test_save_all_asks_first_skips_what_was_saved_and_embeds_parameters(
    qtbot, open_window, tmp_path, monkeypatch
):
    from fal_desktop.core.saving import read_metadata
    from fal_desktop.ui.dialogs import confirm

    sources = []
    for name in ("beach", "forest"):
        sources.append(tmp_path / f"{name}.png")
        Image.new("RGB", (30, 20), "white").save(sources[-1])
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    window.upscale([str(p) for p in sources])
    qtbot.waitUntil(
        lambda: (
            len(_rows(window)) == 2 and all(r.state is JobState.COMPLETED for r in _rows(window))
        ),
        timeout=20000,
    )
    out = tmp_path / "saved"
    out.mkdir()
    window.settings.setValue("save/folder", str(out))  # picked once, remembered
    asked = []
    monkeypatch.setattr(confirm, "ask_save_all", lambda parent, text: asked.append(text) or "save")
    with qtbot.waitSignal(window.saver.finished, timeout=20000):
        window.saving.save_all()
    assert asked == [f"Save 2 files to {out}?"]
    names = sorted(p.name for p in out.iterdir())
    assert names == ["beach_esrgan_x2.png", "forest_esrgan_x2.png"]
    meta = read_metadata(out / "beach_esrgan_x2.png")
    assert meta["endpoint_id"] == "fal-ai/esrgan" and meta["request_id"]
    assert meta["input"]["image_url"].startswith("http://127.0.0.1")
    assert "Saved 2 files" in window.notice.label.text()

    window.saving.save_all()  # nothing new: said calmly, nothing asked, nothing written
    assert len(asked) == 1 and "nothing new to save" in window.notice.label.text()
    assert sorted(p.name for p in out.iterdir()) == names

    (out / "forest_esrgan_x2.png").unlink()  # a copy the user removed is saved again
    with qtbot.waitSignal(window.saver.finished, timeout=20000):
        window.saving.save_all()
    assert asked[-1] == f"Save 1 file to {out}?\n1 saved before is skipped."
    assert sorted(p.name for p in out.iterdir()) == names

    monkeypatch.setattr(confirm, "ask_save_all", lambda parent, text: "cancel")
    (out / "beach_esrgan_x2.png").unlink()
    window.saving.save_all()
    window.saver.wait_idle()
    assert sorted(p.name for p in out.iterdir()) == ["forest_esrgan_x2.png"]  # Cancel wrote nothing


def test_unwritable_folder_keeps_the_result_and_says_so(qtbot, open_window, tmp_path):
    picture = tmp_path / "one.png"
    Image.new("RGB", (10, 10)).save(picture)
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    window.upscale([str(picture)])
    qtbot.waitUntil(
        lambda: bool(_rows(window)) and _rows(window)[0].state is JobState.COMPLETED, timeout=20000
    )
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with qtbot.waitSignal(window.saver.finished, timeout=20000) as signal:
        window.saver.save([window.saving.with_output(_rows(window)[0])], blocker / "inside")
    assert "still in the app's data folder" in signal.args[0]
    assert all(Path(f).is_file() for f in _rows(window)[0].files)


def test_copy_the_result_to_the_clipboard(qtbot, open_window, tmp_path):
    picture = tmp_path / "copy.png"
    Image.new("RGB", (12, 9)).save(picture)
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    window.upscale([str(picture)])
    qtbot.waitUntil(
        lambda: bool(_rows(window)) and _rows(window)[0].state is JobState.COMPLETED, timeout=20000
    )
    assert window.saver.copy(_rows(window)[0])
    assert QGuiApplication.clipboard().image().size().width() == 24


def test_drop_an_image_url(qtbot, open_window, emulator, tmp_path):
    path, url = emulator.service.storage.new_file("web.png")  # an image already on the web
    Image.new("RGB", (16, 16), "green").save(path)
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    mime = QMimeData()
    mime.setUrls([QUrl(url)])
    _drop(window, mime)
    qtbot.waitUntil(
        lambda: bool(_rows(window)) and _rows(window)[0].state is JobState.COMPLETED, timeout=20000
    )
    assert _rows(window)[0].job.inputs["image_url"] == url
    with Image.open(_rows(window)[0].files[0]) as out:
        assert out.size == (32, 32)


def test_dropping_a_saved_output_restores_its_model_and_parameters(qtbot, open_window, tmp_path):
    from fal_desktop.core.saving import save_with_metadata

    source = tmp_path / "out.png"
    Image.new("RGB", (20, 20)).save(source)
    params = {
        "endpoint_id": "fal-ai/flux/dev",
        "request_id": "r-9",
        "seed": 1234,
        "input": {
            "prompt": "an old lighthouse",
            "seed": 1234,
            "num_inference_steps": 40,
            "image_size": "portrait_4_3",
        },
    }
    for suffix in (".png", ".jpg"):
        saved = save_with_metadata(source, tmp_path / f"saved{suffix}", params)
        window = open_window()
        window.model_panel.select_model("fal-ai/esrgan")
        _drop(window, _urls(saved))
        assert window.model_panel.endpoint_id == "fal-ai/flux/dev"
        assert window.model_panel.form.value() == params["input"]
        assert "restored" in window.notice.label.text()
        assert window.jobs_model.rowCount() == 0  # not sent for upscaling
