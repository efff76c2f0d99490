"""fal's named image sizes and their pixels, as fal's toolkit defines them (schema-format.md
§4.3.2): one table for the forms, the price line and the emulator."""

from __future__ import annotations

__all__ = ["IMAGE_SIZES"]

#: name → (width, height), in the order fal's models list them.
IMAGE_SIZES: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
