"""What the main window is given to work with: the objects that are not widgets, built once by
the composition root (``fal_desktop.app.window_services``) and handed to ``finish_setup``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the frame is shown before any of these is imported
    from concurrent.futures import Executor

    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.form_memory import FormMemory
    from fal_desktop.core.secrets import ApiKeyStore
    from fal_desktop.core.sessions import SessionStore
    from fal_desktop.jobs.manager import BaseJobManager
    from fal_desktop.ui.dialogs.key_dialog import KeyTester
    from fal_desktop.ui.results.autosave import AutoSaver
    from fal_desktop.ui.results.saver import ResultSaver

__all__ = ["WindowServices"]


@dataclass(frozen=True)
class WindowServices:
    """The catalog, the job manager, the key, the form's memory, the sessions, saving.

    ``file_remover`` deletes a deleted session's files off the GUI thread; the window shuts it
    down (waiting for a delete under way) when it closes."""

    catalog: Catalog
    manager: BaseJobManager
    key_store: ApiKeyStore
    key_tester: KeyTester | None
    memory: FormMemory
    sessions: SessionStore
    saver: ResultSaver
    autosaver: AutoSaver
    file_remover: Executor
