"""Turn what the user drops or pastes (files, folders, URLs, image data) into job inputs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from fal_desktop.core.inputs import image_paths_in
from fal_desktop.forms.image_field import pasted_folder, save_pasted

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
        return image_paths_in(local) + remote
    if mime.hasImage():
        image = QImage(mime.imageData())
        if not image.isNull():
            return [save_pasted(image, paste_dir or pasted_folder(None))]
    url = _text_url(mime)
    return [url] if url else []
