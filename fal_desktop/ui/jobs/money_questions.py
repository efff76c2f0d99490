"""The questions about money, each asked with a modal box and answered by the user: send a
batch (its estimated total), the spend limit passed or reached, the same call run before, and the
spend limit dialog. Module functions, so tests answer them (tests/gui/conftest.py). And the
sentences about the spend limit that more than one place says."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from fal_desktop.core.costs import SpendLimit, parse_limit

__all__ = [
    "COUNTED",
    "HELD_REASON",
    "ask_batch",
    "ask_limit",
    "ask_over_limit",
    "ask_paused",
    "ask_same_call",
]

COUNTED = (
    "Counted: the recorded cost of each finished job, and the estimate of each job sent but "
    "not finished. Jobs without a known price are not counted."
)
#: A job the spend limit held: what its row says.
HELD_REASON = (
    "Held by your spend limit: not sent, nothing charged. "
    "Retry sends it (a paid job); Settings ▸ Spend limit… raises the limit."
)


def _question(parent: QWidget | None, title: str, text: str, buttons: list[str]) -> int:
    """The index of the button chosen; the last one is Cancel/Escape."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    made = [box.addButton(b, QMessageBox.ButtonRole.AcceptRole) for b in buttons[:-1]]
    made.append(box.addButton(buttons[-1], QMessageBox.ButtonRole.RejectRole))
    box.setDefaultButton(made[0])
    box.setEscapeButton(made[-1])
    box.exec()
    clicked = box.clickedButton()
    return next((i for i, button in enumerate(made) if button is clicked), len(made) - 1)


def ask_batch(parent: QWidget | None, text: str) -> bool:
    """Send the batch? (its estimated total in ``text``)"""
    return _question(parent, "Send these jobs?", text, ["Send", "Cancel"]) == 0


def ask_over_limit(parent: QWidget | None, text: str) -> str:
    """The limit would be passed: "raise", "stop" (send what fits, hold the rest) or "cancel"."""
    answer = _question(
        parent,
        "Spend limit",
        text,
        ["Raise the limit…", "Stop at the limit (hold the rest)", "Cancel"],
    )
    return ("raise", "stop", "cancel")[answer]


def ask_paused(parent: QWidget | None, text: str) -> str:
    """Sending paused at the limit: "raise" (then resume) or "stop" (stay paused)."""
    answer = _question(parent, "Spend limit reached", text, ["Raise the limit…", "Stay paused"])
    return ("raise", "stop")[answer]


def ask_same_call(parent: QWidget | None, text: str) -> bool:
    """True: show the finished job's result; False: run again (a new paid job)."""
    return (
        _question(parent, "Same call", text, ["Show that result", "Run again (new paid job)"]) == 0
    )


def ask_limit(parent: QWidget | None, limit: SpendLimit) -> SpendLimit | None:
    """The spend limit dialog: per session and per day (0 = no limit). None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Spend limit")
    layout = QVBoxLayout(dialog)
    note = QLabel(
        "Sending stops before a job would pass a limit; the jobs not sent wait (held), and "
        f"Retry sends them. 0 means no limit.\n{COUNTED}",
        dialog,
    )
    note.setWordWrap(True)
    note.setMinimumWidth(420)
    layout.addWidget(note)
    form = QFormLayout()
    boxes = []
    for label, value in (("Per session", limit.per_session), ("Per day", limit.per_day)):
        box = QDoubleSpinBox(dialog)
        box.setRange(0, 100000)
        box.setDecimals(2)
        box.setPrefix("$ ")
        box.setValue(value or 0)
        form.addRow(label, box)
        boxes.append(box)
    layout.addLayout(form)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return SpendLimit(parse_limit(boxes[0].value()), parse_limit(boxes[1].value()))
