"""Find the files in a model's output and name them safely on disk."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "OutputFile",
    "find_output_files",
    "safe_file_name",
    "kind_of_bytes",
    "with_suffix_of_bytes",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class OutputFile:
    url: str
    file_name: str | None
    content_type: str | None
    path: tuple[str | int, ...]  # where in the output it was found, e.g. ("images", 0)


def find_output_files(output: Any) -> list[OutputFile]:
    """Every object with a string ``url`` in an output (images, files), in document order."""
    found: list[OutputFile] = []

    def walk(node: Any, where: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            url = node.get("url")
            if isinstance(url, str) and url:
                name = node.get("file_name")
                kind = node.get("content_type")
                found.append(
                    OutputFile(
                        url,
                        name if isinstance(name, str) else None,
                        kind if isinstance(kind, str) else None,
                        where,
                    )
                )
                return
            for key, value in node.items():
                walk(value, (*where, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*where, index))

    walk(output, ())
    return found


def safe_file_name(file: OutputFile, index: int) -> str:
    """A plain file name (no folders, no ``..``) with an extension that fits the content."""
    candidate = file.file_name or ""
    if not candidate and file.url.startswith(("http://", "https://")):
        candidate = unquote(PurePosixPath(urlsplit(file.url).path).name)
    candidate = PurePosixPath(candidate.replace("\\", "/")).name  # drop any folders
    candidate = _UNSAFE.sub("_", candidate).strip(" .")[:120]
    stem, dot, ext = candidate.rpartition(".")
    if not dot:
        stem, ext = candidate, ""
    if not ext:
        guessed = mimetypes.guess_extension((file.content_type or "").split(";")[0].strip())
        ext = (guessed or ".bin").lstrip(".")
        if ext == "jpe":
            ext = "jpg"
    stem = stem or "output"
    return f"{index:02d}_{stem}.{ext.lower()}"


# The first bytes of each image format fal returns: they, not the URL or ``content_type``, say
# what a file is (a ``.png`` URL can carry ``image/jpeg``, reference §17).
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"BM", "bmp", "image/bmp"),
    (b"II*\x00", "tif", "image/tiff"),
    (b"MM\x00*", "tif", "image/tiff"),
)
_SAME = {"jpeg": "jpg", "jpe": "jpg", "tiff": "tif"}


def kind_of_bytes(head: bytes) -> tuple[str, str] | None:
    """``(suffix, mime type)`` of an image from its first bytes, or ``None`` if not one we know."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    for magic, suffix, mime in _SIGNATURES:
        if head.startswith(magic):
            return suffix, mime
    return None


def with_suffix_of_bytes(name: str, head: bytes) -> str:
    """``name`` with the suffix its bytes call for (``00_a.png`` holding JPEG → ``00_a.jpg``)."""
    kind = kind_of_bytes(head)
    stem, dot, ext = name.rpartition(".")
    if kind is None or not dot or _SAME.get(ext.lower(), ext.lower()) == kind[0]:
        return name
    return f"{stem}.{kind[0]}"
