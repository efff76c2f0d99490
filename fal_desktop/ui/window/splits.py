"""The window's three splitters (form | result, above the jobs; all of it | the sessions panel):
built with placeholders for the first paint, their sizes saved and restored, the sessions panel
folded away on a narrow window (the gallery stays as a strip), and the form column widened when
its form would otherwise scroll sideways."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from fal_desktop.ui.window.shell import Placeholder

__all__ = ["NARROW", "WindowSplits"]

NARROW = 1000  # px: narrower windows give the sessions panel's width to the form and result


class WindowSplits:
    def __init__(self, window: QMainWindow, settings: QSettings, parent: QWidget) -> None:
        self.window, self.settings = window, settings
        self.main = QSplitter(Qt.Orientation.Horizontal, parent)
        self.outer = QSplitter(Qt.Orientation.Vertical, self.main)
        self.top = QSplitter(Qt.Orientation.Horizontal, self.outer)
        self.top.addWidget(Placeholder())
        self.top.addWidget(Placeholder(""))
        self.top.setStretchFactor(1, 1)
        self.top.setSizes([450, 590])
        self.outer.addWidget(Placeholder(""))
        # As with the jobs panel in it: a taller or shorter window changes the form and result,
        # not the jobs' height, so nothing above moves when the panel replaces the placeholder.
        self.outer.setStretchFactor(0, 1)
        self.outer.setStretchFactor(1, 0)
        self.outer.setSizes([640, 200])
        self.main.addWidget(Placeholder(""))
        self.main.setStretchFactor(0, 1)
        self.main.setSizes([1040, 320])
        self._panels: dict[str, QSplitter] = {}  # the panels' own splitters, once built
        self._strip: QWidget | None = None  # the gallery strip shown while the sessions fold
        self._result_least: Callable[[], int] = lambda: 0
        self._sessions_folded = False  # by a narrow window, not by the user

    def add_panels(
        self,
        *,
        jobs: QSplitter,
        sessions: QSplitter,
        strip: QWidget,
        result_least: Callable[[], int],
    ) -> None:
        """The panels are built: their splitters are saved too, and the strip can show."""
        self._panels = {"jobs": jobs, "sessions": sessions}
        self._strip, self._result_least = strip, result_least
        self._show_strip(self._sessions_folded)  # folded before the panels came
        self.resized(self.window.width())  # the panels' widths, as a resize would set them

    def splitters(self) -> dict[str, QSplitter]:
        return {"main": self.main, "outer": self.outer, "top": self.top, **self._panels}

    def restore(self, *names: str, geometry: bool = False) -> bool:
        """The named splitters' saved states, and the window's saved geometry if asked (True
        if it was restored)."""
        saved = self.settings.value("geometry") if geometry else None
        restored = saved is not None and self.window.restoreGeometry(saved)
        splitters = self.splitters()
        for name in names:
            state = self.settings.value(f"splitter/{name}")
            if state is not None and name in splitters:
                splitters[name].restoreState(state)
        return restored

    def save(self, *, splitters: bool) -> None:
        """The geometry, and the splitters' states once the panels are in them (before, they
        hold placeholders sized without the panels' limits)."""
        self.settings.setValue("geometry", self.window.saveGeometry())
        if splitters:
            for name, splitter in self.splitters().items():
                self.settings.setValue(f"splitter/{name}", splitter.saveState())

    def resized(self, width: int, *, settled: bool = False) -> None:
        """A narrower window takes width from the sessions panel too, not only from the form;
        below ``NARROW`` px it folds the sessions panel away (the Session menu still works; the
        gallery stays as a strip under the result) and brings it back once the window is wide
        again. ``settled``: called again once the splitter has the window's width."""
        side = self.main.widget(1)
        if side is None:
            return
        if self.main.width() != width and not settled:
            # The window is being shown: its splitter is laid out after this, so its sizes are
            # not yet those the window will have. Look once they are (before the first paint),
            # so the panels that replace the placeholders later find the same widths.
            QTimer.singleShot(0, self.main, lambda: self.resized(self.window.width(), settled=True))
            return
        left, right = self.main.sizes()
        total, most = left + right, max(200, (left + right) // 4)
        if width < NARROW:
            if not side.isHidden():  # hidden, not squeezed: its width is not needed then either
                self._sessions_folded = True
                side.hide()
                self._show_strip(True)
        elif self._sessions_folded:  # wide again: the panel it folded comes back
            self._sessions_folded = False
            side.show()
            self._show_strip(False)
            self.main.setSizes([total - min(most, 320), min(most, 320)])
        elif right > most:
            self.main.setSizes([total - most, most])

    def fit_form_column(self, _least: int, overflow: int) -> None:
        """The form grew wider than its column: the column takes the room from the result
        (which keeps its least width), so nothing scrolls sideways."""
        form, result = self.top.sizes()
        grow = min(overflow + 2, result - self._result_least())
        if overflow > 0 and grow > 0:
            self.top.setSizes([form + grow, result - grow])

    def _show_strip(self, visible: bool) -> None:
        if self._strip is not None:
            self._strip.setVisible(visible)
