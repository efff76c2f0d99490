"""The API key dialog, driven through its widgets."""

from __future__ import annotations

import threading

import keyring
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit

from fal_desktop.core.secrets import ApiKeyStore
from fal_desktop.ui.key_dialog import ApiKeyDialog

KEY = "1234abcd-0000:5678efgh9999"


def test_save_tests_and_masks(qtbot, memory_keyring, tmp_path):
    seen = []

    def tester(key):
        seen.append((key, threading.current_thread() is threading.main_thread()))
        return None if key == KEY else "fal did not accept this key (401)."

    store = ApiKeyStore(environ={})
    dialog = ApiKeyDialog(store, tester, reason="fal answered 401: the key was rejected.")
    qtbot.addWidget(dialog)
    assert dialog.reason_label.text().startswith("fal answered 401")
    assert dialog.key_edit.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.key_edit, "wrong")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "did not accept" in dialog.status_label.text(), timeout=5000)
    dialog.key_edit.clear()
    qtbot.keyClicks(dialog.key_edit, KEY)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.status_label.text() == "The key works.", timeout=5000)
    assert all(not on_main for _, on_main in seen)  # checked off the GUI thread
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    assert memory_keyring.items[("fal-desktop", "api-key")] == KEY
    assert KEY not in dialog.current_label.text() and "1234" in dialog.current_label.text()
    dialog.grab().save(str(tmp_path / "key_dialog.png"))


def test_without_keyring_offers_session_only(qtbot):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = ApiKeyStore(environ={})
        dialog = ApiKeyDialog(store)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.keyring_label.isVisible() and "session only" in dialog.keyring_label.text()
        assert not dialog.save_button.isVisible()
        qtbot.keyClicks(dialog.key_edit, KEY)
        dialog.session_button.click()
        assert store.get() == KEY
    finally:
        keyring.set_keyring(previous)


def test_remove_key(qtbot, memory_keyring):
    store = ApiKeyStore(environ={})
    store.save(KEY)
    dialog = ApiKeyDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert store.get() is None and "No key" in dialog.current_label.text()
