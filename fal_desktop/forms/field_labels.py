"""How a field reads in the form: titles in sentence case, enum and image size labels,
placeholders and tooltips. No Qt."""

from __future__ import annotations

import re
from typing import Any

from fal_desktop.core.image_sizes import IMAGE_SIZES

__all__ = [
    "FACTOR_HINT",
    "PLACEHOLDER_LIMIT",
    "display_title",
    "enum_label",
    "humanise",
    "plain_tooltip",
    "preset_label",
    "short_placeholder",
]

# Pixels of each preset as the fal toolkit defines them (schema-format.md §4.3.2).
PRESET_PIXELS = IMAGE_SIZES
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
FACTOR_HINT = re.compile(r"\s*\((?:x|xs)\)\s*$", re.IGNORECASE)


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


def humanise(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def display_title(title: str) -> str:
    """A schema title in sentence case: "Num Inference Steps" → "Number of inference steps",
    "Image Url" → "Image URL"; acronyms and words written in capitals are kept."""
    words = []
    for word in FACTOR_HINT.sub("", title).split():
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
