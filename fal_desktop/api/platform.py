"""fal's Platform API (``https://api.fal.ai/v1``): the model catalog, prices, cost estimates and
the ADMIN account balance. Synchronous httpx: call it off the GUI thread.

The key goes only to ``hosts.platform`` (one of fal's API origins); the catalog works without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fal_desktop.api.errors import (
    BALANCE_SENTENCE,
    AuthError,
    BalanceExhaustedError,
    FalError,
    RateLimitError,
    is_exhausted_balance,
)
from fal_desktop.api.hosts import FalHosts

if TYPE_CHECKING:  # imported by the first client: the window's start needs only ``Price``
    import httpx

__all__ = ["ModelPage", "PlatformClient", "PlatformRateLimited", "Price", "MAX_PRICE_IDS"]

MAX_PRICE_IDS = 50
PAGE_SIZE = 100


@dataclass(frozen=True)
class Price:
    endpoint_id: str
    unit_price: float
    unit: str
    currency: str = "USD"


@dataclass(frozen=True)
class ModelPage:
    models: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


class PlatformRateLimited(RateLimitError):
    """429 from the Platform API; ``retry_after`` is fal's Retry-After in seconds (None if absent)."""

    def __init__(self, user_message: str, retry_after: float | None, **kw: Any) -> None:
        super().__init__(user_message, **kw)
        self.retry_after = retry_after


KeySource = Callable[[], "str | None"] | str | None


class PlatformClient:
    def __init__(
        self,
        key: KeySource,
        hosts: FalHosts,
        http: httpx.Client | None = None,
        timeout: float = 20.0,
    ) -> None:
        import httpx  # here, with ssl: the window imports this module on its way to usable

        from fal_desktop.api.tls import system_trust

        self._key = key
        self.base = f"{hosts.platform}/v1"
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=10.0), verify=system_trust()
        )
        self._owns_http = http is None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self, required: bool) -> dict[str, str]:
        key = self._key() if callable(self._key) else self._key
        if not key:
            if required:
                raise AuthError("No fal API key is set.")
            return {}
        return {"Authorization": f"Key {key}"}

    def _call(
        self, method: str, path: str, *, required: bool, params: Any = None, json: Any = None
    ) -> Any:
        import httpx

        try:
            response = self._http.request(
                method, self.base + path, params=params, json=json, headers=self._headers(required)
            )
        except httpx.HTTPError as exc:
            from fal_desktop.api.tls import UNTRUSTED, is_untrusted_certificate

            if is_untrusted_certificate(exc):
                raise FalError(UNTRUSTED, detail=repr(exc)) from None
            raise FalError(
                f"fal's Platform API could not be reached ({type(exc).__name__})."
            ) from None
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise FalError(
                    "fal's Platform API sent an answer that is not JSON.",
                    status_code=response.status_code,
                ) from None
        detail = _detail(response)
        if response.status_code == 403 and is_exhausted_balance(detail):
            # fal locks an account out of credit: the key is fine, the balance needs topping up
            raise BalanceExhaustedError(BALANCE_SENTENCE, detail=detail, status_code=403)
        if response.status_code in (401, 403):
            raise AuthError(
                "fal did not accept this key for that."
                if response.status_code == 403
                else "fal did not accept this key.",
                detail=detail,
                status_code=response.status_code,
            )
        if response.status_code == 429:
            raise PlatformRateLimited(
                "fal asked to wait before asking again.",
                _retry_after(response),
                detail=detail,
                status_code=429,
            )
        raise FalError(
            f"fal's Platform API answered HTTP {response.status_code}.",
            detail=detail,
            status_code=response.status_code,
        )

    # -- catalog -----------------------------------------------------------------------

    def models_page(
        self,
        *,
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
        q: str | None = None,
        category: str | None = None,
        status: str | None = None,
        endpoint_ids: Sequence[str] = (),
        expand: Sequence[str] = (),
    ) -> ModelPage:
        params: list[tuple[str, str | int]] = [("limit", limit)]
        params += [
            (name, value)
            for name, value in (
                ("cursor", cursor),
                ("q", q),
                ("category", category),
                ("status", status),
            )
            if value
        ]
        params += [("endpoint_id", e) for e in endpoint_ids] + [("expand", e) for e in expand]
        answer = self._call("GET", "/models", required=False, params=params)
        models = answer.get("models") if isinstance(answer, dict) else None
        if not isinstance(models, list):
            raise FalError("fal's model list came without models.")
        return ModelPage(
            [m for m in models if isinstance(m, dict) and isinstance(m.get("endpoint_id"), str)],
            answer.get("next_cursor") or None,
            bool(answer.get("has_more")),
        )

    def all_models(self, **query: Any) -> Iterator[ModelPage]:
        """Every page, following ``next_cursor``."""
        cursor = None
        for _ in range(1000):  # a server that keeps answering "more" cannot loop us forever
            page = self.models_page(cursor=cursor, **query)
            yield page
            if not page.has_more or not page.next_cursor or page.next_cursor == cursor:
                return
            cursor = page.next_cursor

    def check_key(self) -> None:
        """The free catalog call with the key: raises AuthError if fal refuses it."""
        self._call("GET", "/models", required=True, params={"limit": 1})

    # -- prices ------------------------------------------------------------------------

    def prices(self, endpoint_ids: Sequence[str]) -> dict[str, Price]:
        """Unit prices, asked ``MAX_PRICE_IDS`` at a time; ids fal has no price for are absent."""
        ids = list(dict.fromkeys(endpoint_ids))
        found: dict[str, Price] = {}
        for start in range(0, len(ids), MAX_PRICE_IDS):
            chunk = ids[start : start + MAX_PRICE_IDS]
            answer = self._call(
                "GET", "/models/pricing", required=True, params=[("endpoint_id", e) for e in chunk]
            )
            for item in answer.get("prices", []) if isinstance(answer, dict) else []:
                try:
                    price = Price(
                        str(item["endpoint_id"]),
                        float(item["unit_price"]),
                        str(item["unit"]),
                        str(item.get("currency") or "USD"),
                    )
                except (KeyError, TypeError, ValueError):
                    continue
                found[price.endpoint_id] = price
        return found

    def typical_call_cost(self, endpoint_id: str, calls: int = 100) -> float | None:
        """The usual cost of one call (``historical_api_price`` over ``calls`` calls ÷ calls).
        Raises RateLimitError (with ``retry_after``) when fal says to wait."""
        answer = self._call(
            "POST",
            "/models/pricing/estimate",
            required=True,
            json={
                "estimate_type": "historical_api_price",
                "endpoints": {endpoint_id: {"call_quantity": calls}},
            },
        )
        total = answer.get("total_cost") if isinstance(answer, dict) else None
        return float(total) / calls if isinstance(total, (int, float)) else None

    # -- ADMIN -------------------------------------------------------------------------

    def balance(self) -> tuple[float, str] | None:
        """The account's credit balance, or None when the key is not ADMIN (a normal key)."""
        try:  # an account fal locked for its balance raises BalanceExhaustedError
            answer = self._call(
                "GET", "/account/billing", required=True, params={"expand": "credits"}
            )
        except AuthError:
            return None
        credits = answer.get("credits") if isinstance(answer, dict) else None
        if not isinstance(credits, dict) or not isinstance(
            credits.get("current_balance"), (int, float)
        ):
            return None
        return float(credits["current_balance"]), str(credits.get("currency") or "USD")


def _detail(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    return body.get("detail", body) if isinstance(body, dict) else body


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None
