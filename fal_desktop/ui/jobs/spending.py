"""Money in the window: what each job cost (recorded when its result arrives), the session's
and the batch's totals, the estimated total asked about before a batch is sent, the spend
limit (per session and per day), and the offer of a finished job's result instead of paying
again for the very same call.

The questions themselves are in ``money_questions`` (tests answer them there).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from fal_desktop.core.costs import SpendLimit, cost_of, parse_limit, start_of_day, total_text
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.core.price_text import money, per_run_cost
from fal_desktop.jobs.manager import BaseJobManager
from fal_desktop.ui.jobs import money_questions as questions
from fal_desktop.ui.jobs.money_questions import COUNTED
from fal_desktop.widgets.background import Background

if TYPE_CHECKING:
    from fal_desktop.api.platform import Price
    from fal_desktop.jobs.events import JobUpdate

__all__ = ["CONFIRM_ABOVE", "Spending"]

#: A batch whose estimated total is above this asks before it is sent (a folder drop always).
CONFIRM_ABOVE = 1.0
#: After fal's pricing call failed, ask again this much later while a job's cost waits for it.
PRICE_RETRY_MS = 60_000
#: A folder of more images than this is made into jobs and recorded off the GUI thread, then
#: started in steps: ``SEND_STEP`` jobs first, then as many as take about ``STEP_MS`` of the GUI
#: thread per turn of the event loop (``Spending.send_in_steps``).
STEPPED_BATCH = 500
SEND_STEP = 50
STEP_MS = 3.0
HELD_REASON = (
    "Held by your spend limit: not sent, nothing charged. "
    "Retry sends it (a paid job); Settings ▸ Spend limit… raises the limit."
)


class Spending(QObject):
    def __init__(self, window: Any) -> None:
        """``window``: the main window (its store, prices, panels, settings and banner); not
        imported here, so no import cycle."""
        super().__init__(window)
        self.window = window
        self.manager: BaseJobManager = window.manager
        self.store: JobStore = self.manager.store
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
        chosen = questions.ask_limit(self.window, self.limit)
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

    def estimator(
        self, endpoint_ids: Iterable[str]
    ) -> Callable[[str, dict[str, Any]], float | None]:
        """:meth:`estimate` for runs on these models, with their prices and schema defaults
        read once, now: a plain function, safe on a worker (thousands of runs)."""
        prices = self.window.platform_ui.prices
        known: dict[str, tuple[Price, dict[str, Any], float | None]] = {}
        for endpoint_id in dict.fromkeys(endpoint_ids):
            price = prices.price(endpoint_id)
            if price is None or price.currency.upper() != "USD":
                continue
            schema = self.window.catalog.cached(endpoint_id)
            # what fal runs with: the defaults of what the form left out
            defaults = schema.input_defaults() if schema is not None else {}
            known[endpoint_id] = (price, defaults, prices.typical(endpoint_id))

        def estimate(endpoint_id: str, inputs: dict[str, Any]) -> float | None:
            if endpoint_id not in known:
                return None
            price, defaults, typical = known[endpoint_id]
            cost = per_run_cost(price, {**defaults, **inputs} if defaults else inputs)
            return cost if cost is not None else typical

        return estimate

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

    def session_total(self, session_id: str) -> str:
        """Its finished jobs' costs, summed by the database (asked after every finished job;
        a session of 10,000 results read whole took half a second of the GUI thread)."""
        ((count, known, total),) = self.store.query(
            "SELECT COUNT(*), COUNT(cost), TOTAL(cost) FROM jobs"
            " WHERE session_id = ? AND state = 'completed'",
            (session_id,),
        )
        if not count:
            return ""
        return total_text([total] * bool(known) + [None] * (count - known))

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
                self.window,
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
                self.window,
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

    def send_in_steps(
        self,
        make_runs: Callable[[], list[tuple[str, dict[str, Any], str]]],
        endpoint_ids: list[str],
        *,
        session_id: str | None,
        start: Callable[[list[JobRecord]], None],
        done: Callable[[list[JobRecord]], object],
    ) -> None:
        """A folder of thousands: ``make_runs()`` (the runs, on models among ``endpoint_ids``)
        and their estimates are made on a worker; asked about as :meth:`send` (on the GUI
        thread); recorded in one write on a worker; then started a few milliseconds' worth of
        jobs per turn of the event loop (``start(jobs)`` each time; ``done(all jobs)`` after
        the last), so the window keeps drawing. Every job is recorded before the first is
        sent, and each is started once. Nothing is sent when the user cancels."""
        if not hasattr(self, "_recorder"):
            self._recorder = Background(self, threads=1, bulk=True)  # thousands of jobs
        estimate = self.estimator(endpoint_ids)

        def made() -> tuple[list[tuple[str, dict[str, Any], str]], list[float | None]]:
            runs = make_runs()
            return runs, [estimate(e, inputs) for e, inputs, _ in runs]

        def failed(exc: BaseException) -> None:
            self.window.notice.show_message(
                f"The jobs could not be recorded, so none was sent: {exc}"
            )

        self._recorder.run(
            made,
            done=lambda answer: self._record_in_steps(
                answer[0], answer[1], session_id, start, done, failed
            ),
            failed=failed,
        )

    def _record_in_steps(
        self,
        runs: list[tuple[str, dict[str, Any], str]],
        estimates: list[float | None],
        session_id: str | None,
        start: Callable[[list[JobRecord]], None],
        done: Callable[[list[JobRecord]], object],
        failed: Callable[[BaseException], None],
    ) -> None:
        fit = self.plan([(e, inputs) for e, inputs, _ in runs], folder=True, estimates=estimates)
        if fit is None:
            return
        held = len(runs) - fit
        manager = self.window.manager
        self._recorder.run(
            lambda: manager.record_runs(
                runs,
                session_id=session_id,
                hold_from=fit if held else None,
                hold_reason=HELD_REASON,
            ),
            done=lambda jobs: self._start_in_steps(jobs, 0, start, done),
            failed=failed,
        )

    def _start_in_steps(
        self,
        jobs: list[JobRecord],
        at: int,
        start: Callable[[list[JobRecord]], None],
        done: Callable[[list[JobRecord]], object],
        step: int = 0,
    ) -> None:
        """``step`` jobs now (``SEND_STEP`` first); the next step, sized to take about
        ``STEP_MS`` by how long this one took, after the window has had its turn (timers,
        painting)."""
        step = step or SEND_STEP
        began = time.perf_counter()
        start(jobs[at : at + step])
        at += step
        if at < len(jobs):
            took = max((time.perf_counter() - began) * 1000, 0.1)
            following = max(1, min(4 * step, int(step * STEP_MS / took)))
            QTimer.singleShot(
                1, self, lambda: self._start_in_steps(jobs, at, start, done, following)
            )
            return
        self._say_held(sum(1 for job in jobs if job.state is JobState.HELD))
        QTimer.singleShot(1, self, lambda: done(jobs))  # in a turn of its own, as each step

    def _say_held(self, held: int) -> None:
        if held:
            self.window.notice.show_message(
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
        self._say_held(held)
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
                    self.window,
                    f"You ran exactly this ({endpoint_id}, the same inputs and seed "
                    f"{inputs['seed']}) on {stamp}. Its result is kept: showing it is free.\n"
                    "Run again sends a new paid job.",
                ):
                    return job
                return None
        return None

    # -- after -------------------------------------------------------------------------

    def on_updates(self, updates: list[JobUpdate]) -> None:
        """Record each finished job's cost (units × unit price) and refresh the totals."""
        changed = False
        waiting_price: list[str] = []
        for update in updates:
            if update.state is not JobState.COMPLETED:
                continue
            row = self.window.jobs_model.row_for(update.job_id)
            units = update.extra.get("billable_units")
            if row is None or not units:
                continue
            price = self.window.platform_ui.prices.price(row.job.endpoint_id)
            cost = cost_of(str(units), price)
            row.job.billable_units = str(units)
            if cost is not None:
                row.job.cost = cost
                self.store.update(update.job_id, billable_units=str(units), cost=cost)
            elif row.job.cost is None:
                waiting_price.append(row.job.endpoint_id)
            changed = True
        if waiting_price:  # filled in when fal's price comes (fill_missing_costs)
            self.window.platform_ui.want_prices(waiting_price)
        if changed or any(u.state.finished for u in updates):
            self.show_totals()
            if not self.paused_by_limit:
                self.check_limit()

    def _costs_missing(self) -> list[JobRecord]:
        """Finished jobs fal billed units for whose cost waits for the unit price."""
        jobs: list[JobRecord] = self.store.where(
            "state = 'completed' AND billable_units IS NOT NULL AND cost IS NULL"
        )
        return jobs

    def fill_missing_costs(self) -> bool:
        """Work out the costs that waited for a unit price now known (each job once: only
        jobs without a recorded cost), show them and count them toward the spend limit;
        True when every waiting cost is filled in."""
        prices = self.window.platform_ui.prices
        filled: list[str] = []
        missing = self._costs_missing()
        for job in missing:
            cost = cost_of(job.billable_units, prices.price(job.endpoint_id))
            if cost is None:
                continue
            self.store.update(job.id, cost=cost)
            row = self.window.jobs_model.row_for(job.id)
            if row is not None:
                row.job.cost = cost
            filled.append(job.id)
        if filled:
            self.window.jobs_model.rows_changed(filled)
            current = self.window.session_ui.current
            if current is not None and current.id in filled:
                self.window.session_ui.shown(current)  # the Details panel shows the cost
            self.show_totals()
            if not self.paused_by_limit:
                self.check_limit()
        return len(filled) == len(missing)

    def ask_missing_prices(self) -> None:
        """Ask fal for the unit prices the waiting costs need."""
        endpoints = [job.endpoint_id for job in self._costs_missing()]
        if endpoints:
            self.window.platform_ui.want_prices(endpoints)

    def _retry_prices_later(self) -> None:
        if self._costs_missing() and not self._price_retry.isActive():
            self._price_retry.start(PRICE_RETRY_MS)

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
        if questions.ask_paused(self.window, message) == "raise" and self.edit_limit():
            self.paused_by_limit = False
            if not self.check_limit():
                self.window.jobs_panel.show_paused(False)
            return
        self.window.notice.show_message(
            f"Sending paused by your spend limit: {waiting} job(s) wait, not sent. "
            "Resume (jobs panel) sends them; Settings ▸ Spend limit… raises the limit.",
            info=True,
        )

    def show_totals(self) -> None:
        session = self.window.session_ui.session_id
        self.window.session_ui.panel.set_spent(self.session_total(session))
        self.window.jobs_panel.set_batch_cost(self.batch_total())

    def batch_total(self) -> str:
        row_for = self.window.jobs_model.row_for  # asked per finished job: thousands of rows
        done = [
            row.job.cost
            for row in map(row_for, self.window.jobs_panel.batch_completed())
            if row is not None and row.state is JobState.COMPLETED
        ]
        return total_text(done) if done else ""
