"""Turn what the user drops or pastes (files, folders, URLs, image data) into job inputs."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from fal_desktop.core.inputs import image_files_in

__all__ = ["dropped_folders", "inputs_from_mime", "has_inputs"]


def has_inputs(mime: QMimeData | None) -> bool:
    return mime is not None and (mime.hasUrls() or mime.hasImage() or _text_url(mime) is not None)


def _text_url(mime: QMimeData) -> str | None:
    text = mime.text().strip() if mime.hasText() else ""
    return text if text.startswith(("http://", "https://")) and "\n" not in text else None


def dropped_folders(mime: QMimeData | None) -> tuple[list[Path], list[str]] | None:
    """(local paths, URLs) if the drop holds a folder (searched off the GUI thread), else None."""
    if mime is None or not mime.hasUrls():
        return None
    local = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    if not any(path.is_dir() for path in local):
        return None
    return local, [u.toString() for u in mime.urls() if u.scheme() in ("http", "https")]


def inputs_from_mime(mime: QMimeData | None, paste_dir: Path | None = None) -> list[str]:
    """Local image paths (folders searched recursively) and http(s) URLs, in order."""
    if mime is None:
        return []
    if mime.hasUrls() and mime.urls():
        local = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        remote = [u.toString() for u in mime.urls() if u.scheme() in ("http", "https")]
        return [str(p) for p in image_files_in(local)] + remote
    if mime.hasImage():
        image = QImage(mime.imageData())
        if not image.isNull():
            folder = paste_dir or Path(tempfile.gettempdir()) / "fal-desktop-pasted"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"pasted-{uuid.uuid4().hex[:12]}.png"
            image.save(str(path))  # PNG, from the suffix
            return [str(path)]
    url = _text_url(mime)
    return [url] if url else []
