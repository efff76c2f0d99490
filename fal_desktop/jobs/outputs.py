"""Find the files in a model's output and name them safely on disk."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["OutputFile", "find_output_files", "safe_file_name"]

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
                found.append(OutputFile(url, name if isinstance(name, str) else None,
                                        kind if isinstance(kind, str) else None, where))
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
