"""The banner's sentences about money-safe jobs: jobs waiting for a key, jobs held because the
account is out of credit, jobs picked up again at start, and jobs left at fal on quit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sized
from typing import TYPE_CHECKING

from fal_desktop.api.errors import BALANCE_SENTENCE, ErrorKind

if TYPE_CHECKING:
    from fal_desktop.jobs.events import JobUpdate
    from fal_desktop.ui.window.shell import Banner

__all__ = ["JobNotices", "waiting_sentence", "at_fal_sentence"]

HELD_SENTENCE = f"{BALANCE_SENTENCE} The jobs fal did not take are held (nothing was charged): Retry them once topped up."


def _jobs(count: int) -> str:
    return f"{count} job{'s' if count != 1 else ''}"


def waiting_sentence(count: int) -> str:
    return f"{_jobs(count)} {'are' if count != 1 else 'is'} waiting for your fal key."


def at_fal_sentence(count: int) -> str:
    return (
        f"{_jobs(count)} {'are' if count != 1 else 'is'} still at fal: fal desktop picks "
        f"{'them' if count != 1 else 'it'} up by request id at its next start (nothing is sent twice)."
    )


def _out_of_credit(update: JobUpdate) -> bool:
    return update.error_kind is ErrorKind.OUT_OF_CREDIT


class JobNotices:
    """Keeps the window's banner in step with what its jobs wait for.

    ``has_key()``: whether a key is set; ``at_fal()``: the jobs fal has now; ``settled()`` puts
    back the banner the window shows when no job waits (the key notice, or none)."""

    def __init__(
        self,
        notice: Banner,
        *,
        has_key: Callable[[], bool],
        at_fal: Callable[[], Sized],
        settled: Callable[[], object],
    ) -> None:
        self._notice, self._has_key, self._at_fal, self._settled = notice, has_key, at_fal, settled
        self._waiting: set[str] = set()  # jobs waiting for a key (updated per update, not per row)
        self._held: set[str] = set()  # jobs held because the account is out of credit

    def on_updates(self, updates: list[JobUpdate]) -> None:
        notice = self._notice
        held = len(self._held)
        for update in updates:
            if _out_of_credit(update):
                self._held.add(update.job_id)
            elif update.message is not None or update.state.finished:
                self._held.discard(update.job_id)  # retried (or cancelled)
        if any(_out_of_credit(update) for update in updates):
            notice.show_message(HELD_SENTENCE)
        elif held and not self._held and notice.label.text() == HELD_SENTENCE:
            self._settled()  # every held job went out: the bar goes
        before = len(self._waiting)
        for update in updates:
            if update.message is None and not update.state.finished:
                continue  # log lines and progress: what it waits for has not changed
            if update.extra.get("waiting") == "key" and not update.state.finished:
                self._waiting.add(update.job_id)
            else:
                self._waiting.discard(update.job_id)
        waiting = len(self._waiting)
        if waiting == before:
            return
        if waiting:
            notice.show_message(waiting_sentence(waiting), "Set API key…")
        else:
            self._settled()

    def resumed(self, count: int) -> None:
        """At start: ``count`` jobs fal has were picked up again."""
        if count and self._has_key():
            self._notice.show_message(
                f"Picking up {_jobs(count)} that {'were' if count != 1 else 'was'} at fal when fal desktop closed.",
                info=True,
            )

    def quitting(self) -> None:
        """The window closes with jobs at fal: say (without holding the quit) that they go on."""
        count = len(self._at_fal())
        if count:
            sentence = at_fal_sentence(count)
            self._notice.show_message(sentence, info=True)
            print(
                f"fal-desktop: {sentence}",
                file=sys.stderr if sys.stderr is not None else sys.stdout,
            )
