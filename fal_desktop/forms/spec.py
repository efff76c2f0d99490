"""From an endpoint's input schema to an ordered list of field specs. No Qt.

The widget kind of each field follows an explicit precedence (``widget_kind``), so what a
schema turns into is decided here, testably, and the widgets only draw it.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.image_sizes import IMAGE_SIZES
from fal_desktop.forms.field_labels import FACTOR_HINT, display_title, humanise, short_placeholder
from fal_desktop.forms.number_format import allowed_range, number_spec

__all__ = [
    "FieldSpec",
    "field_specs",
    "object_specs",
    "widget_kind",
    "is_mask_field",
    "mask_base_image",
    "IMAGE_SIZE_PRESETS",
    "LARGE_ENUM",
    "TRANSPORT_FIELDS",
    "MISSING",
]

IMAGE_SIZE_PRESETS = tuple(IMAGE_SIZES)
LARGE_ENUM = 30  # from this many values an enum is a combo you can type into to filter
# How the result travels, not what it is: not shown, never sent from the form.
TRANSPORT_FIELDS = frozenset({"sync_mode"})
_IMAGE_NAME = re.compile(
    r"(^|_)(image|mask)(_url|_urls)?$|^(image|mask)_url|_image_url$|_mask_url$"
)
# Mask inputs of inpainting, fill and eraser models (white = change): get "Draw mask…".
_MASK_NAME = re.compile(r"(^|_)mask(_image)?_url$")
SLIDER_MAX_STEPS = 200
_MODEL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*Input$")
_FACTOR_NAMES = ("upscale_factor", "upscaling_factor")  # shown as "×4"


@dataclass
class FieldSpec:
    name: str
    kind: str
    title: str
    description: str = ""
    required: bool = False
    advanced: bool = False
    default: Any = None
    has_default: bool = False
    placeholder: str = ""
    nullable: bool = False
    enum: list[Any] = field(default_factory=list)
    editable_enum: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    decimals: int = 2  # shown decimals of a float field
    step: float = 0.1  # a float field's spin box step
    prefix: str = ""  # shown before the value, e.g. "×" for an upscaling factor
    schema: dict[str, Any] = field(default_factory=dict)
    children: list[FieldSpec] = field(default_factory=list)  # object and object-list fields
    transport: bool = False  # sync_mode and the like: kept out of the form

    @property
    def unsettable(self) -> bool:
        """Whether the field can be "not set" (left out, or null): an optional field without a
        default, or a nullable one."""
        return not self.required and (not self.has_default or self.nullable)

    @property
    def unset_value(self) -> Any:
        """What "not set" sends: null where the default is a value null would override, else
        nothing (``None`` = null, ``MISSING`` = nothing)."""
        return None if self.nullable and self.has_default and self.default is not None else MISSING


MISSING = object()  # a field's value when it is left out of the request


def _options(schema: EndpointSchema, prop: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The non-null alternatives of a property, and whether null is allowed."""
    prop = schema.resolve(prop)
    nullable = bool(prop.get("nullable"))
    variants = prop.get("anyOf") or prop.get("oneOf")
    if not isinstance(variants, list):
        return [prop], nullable
    options = []
    for option in variants:
        option = schema.resolve(option) if isinstance(option, dict) else {}
        if option.get("type") == "null":
            nullable = True
        else:
            options.append(option)
    return options or [{}], nullable


def _is_image_input(name: str, option: dict[str, Any], prop: dict[str, Any]) -> bool:
    ui = prop.get("ui")
    if not isinstance(ui, dict):
        ui = {}
    if ui.get("field") in ("image", "image_mask") or prop.get("_fal_ui_field") == "image":
        return True
    xfal = prop.get("x-fal")
    if not isinstance(xfal, dict):
        xfal = {}
    if option.get("type") == "string" and ({"max_file_size", "max_width", "min_width"} & set(xfal)):
        return True
    return (
        option.get("type") == "string" and not option.get("enum") and bool(_IMAGE_NAME.search(name))
    )


def is_mask_field(name: str, prop: dict[str, Any] | None = None) -> bool:
    """Whether an image input is a mask: fal's ``ui: {"field": "image_mask"}`` hint, or the name
    ``mask_url``, ``mask_image_url``, ``*_mask_url``."""
    ui = (prop or {}).get("ui")
    if isinstance(ui, dict) and ui.get("field") == "image_mask":
        return True
    return bool(_MASK_NAME.search(name))


def mask_base_image(mask_name: str, image_fields: list[str]) -> str | None:
    """Of the image inputs beside a mask, the one the mask is painted over: ``image_url`` for
    ``mask_url`` and ``mask_image_url``, ``ip_adapter_image_url`` for ``ip_adapter_mask_url``,
    else ``image_url``, else the only other image that is not a mask."""
    candidates = [
        mask_name.replace("mask_image_url", "image_url"),
        mask_name.replace("mask_url", "image_url"),
        "image_url",
    ]
    for name in candidates:
        if name != mask_name and name in image_fields:
            return name
    others = [n for n in image_fields if n != mask_name and not is_mask_field(n)]
    return others[0] if len(others) == 1 else None


def _is_image_list(schema: EndpointSchema, name: str, option: dict[str, Any]) -> bool:
    """A list of image URLs (``image_urls`` of the editing models)."""
    if option.get("type") != "array":
        return False
    items = schema.resolve(option.get("items") or {})
    return (
        items.get("type") == "string"
        and not items.get("enum")
        and _is_image_input(
            name.removesuffix("s") if name.endswith("_urls") else name, items, items
        )
    )


def widget_kind(schema: EndpointSchema, name: str, prop: dict[str, Any]) -> str:
    """The widget for one property; the order of the checks is the precedence."""
    resolved = schema.resolve(prop)
    options, _ = _options(schema, prop)
    first = options[0]
    if "const" in resolved or "const" in first:
        return "readonly"
    if any(_is_image_input(name, o, resolved) for o in options):
        return "image"
    if any(_is_image_list(schema, name, o) for o in options):
        return "image_list"
    if name == "image_size" or (
        len(options) == 2
        and any(o.get("enum") for o in options)
        and any(o.get("type") == "object" or "width" in o.get("properties", {}) for o in options)
    ):
        return "image_size"
    if name == "seed" and all(o.get("type") in ("integer", None) for o in options):
        return "seed"
    if any(o.get("enum") for o in options):
        return "enum"
    kind = first.get("type")
    if kind == "boolean":
        return "bool"
    if kind in ("integer", "number") and len(options) == 1:
        low, high = allowed_range(first)
        if (
            low is not None
            and high is not None
            and (kind == "number" or high - low <= SLIDER_MAX_STEPS)
        ):
            return "slider"
        return "number"
    if kind == "string" and len(options) == 1:
        long_text = (first.get("maxLength") or 0) > 300 or "prompt" in name
        return "prompt" if long_text else "text"
    if kind == "array" and len(options) == 1:
        items = schema.resolve(first.get("items") or {})
        if items.get("type") == "object" and items.get("properties"):
            return "object_list"
        if items.get("type") in ("string", "number", "integer") and not items.get("enum"):
            return "list"
    if kind == "object" and first.get("properties") and len(options) == 1:
        return "object"
    if len(options) == 2 and {o.get("type") for o in options} == {"string", "array"}:
        return "list"
    if len(options) == 2 and {o.get("type") for o in options} in (
        {"object", "number"},
        {"object", "integer"},
    ):
        return "number_or_object"  # a LoRA scale: a number, or one per block
    return "json"


def field_specs(schema: EndpointSchema) -> list[FieldSpec]:
    """Every input field, required first, then in the schema's own display order."""
    specs = object_specs(schema, schema.input_schema)
    for spec in specs:
        spec.transport = spec.name in TRANSPORT_FIELDS and not spec.required
    main = [s for s in specs if s.required or s.kind in ("prompt", "image", "image_list")]
    rest = [s for s in specs if s not in main]
    for spec in rest:
        spec.advanced = spec.name not in (
            "image_size",
            "num_images",
            "seed",
            "upscale_factor",
            "scale",
        )
    main.sort(key=lambda s: not s.required)
    return main + rest


def object_specs(schema: EndpointSchema, obj: dict[str, Any], depth: int = 0) -> list[FieldSpec]:
    """The fields of one object schema, in its display order (nested objects included)."""
    root = schema.resolve(obj)
    props: dict[str, Any] = root.get("properties", {})
    order = root.get("x-fal-order-properties") or list(props)
    order = [n for n in order if n in props] + [n for n in props if n not in order]
    required = set(root.get("required", []))
    specs = []
    for name in order:
        prop = props[name] if isinstance(props[name], dict) else {}
        resolved = schema.resolve(prop)
        options, nullable = _options(schema, prop)
        first = options[0]
        enum: list[Any] = []
        for option in options:
            enum += [v for v in option.get("enum", []) if v not in enum]
        examples = resolved.get("examples") or first.get("examples") or []
        title = str(resolved.get("title") or "")
        if not title or _MODEL_NAME.match(title):  # "TimestepsInput" is a class name, not a title
            title = humanise(name)
        default = resolved.get("default", first.get("default", first.get("const")))
        spec = FieldSpec(
            name=name,
            kind=widget_kind(schema, name, prop),
            title=display_title(title),
            description=inspect.cleandoc(str(resolved.get("description") or "")),
            required=name in required,
            default=default,
            has_default="default" in resolved or "default" in first or "const" in first,
            placeholder=(
                short_placeholder(str(examples[0]))
                if examples and not isinstance(examples[0], (dict, list))
                else ""
            ),
            nullable=nullable,
            enum=enum,
            editable_enum=any(o.get("type") == "string" and not o.get("enum") for o in options),
            **number_spec(first, default),
            prefix="×" if FACTOR_HINT.search(title) or name.endswith(_FACTOR_NAMES) else "",
            schema=resolved,
        )
        if spec.kind == "number_or_object":
            number = next(o for o in options if o.get("type") in ("number", "integer"))
            number = {
                **{k: resolved[k] for k in ("minimum", "maximum", "ge", "le") if k in resolved},
                **number,
            }  # Pydantic's le/ge can sit beside the anyOf
            spec.integer = number.get("type") == "integer"
            for key, value in number_spec(number, default).items():
                setattr(spec, key, value)
        if spec.kind in ("object", "object_list") and depth < 4:
            target = first if spec.kind == "object" else schema.resolve(first.get("items") or {})
            spec.children = object_specs(schema, target, depth + 1)
        elif spec.kind in ("object", "object_list"):
            spec.kind = "json"
        specs.append(spec)
    return specs
