"""The main window's menu bar: File, Edit, View, Session, Models, Jobs, Settings, Help."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from fal_desktop import __version__
from fal_desktop.ui.window.shell import EARLY

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from fal_desktop.core.paths import AppPaths
    from fal_desktop.ui.jobs.spending import Spending
    from fal_desktop.ui.models.platform_ui import PlatformUI
    from fal_desktop.ui.results.autosave import AutoSaver
    from fal_desktop.ui.results.saver import ResultSaver
    from fal_desktop.ui.sessions.controller import SessionController
    from fal_desktop.ui.window.home import WindowHome
    from fal_desktop.ui.window.inputs import WindowInputs
    from fal_desktop.ui.window.keyboard import ShortcutsDialog
    from fal_desktop.ui.window.saving import SavingActions

__all__ = ["MenuHost", "build_menus"]


class MenuHost(Protocol):
    """What the menus act on: the main window's parts (named here, not imported, so the window
    can build its menus without the two modules importing each other). All but ``paths``,
    ``home`` and ``inputs`` are built once the window is ready; until then the menus' actions
    are held, except those marked ``EARLY``."""

    paths: AppPaths
    home: WindowHome
    inputs: WindowInputs
    saver: ResultSaver
    autosaver: AutoSaver
    saving: SavingActions
    session_ui: SessionController
    platform_ui: PlatformUI
    spending: Spending
    shortcuts_dialog: ShortcutsDialog
    autosave_action: QAction
    result_actions: dict[str, list[QAction]]

    def open_key_dialog(self, reason: str | None = None) -> None: ...


# Used where the platform has no standard key (Quit has none on Windows or without a desktop
# theme), so the shortcut still works and shows in the menu.
_FALLBACK_KEYS = {
    QKeySequence.StandardKey.Quit: "Ctrl+Q",
    QKeySequence.StandardKey.Preferences: "Ctrl+,",
}


def _add(menu: QMenu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    action = QAction(text, menu)
    if isinstance(shortcut, QKeySequence.StandardKey):
        fallback = _FALLBACK_KEYS.get(shortcut)
        action.setShortcuts(
            QKeySequence.keyBindings(shortcut) or ([QKeySequence(fallback)] if fallback else [])
        )
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def _open_log_folder(logs: Path, parent: QWidget) -> None:
    from fal_desktop.ui.window.crash import open_folder

    if not open_folder(logs):
        QMessageBox.information(parent, "Log folder", f"The log files are in {logs}")


def _show_shortcuts(window: MenuHost, parent: QWidget) -> None:
    from fal_desktop.ui.window.keyboard import ShortcutsDialog

    window.shortcuts_dialog = ShortcutsDialog(parent)
    window.shortcuts_dialog.open()


def build_menus(window: MenuHost, widget: QMainWindow) -> None:
    """The menu bar of ``widget`` (the window itself, as a widget: its dialogs' parent)."""
    bar = widget.menuBar()
    file_menu = bar.addMenu("&File")
    _add(
        file_menu,
        "&Upscale files…",
        lambda: window.saving.pick_files_to_upscale(),
        QKeySequence.StandardKey.Open,
    )
    file_menu.addSeparator()
    save = _add(
        file_menu,
        "&Save result as…",
        lambda: window.saving.save_selected(),
        QKeySequence.StandardKey.Save,
    )
    save_all = _add(
        file_menu, "Save &all finished results", lambda: window.saving.save_all(), "Ctrl+Shift+S"
    )
    _add(file_menu, "Choose the save &folder…", lambda: window.saver.folder(widget, ask=True))
    _add(file_menu, "Naming &template…", lambda: window.saving.edit_template())
    file_menu.addSeparator()
    toggle = _add(
        file_menu,
        "Auto-save &every result",
        lambda on: window.autosaver.set_enabled(on, widget),
        tip="Save every new result into a folder of your choice as soon as it arrives",
    )
    toggle.setCheckable(True)
    window.autosave_action = toggle  # its check mark follows the setting once the window is ready
    _add(file_menu, "Auto-save folder and &naming…", lambda: window.autosaver.configure(widget))
    file_menu.addSeparator()
    _add(file_menu, "&Quit", widget.close, QKeySequence.StandardKey.Quit).setProperty(EARLY, True)

    edit_menu = bar.addMenu("&Edit")
    # Ctrl+V in a text field still pastes text there: text fields take their own shortcuts first.
    _add(
        edit_menu,
        "&Paste images to upscale",
        window.inputs.paste_inputs,
        QKeySequence.StandardKey.Paste,
        tip="Upscale the image, files or URL on the clipboard (Ctrl+V outside a text field)",
    )
    copy = _add(
        edit_menu, "&Copy result image", lambda: window.saving.copy_selected(), "Ctrl+Shift+C"
    )
    view_menu = bar.addMenu("&View")
    view = _add(
        view_menu,
        "Result in &full window",
        lambda: window.saving.view_selected(),
        "F11",
        tip="The result as large as the screen; ←/→ go through the session, Esc closes",
    )
    view_menu.addSeparator()
    _add(view_menu, "Go to the &prompt", lambda: window.home.focus_prompt(), "Ctrl+P")
    _add(view_menu, "Go to the &model picker", lambda: window.home.focus_model_picker(), "Ctrl+M")
    for action in (save, save_all, copy):  # until there is a result; see watch_results
        action.setEnabled(False)
    view.setEnabled(False)
    window.result_actions = {
        "one": [save, copy, view],
        "every": [save_all],
    }  # finish_setup: SavingActions.watch_results

    def sessions():  # built with the rest of the window, after the menus
        return window.session_ui

    session_menu = bar.addMenu("Sess&ion")
    _add(
        session_menu, "&New session", lambda: sessions().new_session(), QKeySequence.StandardKey.New
    )
    _add(session_menu, "&Rename…", lambda: sessions().rename_session(sessions().session_id))
    _add(session_menu, "&Export…", lambda: sessions().ask_export(sessions().session_id))
    _add(session_menu, "&Delete…", lambda: sessions().delete_session(sessions().session_id))
    session_menu.addSeparator()
    _add(
        session_menu,
        "&Compare models…",
        lambda: sessions().compare_models(),
        "Ctrl+Shift+M",
        tip="Send one prompt to several text-to-image models and see the results side by side",
    )

    models_menu = bar.addMenu("&Models")
    _add(
        models_menu,
        "&Browse models…",
        lambda: window.platform_ui.open_browser(),
        "Ctrl+L",
        tip="Search fal's whole catalog by name, category or tag; favourites and recent models first",
    )

    jobs_menu = bar.addMenu("&Jobs")
    _add(
        jobs_menu,
        "&Cancel all jobs",
        lambda: window.home.cancel_all(),
        "Ctrl+Shift+X",
        tip="Cancel every job that is under way or waiting",
    )
    _add(
        jobs_menu,
        "&Retry failed jobs",
        lambda: window.home.retry_failed(),
        "Ctrl+Shift+R",
        tip="Retry every stopped job Retry applies to: fetch paid results again, send held jobs",
    )

    settings_menu = bar.addMenu("&Settings")
    _add(settings_menu, "fal &API key…", lambda: window.open_key_dialog())
    _add(
        settings_menu,
        "&Preferences…",
        lambda: window.home.open_preferences(),
        QKeySequence.StandardKey.Preferences,
    )
    _add(settings_menu, "&Spend limit…", lambda: window.spending.edit_limit())
    help_menu = bar.addMenu("&Help")
    _add(
        help_menu, "&Keyboard shortcuts", lambda: _show_shortcuts(window, widget), "Ctrl+/"
    ).setProperty(EARLY, True)
    _add(
        help_menu,
        "Open the &log folder",
        lambda: _open_log_folder(window.paths.logs, widget),
        tip="The app's log files: what it did, and the details of anything that failed",
    ).setProperty(EARLY, True)
    _add(
        help_menu,
        "&About fal desktop",
        lambda: QMessageBox.about(
            widget,
            "About fal desktop",
            f"fal desktop {__version__}\nImages with the models hosted on fal.ai.",
        ),
    ).setProperty(EARLY, True)
