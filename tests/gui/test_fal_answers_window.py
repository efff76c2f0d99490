"""fal's real answers as the user meets them in the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.core.saving import (
    a1111_parameters,
    job_parameters,
    read_metadata,
    save_with_metadata,
)
from fal_desktop.ui.sessions.rerun import as_made
from tests.gui.conftest import rows, run_prompt

REASON = "The prompt was refused by the model: it names something it will not draw."


def test_a_models_own_refusal_shows_its_reason_on_the_row_in_the_log_and_on_the_form(
    qtbot, open_window, emulator
):
    emulator.refuse("dragon", REASON)  # a 422 whose detail is this plain string
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    form = window.model_panel.form
    form.fields["prompt"].set_value("a red dragon over the sea")
    window.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: bool(rows(window)) and rows(window)[-1].state is JobState.FAILED, timeout=20000
    )
    row = rows(window)[-1]
    assert row.error == f"fal rejected the input: {REASON}"
    state = window.jobs_model.index(window.jobs_model.rowCount() - 1, 2)
    shown = [
        window.jobs_model.data(window.jobs_model.index(window.jobs_model.rowCount() - 1, c))
        for c in range(window.jobs_model.columnCount())
    ]
    assert f"Failed: fal rejected the input: {REASON}" in shown
    assert REASON in window.jobs_model.data(state, Qt.ItemDataRole.ToolTipRole)
    assert "problems" not in " ".join(str(s) for s in shown)
    window.jobs_panel.select_job(row.job.id)
    assert f"Failed: fal rejected the input: {REASON}" in window.jobs_panel.log_view.toPlainText()
    qtbot.waitUntil(lambda: REASON in form.notes_label.text(), timeout=5000)
    assert form.notes_label.isVisible()


BIG_SEED = 18446744073709551615  # 2**64 - 1: fal's seeds go up to about this (§17)


def test_a_64_bit_seed_from_fal_survives_the_store_saved_metadata_and_restoring(
    qtbot, open_window, emulator, tmp_path
):
    def big_seed(job, status, body):
        return status, {**body, "seed": BIG_SEED} if status == 200 else body

    emulator.service.tamper = big_seed  # fal's answer carries the seed, whatever was asked
    try:
        window = open_window()
        row = run_prompt(qtbot, window, "a lighthouse at dusk")
    finally:
        emulator.service.tamper = None
    stored = window.manager.store.get(row.job.id)
    assert stored.output["seed"] == BIG_SEED
    reopened = JobStore(window.paths.data / "jobs.sqlite3")  # as the next start reads it
    try:
        assert reopened.get(row.job.id).output["seed"] == BIG_SEED
    finally:
        reopened.close()
    assert as_made(stored, takes_seed=True)["seed"] == BIG_SEED  # what Reuse hands to the form
    params = job_parameters(stored)
    assert params["seed"] == BIG_SEED and f"Seed: {BIG_SEED}" in a1111_parameters(params)
    for suffix in ("png", "jpg", "webp"):
        saved = save_with_metadata(Path(stored.files[0]), tmp_path / f"saved.{suffix}", params)
        restored = read_metadata(saved)
        assert restored["seed"] == BIG_SEED and type(restored["seed"]) is int, suffix
        assert window.inputs.restore_from_file(
            str(saved)
        )  # dropped back on the window: parameters restored
        assert window.model_panel.form.fields["prompt"].value() == "a lighthouse at dusk"
