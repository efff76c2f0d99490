"""The fal key in the window: the notice (or the first start's welcome) while none is set, the
key dialog, and a run the user asked for without a key, sent once one is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from fal_desktop.core.secrets import ApiKeyStore
    from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog, KeyTester
    from fal_desktop.ui.window.home import WindowHome
    from fal_desktop.ui.window.shell import Banner

__all__ = ["KeyGate"]


class KeyGate(QObject):
    def __init__(
        self,
        window: QWidget,
        *,
        key_store: ApiKeyStore,
        key_tester: KeyTester | None,
        sandbox: bool,
        notice: Banner,
        home: WindowHome,
        key_changed: Callable[[], object],
    ) -> None:
        """``window`` parents the dialog; ``key_changed()`` tells the jobs the key may be new."""
        super().__init__(window)
        self.window, self.key_store, self.key_tester = window, key_store, key_tester
        self.sandbox, self.notice, self.home, self.key_changed = sandbox, notice, home, key_changed
        self.dialog: ApiKeyDialog | None = None
        self._after_key: Callable[[], object] | None = None

    def check_key(self) -> None:
        """The notice says what the key's state asks of the user (the welcome on a first start)."""
        if self.key_store.get() is None and self.home.show_welcome():
            self.notice.show_message("")  # the welcome says it, calmly
        elif self.key_store.get() is None:
            self.notice.show_message(
                "No fal API key is set, so jobs cannot run yet.", "Set API key…"
            )
        else:
            self.home.key_set()
            self.notice.show_message("")

    def open_dialog(self, reason: str | None = None) -> None:
        from fal_desktop.ui.dialogs.key_dialog import ApiKeyDialog

        if self.dialog is not None and self.dialog.isVisible():
            return
        self.dialog = ApiKeyDialog(
            self.key_store, self.key_tester, reason=reason, sandbox=self.sandbox, parent=self.window
        )
        self.dialog.finished.connect(lambda _r: self._dialog_closed())
        self.dialog.open()

    def has_key(self, then: Callable[[], object] | None = None) -> bool:
        """Whether a key is set; if not, the key dialog opens and says why, and ``then`` (the run
        the user asked for) goes out once a key is set there."""
        if self.key_store.get() is None:
            self._after_key = then
            self.open_dialog("Set your fal API key to run models.")
            return False
        return True

    def _dialog_closed(self) -> None:
        self.key_changed()
        self.check_key()
        then, self._after_key = self._after_key, None
        if then is not None and self.key_store.get() is not None:
            then()
