"""The first start's welcome: set your fal key, or try the sandbox, and where results are
kept. Shown instead of the "no key" warning while no key is set and no job was ever run, until
it is dismissed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QProcess, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

__all__ = ["WelcomePanel", "sandbox_command", "start_detached"]

DISMISSED = "welcome/dismissed"


def sandbox_command(args: Sequence[str]) -> list[str]:
    """The command that starts fal desktop again with the same arguments, in the sandbox."""
    program = (
        [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "fal_desktop"]
    )
    args = list(args)
    return [*program, *args, *([] if "--sandbox" in args else ["--sandbox"])]


def start_detached(command: list[str]) -> bool:
    """Start ``command`` as a process of its own (it outlives this one)."""
    ok, _pid = QProcess.startDetached(command[0], command[1:])
    return bool(ok)


class WelcomePanel(QFrame):
    """``set_key`` opens the key dialog; ``try_sandbox`` restarts in the sandbox."""

    def __init__(
        self,
        results_folder: Path,
        set_key: Callable[[], object],
        try_sandbox: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("<b style='font-size:15pt'>Welcome to fal desktop</b>", self)
        text = QLabel(
            "Run fal's image models and upscale your pictures from here. To start, set your fal "
            "API key (from <i>fal.ai → Dashboard → Keys</i>): it is kept in your system's "
            "keyring, never in a file. Or try the sandbox first: the same app with images made "
            "on this computer, no key, nothing sent or billed.",
            self,
        )
        text.setWordWrap(True)
        where = QLabel(
            f"Results are downloaded to <a href='{results_folder.as_uri()}'>{results_folder}</a>"
            "; <i>File → Save</i> and auto-save put copies where you choose.",
            self,
        )
        where.setWordWrap(True)
        where.setOpenExternalLinks(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        buttons = QHBoxLayout()
        self.key_button = QPushButton("Set your fal key…", self)
        self.key_button.setDefault(True)
        self.key_button.clicked.connect(set_key)
        self.sandbox_button = QPushButton("Try the sandbox", self)
        self.sandbox_button.setToolTip("Start fal desktop again in sandbox mode (--sandbox)")
        self.sandbox_button.clicked.connect(try_sandbox)
        self.close_button = QPushButton("Not now", self)
        self.close_button.setToolTip("Hide this; Settings → fal API key… sets the key later")
        buttons.addWidget(self.key_button)
        buttons.addWidget(self.sandbox_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        for widget in (title, text, where):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.hide()
