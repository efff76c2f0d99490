"""Runs made again from what is known: a result's parameters back in the form (Reuse, New
seed), Vary's runs (one per value of a parameter) and Compare models' runs (one prompt on
several models). The session controller sends the runs."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from fal_desktop.core.jobstore import JobRecord
from fal_desktop.core.saving import seed_of
from fal_desktop.forms.fields import INT_LIMIT
from fal_desktop.ui.sessions.run_dialogs import CompareModelsDialog, VaryDialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from fal_desktop.ui.sessions.host import SessionHost

__all__ = [
    "as_made",
    "comparison_runs",
    "reuse_in_form",
    "vary_runs",
    "SHARED_INPUTS",
    "DEFAULT_COMPARE",
]

Runs = list[tuple[str, dict[str, Any]]]

#: Inputs a comparison sends to every model that has them (each keeps its other settings).
SHARED_INPUTS = ("prompt", "negative_prompt", "image_size", "seed", "num_images")
DEFAULT_COMPARE = ("fal-ai/flux/schnell", "fal-ai/fast-sdxl", "fal-ai/fast-lightning-sdxl")


def as_made(job: JobRecord, *, takes_seed: bool) -> dict[str, Any]:
    """The run's input with the seed it was made with (fal's answer, when the model takes one),
    so running it again changes nothing unless asked."""
    values = dict(job.inputs)
    seed = seed_of(job.output, job.inputs)
    if takes_seed and isinstance(seed, int):
        values["seed"] = seed
    return values


def reuse_in_form(window: SessionHost, job: JobRecord, *, new_seed: bool = False) -> bool:
    """Put the run's model and parameters in the form, with its seed or a new one."""
    panel = window.model_panel
    if window.catalog.cached(job.endpoint_id) is None:
        window.notice.show_message(
            f"{job.endpoint_id} is not loaded; type its id at the top left first."
        )
        return False
    panel.select_model(job.endpoint_id)
    form = panel.form
    values = as_made(job, takes_seed="seed" in form.fields)
    if new_seed and "seed" in form.fields:
        fresh = random.randrange(INT_LIMIT)
        while fresh == values.get("seed"):
            fresh = random.randrange(INT_LIMIT)
        values["seed"] = fresh
    notes = form.set_value(values)
    what = " with a new seed" if new_seed else " with its seed" if "seed" in values else ""
    window.notice.show_message(
        " ".join([f"The parameters of that run are in the form{what}."] + notes), info=not notes
    )
    return True


def vary_runs(
    window: SessionHost,
    job: JobRecord,
    runs: list[dict[str, Any]] | None,
    parent: QWidget | None,
) -> Runs:
    """The job once per value of one parameter (asked for unless given)."""
    schema = window.catalog.cached(job.endpoint_id)
    if schema is None:
        return []
    base = as_made(job, takes_seed="seed" in (schema.input_schema.get("properties") or {}))
    if runs is None:
        dialog = VaryDialog(schema, base, parent)
        if dialog.exec() != VaryDialog.DialogCode.Accepted:
            return []
        runs = dialog.runs()
    return [(job.endpoint_id, inputs) for inputs in runs]


def comparison_runs(
    window: SessionHost,
    endpoint_ids: list[str] | None,
    prompt: str | None,
    parent: QWidget | None,
) -> Runs:
    """One prompt on several text-to-image models (asked for unless given)."""
    form = window.model_panel.form
    current = form.value() if form is not None else {}
    if endpoint_ids is None:
        models = [e.endpoint_id for e in window.catalog.entries() if e.category == "text-to-image"]
        last = window.memory.get("__app__").get("compare") or list(DEFAULT_COMPARE)
        dialog = CompareModelsDialog(models, str(current.get("prompt") or ""), last, parent)
        if dialog.exec() != CompareModelsDialog.DialogCode.Accepted:
            return []
        endpoint_ids, prompt = dialog.chosen(), dialog.prompt_text()
        window.memory.remember("__app__", {**window.memory.get("__app__"), "compare": endpoint_ids})
    shared = {k: v for k, v in current.items() if k in SHARED_INPUTS}
    if prompt is not None:
        shared["prompt"] = prompt
    runs = []
    for endpoint_id in endpoint_ids:
        schema = window.catalog.cached(endpoint_id)
        if schema is None:
            continue
        own = (
            current
            if form is not None and form.schema.endpoint_id == endpoint_id
            else window.memory.get(endpoint_id)
        )
        properties = schema.input_schema.get("properties") or {}
        inputs = {**own, **{k: v for k, v in shared.items() if k in properties}}
        for error in schema.validate_input(inputs):  # drop what this model does not take
            if error.loc and error.loc[0] in inputs and error.loc[0] != "prompt":
                inputs.pop(error.loc[0])
        runs.append((endpoint_id, inputs))
    return runs
