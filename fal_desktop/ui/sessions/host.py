"""What the sessions side needs of the window: :class:`SessionHost`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QStackedWidget

    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.form_memory import FormMemory
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.ui.jobs.spending import Spending
    from fal_desktop.ui.jobs.table import JobRow
    from fal_desktop.ui.window.shell import Banner

__all__ = ["SessionHost"]


class SessionHost(Protocol):
    """What the sessions side needs of the window (named here, not imported: the window builds
    the controller, so the two modules must not import each other)."""

    paths: AppPaths
    settings: QSettings
    catalog: Catalog
    memory: FormMemory
    notice: Banner

    @property
    def results(self) -> QStackedWidget: ...
    @property
    def result_view(self) -> QWidget: ...

    @property
    def run_grid(self) -> QWidget: ...

    spending: Spending
    model_panel: Any
    manager: Any
    saver: Any
    autosaver: Any

    def show_result(self, row: JobRow | None, index: int = 0) -> None: ...
    def shown_index(self, row: JobRow) -> int: ...
    def save_as(self, row: JobRow, index: int = 0) -> None: ...
    def upscale(self, inputs: list[str], upscaler: str | None = None) -> list[str]: ...
    def has_key(self, then: Any = None) -> bool: ...
    def forget_job(self, job_id: str) -> None: ...
