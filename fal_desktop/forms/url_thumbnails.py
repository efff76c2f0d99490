"""Thumbnails of images given by URL: fetched off the GUI thread, without the API key (a
plain GET, no headers of ours), small, and cached for the session.

``thumbnails().request(url, size)`` returns a cached QImage at once or ``None``; the image
arrives later through the ``ready(url, QImage)`` signal (a null QImage when it failed).
Local images (paths) are read directly with ``local_thumbnail``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

from fal_desktop.widgets.background import Background

__all__ = ["UrlThumbnails", "thumbnails", "local_thumbnail", "MAX_BYTES"]

MAX_BYTES = 20_000_000  # a thumbnail is not worth more
# Hosts a thumbnail may be fetched from; None = any. Tests set a loopback-only rule, so that
# no test reaches fal's servers.
ALLOWED_HOSTS: set[str] | None = None


def local_thumbnail(path: str, size: int) -> QImage:
    """A small copy of a local image (a null QImage if it is none)."""
    if not Path(path).is_file():
        return QImage()
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid():
        reader.setScaledSize(full.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def _fetch(url: str, size: int) -> QImage:
    import httpx

    try:
        with httpx.stream("GET", url, timeout=15, follow_redirects=True) as response:
            if response.status_code != 200:
                return QImage()
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_BYTES:
                    return QImage()
    except (httpx.HTTPError, OSError, ValueError):
        return QImage()
    image = QImage.fromData(bytes(data))
    if image.isNull():
        return image
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class UrlThumbnails(QObject):
    ready = Signal(str, QImage)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache: dict[str, QImage] = {}
        self._pending: set[str] = set()
        self._work = Background(self, threads=2)

    def request(self, url: str, size: int) -> QImage | None:
        if url in self._cache:
            return self._cache[url]
        if not url.startswith(("http://", "https://")) or not _allowed(url):
            return QImage()
        if url not in self._pending:
            self._pending.add(url)
            self._work.run(
                _fetch,
                url,
                size,
                done=lambda image: self._arrived(url, image),
                failed=lambda _exc: self._arrived(url, QImage()),
            )
        return None

    def _arrived(self, url: str, image: QImage) -> None:
        self._pending.discard(url)
        self._cache[url] = image
        self.ready.emit(url, image)

    def wait(self, msecs: int = 20000) -> None:
        self._work.wait(msecs)


def _allowed(url: str) -> bool:
    from urllib.parse import urlsplit

    return ALLOWED_HOSTS is None or (urlsplit(url).hostname or "") in ALLOWED_HOSTS


_shared: UrlThumbnails | None = None


def thumbnails() -> UrlThumbnails:
    """The one loader of the app (its cache is shared by every image field)."""
    global _shared
    if _shared is None:
        from PySide6.QtCore import QCoreApplication

        _shared = UrlThumbnails(QCoreApplication.instance())
    return _shared
