"""Browse fal's whole model catalog: search as you type, filter by category, favourites and
recently used at the top, deprecated models marked. Choosing one loads its form.

Signals:
    chosen(str): the endpoint id the user picked.
    fetched(): fal's current catalog arrived (and was saved).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.api.platform import PlatformClient
from fal_desktop.core.model_directory import FILTERS, ModelDirectory, ModelInfo, ModelPicks
from fal_desktop.ui.models.model_list import (
    INFO_ROLE,
    ModelFilter,
    ModelListModel,
    ModelRowDelegate,
)
from fal_desktop.widgets.background import Background

__all__ = ["ModelBrowser"]

FRESH = 600  # seconds a fetched catalog is used as it is before asking fal again


def _age(saved_at: float | None) -> str:
    if not saved_at:
        return "never"
    return time.strftime("%d %b %Y, %H:%M", time.localtime(saved_at))


class ModelBrowser(QDialog):
    chosen = Signal(str)
    fetched = Signal()

    def __init__(
        self,
        directory: ModelDirectory,
        picks: ModelPicks,
        client: Callable[[], PlatformClient],
        thumbnails,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Browse fal models")
        self.directory, self.picks, self._client = directory, picks, client
        self.work = Background(self, threads=1)
        self.fetching = False
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search by name, id, description or tag")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda text: self._refilter(text=text))
        self.search.installEventFilter(self)
        self.category = QComboBox(self)
        for label, key in FILTERS:
            self.category.addItem(label, key)
        self.category.currentIndexChanged.connect(
            lambda _: self._refilter(category=self.category.currentData())
        )
        self.deprecated = QCheckBox("Show deprecated", self)
        self.deprecated.setChecked(True)
        self.deprecated.toggled.connect(lambda on: self._refilter(show_deprecated=on))
        row.addWidget(self.search, 1)
        row.addWidget(self.category)
        row.addWidget(self.deprecated)
        layout.addLayout(row)

        self.model = ModelListModel(picks, thumbnails, self)
        self.filter = ModelFilter(self)
        self.filter.setSourceModel(self.model)
        self.list = QListView(self)
        self.list.setModel(self.filter)
        self.list.setItemDelegate(ModelRowDelegate(self.list))
        self.list.setUniformItemSizes(True)  # layout stays cheap with 1,500 rows
        self.list.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.activated.connect(lambda _index: self.choose())
        self.list.doubleClicked.connect(lambda _index: self.choose())
        self.list.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list, 1)

        bottom = QHBoxLayout()
        self.count = QLabel(self)
        bottom.addWidget(self.count)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.favourite_button = QPushButton("☆ Favourite", self)
        self.favourite_button.setToolTip("Keep this model at the top of the list (Ctrl+D)")
        self.favourite_button.setShortcut("Ctrl+D")
        self.favourite_button.clicked.connect(self.toggle_favourite)
        self.use_button = QPushButton("Use model", self)
        self.use_button.setDefault(True)
        self.use_button.clicked.connect(self.choose)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.favourite_button)
        bottom.addWidget(self.use_button)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.resize(760, 620)
        self.show_models(directory.models)
        self.say_saved()

    # -- the list ------------------------------------------------------------------------

    def show_models(self, models: list[ModelInfo]) -> None:
        current = self.current()
        self.model.set_models(models)
        self.filter.refilter()
        self._select(current.endpoint_id if current else None)

    def _refilter(self, **query) -> None:
        """A new search or filter: the best match (the top row) is selected, so Enter picks it."""
        self.filter.set_query(**query)
        self._select(None, keep=False)

    def _select(self, endpoint_id: str | None, keep: bool = True) -> None:
        """Select ``endpoint_id`` (or keep the current row) if still shown, else the first row."""
        target = None
        if endpoint_id is not None:
            row = self.model.row_of(endpoint_id)
            target = self.filter.mapFromSource(self.model.index(row)) if row >= 0 else None
        if (target is None or not target.isValid()) and keep:
            target = self.list.currentIndex()
        if target is None or not target.isValid():
            target = self.filter.index(0, 0)
        self.count.setText(f"{self.filter.rowCount():,} of {len(self.model.models):,} models ·")
        self.list.setCurrentIndex(target)
        if target.isValid():
            self.list.scrollTo(target)
        self._update_buttons()

    def current(self) -> ModelInfo | None:
        index = self.list.currentIndex()
        return index.data(INFO_ROLE) if index.isValid() else None

    def shown_ids(self) -> list[str]:
        """The endpoint ids the list shows, top to bottom (tests, benchmarks)."""
        return [
            self.filter.index(r, 0).data(INFO_ROLE).endpoint_id
            for r in range(self.filter.rowCount())
        ]

    def _update_buttons(self) -> None:
        info = self.current()
        self.use_button.setEnabled(info is not None)
        self.favourite_button.setEnabled(info is not None)
        starred = info is not None and self.picks.is_favourite(info.endpoint_id)
        self.favourite_button.setText("★ Unfavourite" if starred else "☆ Favourite")

    def toggle_favourite(self) -> None:
        info = self.current()
        if info is not None:
            self.picks.toggle_favourite(info.endpoint_id)
            self.show_models(self.model.models)

    def choose(self) -> None:
        info = self.current()
        if info is None:
            return
        self.picks.used(info.endpoint_id)
        self.chosen.emit(info.endpoint_id)
        self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Up/Down/PageUp/PageDown in the search box move through the list; Enter picks."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            if event.key() in (
                Qt.Key.Key_Up,
                Qt.Key.Key_Down,
                Qt.Key.Key_PageUp,
                Qt.Key.Key_PageDown,
            ):
                self.list.keyPressEvent(event)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose()
                return True
        return super().eventFilter(watched, event)

    # -- fetching fal's catalog ------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch the whole catalog from fal in the background (unless it was fetched in the last
        ``FRESH`` seconds); the saved one shows meanwhile."""
        saved = self.directory.saved_at
        if self.fetching or (saved and 0 <= time.time() - saved < FRESH):
            return
        self.fetching = True
        self.status.setText("asking fal for its current catalog…")

        def fetch() -> list[ModelInfo]:
            with self._client() as client:
                return self.directory.fetch(client)

        self.work.run(fetch, done=self._fetched, failed=self._fetch_failed)

    def _fetched(self, models: list[ModelInfo]) -> None:
        self.fetching = False
        self.show_models(models)
        self.say_saved()
        self.fetched.emit()

    def _fetch_failed(self, error: BaseException) -> None:
        self.fetching = False
        reason = getattr(error, "user_message", None) or str(error)
        saved = (
            f"the catalog saved {_age(self.directory.saved_at)}"
            if self.directory.saved_at
            else "only the models that come with the app"
        )
        self.status.setText(f"Offline: showing {saved}. {reason}")
        self.status.setToolTip(getattr(error, "detail_text", "") or reason)

    def say_saved(self) -> None:
        if self.directory.saved_at:
            self.status.setText(f"fal's catalog as of {_age(self.directory.saved_at)}")
        else:
            self.status.setText("the models that come with the app")

    def shutdown(self) -> None:
        """Stop the workers (the window is closing)."""
        self.work.stop()
        self.model.close()
