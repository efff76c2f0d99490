"""Real images and outputs in each endpoint's own shape, made locally with Pillow.

Text-to-image draws a deterministic picture from prompt, seed and size; upscalers resize
the input image by the requested factor. Outputs follow the endpoint's output schema.
"""

from __future__ import annotations

import hashlib
import io
import random
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.image_sizes import IMAGE_SIZES

__all__ = [
    "PRESETS",
    "image_size_of",
    "upscale_factor_of",
    "draw_picture",
    "upscale",
    "mask_field_of",
    "inpaint",
    "build_output",
    "encode_png",
]

PRESETS = IMAGE_SIZES
MAX_SIDE = 14142


def _default(schema: EndpointSchema, name: str) -> Any:
    prop = schema.input_schema.get("properties", {}).get(name)
    return schema.resolve(prop).get("default") if isinstance(prop, dict) else None


def image_size_of(schema: EndpointSchema, payload: dict[str, Any]) -> tuple[int, int]:
    size = payload.get("image_size", _default(schema, "image_size"))
    if isinstance(size, dict):
        w, h = int(size.get("width") or 512), int(size.get("height") or 512)
        return max(1, min(w, MAX_SIDE)), max(1, min(h, MAX_SIDE))
    if isinstance(size, str) and size in PRESETS:
        return PRESETS[size]
    return PRESETS["square_hd"]


def upscale_factor_of(schema: EndpointSchema, payload: dict[str, Any]) -> float:
    for name in ("upscale_factor", "scale"):
        props = schema.input_schema.get("properties", {})
        if name in props:
            value = payload.get(name, _default(schema, name))
            try:
                return max(0.25, min(float(value), 16.0))
            except (TypeError, ValueError):
                return 2.0
    return 4.0 if "aura" in schema.endpoint_id else 2.0


def draw_picture(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """Soft colour fields from a seeded grid, with the prompt written on it."""
    digest = hashlib.sha256(f"{prompt}\x00{seed}".encode()).digest()
    rng = random.Random(digest)
    grid = Image.new("RGB", (6, 6))
    grid.putdata([tuple(rng.randrange(40, 230) for _ in range(3)) for _ in range(36)])
    picture = grid.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(picture)
    for _ in range(6):
        r = rng.randrange(max(2, min(width, height) // 16), max(3, min(width, height) // 4))
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=max(1, r // 8))
    text = (prompt or "untitled")[:80]
    draw.rectangle((0, height - 28, width, height), fill=(0, 0, 0))
    draw.text((8, height - 22), f"{text}  ·  seed {seed}", fill=(255, 255, 255))
    return picture


def upscale(source: Image.Image, factor: float) -> Image.Image:
    source = source.convert("RGBA" if "A" in source.getbands() else "RGB")
    width = max(1, min(round(source.width * factor), MAX_SIDE))
    height = max(1, min(round(source.height * factor), MAX_SIDE))
    bigger = source.resize((width, height), Image.Resampling.BICUBIC)
    return bigger.filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=2))


def mask_field_of(schema: EndpointSchema) -> str | None:
    """The top-level mask input of an inpainting endpoint (``mask_url``, ``mask_image_url``)."""
    names = schema.input_schema.get("properties", {})
    return next((n for n in ("mask_url", "mask_image_url") if n in names), None)


def inpaint(source: Image.Image, mask: Image.Image, prompt: str, seed: int) -> Image.Image:
    """The source with its mask's white part painted anew and its black part kept, as fal's
    inpainting models do; a mask of another size is stretched to the image's."""
    source = source.convert("RGB")
    mask = mask.convert("L")
    if mask.size != source.size:
        mask = mask.resize(source.size, Image.Resampling.NEAREST)
    fresh = draw_picture(prompt, seed, source.width, source.height)
    return Image.composite(fresh, source, mask)


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _blank(schema: EndpointSchema, prop: Any) -> Any:
    prop = schema.resolve(prop) if isinstance(prop, dict) else {}
    if "default" in prop:
        return prop["default"]
    for option in prop.get("anyOf", []):
        if isinstance(option, dict) and option.get("type") == "null":
            return None
    kind = prop.get("type")
    return {
        "string": "",
        "integer": 0,
        "number": 0.0,
        "boolean": False,
        "array": [],
        "object": {},
    }.get(kind)


def _as_declared(schema: EndpointSchema, prop: Any, image: dict[str, Any]) -> dict[str, Any]:
    """An image item with only the fields the schema's image type declares (fal's flux answers
    carry ``url, width, height, content_type`` and no ``file_name``/``file_size``)."""
    item = schema.resolve(prop) if isinstance(prop, dict) else {}
    item = schema.resolve(item.get("items")) if item.get("type") == "array" else item
    declared = item.get("properties") if isinstance(item, dict) else None
    return (
        {k: v for k, v in image.items() if k in declared} if isinstance(declared, dict) else image
    )


def build_output(
    schema: EndpointSchema,
    payload: dict[str, Any],
    images: list[dict[str, Any]],
    seed: int,
    seconds: float,
) -> dict[str, Any]:
    """The endpoint's output: its image field(s) filled, the rest in the declared shape."""
    out_schema = schema.output_schema
    props = out_schema.get("properties", {})
    output: dict[str, Any] = {}
    for name, prop in props.items():
        if name == "images":
            output[name] = [_as_declared(schema, prop, image) for image in images]
        elif name == "image":
            output[name] = _as_declared(schema, prop, images[0])
        elif name == "seed":
            output[name] = seed
        elif name == "timings":
            output[name] = {"inference": round(seconds, 3)}
        elif name == "has_nsfw_concepts":
            output[name] = [False] * len(images)
        elif name == "prompt":
            output[name] = str(payload.get("prompt") or "")
        elif name in out_schema.get("required", []):
            output[name] = _blank(schema, prop)
    return output
