"""Schema → field specs, including the messy patterns real fal schemas have."""

from __future__ import annotations

import pytest

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.resources import bundled_schema_files
from fal_desktop.forms.field_labels import PLACEHOLDER_LIMIT, short_placeholder
from fal_desktop.forms.number_format import decimals_of
from fal_desktop.forms.spec import field_specs

FILES = bundled_schema_files()


def _walk(specs):
    for spec in specs:
        yield spec
        yield from _walk(spec.children)


def make_schema(properties: dict, required=(), extra_components=None, order=None) -> EndpointSchema:
    components = {
        "XInput": {"type": "object", "properties": properties, "required": list(required)},
        "XOutput": {"type": "object", "properties": {}},
        **(extra_components or {}),
    }
    if order:
        components["XInput"]["x-fal-order-properties"] = order
    document = {
        "info": {"x-fal-metadata": {"endpointId": "acme/x", "category": "text-to-image"}},
        "components": {"schemas": components},
        "paths": {
            "/acme/x": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/XInput"}}
                        }
                    }
                }
            },
            "/acme/x/requests/{request_id}": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/XOutput"}
                                }
                            }
                        }
                    }
                }
            },
        },
    }
    return EndpointSchema.from_document(document)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bundled_fields_all_get_real_widgets(path):
    specs = list(_walk(field_specs(EndpointSchema.from_file(path))))
    json_fields = [s.name for s in specs if s.kind == "json"]
    free_form = [
        s.name
        for s in specs
        if s.kind == "json"
        and not s.schema.get("properties")
        and (s.schema.get("anyOf") or s.schema.get("type") == "object")
    ]
    assert json_fields == free_form  # only free-form objects fall back to JSON


def test_kinds_of_the_messy_patterns():
    schema = make_schema(
        {
            "prompt": {"type": "string", "title": "Prompt"},
            "ref_with_siblings": {
                "$ref": "#/components/schemas/Mode",
                "description": "why",
                "default": "a",
            },
            "wrapped": {"allOf": [{"$ref": "#/components/schemas/Mode"}], "title": "Wrapped"},
            "nullable_30": {"type": "string", "nullable": True},
            "maybe_int": {
                "anyOf": [{"type": "integer", "minimum": 1, "maximum": 10}, {"type": "null"}]
            },
            "fixed": {"type": "integer", "const": 4, "default": 4},
            "enum_or_free": {
                "anyOf": [{"enum": ["16:9", "1:1"], "type": "string"}, {"type": "string"}]
            },
            "tolerance": {"type": "string", "enum": [str(i) for i in range(1, 7)], "default": "2"},
            "many": {"type": "string", "enum": [f"style ({i})" for i in range(70)]},
            "size": {
                "anyOf": [
                    {"$ref": "#/components/schemas/ImageSize"},
                    {"type": "string", "enum": ["square_hd", "square"]},
                ],
                "default": {"width": 800, "height": 600},
            },
            "seed": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "image_url": {"type": "string"},
            "mask_url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "hinted": {"type": "string", "ui": {"field": "image"}},
            "legacy_hint": {"type": "string", "_fal_ui_field": "image"},
            "limited": {"type": "string", "x-fal": {"max_file_size": 1000}},
            "base_model_url": {"type": "string"},
            "image_urls": {"type": "array", "items": {"type": "string"}},
            "words": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
            "pydantic_bounds": {"type": "number", "ge": 0, "le": 2},
            "loras": {"type": "array", "items": {"$ref": "#/components/schemas/Lora"}},
            "blob": {"type": "object", "additionalProperties": {"type": "number"}},
        },
        required=["prompt"],
        extra_components={
            "Mode": {"type": "string", "enum": ["a", "b"]},
            "ImageSize": {
                "type": "object",
                "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}},
            },
            "Lora": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string"},
                    "scale": {"type": "number", "minimum": 0, "maximum": 4},
                    "blocks": {"type": "array", "items": {"$ref": "#/components/schemas/Block"}},
                },
            },
            "Block": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    )
    kinds = {s.name: s.kind for s in _walk(field_specs(schema))}
    assert kinds["prompt"] == "prompt"
    assert kinds["ref_with_siblings"] == "enum" and kinds["wrapped"] == "enum"
    assert kinds["nullable_30"] == "text" and kinds["maybe_int"] == "slider"
    assert kinds["fixed"] == "readonly"
    assert (
        kinds["enum_or_free"] == "enum" and kinds["tolerance"] == "enum" and kinds["many"] == "enum"
    )
    assert kinds["size"] == "image_size" and kinds["seed"] == "seed"
    for name in ("image_url", "mask_url", "hinted", "legacy_hint", "limited"):
        assert kinds[name] == "image", name
    assert kinds["image_urls"] == "image_list"  # thumbnails, reorder, remove
    assert kinds["base_model_url"] == "text"  # model weights, not an image
    assert kinds["words"] == "list" and kinds["pydantic_bounds"] == "slider"
    assert kinds["loras"] == "object_list" and kinds["blocks"] == "object_list"  # nested
    assert kinds["blob"] == "json"
    specs = {s.name: s for s in field_specs(schema)}
    assert (
        specs["ref_with_siblings"].description == "why"
        and specs["ref_with_siblings"].default == "a"
    )
    assert specs["enum_or_free"].editable_enum and specs["nullable_30"].nullable
    assert specs["pydantic_bounds"].maximum == 2 and len(specs["many"].enum) == 70
    assert list(specs)[0] == "prompt"  # required first


def test_order_follows_x_fal_order_properties():
    schema = make_schema(
        {"b": {"type": "string"}, "a": {"type": "string"}, "c": {"type": "string"}},
        order=["c", "a", "b"],
    )
    assert [s.name for s in field_specs(schema)] == ["c", "a", "b"]


def test_descriptions_are_dedented():
    path = next(p for p in FILES if "clarity" in p.name)
    specs = {s.name: s for s in field_specs(EndpointSchema.from_file(path))}
    assert not specs["guidance_scale"].description.startswith((" ", "\n"))


def test_max_file_size_comes_from_x_fal_limits():
    schema = make_schema(
        {
            "image_url": {"type": "string", "x-fal": {"max_file_size": 5_000_000}},
            "mask_url": {
                "anyOf": [
                    {"type": "string", "x-fal": {"max_file_size": 2_000_000}},
                    {"type": "null"},
                ]
            },
        }
    )
    assert schema.max_file_size() == 2_000_000
    assert EndpointSchema.from_file(FILES[0]).max_file_size() is None


def test_labels_are_sentence_case_with_acronyms_kept():
    flux = {
        s.name: s
        for s in field_specs(
            EndpointSchema.from_file(next(p for p in FILES if p.name == "fal-ai__flux__dev.json"))
        )
    }
    assert flux["image_size"].title == "Image size"
    assert flux["num_images"].title == "Number of images"
    assert flux["num_inference_steps"].title == "Number of inference steps"
    assert flux["enable_safety_checker"].title == "Enable safety checker"
    assert flux["sync_mode"].title == "Sync mode"
    assert flux["guidance_scale"].title == "Guidance scale (CFG)"
    aura = {
        s.name: s
        for s in field_specs(
            EndpointSchema.from_file(next(p for p in FILES if p.name == "fal-ai__aura-sr.json"))
        )
    }
    assert (
        aura["upscale_factor"].title == "Upscaling factor" and aura["upscale_factor"].prefix == "×"
    )
    assert aura["image_url"].title == "Image URL" and aura["image_url"].name == "image_url"
    schema = make_schema(
        {
            "tile_vae": {"type": "boolean", "title": "Tile Vae"},
            "request_id": {"type": "string", "title": "Request Id"},
            "loras": {"type": "array", "items": {"type": "string"}, "title": "Loras"},
            "untitled_thing": {"type": "string"},
            "max_num_steps": {"type": "integer", "title": "Max Num Steps"},
            "timesteps": {"$ref": "#/components/schemas/TimestepsInput"},
        },
        extra_components={
            "TimestepsInput": {
                "title": "TimestepsInput",
                "type": "object",
                "properties": {"method": {"type": "string"}},
            }
        },
    )
    titles = {s.name: s.title for s in field_specs(schema)}
    assert titles == {
        "tile_vae": "Tile VAE",
        "request_id": "Request ID",
        "loras": "LoRAs",
        "untitled_thing": "Untitled thing",
        "max_num_steps": "Max number of steps",
        "timesteps": "Timesteps",
    }  # the keys (payload names) are unchanged


def test_float_decimals_follow_the_step_or_the_default():
    schema = make_schema(
        {
            "guidance": {"type": "number", "minimum": 1, "maximum": 20, "default": 3.5},
            "strength": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.3333},
            "weight": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.6},
            "stepped": {
                "type": "number",
                "minimum": 0,
                "maximum": 10,
                "multipleOf": 0.25,
                "default": 1,
            },
            "above_zero": {"type": "number", "exclusiveMinimum": 0, "maximum": 10, "default": 1},
            "steps": {"type": "integer", "minimum": 1, "maximum": 50},
        }
    )
    specs = {s.name: s for s in field_specs(schema)}
    assert (specs["guidance"].decimals, specs["guidance"].step) == (1, 0.1)  # 3.5, not 3.500
    assert specs["strength"].decimals == 4 and specs["weight"].decimals == 2
    assert (specs["stepped"].decimals, specs["stepped"].step) == (2, 0.25)
    assert specs["above_zero"].minimum == pytest.approx(0.1)  # the smallest value it can show
    assert specs["steps"].decimals == 0 and specs["steps"].integer


def test_a_float_field_shows_as_many_decimals_as_its_bounds_so_it_cannot_go_past_them():
    schema = make_schema(
        {
            "tiny": {"type": "number", "minimum": 0.001, "maximum": 1, "default": 0.5},
            "edge": {"type": "number", "minimum": 0.015, "maximum": 0.9995, "multipleOf": 0.01},
        }
    )
    specs = {s.name: s for s in field_specs(schema)}
    assert specs["tiny"].decimals == 3  # shown with 2, a spin box would round its minimum to 0.0
    assert specs["edge"].decimals == 4


@pytest.mark.parametrize(
    "number, decimals",
    [
        (0.25, 2),
        (3.0, 0),
        (1e-7, 7),
        (float("inf"), 0),
        (float("nan"), 0),
        (12, 0),
        ("3.5", 0),
        (True, 0),
    ],
)
def test_decimals_of_any_value(number, decimals):
    assert decimals_of(number) == decimals


def test_placeholder_is_short_and_ends_at_a_word():
    flux = {
        s.name: s
        for s in field_specs(
            EndpointSchema.from_file(next(p for p in FILES if p.name == "fal-ai__flux__dev.json"))
        )
    }
    assert (
        flux["prompt"].placeholder == "Extreme close-up of a single tiger eye, direct frontal view."
    )
    assert short_placeholder("a cat on a mat") == "a cat on a mat"
    long_one = "word " * 60
    cut = short_placeholder(long_one)
    assert cut.endswith("word…") and len(cut) <= PLACEHOLDER_LIMIT + 1
    lower = "cartoon, illustration, animation. face. male, female, " + "ugly, " * 30
    assert short_placeholder(lower).endswith("…")  # ". face" does not end a sentence


def test_what_not_set_means_per_field():
    from fal_desktop.forms.spec import MISSING

    schema = make_schema(
        {
            "required_text": {"type": "string"},
            "plain": {"type": "number"},
            "with_default": {"type": "number", "default": 2},
            "nullable_no_default": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            "nullable_default_null": {
                "anyOf": [{"type": "boolean"}, {"type": "null"}],
                "default": None,
            },
            "nullable_with_value": {
                "anyOf": [{"type": "number"}, {"type": "null"}],
                "default": 0.5,
            },
            "sync_mode": {"type": "boolean", "default": False},
        },
        required=["required_text"],
    )
    specs = {s.name: s for s in field_specs(schema)}
    assert not specs["required_text"].unsettable and not specs["with_default"].unsettable
    assert specs["plain"].unsettable and specs["plain"].unset_value is MISSING
    assert specs["nullable_no_default"].unset_value is MISSING
    assert specs["nullable_default_null"].unset_value is MISSING
    assert (
        specs["nullable_with_value"].unsettable and specs["nullable_with_value"].unset_value is None
    )
    assert specs["sync_mode"].transport and not specs["plain"].transport


def test_kinds_of_the_hard_constructs_in_real_schemas():
    from pathlib import Path

    data = Path(__file__).parents[1] / "data" / "schemas"
    general = {
        s.name: s
        for s in _walk(field_specs(EndpointSchema.from_file(data / "fal-ai__flux-general.json")))
    }
    scale = next(s for s in _walk(general["control_loras"].children) if s.name == "scale")
    assert scale.kind == "number_or_object" and scale.default == 1 and scale.maximum == 4
    edit = {
        s.name: s
        for s in field_specs(EndpointSchema.from_file(data / "fal-ai__nano-banana__edit.json"))
    }
    assert edit["image_urls"].kind == "image_list" and not edit["image_urls"].advanced
    ideogram = {
        s.name: s for s in field_specs(EndpointSchema.from_file(data / "fal-ai__ideogram__v3.json"))
    }
    assert ideogram["color_palette"].kind == "object" and ideogram["color_palette"].nullable
    assert len(ideogram["style_preset"].enum) == 62


@pytest.mark.parametrize(
    "value, label",
    [
        ("80S_ILLUSTRATION", "80s illustration"),
        ("ART_DECO", "Art deco"),
        ("realistic_image/b_and_w", "Realistic image / b and w"),
        ("jpeg", "Jpeg"),
        ("16:9", "16:9"),
        ("Low Resolution V2", "Low Resolution V2"),
    ],
)
def test_enum_labels_read_well(value, label):
    from fal_desktop.forms.field_labels import enum_label

    assert enum_label(value) == label


def test_preset_labels_show_pixels_and_tooltips_show_markup_as_text():
    from fal_desktop.forms.field_labels import plain_tooltip, preset_label

    assert preset_label("landscape_4_3") == "Landscape 4:3 · 1024×768"
    assert preset_label("square_hd") == "Square HD · 1024×1024"
    assert preset_label("ultra_wide") == "Ultra wide"  # unknown preset: no invented pixels
    assert (
        plain_tooltip("Use <img><|image_1|></img>")
        == "<p>Use &lt;img&gt;&lt;|image_1|&gt;&lt;/img&gt;</p>"
    )
    assert plain_tooltip("") == ""
