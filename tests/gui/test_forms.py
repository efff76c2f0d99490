"""Forms from every bundled schema, driven through real widgets."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.catalog import Catalog
from fal_desktop.core.form_memory import FormMemory
from fal_desktop.core.resources import bundled_schema_files
from fal_desktop.emulator import Emulator
from fal_desktop.forms.fields import JsonField
from fal_desktop.forms.form import ParamsForm
from fal_desktop.ui.models.panel import ModelPanel
from tests.unit.test_form_spec import make_schema

FILES = bundled_schema_files()
KEY = "forms:key"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(key=KEY, job_duration=0.05) as emu:
        yield emu


def _walk(fields):
    for field in fields:
        yield field
        sub = getattr(field, "sub", None)
        if sub is not None:
            yield from _walk(sub.fields.values())


def _fill_required(form: ParamsForm, image_url: str) -> None:
    for spec in form.specs:
        if spec.required:
            form.fields[spec.name].set_value(image_url if spec.kind == "image" else "a test value")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_bundled_form_renders_validates_and_is_accepted(qtbot, path, emulator):
    schema = EndpointSchema.from_file(path)
    form = ParamsForm(schema)
    qtbot.addWidget(form)
    for field in _walk(form.fields.values()):
        if isinstance(field, JsonField):  # only free-form objects may fall back to JSON
            assert not field.spec.schema.get("properties"), field.spec.name
        assert field.isEnabled()
    _fill_required(
        form,
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
    )
    assert form.validate() == []
    response = httpx.post(
        f"{emulator.urls['run']}/{schema.endpoint_id}",
        json=form.value(),
        headers={"Authorization": f"Key {KEY}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text


def _flux_form(qtbot) -> ParamsForm:
    form = ParamsForm(
        EndpointSchema.from_file(next(p for p in FILES if p.name == "fal-ai__flux__dev.json"))
    )
    qtbot.addWidget(form)
    form.show()
    return form


def test_type_pick_slide_and_custom_size(qtbot):
    form = _flux_form(qtbot)
    qtbot.keyClicks(form.fields["prompt"].editor, "a blue bird")
    form.advanced_toggle.setChecked(True)
    combo = form.fields["output_format"].combo
    combo.setCurrentIndex(combo.findData("png"))
    slider = form.fields["num_inference_steps"].slider
    slider.setValue(slider.maximum())
    size = form.fields["image_size"]
    size.combo.setCurrentIndex(size.combo.findData("custom"))
    size.width_spin.setValue(640)
    size.height_spin.setValue(480)
    form.fields["seed"].set_value(42)
    assert form.value() == {
        "prompt": "a blue bird",
        "output_format": "png",
        "num_inference_steps": 50,
        "image_size": {"width": 640, "height": 480},
        "seed": 42,
    }
    assert form.validate() == []
    form.reset_button.click()
    assert form.value() == {"prompt": ""}


def test_drop_an_image_file_on_the_image_field(qtbot, tmp_path):
    picture = tmp_path / "cat.png"
    Image.new("RGB", (300, 200), (250, 120, 0)).save(picture)
    form = ParamsForm(EndpointSchema.from_file(next(p for p in FILES if "aura-sr" in p.name)))
    qtbot.addWidget(form)
    form.show()
    field = form.fields["image_url"]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    field.dropEvent(event)
    assert form.value()["image_url"] == str(picture)
    assert not field.thumb.pixmap().isNull() and field.thumb.pixmap().width() <= 56


def test_lora_rows_add_remove_and_nested_errors(qtbot):
    form = ParamsForm(
        EndpointSchema.from_file(next(p for p in FILES if p.name == "fal-ai__lora.json"))
    )
    qtbot.addWidget(form)
    form.fields["model_name"].set_value("sdxl")
    form.fields["prompt"].set_value("cat")
    loras = form.fields["loras"]
    loras.add_button.click()
    loras.add_button.click()
    loras.items[0].fields["path"].set_value("https://x/one.safetensors")
    loras.items[1].fields["path"].set_value("https://x/two.safetensors")
    loras.items[1].fields["scale"].set_value(2.5)
    assert form.value()["loras"] == [
        {"path": "https://x/one.safetensors"},
        {"path": "https://x/two.safetensors", "scale": 2.5},
    ]
    loras.remove_row(loras.items[0])
    assert [r["path"] for r in form.value()["loras"]] == ["https://x/two.safetensors"]
    from fal_desktop.api.openapi import FieldError

    form.show_field_errors([FieldError(("loras", 0, "scale"), "Value should be at most 2")])
    assert "at most 2" in loras.items[0].fields["scale"].error_label.text()
    assert form.advanced_toggle.isChecked()  # the error is not hidden in a fold


def test_validate_shows_errors_and_set_value_drops_what_no_longer_fits(qtbot):
    form = _flux_form(qtbot)
    errors = form.validate()  # the prompt is required and empty
    assert [e.loc for e in errors] == [("prompt",)]
    assert form.fields["prompt"].error_label.isVisibleTo(form)
    notes = form.set_value({"prompt": "kept", "num_inference_steps": 900, "retired_field": 1})
    assert form.value() == {"prompt": "kept"}
    assert any("retired_field" in n for n in notes) and any(
        "Inference" in n or "steps" in n.lower() for n in notes
    )


def test_typed_endpoint_loads_from_schema_host_and_then_from_cache(qtbot, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    source = next(p for p in FILES if "esrgan" in p.name).read_text()
    (extra / "acme__sharpen.json").write_text(source.replace("fal-ai/esrgan", "acme/sharpen"))
    memory = FormMemory(tmp_path / "memory.json")
    with Emulator(schema_dirs=[extra]) as emu:
        panel = ModelPanel(Catalog(tmp_path / "cache", emu.hosts), memory)
        qtbot.addWidget(panel)
        panel.endpoint_edit.setText("acme/sharpen")
        panel.load_button.click()
        qtbot.waitUntil(lambda: panel.endpoint_id == "acme/sharpen", timeout=10000)
        hosts = emu.hosts
    assert "image_url" in panel.form.fields
    offline = ModelPanel(Catalog(tmp_path / "cache", hosts), memory)
    qtbot.addWidget(offline)
    offline.endpoint_edit.setText("acme/sharpen")
    offline.load_button.click()
    qtbot.waitUntil(lambda: offline.endpoint_id == "acme/sharpen", timeout=10000)
    offline.endpoint_edit.setText("nobody/nothing")
    offline.load_button.click()
    qtbot.waitUntil(lambda: "could not be reached" in offline.status_label.text(), timeout=10000)
    assert offline.endpoint_id == "acme/sharpen"  # the rest keeps working


def test_paste_an_image_or_a_file_into_the_image_field(qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication, QImage

    form = ParamsForm(EndpointSchema.from_file(next(p for p in FILES if "esrgan" in p.name)))
    qtbot.addWidget(form)
    form.show()
    field = form.fields["image_url"]
    image = QImage(64, 32, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(image)
    field.edit.setFocus()
    qtbot.keyClick(field.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = form.value()["image_url"]
    with Image.open(pasted) as back:
        assert back.size == (64, 32)
    mime = QMimeData()
    picture = tmp_path / "copied.png"
    Image.new("RGB", (10, 10)).save(picture)
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    assert field.paste_from(mime) and form.value()["image_url"] == str(picture)


def test_labels_numbers_and_placeholder_read_well(qtbot):
    from PySide6.QtWidgets import QFormLayout, QLabel

    form = _flux_form(qtbot)
    form.advanced_toggle.setChecked(True)
    labels = {label.text() for label in form.findChildren(QLabel)}
    assert {
        "Image size",
        "Number of images",
        "Number of inference steps",
        "Enable safety checker",
        "Prompt *",
    } <= labels
    assert "Sync mode" not in labels and "sync_mode" not in form.fields  # transport, not a choice
    guidance = form.fields["guidance_scale"].spin
    assert guidance.text() == "3.5"  # not 3.500
    form.fields["guidance_scale"].set_value(3.125)  # a restored value keeps its precision
    assert form.value()["guidance_scale"] == 3.125
    form.reset_button.click()
    assert guidance.text() == "3.5" and "guidance_scale" not in form.value()
    placeholder = form.fields["prompt"].editor.placeholderText()
    assert placeholder == "Extreme close-up of a single tiger eye, direct frontal view."
    aura = ParamsForm(EndpointSchema.from_file(next(p for p in FILES if "aura-sr" in p.name)))
    qtbot.addWidget(aura)
    layout = aura.layout().itemAt(0).layout()
    assert isinstance(layout, QFormLayout)
    field = aura.fields["upscale_factor"]
    assert layout.labelForField(field).text() == "Upscaling factor" and field.label.text() == "×4"
    clarity = ParamsForm(EndpointSchema.from_file(next(p for p in FILES if "clarity" in p.name)))
    qtbot.addWidget(clarity)
    assert clarity.fields["upscale_factor"].spin.text() == "×2.0"
    assert clarity.value().get("upscale_factor") is None  # the default is not sent


@pytest.mark.parametrize("odd", ["inf", float("nan"), "1e400", None, "abc"])
def test_a_number_field_given_something_that_is_no_number_keeps_a_valid_one(qtbot, odd):
    """A dropped PNG's metadata, say, can hold NaN (Python's json reads it)."""
    schema = make_schema(
        {
            "steps": {"type": "integer", "minimum": 1, "maximum": 50, "default": 4},
            "scale": {"type": "number", "minimum": 0.5, "maximum": 10, "default": 3.5},
        }
    )
    form = ParamsForm(schema)
    qtbot.addWidget(form)
    for name in ("steps", "scale"):
        form.fields[name].set_value(odd)
        value = form.fields[name].value()
        assert value == value and schema.validate_input({name: value}) == [], (name, value)
