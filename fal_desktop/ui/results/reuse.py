"""Sending a result on: into the current model's image field (or its image list)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fal_desktop.forms.image_list import ImageListField

if TYPE_CHECKING:
    from collections.abc import Callable

    from fal_desktop.ui.models.panel import ModelPanel

__all__ = ["input_field_of", "use_as_input"]


def input_field_of(panel: ModelPanel) -> tuple[str, str] | None:
    """(field name, kind) of the current form's image input: a single image field (not a mask)
    first, the required one before others, else an image list."""
    form = panel.form
    if form is None:
        return None
    images = [s for s in form.specs if s.kind == "image" and "mask" not in s.name.lower()]
    images.sort(key=lambda s: not s.required)
    if images:
        return images[0].name, "image"
    lists = [s for s in form.specs if s.kind == "image_list"]
    return (lists[0].name, "image_list") if lists else None


def use_as_input(panel: ModelPanel, path: str, say: Callable[..., object]) -> bool:
    """Put ``path`` into the current model's image field (appended to an image list);
    ``say(text, info=True)`` tells the user what happened."""
    form = panel.form
    found = input_field_of(panel)
    if form is None or found is None:
        model = form.schema.endpoint_id if form is not None else "The current model"
        say(
            f"{model} takes no image. Pick an image-to-image or editing model first, "
            "then use the result as its input.",
            info=True,
        )
        return False
    name, kind = found
    field = form.fields[name]
    if kind == "image_list" and isinstance(field, ImageListField):
        field.add_images([path])
    else:
        field.set_value(path)
    say(f"{Path(path).name} is the input “{name}” of {form.schema.endpoint_id}.", info=True)
    return True
