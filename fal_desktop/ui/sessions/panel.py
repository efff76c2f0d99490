"""The right side of the window: sessions (search, new, rename, delete, export) and the
current session's gallery.

Signals:
    session_chosen(str): the user switched to this session.
    new_requested(), rename_requested(str), delete_requested(str), export_requested(str).
"""

from __future__ import annotations

import html
from functools import partial

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.jobstore import JobRecord
from fal_desktop.core.sessions import Session, SessionStore
from fal_desktop.ui.sessions.gallery import GalleryModel, GalleryView
from fal_desktop.ui.sessions.thumbnails import ThumbnailCache
from fal_desktop.widgets.background import Background
from fal_desktop.widgets.empty_hint import EmptyHint

#: Runs of a session read at once when it opens; the older ones follow from a worker.
FIRST_PAGE = 300

__all__ = ["SessionPanel"]


class _SessionDelegate(QStyledItemDelegate):
    """A session as two lines: its name, then its count and time, smaller and quieter."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, _, summary = opt.text.partition("\n")
        metrics = opt.fontMetrics
        line = metrics.height()
        opt.text = name  # the style draws the row and the name (elided), aligned to the top line
        opt.displayAlignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        quiet = QColor(
            opt.palette.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            )
        )
        quiet.setAlphaF(0.8 if selected else 0.55)
        painter.save()
        painter.setPen(quiet)
        painter.drawText(
            opt.rect.adjusted(6, line + 5, -6, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextDontClip,
            metrics.elidedText(summary, Qt.TextElideMode.ElideRight, opt.rect.width() - 12),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802
        return QSize(120, 2 * option.fontMetrics.height() + 14)


class SessionPanel(QWidget):
    session_chosen = Signal(str)
    new_requested = Signal()
    rename_requested = Signal(str)
    delete_requested = Signal(str)
    export_requested = Signal(str)

    def __init__(
        self, sessions: SessionStore, thumbnails: ThumbnailCache, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.current_id: str | None = None
        self._loads = 0  # which show_session an older page read belongs to
        self._reader = Background(self, threads=1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 8, 4)

        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Sessions</b>", self), 1)
        self.new_button = QPushButton("New", self)
        self.new_button.setToolTip("Start a new session; the current one is kept")
        self.new_button.clicked.connect(self.new_requested)
        self.more_button = QToolButton(self)
        self.more_button.setText("⋯")
        self.more_button.setToolTip("Rename, export or delete the current session")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more_button)
        menu.addAction("Rename…").triggered.connect(lambda: self._ask(self.rename_requested))
        menu.addAction("Export…").triggered.connect(lambda: self._ask(self.export_requested))
        menu.addSeparator()
        menu.addAction("Delete…").triggered.connect(lambda: self._ask(self.delete_requested))
        self.more_button.setMenu(menu)
        head.addWidget(self.new_button)
        head.addWidget(self.more_button)
        layout.addLayout(head)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search sessions by prompt…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        layout.addWidget(self.search)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.list = QListWidget(self.splitter)
        self.list.setUniformItemSizes(True)
        self.list.setItemDelegate(_SessionDelegate(self.list))
        self.list.currentItemChanged.connect(self._current_changed)
        self.list_hint = EmptyHint(self.list)  # a search with no hits says so inside the list
        box = QWidget(self.splitter)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 4, 0, 0)
        self.gallery_title = QLabel(box)
        self.gallery_title.setWordWrap(True)
        inner.addWidget(self.gallery_title)
        self.gallery_model = GalleryModel(thumbnails, self)
        self.gallery = GalleryView(self.gallery_model, box)
        self.gallery.setMinimumSize(QSize(120, 150))
        inner.addWidget(self.gallery, 1)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([150, 600])
        layout.addWidget(self.splitter, 1)
        self.gallery_model.modelReset.connect(self._update_title)
        self.gallery_model.rowsInserted.connect(self._update_title)
        self.gallery_model.rowsRemoved.connect(self._update_title)

    # -- the list of sessions --------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the list (search applied), keeping the current session selected."""
        found = self.sessions.search(self.search.text())
        self.list.blockSignals(True)
        self.list.clear()
        for session in found:
            item = QListWidgetItem(f"{session.name}\n{session.summary()}")
            item.setData(Qt.ItemDataRole.UserRole, session.id)
            item.setToolTip(session.name)
            self.list.addItem(item)
            if session.id == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        searching = bool(self.search.text().strip())
        self.list_hint.setText(
            "No session has those words in its name or prompts." if searching else ""
        )
        self._update_title()

    def show_session(self, session: Session) -> None:
        """Its newest runs at once; a big session's older ones are read off the GUI thread
        (10,000 runs take about half a second to read) and join the end of the gallery."""
        self.current_id = session.id
        self._loads += 1
        newest = self.sessions.newest_runs(session.id, FIRST_PAGE)
        self.gallery_model.set_runs(newest)
        self.refresh()
        if len(newest) == FIRST_PAGE:
            self._reader.run(
                self.sessions.runs_until,
                session.id,
                newest[0].created_at,
                done=partial(self._older_read, self._loads),
            )

    def _older_read(self, load: int, older: list[JobRecord]) -> None:
        if load == self._loads:  # still the session shown
            self.gallery_model.add_older(older)
            self._update_title()

    def _current_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        session_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if session_id and session_id != self.current_id:
            self.session_chosen.emit(session_id)

    def _ask(self, signal: SignalInstance) -> None:
        if self.current_id:
            signal.emit(self.current_id)

    def set_spent(self, text: str) -> None:
        """What this session's finished jobs cost ("" when none finished)."""
        if text == getattr(self, "spent", None):
            return  # asked after every finished job: the title is read from the store
        self.spent = text
        self._update_title()

    def _update_title(self, *_: object) -> None:
        name = self.sessions.name(self.current_id)  # asked as each finished run joins
        if name is None:
            self.gallery_title.setText("")
            return
        count = self.gallery_model.rowCount()
        name = name if len(name) <= 60 else name[:59] + "…"
        if count:
            text = f"<b>{html.escape(name)}</b> — {count} result{'s' if count != 1 else ''}"
            if getattr(self, "spent", ""):
                text += f" · cost {html.escape(self.spent)}"
        else:
            text = (
                f"<b>{html.escape(name)}</b> — no results yet. Run a model and its images "
                "collect here."
            )
        self.gallery_title.setText(text)
