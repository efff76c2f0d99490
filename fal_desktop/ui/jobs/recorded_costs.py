"""What finished jobs cost: each job's cost recorded when its result arrives (units × unit
price; later, once fal's unit price comes, when it was not known), and the session's and the
batch's totals shown. :class:`~fal_desktop.ui.jobs.spending.Spending` extends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from fal_desktop.core.costs import cost_of, total_text
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore

if TYPE_CHECKING:
    from fal_desktop.jobs.events import JobUpdate
    from fal_desktop.ui.jobs.spending_host import SpendingHost

__all__ = ["PRICE_RETRY_MS", "RecordedCosts"]

#: After fal's pricing call failed, ask again this much later while a job's cost waits for it.
PRICE_RETRY_MS = 60_000


class RecordedCosts(QObject):
    """The costs part of :class:`~fal_desktop.ui.jobs.spending.Spending`, which sets these."""

    window: SpendingHost
    store: JobStore
    paused_by_limit: bool
    _price_retry: QTimer

    if TYPE_CHECKING:

        def check_limit(self) -> bool: ...  # Spending's: the spend limit

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
