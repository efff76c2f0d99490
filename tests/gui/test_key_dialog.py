"""The API key dialog, driven through its widgets."""

from __future__ import annotations

import threading

import keyring
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit

from fal_desktop.app import SANDBOX_KEY
from fal_desktop.core.secrets import ApiKeyStore
from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog

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
        assert dialog.keyring_label.isVisible() and "until you quit" in dialog.keyring_label.text()
        assert not dialog.save_button.isVisible()
        # The intro does not promise a keyring that is not there.
        assert (
            "keyring" not in dialog.intro_label.text()
            and "until you quit" in dialog.intro_label.text()
        )
        assert dialog.session_button.text() == "Use until I quit"
        qtbot.keyClicks(dialog.key_edit, KEY)
        dialog.session_button.click()
        assert store.get() == KEY
        assert "(entered for this run of the app)" in dialog.current_label.text()
        assert "session" not in dialog.current_label.text().lower()
    finally:
        keyring.set_keyring(previous)


def test_with_a_keyring_the_intro_says_the_key_is_kept_there(qtbot, memory_keyring):
    dialog = ApiKeyDialog(ApiKeyStore(environ={}))
    qtbot.addWidget(dialog)
    assert "kept in your system keyring" in dialog.intro_label.text()


def test_the_sandbox_says_no_key_is_needed(qtbot, memory_keyring, tmp_path):
    store = ApiKeyStore(environ={"FAL_KEY": SANDBOX_KEY})  # as the app builds it for --sandbox
    dialog = ApiKeyDialog(store, lambda key: None, sandbox=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Sandbox: no key is needed" in dialog.current_label.text()
    assert "FAL_KEY" not in dialog.current_label.text() + dialog.intro_label.text()
    assert "without --sandbox" in dialog.intro_label.text().replace("\u2060", "")  # word joiners
    # Nothing to enter: a real key could not be tested against the local emulator.
    assert not dialog.key_edit.isVisible() and not dialog.save_button.isVisible()
    assert not dialog.session_button.isVisible() and not dialog.remove_button.isVisible()
    dialog.grab().save(str(tmp_path / "key_dialog_sandbox.png"))


def test_remove_key(qtbot, memory_keyring):
    store = ApiKeyStore(environ={})
    store.save(KEY)
    dialog = ApiKeyDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    qtbot.waitUntil(
        lambda: "No key" in dialog.current_label.text(), timeout=5000
    )  # off the GUI thread
    assert store.get() is None and dialog.status_label.text() == "The key was removed."
