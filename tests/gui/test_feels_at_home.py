"""The window feels at home: the first start's welcome, notifications and progress in the
title, Preferences (theme live and at start), the keyboard, and a title said once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog
from fal_desktop.ui.window import home as home_module
from fal_desktop.ui.window import prefs
from fal_desktop.ui.window.keyboard import ShortcutsDialog, shortcut_list
from fal_desktop.ui.window.notify import Notifier, app_title
from fal_desktop.ui.window.theme import apply_theme
from tests.gui.conftest import KEY, rows
from tests.gui.test_money import click_run, restart, submits


@pytest.fixture(autouse=True)
def _system_theme_after():
    yield
    apply_theme("system")  # the palette is the whole app's: the next tests get the usual one


def action(window, text):
    found = [
        a for a in window.findChildren(type(window.menuBar().actions()[0])) if a.text() == text
    ]
    assert len(found) == 1, text
    return found[0]


# -- the welcome -----------------------------------------------------------------------


def test_a_first_start_welcomes_instead_of_a_red_bar_and_sets_the_key(qtbot, open_window):
    window = open_window(key=None)
    welcome = window.home.welcome
    assert welcome.isVisible() and not window.notice.isVisible()
    assert str(window.paths.outputs) in " ".join(
        label.text() for label in welcome.findChildren(type(window.notice.label))
    )
    welcome.key_button.click()
    dialog = window.findChild(ApiKeyDialog)
    assert dialog.isVisible()
    dialog.key_edit.setText(KEY)
    dialog.session_button.click()  # for this session: no keyring needed
    qtbot.waitUntil(lambda: not welcome.isVisible(), timeout=5000)
    assert window.settings.value("welcome/dismissed") == "true"


def test_a_dismissed_welcome_stays_away_and_a_job_history_means_no_welcome(
    qtbot, open_window, emulator
):
    window = open_window(key=None)
    window.home.welcome.close_button.click()
    assert not window.home.welcome.isVisible() and "No fal API key" in window.notice.label.text()
    window = restart(open_window, window, key=None)
    assert not window.home.welcome.isVisible() and window.notice.isVisible()

    window.settings.remove("welcome/dismissed")  # never dismissed, but jobs were run before
    window = restart(open_window, window, key=KEY)
    click_run(qtbot, window, "a job in the history")
    window = restart(open_window, window, key=None)
    window.settings.remove("welcome/dismissed")
    window.key_gate.check_key()
    assert not window.home.welcome.isVisible() and window.notice.isVisible()


def test_try_the_sandbox_starts_again_in_the_sandbox_with_the_same_arguments(
    qtbot, open_window, monkeypatch
):
    started = []
    monkeypatch.setattr(home_module, "start_detached", lambda command: started.append(command) or 1)
    window = open_window(key=None)
    window.home.start_args = ["--basedir", "/tmp/somewhere"]
    window.home.welcome.sandbox_button.click()
    assert started[0][-3:] == ["--basedir", "/tmp/somewhere", "--sandbox"]
    assert started[0][1:3] == ["-m", "fal_desktop"]
    assert not window.isVisible()  # this window quit; the sandbox one takes over


def test_the_sandbox_window_has_no_welcome(qtbot, open_window):
    window = open_window(key=KEY, sandbox=True)
    assert not window.home.welcome.isVisible()


# -- notifications and progress -----------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def away_from(qtbot, window):
    """Another window takes the focus: the main window is not the active one."""
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)
    return other


def sending(window):
    asked = []
    window.home.progress.notifier.send_desktop = lambda title, body: (
        asked.append((title, body)) or True
    )  # the D-Bus boundary: the desktop took it
    return asked


def test_a_long_job_ending_while_the_window_is_inactive_is_notified(qtbot, open_window):
    window = open_window()
    asked = sending(window)
    clock = window.home.progress.clock = FakeClock()
    away_from(qtbot, window)
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("a long one")
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: "0 of 1 done" in window.windowTitle(), timeout=5000)
    clock.now += 25  # it took 25 s
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)
    assert asked == [(app_title(False), "Your job is done.")]
    qtbot.waitUntil(lambda: bool(window.home.progress.notifier.sent), timeout=5000)
    assert window.home.progress.notifier.sent[0][0] == "desktop"
    assert window.windowTitle() == "fal desktop"  # no run under way: the plain title


def test_a_short_job_or_an_active_window_is_not_notified(qtbot, open_window):
    window = open_window()
    asked = sending(window)
    window.home.progress.clock = FakeClock()  # no time passes: a short job
    away_from(qtbot, window)
    row = click_run(qtbot, window, "a short one")
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    qtbot.waitUntil(lambda: window.windowTitle() == "fal desktop", timeout=5000)
    assert asked == []


def test_notifications_off_in_preferences_are_not_sent(qtbot, open_window):
    window = open_window()
    asked = sending(window)
    clock = window.home.progress.clock = FakeClock()
    prefs.set_notifications_on(window.settings, False)
    away_from(qtbot, window)
    row = click_run(qtbot, window, "quietly")
    clock.now += 60
    qtbot.waitUntil(lambda: row.state is JobState.COMPLETED, timeout=20000)
    qtbot.waitUntil(lambda: window.windowTitle() == "fal desktop", timeout=5000)
    assert asked == []


def test_where_the_desktop_takes_no_notification_the_tray_or_the_log_says_it(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    notifier = Notifier(owner, send=lambda title, body: False)
    notifier.notify("fal desktop", "2 of 2 jobs are done.")
    qtbot.waitUntil(lambda: bool(notifier.sent), timeout=5000)
    how, _title, body = notifier.sent[0]
    assert how in ("tray", "none") and body == "2 of 2 jobs are done."
    notifier.stop()


# -- preferences --------------------------------------------------------------------------


def test_preferences_apply_live_and_are_kept(qtbot, open_window, tmp_path):
    window = open_window()
    action(window, "&Preferences…").trigger()
    dialog = window.home.preferences
    assert dialog.isVisible()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.folder.setText(str(tmp_path))
    dialog.jobs.setValue(40)  # more than it allows
    assert dialog.jobs.value() == 32
    dialog.jobs.setValue(3)
    dialog.notify.setChecked(False)
    assert dialog.upscaler.findText("AuraSR (aura-sr)") >= 0  # named, with the id
    upscaler = dialog.upscaler.itemData(dialog.upscaler.count() - 1)
    dialog.upscaler.setCurrentIndex(dialog.upscaler.count() - 1)
    dialog.accept()

    palette = QApplication.palette()
    assert palette.color(QPalette.ColorRole.Window).lightness() < 80  # dark, at once
    assert palette.color(QPalette.ColorRole.WindowText).lightness() > 180
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled != palette.color(QPalette.ColorRole.Text)  # greyed out, still readable
    assert disabled.lightness() > palette.color(QPalette.ColorRole.Base).lightness() + 40
    qtbot.waitUntil(  # the open window follows
        lambda: (
            window.palette().color(QPalette.ColorRole.Window)
            == palette.color(QPalette.ColorRole.Window)
        ),
        timeout=5000,
    )
    settings = window.settings
    assert prefs.theme(settings) == "dark" and prefs.jobs_in_flight(settings) == 3
    assert not prefs.notifications_on(settings)
    assert settings.value("save/folder") == str(tmp_path)
    assert window.saver.folder(window) == tmp_path  # Save goes there without asking
    assert window.memory.get("__app__")["upscaler"] == upscaler

    action(window, "&Preferences…").trigger()
    window.home.preferences.theme.setCurrentIndex(0)  # "Same as the system"
    window.home.preferences.accept()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 150


@pytest.mark.parametrize(
    ("stored", "theme", "jobs", "notify"),
    [
        ({"prefs/theme": "purple", "prefs/jobs_in_flight": "many"}, "system", 16, True),
        (
            {"prefs/theme": 7, "prefs/jobs_in_flight": "-3", "prefs/notifications": "off"},
            "system",
            1,
            False,
        ),
        ({"prefs/theme": "DARK ", "prefs/jobs_in_flight": "999"}, "dark", 32, True),
        ({"prefs/jobs_in_flight": ["a", "b"]}, "system", 16, True),
    ],
)
def test_a_bad_stored_preference_reads_as_a_sane_value(tmp_path, stored, theme, jobs, notify):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    for key, value in stored.items():
        settings.setValue(key, value)
    assert prefs.theme(settings) == theme
    assert prefs.jobs_in_flight(settings) == jobs
    assert prefs.notifications_on(settings) is notify


def test_the_saved_theme_is_applied_at_start(qtbot, open_window):
    window = open_window()
    prefs.set_theme(window.settings, "dark")
    home_module.apply_start_preferences(window)
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80


# -- the keyboard -----------------------------------------------------------------------


def test_keyboard_shortcuts_lists_every_shortcut_of_the_window(qtbot, open_window):
    window = open_window()
    action(window, "&Keyboard shortcuts").trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog.isVisible()
    table = dialog.table
    listed = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    for text, keys in (
        ("Go to the prompt", "Ctrl+P"),
        ("Go to the model picker", "Ctrl+M"),
        ("Cancel all jobs", "Ctrl+Shift+X"),
        ("Retry failed jobs", "Ctrl+Shift+R"),
        ("Keyboard shortcuts", "Ctrl+/"),
    ):
        assert listed[text] == keys
    assert listed["Run the model"] == "Ctrl+Return or Ctrl+Enter"  # QShortcuts, not menu items
    # The platform's own keys for Paste, each as it writes them (not the dedicated Paste key)
    assert listed["Paste images to upscale"] == "Ctrl+V or Shift+Ins"
    assert listed["New session"] == "Ctrl+N"
    assert not any(", " in keys for keys in listed.values())  # "," reads as a key chord
    dialog.grab().save("/tmp/fixes_shortcuts.png")
    # every action with a key is there: the list is read from the window itself
    from PySide6.QtGui import QAction

    with_keys = {
        a.text().replace("&", "").removesuffix("…")
        for a in window.findChildren(QAction)
        if not a.shortcut().isEmpty()
    }
    assert with_keys <= set(listed) and len(listed) == len(shortcut_list(window))


def test_the_prompt_and_model_picker_shortcuts_move_the_focus(qtbot, open_window):
    window = open_window()
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    prompt = window.model_panel.form.fields["prompt"].editor
    qtbot.waitUntil(prompt.hasFocus, timeout=5000)
    qtbot.keyClick(prompt, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    picker = window.model_panel.picker
    qtbot.waitUntil(picker.view().isVisible, timeout=5000)  # open, to pick by typing
    picker.hidePopup()
    assert picker.hasFocus()


def test_cancel_all_cancels_every_job_under_way(qtbot, open_window, emulator):
    emulator.job_duration = 30
    window = open_window()
    first, second = click_run(qtbot, window, "one"), click_run(qtbot, window, "two")
    action(window, "&Cancel all jobs").trigger()
    qtbot.waitUntil(
        lambda: all(row.state is JobState.CANCELLED for row in (first, second)), timeout=20000
    )
    assert "Cancelled 2 job(s)." in window.notice.label.text()


def test_retry_failed_fetches_the_paid_results_again_without_new_jobs(qtbot, open_window, emulator):
    emulator.fail_downloads(1000, status=404)
    window = open_window()
    first, second = click_run(qtbot, window, "one"), click_run(qtbot, window, "two")
    qtbot.waitUntil(lambda: first.state.finished and second.state.finished, timeout=20000)
    assert {first.state, second.state} == {JobState.NOT_FETCHED}
    emulator.fail_downloads(0)
    action(window, "&Retry failed jobs").trigger()
    qtbot.waitUntil(
        lambda: first.state is JobState.COMPLETED and second.state is JobState.COMPLETED,
        timeout=20000,
    )
    assert len(rows(window)) == 2 and submits(emulator) == 2  # the same jobs, none new


# -- the title --------------------------------------------------------------------------


def qt_shown_title(title: str) -> str:
    """What Qt's platform windows show (QPlatformWindow::formatWindowTitle, xcb's separator)."""
    name = QGuiApplication.applicationDisplayName()
    return title if title.endswith(name) else f"{title} — {name}"


def test_the_sandbox_title_says_the_name_once(qtbot, open_window):
    QGuiApplication.setApplicationDisplayName(app_title(True))  # as app.py does for --sandbox
    try:
        window = open_window(key=KEY, sandbox=True)
        assert qt_shown_title(window.windowTitle()) == "fal desktop — sandbox"
    finally:
        QGuiApplication.setApplicationDisplayName("")


TITLE_ON_X11 = """
import subprocess, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from fal_desktop.core.paths import AppPaths
from fal_desktop.ui.window.main_window import MainWindow
from fal_desktop.ui.window.notify import app_title

app = QApplication(sys.argv[:1])
app.setApplicationDisplayName(app_title(True))  # as app.py does for --sandbox
window = MainWindow(paths=AppPaths.under(Path(sys.argv[1])).ensure(), sandbox=True)
window.show()
for _ in range(20):
    app.processEvents()
print(subprocess.run(["xprop", "-id", str(int(window.winId())), "_NET_WM_NAME"],
                     capture_output=True, text=True).stdout)
"""


@pytest.mark.timeout(240)
def test_on_x11_the_sandbox_window_title_says_the_name_once(tmp_path):
    import shutil
    import sys

    from tests.gui.test_x11_start import _under_xvfb

    if shutil.which("xprop") is None:
        pytest.skip("xprop is not installed")
    script = tmp_path / "title.py"
    script.write_text(TITLE_ON_X11)
    ran = _under_xvfb([sys.executable, str(script), str(tmp_path / "app")], tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip().endswith('= "fal desktop — sandbox"'), ran.stdout


def test_jobs_in_flight_from_preferences_configure_the_engine_at_start(
    qtbot, emulator, tmp_path, memory_keyring
):
    import json
    from dataclasses import asdict

    from fal_desktop.app import make_startup
    from fal_desktop.cli import parse_args
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.ui.window.main_window import MainWindow

    paths = AppPaths.under(tmp_path / "app").ensure()
    window = MainWindow(paths=paths)
    qtbot.addWidget(window)
    prefs.set_jobs_in_flight(window.settings, 3)
    window.show()
    args = parse_args(["--fal-hosts", json.dumps(asdict(emulator.hosts))])
    startup = make_startup(args, paths, QApplication.instance(), window)
    try:
        qtbot.waitUntil(lambda: window.ready, timeout=20000)
        assert window.manager._config["max_in_flight"] == 3  # what the jobs engine is sent
    finally:
        window.close()
        startup.close()
