"""Thumbnails of results, made off the GUI thread and cached on disk.

A thumbnail is decoded straight at its size (``QImageReader.setScaledSize``, which does not
hold Python's GIL), written once under the cache folder, and read from there afterwards. Only
small images are ever kept in memory, and only for the items on screen.

Signals:
    ready(str): the thumbnail of a source file is available (``get`` returns it now).
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter, QPixmap

from fal_desktop.ui.results.image_view import read_image
from fal_desktop.widgets.background import Background

__all__ = ["ThumbnailCache", "THUMB_SIDE"]

THUMB_SIDE = 120
KEEP_IN_MEMORY = 300  # thumbnails (≈ 70 KB each) kept for repainting


def cache_file(folder: Path, source: str, side: int) -> Path:
    """Where the thumbnail of ``source`` lives: named by its path, size on disk and mtime."""
    try:
        stat = os.stat(source)
        stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
    except OSError:
        stamp = "missing"
    digest = hashlib.sha1(f"{os.path.abspath(source)}|{stamp}|{side}".encode()).hexdigest()
    return folder / digest[:2] / f"{digest}.png"


def make_thumbnail(source: str, target: Path, side: int) -> QImage:
    """Read ``target`` if it exists, else decode ``source`` at ``side`` and write ``target``."""
    if target.is_file():
        cached = QImageReader(str(target)).read()
        if not cached.isNull():
            return cached
    reader = QImageReader(source)
    full = reader.size()
    size = (
        full.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio) if full.isValid() else QSize()
    )
    image = read_image(source, size if size.isValid() else None)
    if image.isNull():
        return image
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        if image.save(str(partial), "PNG"):
            partial.replace(target)
    except OSError:
        pass  # a full or read-only cache costs speed next time, nothing else
    return image


class ThumbnailCache(QObject):
    ready = Signal(str)

    def __init__(self, folder: Path, side: int = THUMB_SIDE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder, self.side = Path(folder), side
        self._images: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self.work = Background(self, threads=2)

    def get(self, source: str) -> QPixmap | None:
        """The thumbnail if it is in memory; otherwise it is made and ``ready`` follows."""
        image = self._images.get(source)
        if image is not None:
            self._images.move_to_end(source)
            return image
        if source not in self._pending:
            self._pending.add(source)
            self.work.run(
                make_thumbnail,
                source,
                cache_file(self.folder, source, self.side),
                self.side,
                done=lambda image, s=source: self._done(s, image),
                failed=lambda _exc, s=source: self._done(s, QImage()),
            )  # placeholder
        return None

    def _done(self, source: str, image: QImage) -> None:
        self._pending.discard(source)
        self._images[source] = self._squared(image)  # once, on the GUI thread
        while len(self._images) > KEEP_IN_MEMORY:
            self._images.popitem(last=False)
        self.ready.emit(source)

    def _squared(self, image: QImage) -> QPixmap:
        """The thumbnail centred on a clear square, so every gallery tile is the same size and
        the captions line up."""
        if image.isNull():
            return QPixmap()  # the gallery shows its placeholder
        square = QPixmap(self.side, self.side)
        square.fill(Qt.GlobalColor.transparent)
        painter = QPainter(square)
        painter.drawImage(
            (self.side - image.width()) // 2, (self.side - image.height()) // 2, image
        )
        painter.end()
        return square

    def forget(self, source: str) -> None:
        self._images.pop(source, None)
        cache_file(self.folder, source, self.side).unlink(missing_ok=True)

    def shutdown(self) -> None:
        """Drop thumbnails not started yet and wait for the ones being made."""
        self.work.stop()

    def wait_idle(self, ms: int = 20000) -> bool:
        return self.work.wait(ms)
