"""Thumbnails of results, made off the GUI thread and cached on disk.

A thumbnail is decoded straight at its size (``QImageReader.setScaledSize``, which does not
hold Python's GIL), written once under the cache folder, and read from there afterwards. Only
small images are ever kept in memory, and only for the items on screen.

Only what is on screen is made, newest request first: a gallery asks for the tiles it paints,
so a request not asked again soon (a tile scrolled past) is dropped before it starts. While
the user scrolls (``hold``), nothing new starts: the worker threads would take the CPU the
frames need (two cores); the tiles left on screen are made once the scrolling stops.

Signals:
    ready(str): the thumbnail of a source file is available (``get`` returns it now).
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter, QPixmap

from fal_desktop.ui.results.image_view import read_image
from fal_desktop.widgets.background import Background

__all__ = ["ThumbnailCache", "THUMB_SIDE"]

THUMB_SIDE = 120
KEEP_IN_MEMORY = 300  # thumbnails (≈ 70 KB each) kept for repainting
WANTED = 256  # requests kept waiting, newest first (more than a full screen of tiles)
HOLD_MS = 60  # after the last scroll step, before thumbnails are made again


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
        part_file = target.with_name(target.name + ".part")
        # PySide6's stub asks for bytes as the format; at run time only a str is taken.
        if image.save(str(part_file), "PNG"):  # type: ignore[call-overload]
            part_file.replace(target)
    except OSError:
        pass  # a full or read-only cache costs speed next time, nothing else
    return image


def cached_thumbnail(source: str, folder: Path, side: int) -> QImage:
    """:func:`make_thumbnail` into the cache ``folder`` (the file's name is worked out here, on
    the worker: it reads the file's size and time)."""
    return make_thumbnail(source, cache_file(folder, source, side), side)


class ThumbnailCache(QObject):
    ready = Signal(str)

    def __init__(
        self, folder: Path, side: int = THUMB_SIDE, parent: QObject | None = None, threads: int = 2
    ) -> None:
        super().__init__(parent)
        self.folder, self.side, self.threads = Path(folder), side, threads
        self._images: OrderedDict[str, QPixmap] = OrderedDict()
        self._wanted: OrderedDict[str, None] = OrderedDict()  # asked for, not started; newest last
        self._making: set[str] = set()  # started on a worker
        self.work = Background(self, threads=threads)
        self._resume = QTimer(self, singleShot=True, interval=HOLD_MS)
        self._resume.timeout.connect(self._start_next)

    def get(self, source: str) -> QPixmap | None:
        """The thumbnail if it is in memory; otherwise it is made and ``ready`` follows."""
        image = self._images.get(source)
        if image is not None:
            self._images.move_to_end(source)
            return image
        if source not in self._making:
            self._wanted[source] = None
            self._wanted.move_to_end(source)  # asked again: on screen now
            while len(self._wanted) > WANTED:
                self._wanted.popitem(last=False)  # scrolled past: asked again if shown again
            self._start_next()
        return None

    def hold(self) -> None:
        """The user scrolls: start nothing new until ``HOLD_MS`` after the last call."""
        self._resume.start()

    def _start_next(self) -> None:
        while self._wanted and len(self._making) < self.threads and not self._resume.isActive():
            source, _ = self._wanted.popitem(last=True)  # the newest request: on screen
            self._making.add(source)
            self.work.run(
                cached_thumbnail,
                source,
                self.folder,
                self.side,
                done=partial(self._done, source),
                failed=partial(self._failed, source),
            )

    def _failed(self, source: str, _error: BaseException) -> None:
        self._done(source, QImage())  # the gallery shows its placeholder

    def _done(self, source: str, image: QImage) -> None:
        self._making.discard(source)
        self._images[source] = self._squared(image)  # once, on the GUI thread
        while len(self._images) > KEEP_IN_MEMORY:
            self._images.popitem(last=False)
        self.ready.emit(source)
        self._start_next()

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
        self._wanted.clear()
        self._resume.stop()
        self.work.stop()

    def wait_idle(self, ms: int = 20000) -> bool:
        """Wait until every thumbnail asked for is made (``ready`` delivered); whether in time."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(ms)
        while self._wanted or self._making:
            if deadline.hasExpired():
                return False
            self.work.wait(10)
            QCoreApplication.processEvents()
        return True
