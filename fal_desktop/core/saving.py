"""Saving results where the user wants them: named by a template, never overwriting, and
with the job's parameters embedded so other tools (and fal-desktop) can read them back.

PNG gets a ``parameters`` text chunk in the A1111 style plus a ``fal`` chunk with the full
JSON; JPEG and WebP get the JSON in EXIF (UserComment) and XMP.
"""

from __future__ import annotations

import json
import re
import string
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_TEMPLATE",
    "DEFAULT_AUTOSAVE_TEMPLATE",
    "NAME_FIELDS",
    "render_name",
    "unique_path",
    "save_with_metadata",
    "a1111_parameters",
    "read_metadata",
    "job_parameters",
    "seed_of",
    "varied_value",
    "first_words",
    "fields_help",
]

#: One template for every kind of result. A part between underscores whose fields are all
#: empty is left out: an upscale has no seed, a text-to-image run no factor, and only a run of
#: several images numbers them.
DEFAULT_TEMPLATE = "{stem}_{model}_x{factor}_{varied}_{seed}_{n}.{ext}"
DEFAULT_AUTOSAVE_TEMPLATE = "{date}/{session}_{seed}_{index}.{ext}"
#: The fields a template can use, and what they hold (shown where the template is edited).
NAME_FIELDS = {
    "stem": "the input image's name, else the prompt's first words",
    "prompt": "the prompt's first words",
    "model": "the model's last name part (schnell, aura-sr)",
    "factor": "an upscale's factor (4), empty otherwise",
    "varied": "the varied value of a Vary run (guidance_scale-5.5), empty otherwise",
    "seed": "the seed, empty if none",
    "n": "the image's number in a run of several (1, 2…), empty for a single image",
    "index": "the image's index in its run (0, 1…)",
    "session": "the session's name",
    "date": "today's date",
    "ext": "png, jpg or webp, from the file itself",
}


def fields_help() -> str:
    """The template fields, one a line, for the dialogs where a template is edited."""
    return "\n".join(f"{{{name}}}: {meaning}" for name, meaning in NAME_FIELDS.items())


_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f]+')
_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
_USER_COMMENT = 0x9286


def render_name(template: str, **fields: Any) -> str:
    """Fill a template like ``{stem}_{model}_x{factor}.{ext}`` (folders allowed with ``/``).

    Unknown names stay visible (a typo shows in the name); a known field that is empty or not
    given is empty, and a part between underscores whose fields are all empty is left out.
    """

    class Missing(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "" if key in NAME_FIELDS else key

    clean = {
        k: _UNSAFE.sub("_", str(v)).replace("/", "-").replace("\\", "-")
        for k, v in fields.items()
        if v is not None
    }
    clean.setdefault("date", datetime.now().strftime("%Y-%m-%d"))
    values = Missing(clean)
    formatter = string.Formatter()
    folders = template.replace("\\", "/").split("/")
    rendered = []
    for number, folder in enumerate(folders):
        suffix = ""
        if number == len(folders) - 1 and folder.endswith(".{ext}"):
            folder, suffix = folder[: -len(".{ext}")], "." + values["ext"]
        kept = [
            formatter.vformat(part, (), values)
            for part in folder.split("_")
            if not _all_empty(formatter, part, values)
        ]
        rendered.append("_".join(kept) + suffix)
    parts = [p.strip().strip(".") or "_" for p in "/".join(rendered).split("/")]
    return "/".join(p for p in parts if p not in ("", ".."))


def _all_empty(formatter: string.Formatter, part: str, values: dict[str, str]) -> bool:
    """Whether ``part`` has fields and every one of them is empty."""
    names = [name for _text, name, _spec, _conv in formatter.parse(part) if name is not None]
    return bool(names) and all(values[name] == "" for name in names)


def first_words(text: Any, count: int = 6) -> str:
    """The first words of a prompt, joined by dashes, for a file name."""
    return "-".join(str(text or "").split()[:count])


def varied_value(job: Any, group: list[Any]) -> str:
    """What sets ``job`` apart in a Vary run (``guidance_scale-5.5``): the input values that
    differ within its ``group``; empty when the runs differ by model or ``group`` is one run."""
    if len(group) < 2 or len({run.endpoint_id for run in group}) > 1:
        return ""
    keys = sorted({key for run in group for key in run.inputs} - {"seed"})
    differing = [
        key
        for key in keys
        if len({json.dumps(run.inputs.get(key), sort_keys=True) for run in group}) > 1
    ]
    parts = []
    for key in differing:
        value = job.inputs.get(key, "default")
        text = " ".join(value.split()) if isinstance(value, str) else json.dumps(value)
        parts.append(f"{key}-{text[:24].strip()}")
    return "_".join(parts)


def unique_path(folder: Path, relative: str) -> Path:
    """``folder/relative``, or ``name (2).ext``… if that exists already: never overwrite."""
    target = Path(folder) / relative
    candidate, number = target, 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem} ({number}){target.suffix}")
        number += 1
    return candidate


def seed_of(output: Any, inputs: dict[str, Any]) -> Any:
    """The seed a result was made with: fal's answer first, else the one that was asked for."""
    seed = output.get("seed") if isinstance(output, dict) else None
    return seed if seed is not None else inputs.get("seed", "")


def job_parameters(job: Any) -> dict[str, Any]:
    """What is embedded in a saved file: endpoint, request id, the input as sent, the seed, and
    what the job cost (USD, None when unknown) with fal's billable units."""
    return {
        "endpoint_id": job.endpoint_id,
        "request_id": job.request_id,
        "input": job.payload or job.inputs,
        "seed": seed_of(job.output, job.inputs),
        "cost_usd": getattr(job, "cost", None),
        "billable_units": getattr(job, "billable_units", None),
    }


def a1111_parameters(params: dict[str, Any]) -> str:
    """The ``parameters`` text other image tools read: prompt, negative prompt, then settings."""
    inputs = params.get("input") or {}
    lines = [str(inputs.get("prompt") or "")]
    if inputs.get("negative_prompt"):
        lines.append(f"Negative prompt: {inputs['negative_prompt']}")
    settings = {
        "Steps": inputs.get("num_inference_steps"),
        "CFG scale": inputs.get("guidance_scale"),
        "Seed": params.get("seed", inputs.get("seed")),
        "Size": params.get("size"),
        "Model": params.get("endpoint_id"),
    }
    lines.append(", ".join(f"{k}: {v}" for k, v in settings.items() if v not in (None, "")))
    return "\n".join(lines)


def _xmp(payload: str) -> bytes:
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        '02/22-rdf-syntax-ns#"><rdf:Description xmlns:fal="https://fal.ai/ns/1.0/" '
        f'fal:parameters="{escaped.replace(chr(34), "&quot;")}"/></rdf:RDF></x:xmpmeta>'
    ).encode()


def save_with_metadata(
    source: Path, target: Path, params: dict[str, Any], *, overwrite: bool = False
) -> Path:
    """Write ``source`` as ``target`` (format from its suffix) with ``params`` embedded; an
    existing file is kept (``name (2).png`` is written) unless ``overwrite``, which only an
    explicit choice of that file name (Save as…) asks for."""
    fmt = _FORMATS.get(target.suffix.lower().lstrip("."))
    if fmt is None:
        raise ValueError(
            f"fal-desktop saves PNG, JPEG or WebP, not {target.suffix or 'files without a suffix'}."
        )
    payload = json.dumps(params, ensure_ascii=False, sort_keys=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    try:
        _write(source, partial, fmt, params, payload)
        final = (
            unique_path(target.parent, target.name) if target.exists() and not overwrite else target
        )
        partial.replace(final)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
    return final


def _write(source: Path, partial: Path, fmt: str, params: dict[str, Any], payload: str) -> None:
    from PIL import Image, PngImagePlugin  # here: the window's start needs no Pillow

    with Image.open(source) as image:
        image.load()
        if fmt == "PNG":
            info = PngImagePlugin.PngInfo()
            info.add_text("parameters", a1111_parameters(params))
            info.add_itxt("fal", payload)
            image.save(partial, format="PNG", pnginfo=info)
        else:
            exif = Image.Exif()
            exif[_USER_COMMENT] = payload
            rgb = image.convert("RGB") if fmt == "JPEG" else image
            rgb.save(partial, format=fmt, quality=95, exif=exif.tobytes(), xmp=_xmp(payload))


def read_metadata(path: Path) -> dict[str, Any] | None:
    """The parameters fal-desktop embedded in a saved file, or ``None``."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            text = image.info.get("fal")
            if text is None:
                comment = image.getexif().get(_USER_COMMENT)
                text = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else comment
    except Exception:
        return None
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
