"""What a run should cost before it is sent: from fal's unit price and what the form asks
(with the schema's defaults for what it leaves out), else the typical cost of a call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from fal_desktop.core.price_text import per_run_cost

if TYPE_CHECKING:
    from fal_desktop.api.platform import Price
    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.prices import PriceBook

__all__ = ["Estimate", "run_estimator"]

#: ``estimate(endpoint_id, inputs)``: a run's cost in USD, or None when nothing is known.
Estimate = Callable[[str, dict[str, Any]], float | None]


def run_estimator(prices: PriceBook, catalog: Catalog, endpoint_ids: Iterable[str]) -> Estimate:
    """An estimate for runs on these models, with their prices and schema defaults read once,
    now: a plain function, safe on a worker (thousands of runs)."""
    known: dict[str, tuple[Price, dict[str, Any], float | None]] = {}
    for endpoint_id in dict.fromkeys(endpoint_ids):
        price = prices.price(endpoint_id)
        if price is None or price.currency.upper() != "USD":
            continue
        schema = catalog.cached(endpoint_id)
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
