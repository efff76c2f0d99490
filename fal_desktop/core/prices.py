"""What a model costs: unit prices from fal's Platform API (cached for a day on disk) and the
typical cost of one call from its estimate endpoint (asked rarely, one at a time, cached for a
day, and never again before fal's ``Retry-After`` has passed).

Methods that fetch block on the network: call them off the GUI thread, one at a time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from fal_desktop.api.errors import FalError
from fal_desktop.api.platform import PlatformClient, PlatformRateLimited, Price
from fal_desktop.core.atomic import write_text_atomic

__all__ = ["DAY", "PriceBook"]

DAY = 24 * 3600.0


class PriceBook:
    def __init__(
        self,
        path: Path,
        client: Callable[[], PlatformClient],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        # endpoint id -> (fetched at, Price or None when fal has no price for it)
        self._prices: dict[str, tuple[float, Price | None]] = {}
        self._typical: dict[str, tuple[float, float | None]] = {}
        self.estimates_paused_until = 0.0
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            for endpoint_id, (at, price) in data.get("prices", {}).items():
                self._prices[endpoint_id] = (float(at), Price(**price) if price else None)
            for endpoint_id, (at, cost) in data.get("typical", {}).items():
                self._typical[endpoint_id] = (float(at), None if cost is None else float(cost))
        except (OSError, ValueError, TypeError, AttributeError):
            self._prices, self._typical = {}, {}  # missing or broken: ask fal again

    def _save(self) -> None:
        prices = {e: (at, p.__dict__ if p else None) for e, (at, p) in self._prices.items()}
        try:
            write_text_atomic(self.path, json.dumps({"prices": prices, "typical": self._typical}))
        except OSError:
            pass

    def _fresh(self, at: float) -> bool:
        return self._clock() - at < DAY

    # -- unit prices -------------------------------------------------------------------

    def price(self, endpoint_id: str) -> Price | None:
        """The cached unit price, or None (not asked yet, older than a day, or fal has none)."""
        with self._lock:
            entry = self._prices.get(endpoint_id)
        return entry[1] if entry and self._fresh(entry[0]) else None

    def known(self, endpoint_id: str) -> bool:
        """Whether fal answered for this id within the day (with a price or without one)."""
        with self._lock:
            entry = self._prices.get(endpoint_id)
        return entry is not None and self._fresh(entry[0])

    def fetch_prices(self, endpoint_ids: Sequence[str]) -> dict[str, Price]:
        """Ask fal for the prices not cached today (50 ids per call); every cached price after."""
        missing = [e for e in dict.fromkeys(endpoint_ids) if not self.known(e)]
        if missing:
            with self._client() as client:
                found = client.prices(missing)
            now = self._clock()
            with self._lock:
                for endpoint_id in missing:
                    self._prices[endpoint_id] = (now, found.get(endpoint_id))
                self._save()
        return {e: p for e in endpoint_ids if (p := self.price(e)) is not None}

    # -- typical cost of a call --------------------------------------------------------

    def typical(self, endpoint_id: str) -> float | None:
        with self._lock:
            entry = self._typical.get(endpoint_id)
        return entry[1] if entry and self._fresh(entry[0]) else None

    def fetch_typical(self, endpoint_id: str) -> float | None:
        """The usual cost of one call, from the cache or one estimate call. None while fal's
        Retry-After runs, or when fal cannot say."""
        with self._lock:
            entry = self._typical.get(endpoint_id)
        if entry and self._fresh(entry[0]):
            return entry[1]
        if self._clock() < self.estimates_paused_until:
            return None
        try:
            with self._client() as client:
                cost = client.typical_call_cost(endpoint_id)
        except PlatformRateLimited as exc:
            self.estimates_paused_until = self._clock() + (
                exc.retry_after if exc.retry_after is not None else 60.0
            )
            return None
        except FalError:
            return None  # no estimate: the label says "varies" without a typical figure
        with self._lock:
            self._typical[endpoint_id] = (self._clock(), cost)
            self._save()
        return cost
