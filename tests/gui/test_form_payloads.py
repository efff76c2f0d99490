"""The rule, over every bundled schema and the real ones in tests/data/schemas: an untouched
form sends only required and defaulted keys (with the default values), and a field set then
returned to not set (or to its default) is left out again."""

from __future__ import annotations

from pathlib import Path

import pytest

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.resources import bundled_schema_files
from fal_desktop.forms.fields import same_value
from fal_desktop.forms.form import ParamsForm

DATA = Path(__file__).parents[1] / "data" / "schemas"
FILES = list(bundled_schema_files()) + sorted(DATA.glob("*.json"))


def _form(qtbot, path) -> ParamsForm:
    form = ParamsForm(EndpointSchema.from_file(path))
    qtbot.addWidget(form)
    return form


def _set_something(field) -> None:
    """Give a field a value other than its default, the way its widget offers."""
    spec = field.spec
    if getattr(field, "set_button", None) is not None and field.is_unset():
        field.set_button.click()
    kind = spec.kind
    if kind in ("enum", "image_size"):
        combo = field.combo
        index = next(
            i
            for i in range(combo.count())
            if combo.itemData(i) not in (spec.default, "\x00unset", "custom")
        )
        combo.setCurrentIndex(index)
    elif kind == "bool":
        field.check.setChecked(not bool(spec.default))
    elif kind in ("slider", "number", "number_or_object"):
        spin = field.spin
        spin.setValue(
            spin.maximum() if not same_value(spin.maximum(), spec.default) else spin.minimum()
        )
    elif kind == "seed":
        field.set_value(12345)
    elif kind in ("text", "prompt"):
        field.set_value("something else")
    elif kind == "image":
        field.set_value("/tmp/picture.png")
    elif kind == "image_list":
        field.add_images(["/tmp/one.png"])
    elif kind == "list":
        field.set_value([1] if field._item_type in ("number", "integer") else ["x"])
    elif kind == "object":
        if not field.present:
            field.add_button.click()
        elif field.sub.fields:  # shown with its default: change what is in it
            _set_something(next(iter(field.sub.fields.values())))
    elif kind == "object_list":
        field.add_button.click()
    elif kind == "json":
        field.set_value({"a": 1})


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_untouched_form_sends_only_required_and_default_values(qtbot, path):
    form = _form(qtbot, path)
    payload = form.value()
    specs = {s.name: s for s in form.specs}
    for name, value in payload.items():
        spec = specs[name]
        assert spec.required or (spec.has_default and same_value(value, spec.default)), (
            name,
            value,
        )
    for name, spec in specs.items():
        if spec.required and spec.kind not in ("object",):
            assert name in payload, name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_optional_field_set_then_unset_is_left_out_again(qtbot, path):
    form = _form(qtbot, path)
    for spec in form.specs:
        if spec.required or spec.kind == "readonly" or spec.name not in form.fields:
            continue
        field = form.fields[spec.name]
        _set_something(field)
        assert spec.name in form.value(), spec.name
        if spec.unsettable:
            field.unset()
            value = form.value()
            if spec.unset_value is None:  # nullable with a default: not set is an explicit null
                assert value.get(spec.name, "absent") is None, spec.name
                field.reset()
                assert spec.name not in form.value(), spec.name
            else:
                assert spec.name not in value, (spec.name, value.get(spec.name))
        else:
            field.reset()
            assert spec.name not in form.value(), spec.name


def _spec_form(qtbot, name):
    return _form(qtbot, DATA / name)


def test_the_cases_the_issue_lists(qtbot):
    sd35 = _spec_form(qtbot, "fal-ai__stable-diffusion-v35-large.json")
    assert "controlnet" not in sd35.value() and "ip_adapter" not in sd35.value()
    ultra_size = _spec_form(qtbot, "fal-ai__sdxl-controlnet-union.json")
    assert "image_size" not in ultra_size.value()  # no default: the control image decides
    assert ultra_size.fields["image_size"].combo.currentText() == "(not set)"
    topaz = _spec_form(qtbot, "fal-ai__topaz__upscale__image.json")
    assert set(topaz.value()) == {"image_url"}  # no 0.0, minimum or false for nullable numbers
    ideogram = _spec_form(qtbot, "fal-ai__ideogram__v3.json")
    assert "color_palette" not in ideogram.value() and "style_preset" not in ideogram.value()
    general = _spec_form(qtbot, "fal-ai__flux-general.json")
    loras = general.fields[
        "control_loras"
    ]  # ControlLoraWeight.scale: anyOf [object, number], default 1
    loras.add_button.click()
    scale = loras.items[0].fields["scale"]
    assert scale.spec.kind == "number_or_object" and scale.value() == 1
    assert not scale.object_editor.isVisibleTo(scale)  # the object form only behind its switch
    scale.spin.setValue(0.7)
    loras.items[0].fields["path"].set_value("https://x/l.safetensors")
    loras.items[0].fields["control_image_url"].set_value("/tmp/control.png")
    assert general.value()["control_loras"] == [
        {"path": "https://x/l.safetensors", "control_image_url": "/tmp/control.png", "scale": 0.7}
    ]
    scale.object_switch.setChecked(True)
    scale.object_editor.setPlainText('{"double_blocks": 0.5}')
    assert general.value()["control_loras"][0]["scale"] == {"double_blocks": 0.5}
    loras.remove_row(loras.items[0])
    assert "control_loras" not in general.value()  # the last one removed: absent again


def test_a_restored_null_stays_null_and_a_restored_absence_stays_not_set(qtbot):
    from tests.unit.test_form_spec import make_schema

    schema = make_schema(
        {
            "strength": {
                "anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}],
                "default": 0.5,
            },
            "detail": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]},
        }
    )
    form = ParamsForm(schema)
    qtbot.addWidget(form)
    assert form.value() == {}
    form.set_value({"strength": None})
    assert form.value() == {"strength": None}  # null overrides the default 0.5: kept
    form.set_value({"detail": 0.25})
    assert form.value() == {"detail": 0.25}
    form.set_value({})
    assert form.value() == {} and form.fields["detail"].is_unset()
