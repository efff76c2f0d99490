"""The dialogs that start several runs: what they suggest, accept and refuse."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.resources import bundled_schema_files
from fal_desktop.forms.spec import field_specs
from fal_desktop.ui.sessions.run_dialogs import (
    CompareModelsDialog,
    VaryDialog,
    parse_values,
    suggested_values,
)


def _schema(endpoint_id):
    path = next(
        p for p in bundled_schema_files() if p.name == endpoint_id.replace("/", "__") + ".json"
    )
    return EndpointSchema.from_file(path)


def _spec(schema, name):
    return next(s for s in field_specs(schema) if s.name == name)


def test_suggestions_are_round_and_inside_the_limits():
    schema = _schema("fal-ai/flux/dev")
    assert suggested_values(_spec(schema, "guidance_scale"), 3.5) == [1.5, 3.5, 5.5]
    assert suggested_values(_spec(schema, "num_inference_steps"), 1) == [
        1,
        6,
    ]  # clamped at the minimum
    sizes = suggested_values(_spec(schema, "image_size"), None)
    assert len(sizes) == 3 and all(isinstance(s, str) for s in sizes)
    seeds = suggested_values(_spec(schema, "seed"), None)
    assert len(set(seeds)) == 3


def test_values_are_typed_like_the_field_and_bad_ones_named():
    schema = _schema("fal-ai/flux/dev")
    assert parse_values(_spec(schema, "num_inference_steps"), "10, 20 ,30,") == [10, 20, 30]
    assert parse_values(_spec(schema, "enable_safety_checker"), "yes, off") == [True, False]
    assert parse_values(_spec(schema, "seed"), "18446744073709551615, 7") == [
        18446744073709551615,
        7,
    ]
    with pytest.raises(ValueError, match="“ten” is not a number"):
        parse_values(_spec(schema, "num_inference_steps"), "ten")
    with pytest.raises(ValueError, match="not true or false"):
        parse_values(_spec(schema, "enable_safety_checker"), "maybe")


def test_vary_dialog_refuses_out_of_range_values_with_the_servers_words(qtbot):
    dialog = VaryDialog(_schema("fal-ai/flux/dev"), {"prompt": "x"})
    qtbot.addWidget(dialog)
    dialog.parameter.setCurrentIndex(dialog.parameter.findData("num_inference_steps"))
    dialog.values.setPlainText("4, 500")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.problem.text().startswith("500:")
    dialog.values.setPlainText("4")
    assert "at least two" in dialog.problem.text()
    dialog.values.setPlainText("4, 8")
    assert ok.isEnabled() and ok.text() == "Run 2 times"
    assert [r["num_inference_steps"] for r in dialog.runs()] == [4, 8]
    assert all(r["prompt"] == "x" for r in dialog.runs())


def test_compare_dialog_needs_a_prompt_and_two_models(qtbot):
    dialog = CompareModelsDialog(["a/one", "a/two", "a/three"], "", ["a/one"])
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.problem.text() == "Write a prompt first."
    dialog.prompt.setPlainText("a cat")
    assert dialog.problem.text() == "Tick at least two models."
    dialog.models.item(2).setCheckState(Qt.CheckState.Checked)
    assert ok.isEnabled() and ok.text() == "Run on 2 models"
    assert dialog.chosen() == ["a/one", "a/three"] and dialog.prompt_text() == "a cat"


def test_vary_opens_on_a_parameter_it_can_suggest_values_for_and_blames_nothing_yet(qtbot):
    dialog = VaryDialog(_schema("fal-ai/fast-lightning-sdxl"), {"prompt": "x"})
    qtbot.addWidget(dialog)
    assert dialog.problem.text() == ""  # nothing typed yet: nothing is wrong yet
    assert dialog.spec().kind in (
        "slider",
        "number",
    )  # no guidance scale here: a number, not the prompt
    assert dialog.buttons.button(
        QDialogButtonBox.StandardButton.Ok
    ).isEnabled()  # suggested values run
    dialog.values.setPlainText("1")
    assert "at least two" in dialog.problem.text()
