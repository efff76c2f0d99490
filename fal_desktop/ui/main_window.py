"""The main window: layout and menus only; behaviour lives in the layers below."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from fal_desktop.api.hosts import FalHosts
from fal_desktop.core.paths import AppPaths
from fal_desktop.core.secrets import ApiKeyStore

__all__ = ["MainWindow", "SANDBOX_MESSAGE"]

SANDBOX_MESSAGE = "Sandbox — images are made locally, not by fal's models"


class SandboxBanner(QLabel):
    """A strip across the top saying the app talks to the local emulator."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(SANDBOX_MESSAGE, parent)
        self.setObjectName("sandboxBanner")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(
            "#sandboxBanner { background: #f6c343; color: #3a2a00; padding: 6px;"
            " font-weight: 600; }"
        )
        self.setToolTip(
            "fal-desktop was started with --sandbox: a fal emulator on this computer answers "
            "every request. Nothing is sent to fal.ai and nothing is billed."
        )


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        paths: AppPaths,
        hosts: FalHosts,
        key_store: ApiKeyStore,
        sandbox: bool = False,
    ) -> None:
        super().__init__()
        self.paths = paths
        self.hosts = hosts
        self.key_store = key_store
        self.sandbox = sandbox
        self.setWindowTitle("fal desktop — sandbox" if sandbox else "fal desktop")
        self.resize(1280, 800)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sandbox_banner = SandboxBanner(central) if sandbox else None
        if self.sandbox_banner is not None:
            layout.addWidget(self.sandbox_banner)
        self.placeholder = QLabel("Pick a model to start.", central)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.placeholder, 1)
        self.setCentralWidget(central)
