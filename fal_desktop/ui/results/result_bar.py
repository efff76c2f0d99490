"""A row of actions under the shown result: what can be done with it. On a narrow window the
ones that do not fit move into the toolbar's » menu instead of being squeezed.

Signals:
    action_requested(str): the name of one of ``gallery.RESULT_ACTIONS``; ``upscale:<model id>``
        from the Upscale button's menu; ``all`` to see every image of the run again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolBar, QToolButton, QVBoxLayout, QWidget

from fal_desktop.ui.sessions.gallery import RESULT_ACTIONS, upscale_menu

__all__ = ["ResultBar"]

_SHORT = {
    "view": "View",
    "reuse": "Reuse",
    "new_seed": "New seed",
    "vary": "Vary…",
    "use_input": "Use as input",
    "upscale": "Upscale",
    "compare": "Side by side",
    "copy": "Copy",
    "save": "Save…",
    "delete": "Delete…",
}


class ResultBar(QWidget):
    action_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.setStyleSheet(
            "QToolBar { border: none; spacing: 4px; }"
            "QToolButton { border: 1px solid palette(mid); border-radius: 4px; padding: 2px 6px;"
            " background: palette(button); }"
            "QToolButton:hover { background: palette(light); }"
            "QToolButton:disabled { color: palette(mid); border-color: palette(midlight); }"
            # the Upscale button's arrow gets its own part, so the text is never under it
            'QToolButton[popupMode="1"] { padding-right: 16px; }'
            "QToolButton::menu-button { border-left: 1px solid palette(mid); width: 14px; }"
            "QToolButton#qt_toolbar_ext_button { padding: 0px; border: none;"
            " background: transparent; }"
        )
        layout.addWidget(self.toolbar)
        more = self.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        if more is not None:  # Qt's » is a fixed dark pixmap, faint on a dark theme: text instead
            more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            more.setText("»")
            more.setToolTip("More actions")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.actions_by_name: dict[str, QAction] = {}
        # The models the Upscale button's menu offers.
        self.upscalers: Callable[[], list[str]] = list
        self.all_action = QAction("◫ All images", self)
        self.all_action.setToolTip("Back to every image of this run")
        self.all_action.triggered.connect(lambda: self.action_requested.emit("all"))
        self.toolbar.addAction(self.all_action)
        for name, text in RESULT_ACTIONS:
            if name == "copy":
                self.toolbar.addSeparator()
            action = QAction(_SHORT[name], self)
            action.setIconText(_SHORT[name])  # the button text; Qt's default drops a trailing "…"
            action.setToolTip(text.rstrip("…"))
            action.triggered.connect(lambda _checked=False, n=name: self.action_requested.emit(n))
            self.toolbar.addAction(action)
            self.actions_by_name[name] = action
        self.upscale_menu = QMenu(self)
        self.upscale_menu.aboutToShow.connect(
            lambda: upscale_menu(
                self.upscale_menu,
                self.upscalers(),
                None,
                # upscale_menu's annotation says Signal; it takes this SignalInstance (the ui/sessions
                # typing fixes the annotation, and then this ignore goes)
                self.action_requested,
            )
        )
        upscale = self.actions_by_name["upscale"]
        upscale.setToolTip("Upscale it with the last-used upscaler; the arrow offers every one")
        upscale.setMenu(self.upscale_menu)
        button = self.button("upscale")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        button.style().unpolish(button)  # the style sheet's [popupMode="1"] rule, now it applies
        button.style().polish(button)
        self.set_result(False)

    def button(self, name: str) -> QToolButton:
        button = self.toolbar.widgetForAction(self.actions_by_name[name])
        assert isinstance(button, QToolButton)  # what a toolbar makes for an action
        return button

    def set_result(
        self, has_result: bool, *, grouped: bool = False, upscaled: bool = False
    ) -> None:
        """Enable the actions that apply to the shown result (the bar shows only with one)."""
        self.setVisible(has_result)
        for action in self.actions_by_name.values():
            action.setEnabled(has_result)
        self.actions_by_name["compare"].setVisible(grouped)
        self.actions_by_name["new_seed"].setEnabled(has_result and not upscaled)

    def set_run_size(self, count: int, enlarged: bool) -> None:
        """``◫ All N`` shows while one image of a run of several is enlarged."""
        self.all_action.setText(f"◫ All {count}")
        self.all_action.setVisible(count > 1 and enlarged)

    # The tests and the window read buttons by name.
    @property
    def buttons(self) -> dict[str, QAction]:
        return self.actions_by_name
