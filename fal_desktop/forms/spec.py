"""From an endpoint's input schema to an ordered list of field specs. No Qt.

The widget kind of each field follows an explicit precedence (``widget_kind``), so what a
schema turns into is decided here, testably, and the widgets only draw it.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.image_sizes import IMAGE_SIZES

__all__ = [
    "FieldSpec",
    "field_specs",
    "object_specs",
    "widget_kind",
    "is_mask_field",
    "mask_base_image",
    "IMAGE_SIZE_PRESETS",
    "decimals_of",
    "display_title",
    "short_placeholder",
    "enum_label",
    "plain_tooltip",
    "preset_label",
    "LARGE_ENUM",
    "TRANSPORT_FIELDS",
    "MISSING",
]

IMAGE_SIZE_PRESETS = tuple(IMAGE_SIZES)
# Pixels of each preset as the fal toolkit defines them (schema-format.md §4.3.2).
PRESET_PIXELS = IMAGE_SIZES
LARGE_ENUM = 30  # from this many values an enum is a combo you can type into to filter
# How the result travels, not what it is: not shown, never sent from the form.
TRANSPORT_FIELDS = frozenset({"sync_mode"})
_IMAGE_NAME = re.compile(
    r"(^|_)(image|mask)(_url|_urls)?$|^(image|mask)_url|_image_url$|_mask_url$"
)
# Mask inputs of inpainting, fill and eraser models (white = change): get "Draw mask…".
_MASK_NAME = re.compile(r"(^|_)mask(_image)?_url$")
SLIDER_MAX_STEPS = 200
PLACEHOLDER_LIMIT = 100
# Words that schema titles write as "Url", "Vae", "Lora"…, spelled the way people write them.
_SPELLED = {
    "url": "URL",
    "urls": "URLs",
    "id": "ID",
    "ids": "IDs",
    "vae": "VAE",
    "ccsr": "CCSR",
    "snr": "SNR",
    "ip": "IP",
    "ic": "IC",
    "lora": "LoRA",
    "loras": "LoRAs",
    "cfg": "CFG",
    "sdxl": "SDXL",
    "clip": "CLIP",
    "unet": "UNet",
    "controlnet": "ControlNet",
    "controlnets": "ControlNets",
    "json": "JSON",
    "png": "PNG",
    "jpeg": "JPEG",
    "rgb": "RGB",
}
_MODEL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*Input$")
_FACTOR_NAMES = ("upscale_factor", "upscaling_factor")  # shown as "×4"
_FACTOR_HINT = re.compile(r"\s*\((?:x|xs)\)\s*$", re.IGNORECASE)


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


def enum_label(value: Any) -> str:
    """A readable label of an enum value: "80S_ILLUSTRATION" → "80s illustration",
    "realistic_image/b_and_w" → "Realistic image / b and w"."""
    text = str(value)
    if text.isupper() or "_" in text:
        text = text.replace("_", " ").replace("/", " / ")
        text = text.lower() if any(c.isalpha() for c in text) and text.upper() == text else text
        text = " ".join(text.split())
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text


def preset_label(preset: str) -> str:
    """An image size preset with its pixels: "landscape_4_3" → "Landscape 4:3 · 1024×768"."""
    words = (
        preset.replace("_16_9", " 16:9")
        .replace("_4_3", " 4:3")
        .replace("_hd", " HD")
        .replace("_", " ")
    )
    words = words[:1].upper() + words[1:]
    pixels = PRESET_PIXELS.get(preset)
    return f"{words} · {pixels[0]}×{pixels[1]}" if pixels else words


def plain_tooltip(text: str) -> str:
    """A description as a tooltip that shows it as written: Qt takes a tooltip with tags in it
    for rich text, so "<img><|image_1|></img>" would vanish; escaped inside <p> it shows."""
    import html

    return f"<p>{html.escape(text).replace(chr(10), '<br>')}</p>" if text else ""


def _humanise(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def display_title(title: str) -> str:
    """A schema title in sentence case: "Num Inference Steps" → "Number of inference steps",
    "Image Url" → "Image URL"; acronyms and words written in capitals are kept."""
    words = []
    for word in _FACTOR_HINT.sub("", title).split():
        core = word.strip("(),:;")
        if core.lower() in _SPELLED:
            word = word.replace(core, _SPELLED[core.lower()])
        elif core.lower() == "num":
            word = "number of"
        elif (core.isupper() and len(core) > 1) or any(c.isupper() for c in core[1:]):
            pass  # CFG, FLUX, LoRA: written that way on purpose
        else:
            word = word.lower()
        words.append(word)
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def short_placeholder(text: str, limit: int = PLACEHOLDER_LIMIT) -> str:
    """An example as a short placeholder: whole if it fits, else its first sentence, else
    cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    sentence = re.match(r"(.+?[.!?])(?=\s+[A-Z\"'(])", text)
    if sentence and len(sentence.group(1)) <= limit:
        return sentence.group(1)
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.-") + "…"


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def decimals_of(number: Any) -> int:
    """How many decimals a number is written with (0.25 → 2, 3.0 → 0, 1e-7 → 7); 0 for what is
    not a finite number."""
    import math
    from decimal import Decimal

    if not _is_number(number) or not math.isfinite(number):
        return 0
    exponent = Decimal(repr(float(number))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _number_format(
    option: dict[str, Any], low: float | None, high: float | None, default: Any
) -> tuple[int, float]:
    """The decimals and step of a float field: from multipleOf, else from the range and the
    default's precision (a default of 3.5 shows as "3.5", not "3.500")."""
    given = option.get("multipleOf", option.get("step"))
    # The bounds' own decimals too: a spin box rounds its range to its decimals, and a minimum
    # of 0.001 shown with 2 would let 0.0, which the schema refuses, through.
    bounds = max(
        decimals_of(option.get(key))
        for key in ("minimum", "ge", "maximum", "le", "exclusiveMinimum", "exclusiveMaximum")
    )
    if _is_number(given) and given > 0:
        return min(max(decimals_of(given), bounds), 6), float(given)
    span = (high - low) if low is not None and high is not None else float("inf")
    step = 0.01 if span <= 2 else 0.1 if span <= 50 else 1.0
    return min(max(decimals_of(step), decimals_of(default), bounds, 1), 6), step


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


def _bounds(
    option: dict[str, Any], inward: float | None = None
) -> tuple[float | None, float | None]:
    """The lowest and highest value allowed; an exclusive bound moves in by ``inward`` (by
    default 1 for integers, 0.0001 for floats: the smallest value the field can show)."""
    if inward is None:
        inward = 1 if option.get("type") == "integer" else 0.0001
    low = option.get("minimum", option.get("ge"))
    if low is None and _is_number(option.get("exclusiveMinimum")):
        low = option["exclusiveMinimum"] + inward
    high = option.get("maximum", option.get("le"))
    if high is None and _is_number(option.get("exclusiveMaximum")):
        high = option["exclusiveMaximum"] - inward
    return low, high


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
        low, high = _bounds(first)
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


def _number_spec(option: dict[str, Any], default: Any) -> dict[str, Any]:
    """The bounds, decimals and step of a field (only floats have decimals)."""
    low, high = _bounds(option)
    out = {"minimum": low, "maximum": high, "integer": option.get("type") == "integer"}
    if option.get("type") != "number":
        return {**out, "decimals": 0, "step": 1.0}
    decimals, step = _number_format(option, low, high, default)
    out["minimum"], out["maximum"] = _bounds(option, inward=10**-decimals)  # as finely as it shows
    return {**out, "decimals": decimals, "step": step}


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
            title = _humanise(name)
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
            **_number_spec(first, default),
            prefix="×" if _FACTOR_HINT.search(title) or name.endswith(_FACTOR_NAMES) else "",
            schema=resolved,
        )
        if spec.kind == "number_or_object":
            number = next(o for o in options if o.get("type") in ("number", "integer"))
            number = {
                **{k: resolved[k] for k in ("minimum", "maximum", "ge", "le") if k in resolved},
                **number,
            }  # Pydantic's le/ge can sit beside the anyOf
            spec.integer = number.get("type") == "integer"
            for key, value in _number_spec(number, default).items():
                setattr(spec, key, value)
        if spec.kind in ("object", "object_list") and depth < 4:
            target = first if spec.kind == "object" else schema.resolve(first.get("items") or {})
            spec.children = object_specs(schema, target, depth + 1)
        elif spec.kind in ("object", "object_list"):
            spec.kind = "json"
        specs.append(spec)
    return specs
