"""What jobs cost and what the spend limit allows.

A job's cost is fal's ``x-fal-billable-units`` for its result × the endpoint's unit price
(reference fal-platform.md §4). When either is missing the cost is unknown: it is never
guessed. Before a job is sent only an estimate exists (the price line's figure); the spend
limit counts recorded costs, and estimates for jobs not finished yet, and says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from fal_desktop.api.platform import Price
from fal_desktop.core.price_text import money

__all__ = [
    "SpendLimit",
    "cost_of",
    "cost_text",
    "start_of_day",
    "total_text",
]


def cost_of(units: str | None, price: Price | None) -> float | None:
    """Billable units × unit price in USD, or None when either is unknown (or not in USD)."""
    if units is None or price is None or price.currency.upper() != "USD":
        return None
    try:
        amount = Decimal(str(units).strip()) * Decimal(str(price.unit_price))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return round(float(amount), 10)  # to a tenth of fal's nano-dollar


def cost_text(cost: float | None) -> str:
    """``$0.03``, ``$0.0025``, ``$0`` for a free result, ``unknown`` when fal's figure is missing."""
    return "unknown" if cost is None else money(cost)


def total_text(costs: Iterable[float | None]) -> str:
    """The sum of the known costs, and how many are unknown: ``$0.10 · 2 unknown``."""
    values = list(costs)
    known = [c for c in values if c is not None]
    unknown = len(values) - len(known)
    if not known:
        return f"unknown ({unknown} job{'s' * (unknown != 1)})" if unknown else "$0"
    text = money(sum(known))
    return f"{text} · {unknown} unknown" if unknown else text


def start_of_day(now: float | None = None) -> float:
    """Local midnight before ``now`` (the day the daily limit counts)."""
    local = time.localtime(time.time() if now is None else now)
    return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))


@dataclass(frozen=True)
class SpendLimit:
    """USD per session and per day; None means no limit."""

    per_session: float | None = None
    per_day: float | None = None

    @property
    def active(self) -> bool:
        return self.per_session is not None or self.per_day is not None

    def jobs_that_fit(
        self, session_spent: float, day_spent: float, estimates: list[float | None]
    ) -> int:
        """How many of the next jobs (their estimated costs, in order) can be sent before one
        would pass a limit. A job whose cost is not known is not counted (it fits)."""
        session, day = session_spent, day_spent
        for number, estimate in enumerate(estimates):
            cost = estimate or 0.0
            if self._passes(session + cost, day + cost):
                return number
            session, day = session + cost, day + cost
        return len(estimates)

    def _passes(self, session: float, day: float) -> bool:
        tolerance = 1e-9  # a job that lands exactly on the limit is within it
        return (self.per_session is not None and session > self.per_session + tolerance) or (
            self.per_day is not None and day > self.per_day + tolerance
        )

    def describe(self) -> str:
        parts = []
        if self.per_session is not None:
            parts.append(f"{money(self.per_session)} per session")
        if self.per_day is not None:
            parts.append(f"{money(self.per_day)} per day")
        return " and ".join(parts) or "no limit"


def parse_limit(text: object) -> float | None:
    """A limit from a setting: a positive number of dollars, or None (no limit)."""
    try:
        value = float(str(text).strip().lstrip("$"))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None
