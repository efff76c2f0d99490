"""What the money code (:class:`~fal_desktop.ui.jobs.spending.Spending`) uses of the window,
named here, not imported: the window imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QSettings

from fal_desktop.core.jobstore import JobRecord
from fal_desktop.jobs.manager import BaseJobManager

if TYPE_CHECKING:
    from fal_desktop.core.catalog import Catalog
    from fal_desktop.ui.jobs.panel import JobsPanel
    from fal_desktop.ui.jobs.table import JobsModel
    from fal_desktop.ui.models.platform_ui import PlatformUI
    from fal_desktop.ui.window.shell import Banner

__all__ = ["SpendingHost"]


class _SpentLabel(Protocol):
    def set_spent(self, text: str) -> None: ...


class _Sessions(Protocol):
    """What is used of the sessions (``ui/sessions/controller.SessionController``, which
    imports this module)."""

    current: JobRecord | None

    @property
    def session_id(self) -> str: ...

    @property
    def panel(self) -> _SpentLabel: ...

    def shown(self, job: JobRecord | None) -> None: ...


class SpendingHost(Protocol):
    """The window's parts the money goes through (named here, not imported: the window
    imports this)."""

    manager: BaseJobManager
    notice: Banner
    settings: QSettings
    catalog: Catalog
    platform_ui: PlatformUI
    jobs_model: JobsModel
    jobs_panel: JobsPanel

    @property
    def session_ui(self) -> _Sessions: ...
