"""The API key dialog: set, test and remove the fal key, always shown masked.

Testing, saving and removing run off the GUI thread: a locked keyring asks to be unlocked,
and the window must not freeze meanwhile. Reading is answered from memory (``ApiKeyStore.load``
read the keyring at start-up, on a worker thread)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.secrets import ApiKeyStore, KeySource, KeyStoreUnavailable, mask_key
from fal_desktop.widgets.background import Background

__all__ = ["ApiKeyDialog", "KeyTester"]

#: Checks a key with one cheap authenticated call: ``None`` if it works, else a sentence.
KeyTester = Callable[[str], str | None]


class ApiKeyDialog(QDialog):
    """Enter, test, save or remove the key. ``reason`` explains why the dialog opened."""

    def __init__(
        self,
        store: ApiKeyStore,
        tester: KeyTester | None = None,
        *,
        reason: str | None = None,
        sandbox: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``sandbox``: the app runs against its local emulator and set the key itself."""
        super().__init__(parent)
        self.setWindowTitle("fal API key")
        self.setMinimumWidth(520)
        self._store, self._tester, self._sandbox = store, tester, sandbox
        self.work = Background(self)

        layout = QVBoxLayout(self)
        self.reason_label = QLabel(reason or "", self)
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet(
            "color: palette(highlighted-text); background: #b3261e;"
            " padding: 6px; border-radius: 4px;"
        )
        self.reason_label.setVisible(bool(reason))
        layout.addWidget(self.reason_label)

        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        self.intro_label.setOpenExternalLinks(True)
        layout.addWidget(self.intro_label)

        self.current_label = QLabel(self)
        self.current_label.setWordWrap(True)
        layout.addWidget(self.current_label)

        self.entry = QWidget(
            self
        )  # hidden in the sandbox: there a real key could not even be tested
        row = QHBoxLayout(self.entry)
        row.setContentsMargins(0, 0, 0, 0)
        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("key-id:key-secret")
        self.key_edit.textChanged.connect(self._update_buttons)
        row.addWidget(self.key_edit, 1)
        self.test_button = QPushButton("Test", self)
        self.test_button.clicked.connect(self.test_key)
        self.test_button.setVisible(tester is not None)
        row.addWidget(self.test_button)
        layout.addWidget(self.entry)

        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.keyring_label = QLabel(self)
        self.keyring_label.setWordWrap(True)
        layout.addWidget(self.keyring_label)

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(
            "Save to keyring", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.session_button = self.buttons.addButton(
            "Use until I quit", QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.session_button.setToolTip(
            "Keep the key in memory only: it is gone when fal desktop quits."
        )
        self.remove_button = self.buttons.addButton(
            "Remove key", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save_key)
        self.session_button.clicked.connect(self.use_for_session)
        self.remove_button.clicked.connect(self.remove_key)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh()

    # -- state -------------------------------------------------------------------

    def refresh(self) -> None:
        source = self._store.source()
        problem = self._store.keyring_problem()
        self.intro_label.setText(self._intro(problem))
        if self._sandbox:
            self.current_label.setText(
                "Sandbox: no key is needed; the local emulator accepts the one the app set for it."
            )
        elif source is KeySource.NONE:
            self.current_label.setText("No key is set.")
        else:
            self.current_label.setText(
                f"Current key: <code>{mask_key(self._store.get())}</code> ({source.value})."
            )
        self.keyring_label.setText(problem or "")
        self.keyring_label.setVisible(bool(problem) and not self._sandbox)
        self.save_button.setVisible(problem is None and not self._sandbox)
        for widget in (self.entry, self.session_button, self.remove_button):
            widget.setVisible(not self._sandbox)
        self.remove_button.setEnabled(source in (KeySource.KEYRING, KeySource.SESSION))
        if source is KeySource.ENVIRONMENT:
            self.remove_button.setToolTip(
                "The key comes from FAL_KEY; unset it in your environment."
            )
        self._update_buttons()

    def _intro(self, keyring_problem: str | None) -> str:
        link = "<a href='https://fal.ai/dashboard/keys'>fal.ai/dashboard/keys</a>"
        if self._sandbox:
            # word joiners: no line break inside --sandbox
            return f"To set your own key (from {link}), start fal desktop without -\u2060-\u2060sandbox."
        if keyring_problem is None:
            return f"Paste the key from {link}. It is kept in your system keyring and only sent to fal's API."
        return (
            f"Paste the key from {link}. It is only sent to fal's API, and kept in memory "
            "until you quit."
        )

    def _update_buttons(self) -> None:
        has_text = bool(self.key_edit.text().strip())
        self.save_button.setEnabled(has_text)
        self.session_button.setEnabled(has_text)
        self.test_button.setEnabled(has_text or self._store.get() is not None)

    def _show_status(self, text: str, ok: bool) -> None:
        colour = "#1b873f" if ok else "#b3261e"
        self.status_label.setStyleSheet(f"color: {colour};")
        self.status_label.setText(text)

    # -- actions -----------------------------------------------------------------

    @Slot()
    def test_key(self) -> None:
        key = self.key_edit.text().strip() or self._store.get()
        if not key or self._tester is None:
            return
        self.test_button.setEnabled(False)
        self._show_status("Checking the key with fal…", True)
        self.work.run(
            self._tester,
            key,
            done=self._on_tested,
            # the tester should not raise; never crash on it
            failed=lambda exc: self._on_tested(f"The key could not be checked: {exc}"),
        )

    @Slot(object)
    def _on_tested(self, problem: str | None) -> None:
        self.test_button.setEnabled(True)
        if problem is None:
            self._show_status("The key works.", True)
        else:
            self._show_status(problem, False)

    def _in_keyring(self, work, then, doing: str) -> None:
        """``work`` (a keyring write) on a worker thread; ``then(error)`` here once it is done."""
        for button in (self.save_button, self.session_button, self.remove_button):
            button.setEnabled(False)
        self._show_status(doing, True)
        self.work.run(work, detached=True, done=lambda _result: then(None), failed=then)

    @Slot()
    def save_key(self) -> None:
        key, store = self.key_edit.text(), self._store  # the worker must not hold the dialog
        self._in_keyring(
            lambda: store.save(key), self._saved, "Saving the key in the system keyring…"
        )

    def _saved(self, error: BaseException | None) -> None:
        if isinstance(error, (KeyStoreUnavailable, ValueError)):
            self._show_status(str(error), False)
            self.refresh()
            return
        if error is not None:
            raise error  # a bug: the crash handler logs and shows it
        self._show_status("", True)
        self.key_edit.clear()
        self.refresh()
        self.accept()

    @Slot()
    def use_for_session(self) -> None:
        try:
            self._store.use_for_session(self.key_edit.text())
        except ValueError as exc:
            self._show_status(str(exc), False)
            return
        self.key_edit.clear()
        self.refresh()
        self.accept()

    @Slot()
    def remove_key(self) -> None:
        self._in_keyring(
            self._store.remove, self._removed, "Removing the key from the system keyring…"
        )

    def _removed(self, error: BaseException | None) -> None:
        if isinstance(error, KeyStoreUnavailable):
            self._show_status(str(error), False)
        elif error is not None:
            raise error
        else:
            self._show_status("The key was removed.", True)
        self.refresh()

    def done(self, result: int) -> None:
        self.work.wait(5000)
        super().done(result)
