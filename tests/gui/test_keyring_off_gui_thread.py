"""The keyring is read on a worker thread during start-up: a locked (or slow) keyring never
freezes the window, which says what it waits for, and every later question is answered from
memory (the key dialog, the jobs engine's key)."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict

import keyring
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from fal_desktop.app import make_startup
from fal_desktop.cli import parse_args
from fal_desktop.core.paths import AppPaths
from fal_desktop.core.secrets import SERVICE, USERNAME, ApiKeyStore
from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog
from fal_desktop.ui.window.main_window import MainWindow
from tests.fakes import MemoryKeyring
from tests.gui.conftest import KEY, run_prompt


class LockedKeyring(MemoryKeyring):
    """A keyring whose reads wait until it is "unlocked" (``unlock``), noting their thread."""

    def __init__(self) -> None:
        super().__init__()
        self.unlocked = threading.Event()
        self.read_threads: list[str] = []
        self.write_threads: list[str] = []

    def get_password(self, service, username):
        self.read_threads.append(threading.current_thread().name)
        assert self.unlocked.wait(60), "never unlocked"
        return super().get_password(service, username)

    def set_password(self, service, username, password):
        self.write_threads.append(threading.current_thread().name)
        assert self.unlocked.wait(60), "never unlocked"
        super().set_password(service, username, password)


@pytest.fixture
def locked_keyring():
    previous = keyring.get_keyring()
    backend = LockedKeyring()
    backend.items[(SERVICE, USERNAME)] = KEY
    keyring.set_keyring(backend)
    yield backend
    backend.unlocked.set()
    keyring.set_keyring(previous)


def test_a_locked_keyring_never_freezes_the_window(qtbot, emulator, tmp_path, locked_keyring):
    paths = AppPaths.under(tmp_path / "app").ensure()
    args = parse_args(["--fal-hosts", json.dumps(asdict(emulator.hosts))])
    window = MainWindow(paths=paths)
    qtbot.addWidget(window)
    ticks = []
    timer = QTimer(window)
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(len(locked_keyring.read_threads)))
    timer.start()
    window.show()
    startup = make_startup(args, paths, QApplication.instance(), window)
    try:
        # The read has started and waits for the unlock; the window's event loop runs on.
        qtbot.waitUntil(lambda: len(locked_keyring.read_threads) == 1, timeout=10000)
        seen = len(ticks)
        qtbot.waitUntil(lambda: "keyring" in window.notice.label.text(), timeout=10000)
        assert "unlock" in window.notice.label.text() and window.notice.isVisible()
        assert len(ticks) > seen and ticks[-1] == 1  # frames ran while the read was blocked
        assert not window.ready
        assert locked_keyring.read_threads[0] != threading.main_thread().name

        locked_keyring.unlocked.set()
        qtbot.waitUntil(lambda: window.ready, timeout=20000)
        assert window.key_store.get() == KEY
        assert "No fal API key" not in window.notice.label.text()
        window.open_key_dialog()  # answered from memory: no second read
        assert "Current key" in window.key_gate.dialog.current_label.text()
        window.key_gate.dialog.close()
        row = run_prompt(qtbot, window, "the key reached the engine")
        assert row.files
        assert len(locked_keyring.read_threads) == 1
    finally:
        window.close()
        startup.close()


def test_saving_the_key_in_a_locked_keyring_never_freezes_the_dialog(qtbot, locked_keyring):
    locked_keyring.unlocked.set()
    store = ApiKeyStore(environ={}).load()
    locked_keyring.unlocked.clear()  # locked again: the next write waits for the unlock prompt
    dialog = ApiKeyDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    ticks = []
    timer = QTimer(dialog)
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(len(locked_keyring.write_threads)))
    timer.start()
    qtbot.keyClicks(dialog.key_edit, "new-key-0001:secret-0002")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: len(locked_keyring.write_threads) == 1, timeout=10000)
    seen = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) > seen + 3, timeout=10000)  # the dialog's loop runs on
    assert "Saving the key" in dialog.status_label.text() and not dialog.save_button.isEnabled()
    assert locked_keyring.write_threads[0] != threading.main_thread().name
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        locked_keyring.unlocked.set()
    assert store.get() == "new-key-0001:secret-0002"
    assert locked_keyring.items[(SERVICE, USERNAME)] == "new-key-0001:secret-0002"
