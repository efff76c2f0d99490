"""Money in the window: what each job cost (recorded when its result arrives), the session's
and the batch's totals, the estimated total asked about before a batch is sent, the spend
limit (per session and per day), and the offer of a finished job's result instead of paying
again for the very same call.

The costs recorded after the results are in ``recorded_costs``, the questions themselves in
``money_questions`` (tests answer them there), the estimates in ``cost_estimates``, and the
sending of thousands in steps in ``stepped_sending``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from fal_desktop.core.costs import SpendLimit, parse_limit, start_of_day
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.core.price_text import money
from fal_desktop.ui.jobs import money_questions as questions
from fal_desktop.ui.jobs.cost_estimates import Estimate, run_estimator
from fal_desktop.ui.jobs.money_questions import COUNTED, HELD_REASON
from fal_desktop.ui.jobs.recorded_costs import RecordedCosts
from fal_desktop.ui.jobs.stepped_sending import SteppedSending

if TYPE_CHECKING:
    from fal_desktop.ui.jobs.spending_host import SpendingHost

__all__ = ["CONFIRM_ABOVE", "Spending"]

#: A batch whose estimated total is above this asks before it is sent (a folder drop always).
CONFIRM_ABOVE = 1.0


class Spending(RecordedCosts):
    def __init__(self, window: SpendingHost, parent: QWidget) -> None:
        """``parent``: the widget the questions about money are asked over (the window)."""
        super().__init__(parent)
        self.window, self.parent_widget = window, parent
        self.manager = window.manager
        self.store: JobStore = self.manager.store
        self.notice = window.notice
        #: A batch of thousands: made, recorded and started off the GUI thread, in steps.
        self.in_steps = SteppedSending(self, self)
        self.paused_by_limit = False
        #: Scripted use (``--quit-when-done``): nobody to ask when the limit pauses sending;
        #: called with the jobs left unsent instead of the question.
        self.unattended: Callable[[list[JobRecord]], object] | None = None
        window.jobs_panel.pause_toggled.connect(self._pause_toggled)
        platform_ui = window.platform_ui
        platform_ui.prices_arrived.connect(lambda _ids: self.fill_missing_costs())
        platform_ui.prices_failed.connect(lambda _ids: self._retry_prices_later())
        self._price_retry = QTimer(self)
        self._price_retry.setSingleShot(True)
        self._price_retry.timeout.connect(self.ask_missing_prices)
        if not self.fill_missing_costs():  # costs that waited for a price (last run offline)
            self.ask_missing_prices()

    def _pause_toggled(self, paused: bool) -> None:
        if not paused:  # the user resumed: the limit is looked at again with the next cost
            self.paused_by_limit = False

    # -- the setting -------------------------------------------------------------------

    @property
    def limit(self) -> SpendLimit:
        settings = self.window.settings
        return SpendLimit(
            parse_limit(settings.value("spend/session")), parse_limit(settings.value("spend/day"))
        )

    def set_limit(self, limit: SpendLimit) -> None:
        self.window.settings.setValue("spend/session", limit.per_session or 0)
        self.window.settings.setValue("spend/day", limit.per_day or 0)
        self.window.settings.sync()

    def edit_limit(self) -> bool:
        """Settings ▸ Spend limit…: True when a new limit was set."""
        chosen = questions.ask_limit(self.parent_widget, self.limit)
        if chosen is None:
            return False
        self.set_limit(chosen)
        self.window.notice.show_message(f"Spend limit: {chosen.describe()}.", info=True)
        return True

    # -- estimates and totals ------------------------------------------------------------

    def estimate(self, endpoint_id: str, inputs: dict[str, Any]) -> float | None:
        """What a run should cost (an honest figure from the unit price, else the typical cost
        of a call), or None when nothing is known."""
        return self.estimator([endpoint_id])(endpoint_id, inputs)

    def estimator(self, endpoint_ids: Iterable[str]) -> Estimate:
        """:meth:`estimate` for runs on these models, with their prices and schema defaults
        read once, now: a plain function, safe on a worker (thousands of runs)."""
        return run_estimator(self.window.platform_ui.prices, self.window.catalog, endpoint_ids)

    def spent(self) -> tuple[float, float]:
        """(this session, today): recorded costs, and estimates of jobs under way. The recorded
        costs are summed by the database (asked after every finished job while a limit is set:
        reading a session of 10,000 runs whole took half a second of the GUI thread); only the
        few jobs under way without a cost are read, for their estimates."""
        session = self.window.session_ui.session_id
        day_start = start_of_day()
        recorded = "state NOT IN ('pending', 'held') AND cost IS NOT NULL"
        ((in_session,),) = self.store.query(
            f"SELECT TOTAL(cost) FROM jobs WHERE session_id = ? AND {recorded}", (session,)
        )
        ((today,),) = self.store.query(
            f"SELECT TOTAL(cost) FROM jobs WHERE created_at >= ? AND {recorded}", (day_start,)
        )
        under_way = ", ".join(
            f"'{s.value}'" for s in JobState if not s.finished and s is not JobState.PENDING
        )
        jobs = self.store.where(
            f"cost IS NULL AND state IN ({under_way}) AND (created_at >= ? OR session_id = ?)",
            (day_start, session),
        )
        estimate = self.estimator(job.endpoint_id for job in jobs)
        for job in jobs:
            cost = estimate(job.endpoint_id, job.inputs) or 0.0
            in_session += cost if job.session_id == session else 0.0
            today += cost if job.created_at >= day_start else 0.0
        return in_session, today

    # -- before sending ------------------------------------------------------------------

    def plan(
        self,
        runs: list[tuple[str, dict[str, Any]]],
        *,
        folder: bool = False,
        ask: bool = True,
        estimates: list[float | None] | None = None,
    ) -> int | None:
        """How many of ``runs`` to send now (the rest are held by the spend limit), after
        asking about the estimated total of a batch and what passes the limit (unless ``ask``
        is False: then what passes the limit is held without a question); None: the user
        cancelled. ``estimates``: the runs' estimates, when already made (on a worker)."""
        if estimates is None:
            estimate = self.estimator(e for e, _ in runs)
            estimates = [estimate(e, inputs) for e, inputs in runs]
        known = [c for c in estimates if c is not None]
        unknown = len(estimates) - len(known)
        if len(runs) > 1 and ask:
            total = f"≈\u00a0{money(sum(known))}" if known else "unknown"
            if unknown and known:
                total += f" (+ {unknown} job{'s' * (unknown != 1)} without a known price)"
            if (folder or sum(known) > CONFIRM_ABOVE) and not questions.ask_batch(
                self.parent_widget,
                f"{len(runs)} jobs will be sent to fal.\n\nEstimated total: {total}\n\n"
                "Nothing is sent until you choose Send.",
            ):
                return None
        while True:
            limit = self.limit
            if not limit.active:
                return len(runs)
            session, day = self.spent()
            fit = limit.jobs_that_fit(session, day, estimates)
            if fit == len(runs) or not ask:  # not asked (scripted use): hold what passes it
                return fit
            answer = questions.ask_over_limit(
                self.parent_widget,
                f"Your spend limit is {limit.describe()}. Spent so far: {money(session)} in "
                f"this session, {money(day)} today.\n{COUNTED}\n\n"
                f"Only {fit} of these {len(runs)} jobs fit. Stop at the limit sends those and "
                "holds the rest (not sent, nothing charged; Retry sends them).",
            )
            if answer == "cancel":
                return None
            if answer == "stop":
                return fit
            if not self.edit_limit():
                return None

    def say_held(self, held: int) -> None:
        """Say that the spend limit held ``held`` jobs (if any)."""
        if held:
            self.notice.show_message(
                f"Spend limit reached: {held} job{'s' * (held != 1)} held, not sent. Raise the "
                "limit (Settings ▸ Spend limit…) and Retry them, or leave them.",
                info=True,
            )

    def send(
        self,
        runs: list[tuple[str, dict[str, Any], str]],
        *,
        folder: bool = False,
        ask: bool = True,
        session_id: str | None = None,
        group_id: str | None = None,
    ) -> list[JobRecord]:
        """Submit ``runs`` after :meth:`plan`; [] when the user cancelled."""
        fit = self.plan([(e, inputs) for e, inputs, _ in runs], folder=folder, ask=ask)
        if fit is None:
            return []
        held = len(runs) - fit
        jobs = self.manager.submit_runs(
            runs,
            session_id=session_id,
            group_id=group_id,
            hold_from=fit if held else None,
            hold_reason=HELD_REASON,
        )
        self.say_held(held)
        return jobs

    def same_call(self, endpoint_id: str, inputs: dict[str, Any]) -> JobRecord | None:
        """A finished job with exactly this model and these inputs and a fixed seed, whose
        result is on disk; the user chooses whether to see it instead of paying again."""
        if not isinstance(inputs.get("seed"), int):
            return None
        for job in reversed(
            self.store.where(
                "endpoint_id = ? AND state = 'completed'", (endpoint_id,), order="created_at"
            )[-500:]
        ):
            if job.inputs == inputs and job.files:
                when = job.finished_at or job.created_at
                stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
                if questions.ask_same_call(
                    self.parent_widget,
                    f"You ran exactly this ({endpoint_id}, the same inputs and seed "
                    f"{inputs['seed']}) on {stamp}. Its result is kept: showing it is free.\n"
                    "Run again sends a new paid job.",
                ):
                    return job
                return None
        return None

    # -- after -------------------------------------------------------------------------

    def waiting_jobs(self) -> list[JobRecord]:
        """Jobs recorded but not sent yet (they wait for a slot, or for Resume)."""
        return [
            job
            for job in self.manager.unfinished_jobs()
            if job.state is JobState.PENDING and not job.request_id
        ]

    def check_limit(self) -> bool:
        """Pause sending when the next waiting job would pass the limit (recorded costs can
        come out above the estimates); True when it paused. Jobs fal has go on."""
        limit = self.limit
        waiting = self.waiting_jobs() if limit.active else []
        if not waiting:
            return False
        session, day = self.spent()
        following = self.estimate(waiting[0].endpoint_id, waiting[0].inputs)
        if limit.jobs_that_fit(session, day, [following]) == 1:
            return False
        self.paused_by_limit = True
        self.manager.pause()
        self.window.jobs_panel.show_paused(True)
        message = (
            f"Your spend limit is {limit.describe()}. Spent so far: {money(session)} in this "
            f"session, {money(day)} today.\n{COUNTED}\n\nSending is paused: {len(waiting)} "
            "job(s) wait, not sent and not charged. Jobs fal already has go on and their "
            "results are kept."
        )
        QTimer.singleShot(0, self, lambda: self._ask_when_paused(message, len(waiting)))
        return True

    def _ask_when_paused(self, message: str, waiting: int) -> None:
        """After the updates were handled (not in the middle of them): raise, or stay paused."""
        if not self.paused_by_limit:
            return  # resumed meanwhile
        if self.unattended is not None:  # a script: it learns which jobs were not sent
            self.unattended(self.waiting_jobs())
            return
        if questions.ask_paused(self.parent_widget, message) == "raise" and self.edit_limit():
            self.paused_by_limit = False
            if not self.check_limit():
                self.window.jobs_panel.show_paused(False)
            return
        self.window.notice.show_message(
            f"Sending paused by your spend limit: {waiting} job(s) wait, not sent. "
            "Resume (jobs panel) sends them; Settings ▸ Spend limit… raises the limit.",
            info=True,
        )
