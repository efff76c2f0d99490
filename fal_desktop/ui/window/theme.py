"""Light, dark or the system's look, applied to the whole app at once (live, and at start).

Light and dark use Qt's Fusion style, which draws everything from the palette, so the dark
palette below (every role, the disabled ones included) is all a dark window needs."""

from __future__ import annotations

from typing import TypedDict

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

__all__ = ["apply_theme", "dark_palette"]


class _Started(TypedDict, total=False):
    style: str
    palette: QPalette


_SYSTEM: _Started = {}  # the style and palette the app started with

_DARK = {  # role: (active/inactive, disabled)
    QPalette.ColorRole.Window: ("#2b2d31", "#2b2d31"),
    QPalette.ColorRole.WindowText: ("#e6e6e6", "#7c7f86"),
    QPalette.ColorRole.Base: ("#1e1f22", "#26282c"),
    QPalette.ColorRole.AlternateBase: ("#26282c", "#26282c"),
    QPalette.ColorRole.ToolTipBase: ("#3a3d43", "#3a3d43"),
    QPalette.ColorRole.ToolTipText: ("#e6e6e6", "#7c7f86"),
    QPalette.ColorRole.PlaceholderText: ("#8b8e95", "#5f6268"),
    QPalette.ColorRole.Text: ("#e6e6e6", "#6f727a"),
    QPalette.ColorRole.Button: ("#35383e", "#2f3237"),
    QPalette.ColorRole.ButtonText: ("#e6e6e6", "#6f727a"),
    QPalette.ColorRole.BrightText: ("#ff6b6b", "#ff6b6b"),
    QPalette.ColorRole.Light: ("#4a4d54", "#3a3d43"),
    QPalette.ColorRole.Midlight: ("#3f4248", "#35383e"),
    QPalette.ColorRole.Mid: ("#2f3237", "#2f3237"),
    QPalette.ColorRole.Dark: ("#18191c", "#18191c"),
    QPalette.ColorRole.Shadow: ("#0c0c0e", "#0c0c0e"),
    QPalette.ColorRole.Highlight: ("#3d7fd9", "#3a3d43"),
    QPalette.ColorRole.HighlightedText: ("#ffffff", "#7c7f86"),
    QPalette.ColorRole.Link: ("#7fb2ff", "#5a7bb0"),
    QPalette.ColorRole.LinkVisited: ("#b99cff", "#7d6aa8"),
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, (normal, disabled) in _DARK.items():
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, role, QColor(normal))
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def apply_theme(name: str, app: QApplication | None = None) -> None:
    """``"system"``, ``"light"`` or ``"dark"`` (anything else is taken as ``"system"``)."""
    app = app or _application()
    if app is None:
        return
    if not _SYSTEM:
        _SYSTEM.update({"style": app.style().name(), "palette": QPalette(app.palette())})
    if name == "dark":
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette())
    elif name == "light":
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(app.style().standardPalette())
    else:
        app.setStyle(QStyleFactory.create(_SYSTEM["style"]) or "Fusion")
        app.setPalette(_SYSTEM["palette"])
    app.setProperty("fal_theme", name if name in ("light", "dark") else "system")


def _application() -> QApplication | None:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else None
