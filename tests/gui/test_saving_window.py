"""Saving through the window: Save as… with a file name, one naming template for every kind of
result (Vary runs carry their varied value), and an auto-save folder that turns auto-save on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog

from fal_desktop.core.jobstore import JobState
from fal_desktop.core.saving import read_metadata
from tests.gui.conftest import rows, run_prompt


def test_save_as_writes_the_image_on_screen_under_the_chosen_name(
    qtbot, open_window, tmp_path, monkeypatch
):
    window = open_window()
    row = run_prompt(qtbot, window, "two red foxes", image_size="square", num_images=2)
    job = window.manager.store.get(row.job.id)
    assert len(job.files) == 2
    second = next(
        i
        for i in window.session_ui.panel.gallery_model.items()
        if i.job.id == job.id and i.index == 1
    )
    window.session_ui.show_item(second)  # the second image of the run is on screen
    offered = []
    target = tmp_path / "picked" / "my fox"  # no suffix typed: the result's is added
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda parent, title, suggested, filters: (offered.append(suggested) or str(target), ""),
    )
    with qtbot.waitSignal(window.saver.finished, timeout=20000) as signal:
        window.saving.save_selected()  # Ctrl+S
    seed = job.output["seed"]
    assert Path(offered[0]).name == f"two-red-foxes_schnell_{seed}_2.png"  # the template, filled in
    saved = target.with_suffix(".png")
    assert signal.args == [f"Saved my fox.png to {target.parent}.", True]
    assert saved.read_bytes() != b"" and read_metadata(saved)["request_id"] == job.request_id
    assert window.settings.value("save/folder") == str(target.parent)  # offered first next time

    with qtbot.waitSignal(window.saver.finished, timeout=20000):  # the user agreed to replace it
        window.save_as(window.saving.result_row(), 0)
    assert sorted(p.name for p in target.parent.iterdir()) == ["my fox.png"]


def test_vary_results_are_named_by_their_varied_value(qtbot, open_window, tmp_path, monkeypatch):
    from fal_desktop.ui.dialogs import confirm

    window = open_window()
    row = run_prompt(qtbot, window, "a paper boat", image_size="square")
    job = window.manager.store.get(row.job.id)
    runs = [{**job.inputs, "seed": job.output["seed"], "num_inference_steps": n} for n in (2, 3)]
    assert len(window.session_ui.vary(job, runs)) == 2
    qtbot.waitUntil(
        lambda: (
            len(rows(window)) == 3
            and all(r.state is JobState.COMPLETED and r.files for r in rows(window))
        ),
        timeout=30000,
    )
    out = tmp_path / "out"
    out.mkdir()
    window.settings.setValue("save/folder", str(out))
    monkeypatch.setattr(confirm, "ask_save_all", lambda parent, text: "save")
    with qtbot.waitSignal(window.saver.finished, timeout=20000):
        window.saving.save_all()
    seed = job.output["seed"]
    assert sorted(p.name for p in out.iterdir()) == [
        f"a-paper-boat_schnell_{seed}.png",
        f"a-paper-boat_schnell_num_inference_steps-2_{seed}.png",
        f"a-paper-boat_schnell_num_inference_steps-3_{seed}.png",
    ]


def test_choosing_an_auto_save_folder_turns_auto_save_on(qtbot, open_window, tmp_path, monkeypatch):
    window = open_window()
    assert not window.autosave_action.isChecked()
    folder = tmp_path / "auto"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kw: ("", False))  # naming kept
    window.autosaver.configure(window)
    assert window.autosaver.enabled and window.autosave_action.isChecked()
    assert window.autosaver.folder == folder
    with qtbot.waitSignal(window.saver.wrote, timeout=30000) as signal:
        run_prompt(qtbot, window, "a green kite", image_size="square")
    assert Path(signal.args[0][0]).is_relative_to(folder)
