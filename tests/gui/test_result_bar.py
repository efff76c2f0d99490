"""The row of actions under a result: every button's text fits beside its parts."""

from __future__ import annotations

from fal_desktop.ui.results.result_bar import ResultBar


def test_the_upscale_buttons_text_is_not_under_its_menu_arrow(qtbot):
    bar = ResultBar()
    qtbot.addWidget(bar)
    bar.set_result(True)
    bar.resize(900, 40)
    bar.show()

    def room(name):  # a button's width beyond its text
        button = bar.button(name)
        return button.sizeHint().width() - button.fontMetrics().horizontalAdvance(button.text())

    assert room("upscale") >= room("copy") + 10  # the menu arrow has a part of its own
    assert bar.button("upscale").isVisible()


def test_the_more_button_is_text_in_the_themes_colour(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QToolButton

    bar = ResultBar()
    qtbot.addWidget(bar)
    bar.set_result(True)
    bar.resize(420, 40)  # too narrow for every action: the » button shows
    bar.show()
    more = bar.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    qtbot.waitUntil(more.isVisible)
    assert more.text() == "»"  # drawn in the palette's text colour, not a fixed dark pixmap
    assert more.toolButtonStyle() is Qt.ToolButtonStyle.ToolButtonTextOnly
