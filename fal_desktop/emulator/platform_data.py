"""What the emulated Platform API says about each model: display names, descriptions, tags,
prices and typical per-call costs, for the bundled endpoints and a synthetic catalog.

Display names are fal's (as in ``resources/model-names.json``, which says where each comes from).

Prices are in the shapes fal uses (``unit`` is ``image``, ``megapixels``, ``compute seconds``,
``units``…); the figures are of the order fal lists, not quotes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fal_desktop.api.openapi import EndpointSchema

__all__ = [
    "BUNDLED",
    "SYNTHETIC_PREFIX",
    "item_for",
    "price_for",
    "synthetic_items",
    "typical_cost",
]

SYNTHETIC_PREFIX = "fal-ai/catalog-"

# endpoint id: (display name, description, tags, unit price, unit, typical cost of one call)
BUNDLED: dict[str, tuple[str, str, list[str], float, str, float]] = {
    "fal-ai/flux/dev": (
        "FLUX.1 [dev]",
        "A 12 billion parameter flow transformer that generates high-quality images from text.",
        ["high quality", "popular"],
        0.025,
        "image",
        0.025,
    ),
    "fal-ai/flux/schnell": (
        "FLUX.1 [schnell]",
        "The fastest FLUX: good images in 1 to 4 steps.",
        ["fast", "turbo"],
        0.003,
        "megapixels",
        0.003,
    ),
    "fal-ai/flux-pro/v1.1": (
        "FLUX1.1 [pro]",
        "Black Forest Labs' professional model: better "
        "composition, detail and speed than FLUX.1 [pro].",
        ["high quality", "pro"],
        0.04,
        "image",
        0.04,
    ),
    "fal-ai/fast-sdxl": (
        "Stable Diffusion XL",
        "Stable Diffusion XL served fast, with LoRA and embeddings.",
        ["sdxl", "lora"],
        0.00111,
        "compute seconds",
        0.0021,
    ),
    "fal-ai/fast-lightning-sdxl": (
        "Stable Diffusion XL Lightning",
        "SDXL distilled to a few steps: an image in well under a second.",
        ["sdxl", "fast"],
        0.00125,
        "megapixels",
        0.0013,
    ),
    "fal-ai/lora": (
        "Stable Diffusion with LoRAs",
        "Any Stable Diffusion checkpoint with your LoRAs, embeddings and IP-Adapter.",
        ["sd", "lora", "custom"],
        0.00111,
        "compute seconds",
        0.0046,
    ),
    "fal-ai/recraft-v3": (
        "Recraft V3",
        "Vector art, logos and long text in images; a leader in design-style generation.",
        ["vector", "typography", "design"],
        0.04,
        "image",
        0.04,
    ),
    "fal-ai/aura-sr": (
        "AuraSR",
        "A GAN upscaler: four times larger, sharp and fast.",
        ["upscaling", "gan"],
        0.00111,
        "compute seconds",
        0.0059,
    ),
    "fal-ai/ccsr": (
        "CCSR Upscaler",
        "Content-consistent super-resolution: faithful detail, no invented texture.",
        ["upscaling", "diffusion"],
        0.0005,
        "units",
        0.048,
    ),
    "fal-ai/clarity-upscaler": (
        "Clarity Upscaler",
        "Upscale and add detail guided by a prompt, with a creativity slider.",
        ["upscaling", "detail"],
        0.03,
        "megapixels",
        0.12,
    ),
    "fal-ai/creative-upscaler": (
        "Creative Upscaler",
        "Upscales while imagining new detail; replaced by Clarity Upscaler.",
        ["upscaling", "creative"],
        0.00111,
        "compute seconds",
        0.061,
    ),
    "fal-ai/esrgan": (
        "Upscale Images",
        "Real-ESRGAN: classic upscaling for photos and anime.",
        ["upscaling", "classic"],
        0.00111,
        "compute seconds",
        0.0024,
    ),
}
DEPRECATED = {"fal-ai/creative-upscaler"}

_SYNTHETIC_KINDS = [
    ("text-to-image", ["fast"], "image", 0.02),
    ("image-to-image", ["editing"], "megapixels", 0.03),
    ("image-to-image", ["upscaling"], "compute seconds", 0.00111),
    ("image-to-image", ["inpainting"], "image", 0.035),
    ("image-to-video", ["video"], "seconds", 0.1),
    ("training", ["lora"], "units", 0.002),
]
_WORDS = [
    "aurora",
    "basalt",
    "cobalt",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kelp",
    "lumen",
    "meadow",
    "nimbus",
    "onyx",
    "prism",
    "quartz",
    "raven",
    "sable",
    "tundra",
]


def _thumbnail(cdn_url: str, endpoint_id: str) -> str:
    return f"{cdn_url}/thumbnails/{hashlib.sha1(endpoint_id.encode()).hexdigest()[:16]}.png"


def item_for(schema: EndpointSchema, cdn_url: str) -> dict[str, Any]:
    """The catalog item of a bundled or ``--schemas`` document (``openapi`` added by the caller)."""
    endpoint_id = schema.endpoint_id
    name, description, tags, *_ = BUNDLED.get(endpoint_id, (None, None, [], 0, "", 0))
    meta = schema.metadata
    tags = list(tags) or [t for t in ("upscaling",) if "upscal" in endpoint_id]
    return {
        "endpoint_id": endpoint_id,
        "metadata": {
            "display_name": name or str(meta.get("display_name") or endpoint_id.split("/", 1)[-1]),
            "category": schema.category,
            "description": description or str(meta.get("description") or ""),
            "status": "deprecated" if endpoint_id in DEPRECATED else "active",
            "tags": tags,
            "updated_at": "2026-11-01T12:00:00Z",
            "is_favorited": False,
            "thumbnail_url": _thumbnail(cdn_url, endpoint_id),
            "model_url": f"https://fal.run/{endpoint_id}",
            "date": "2024-08-01T00:00:00Z",
            "highlighted": endpoint_id in ("fal-ai/flux/dev", "fal-ai/flux/schnell"),
            "pinned": False,
        },
    }


def synthetic_items(count: int, cdn_url: str) -> list[dict[str, Any]]:
    """``count`` made-up models (``fal-ai/catalog-…``) for benchmarks and paging tests."""
    items = []
    for n in range(count):
        category, tags, _unit, _price = _SYNTHETIC_KINDS[n % len(_SYNTHETIC_KINDS)]
        word, other = _WORDS[n % len(_WORDS)], _WORDS[(n // len(_WORDS)) % len(_WORDS)]
        endpoint_id = f"{SYNTHETIC_PREFIX}{word}-{other}/v{n}"
        items.append(
            {
                "endpoint_id": endpoint_id,
                "metadata": {
                    "display_name": f"{word.title()} {other.title()} {n}",
                    "category": category,
                    "description": f"A synthetic {category.replace('-', ' ')} model named after {word} and {other}.",
                    "status": "deprecated" if n % 97 == 5 else "active",
                    "tags": list(tags),
                    "thumbnail_url": _thumbnail(cdn_url, endpoint_id),
                    "updated_at": "2026-10-01T00:00:00Z",
                },
            }
        )
    return items


def price_for(endpoint_id: str) -> tuple[float, str] | None:
    if endpoint_id in BUNDLED:
        entry = BUNDLED[endpoint_id]
        return entry[3], entry[4]
    if endpoint_id.startswith(SYNTHETIC_PREFIX):
        n = int(endpoint_id.rsplit("/v", 1)[-1])
        _category, _tags, unit, price = _SYNTHETIC_KINDS[n % len(_SYNTHETIC_KINDS)]
        return price, unit
    return None


def typical_cost(endpoint_id: str) -> float | None:
    """What one call usually costs (what ``historical_api_price`` answers per call)."""
    if endpoint_id in BUNDLED:
        return BUNDLED[endpoint_id][5]
    price = price_for(endpoint_id)
    return None if price is None else round(price[0] * (4 if price[1] != "image" else 1), 6)
