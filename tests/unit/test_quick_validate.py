"""The quick check that spares a starting window jsonschema: wherever it says "surely fits",
jsonschema (what Run validates with) agrees, over every bundled model's inputs."""

from __future__ import annotations

import pytest

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.api.quick_validate import surely_fits, surely_fits_object
from fal_desktop.core.resources import bundled_schema_files

FILES = bundled_schema_files()
ODD = [None, True, False, 0, 1, -1, 2.5, 1.0, 10**9, "", "x", "a" * 5000, [], {}, ["x"], {"w": 1}]


def _candidates(prop: dict) -> list:
    """Values near the property's edges: its enum, default, bounds and just past them."""
    values = list(ODD)
    for branch in [prop, *prop.get("anyOf", [])]:
        values += list(branch.get("enum", [])) + [branch.get("default")]
        for key in ("minimum", "maximum"):
            if isinstance(branch.get(key), (int, float)):
                values += [branch[key], branch[key] - 1, branch[key] + 1, branch[key] + 0.5]
    return values


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_sure_yes_is_what_jsonschema_says_too(path):
    schema = EndpointSchema.from_file(path)
    sure = 0
    for name, prop in schema.input_schema["properties"].items():
        for value in _candidates(prop):
            if surely_fits_object(schema.input_schema, name, value):
                sure += 1
                errors = schema.validate_input({name: value})
                assert [e for e in errors if e.loc[:1] == (name,)] == [], (name, value)
    assert sure > 0  # the check does decide for this model's plain fields


def test_flux_dev_remembered_values_need_no_jsonschema():
    schema = EndpointSchema.from_file(next(p for p in FILES if p.name == "fal-ai__flux__dev.json"))
    remembered = {
        "prompt": "a lighthouse at dusk",
        "image_size": "square_hd",  # the enum branch of an anyOf with a $ref
        "num_inference_steps": 30,
        "guidance_scale": 4.5,
        "seed": None,
        "enable_safety_checker": False,
    }
    assert all(surely_fits_object(schema.input_schema, n, v) for n, v in remembered.items())
    # Out of range, wrong type, a custom size (the $ref branch): left to jsonschema.
    for name, value in [
        ("num_inference_steps", 900),
        ("num_inference_steps", 2.5),
        ("guidance_scale", True),
        ("image_size", {"width": 512, "height": 512}),
        ("retired_field", 1),
    ]:
        assert not surely_fits_object(schema.input_schema, name, value)


@pytest.mark.parametrize(
    ("schema", "value", "sure"),
    [
        ({"type": "string", "nullable": True}, None, True),  # OAS 3.0's "also null"
        ({"type": "string"}, None, False),
        ({"enum": [1, 2]}, True, False),  # True is not 1 in JSON
        ({"const": "a"}, "a", True),
        ({"type": "number", "exclusiveMinimum": 0}, 0, False),
        ({"type": "number", "exclusiveMinimum": True, "minimum": 0}, 1, False),  # OAS 3.0 form
        ({"type": "string", "maxLength": 3}, "abcd", False),
        ({"type": "string", "pattern": "^a"}, "a", False),  # a keyword it does not check
        ({"type": "integer"}, 3.0, False),  # valid, but jsonschema decides that
        ({"type": ["string", "null"]}, None, True),
        ({"title": "anything", "x-fal": {}}, [1, 2], True),  # annotations only: anything fits
    ],
)
def test_keywords(schema, value, sure):
    assert surely_fits(schema, value) is sure


def test_an_input_object_with_its_own_rules_is_left_to_jsonschema():
    base = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert surely_fits_object(base, "a", "x")
    assert not surely_fits_object({**base, "patternProperties": {"^a": False}}, "a", "x")
    assert not surely_fits_object({**base, "allOf": [{"required": ["b"]}]}, "a", "x")
