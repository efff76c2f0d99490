"""What every step of a job shares: its context (client, store, key, cancels, reconnect
policy) and the two ways a step stops the job short of its end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fal_desktop.api import FalClient, FalError
from fal_desktop.core.jobstore import JobState, JobStore
from fal_desktop.jobs.events import JobUpdate

__all__ = [
    "Emit",
    "JobContext",
    "KeyGate",
    "KeyRefused",
    "Stopped",
    "RECONNECT_DELAYS",
    "RECONNECT_GIVE_UP",
]

#: Seconds between tries while fal cannot be reached (or fails) for a job it has, by how many
#: tries failed in a row. Such a job is never left: its result would expire unseen at fal.
RECONNECT_DELAYS = (2.0, 5.0, 10.0, 30.0)
#: After this long without a word from fal the job stops as not fetched (Retry follows it): by
#: then fal's retention (1 hour at most) has passed for a job that had finished.
RECONNECT_GIVE_UP = 3900.0

Emit = Callable[[JobUpdate], None]


class KeyGate:
    """Whether there is a key, and a way to wait until it changes. Use on the jobs' loop."""

    def __init__(self, has_key: Callable[[], bool] = lambda: True) -> None:
        self.has_key = has_key
        self._changed = asyncio.Event()

    def changed(self) -> None:
        """The key was set, replaced or removed: every waiting job tries again."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self) -> None:
        await self._changed.wait()


@dataclass
class JobContext:
    client: FalClient
    store: JobStore
    outputs_dir: Path
    emit: Emit
    #: The largest input file an endpoint takes (from its schema), or None.
    max_input_bytes: Callable[[str], int | None] = lambda endpoint_id: None
    keys: KeyGate = field(default_factory=KeyGate)
    #: Jobs the user cancelled that fal has (or may have, while the submit is in flight):
    #: they are followed until fal ends them, and a result that arrives anyway is kept.
    cancels: set[str] = field(default_factory=set)
    #: Of those, the ones whose cancel fal answered (one that did not get through is sent again
    #: once fal answers).
    cancels_delivered: set[str] = field(default_factory=set)
    #: Waits between tries while fal is out of reach for a job it has (see ``following``).
    reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS
    reconnect_give_up: float = RECONNECT_GIVE_UP


class KeyRefused(Exception):
    """fal refused the key (or there is none): the job waits for one."""

    def __init__(self, error: FalError | None) -> None:
        super().__init__(error.user_message if error else "no key")
        self.error = error


class Stopped(Exception):
    """The job stops in ``state`` (a final state at fal, or one Retry resumes)."""

    def __init__(self, state: JobState, error: FalError | Exception) -> None:
        super().__init__(str(error))
        self.state, self.error = state, error
