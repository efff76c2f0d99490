"""Check and normalise an input image before it is uploaded, with a sentence for each problem.

Upright (EXIF orientation applied), 8-bit RGB or RGBA, first frame of an animation, and
never a decompression bomb: the pixel count is checked from the header, before decoding.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "InputProblem",
    "PreparedImage",
    "prepare_image",
    "image_files_in",
    "image_paths_in",
    "resolve_inputs",
    "is_url",
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MAX_PIXELS = 64_000_000  # 8000 × 8000; larger inputs are refused, not decoded
_UPLOADABLE = {"PNG", "JPEG", "WEBP"}


class InputProblem(ValueError):
    """An input file that cannot be used; ``str()`` is the sentence to show."""


@dataclass
class PreparedImage:
    source: Path
    path: Path  # what to upload: the source itself, or a converted copy
    width: int
    height: int
    notes: list[str] = field(default_factory=list)


def is_url(text: str) -> bool:
    """An address to hand to fal as it is (http, https or data:), not a file here."""
    return text.startswith(("http://", "https://", "data:")) or "://" in text


def resolve_inputs(items: list[str], cwd: str | os.PathLike[str] | None) -> list[str]:
    """Command-line words as absolute paths (URLs kept), relative ones against ``cwd``: the
    working directory of the process the user typed them in, which a window that took them
    over (``ui/window/instance.py``) does not share. Without a ``cwd``, relative paths are left out:
    a path fal cannot open must never be sent to it as text."""
    resolved = []
    for item in items:
        if is_url(item):
            resolved.append(item)
            continue
        path = Path(item).expanduser()
        if not path.is_absolute():
            if cwd is None:
                continue
            path = Path(cwd) / path
        resolved.append(str(path.resolve()))
    return resolved


def image_files_in(paths: list[Path]) -> list[Path]:
    """Image files among ``paths``, looking into folders recursively, in a stable order."""
    return [Path(p) for p in image_paths_in(paths)]


def image_paths_in(paths: list[Path]) -> list[str]:
    """:func:`image_files_in` as strings, with no ``Path`` made per file (a folder of
    thousands is searched on a worker, which holds Python's lock from the GUI thread)."""
    found: list[str] = []
    for path in map(str, map(Path, paths)):
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                found += [
                    os.path.join(root, f)
                    for f in sorted(files)
                    if os.path.splitext(f)[1].lower() in IMAGE_SUFFIXES and not f.startswith(".")
                ]
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _to_8bit(image: Image.Image, notes: list[str]) -> Image.Image:
    mode = image.mode
    if mode in ("RGB", "RGBA"):
        return image
    if mode == "CMYK":
        notes.append("CMYK colours were converted to RGB.")
        return image.convert("RGB")
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        notes.append("16-bit image converted to 8-bit.")
        scale = 1 / 256 if mode.startswith("I;16") or mode == "I" else 255
        return image.point(lambda v: v * scale).convert("L").convert("RGB")
    if mode in ("P", "PA"):
        has_alpha = "transparency" in image.info or mode == "PA"
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode in ("LA", "La", "RGBa"):
        return image.convert("RGBA")
    return image.convert("RGB")


def prepare_image(
    path: Path, work_dir: Path, *, max_pixels: int = MAX_PIXELS, max_bytes: int | None = None
) -> PreparedImage:
    """Check one image and, when needed, write an upload-ready copy into ``work_dir``."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError:
        raise InputProblem(f"{name} could not be read (it is missing or not accessible).") from None
    if size == 0:
        raise InputProblem(f"{name} is empty (0 bytes).")
    if max_bytes is not None and size > max_bytes:
        raise InputProblem(
            f"{name} is {size / 2**20:.1f} MB; this model takes at most {max_bytes / 2**20:.1f} MB."
        )
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except UnidentifiedImageError:
        raise InputProblem(f"{name} is not an image this app can read.") from None
    except Image.DecompressionBombError:
        # Pillow refuses to open the very largest (its own limit); the sentence is ours.
        raise _too_many_pixels(name, _declared_size(path), max_pixels) from None
    except OSError as exc:
        raise InputProblem(f"{name} could not be read: {exc}") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise _too_many_pixels(name, (width, height), max_pixels)
        source_format = image.format
        frames = getattr(image, "n_frames", 1)
        if frames > 1:
            notes.append(f"{name} is animated; only its first frame is used.")
        try:
            image.seek(0)
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputProblem(f"{name} is damaged or truncated ({exc}).") from None
        rotated = _orientation(image) not in (None, 1)
        upright = ImageOps.exif_transpose(image) if rotated else image
        if rotated:
            notes.append("Turned upright as the photo's orientation tag says.")
        converted = _to_8bit(upright, notes)
        unchanged = (
            converted is image and not rotated and frames == 1 and source_format in _UPLOADABLE
        )
        if unchanged:
            return PreparedImage(path, path, width, height, notes)
        work_dir.mkdir(parents=True, exist_ok=True)
        target = work_dir / f"{path.stem}.png"
        converted.save(target, format="PNG", compress_level=3)
        return PreparedImage(path, target, converted.width, converted.height, notes)


def _too_many_pixels(name: str, size: tuple[int, int] | None, max_pixels: int) -> InputProblem:
    """The one sentence for an image over the pixel limit, however large."""
    what = f"{size[0]}×{size[1]} pixels" if size else "larger"
    return InputProblem(
        f"{name} is {what}, more than the {max_pixels / 1e6:.0f} megapixels this app accepts."
    )


def _declared_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the header of an image Pillow refuses to open (a decompression
    bomb): its format plugins read the header without the size check ``Image.open`` adds."""
    try:
        with open(path, "rb") as handle:
            prefix = handle.read(16)
            Image.init()
            for format_id in Image.ID:
                factory, accept = Image.OPEN[format_id]
                verdict = accept(prefix) if accept is not None else True
                if not verdict or isinstance(verdict, str):  # a str: Pillow's "not this one" note
                    continue
                handle.seek(0)
                try:
                    with factory(handle, str(path)) as image:
                        return image.size
                except Exception:  # noqa: BLE001 – not this format; try the next
                    continue
    except OSError:
        pass
    return None


def _orientation(image: Image.Image) -> int | None:
    try:
        return image.getexif().get(0x0112)
    except Exception:
        return None
