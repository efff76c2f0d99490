"""When a jobs engine that died is started again, and what its successor repeats. No Qt."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from fal_desktop.jobs.events import JobUpdate

__all__ = ["RESTART_DELAYS", "RestartPolicy", "ReplayedLogs"]

RESTART_DELAYS = (0.0, 1.0, 5.0, 30.0)  # seconds, by how many times it died in the last minute


class RestartPolicy:
    """At once after one death, then after 1, 5 and 30 s while it keeps dying within a minute."""

    def __init__(
        self,
        delays: tuple[float, ...] = RESTART_DELAYS,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._delays, self._window, self._clock = delays, window, clock
        self.recent: list[float] = []  # when it died, within the last ``window`` seconds

    def died(self) -> float:
        """Record a death; the seconds to wait before the next start."""
        now = self._clock()
        self.recent = [t for t in self.recent if now - t < self._window] + [now]
        return self._delays[min(len(self.recent), len(self._delays)) - 1]

    @property
    def keeps_dying(self) -> bool:
        """More than one death in the window: worth a sentence in the banner."""
        return len(self.recent) > 1


class ReplayedLogs:
    """A restarted engine follows a job again from fal's first log line; the rows already have
    the lines the dead one delivered, so those are dropped, not shown twice."""

    def __init__(self) -> None:
        self._delivered: dict[str, int] = {}  # fal's log lines delivered, per job
        self._skip: dict[str, int] = {}  # of those, how many a restarted engine will repeat

    def restarted(self, job_ids: list[str]) -> None:
        """A new engine follows these jobs again."""
        self._skip = {job_id: self._delivered.get(job_id, 0) for job_id in job_ids}

    def filter(self, batch: list[JobUpdate]) -> list[JobUpdate]:
        out = []
        for update in batch:
            if update.new_logs:
                skip = min(self._skip.get(update.job_id, 0), len(update.new_logs))
                if skip:
                    self._skip[update.job_id] -= skip
                    update = replace(update, new_logs=update.new_logs[skip:])
                self._delivered[update.job_id] = self._delivered.get(update.job_id, 0) + len(
                    update.new_logs
                )
            if update.state.finished:
                self._delivered.pop(update.job_id, None)
                self._skip.pop(update.job_id, None)
            out.append(update)
        return out
