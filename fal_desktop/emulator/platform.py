"""fal's Platform API (``https://api.fal.ai``) as the emulator serves it: the model catalog,
prices, cost estimates (rate-limited like fal's) and the ADMIN account balance.

See ``fal-platform.md`` §0–§4 in the shared reference.
"""

from __future__ import annotations

import base64
import io
import json
import math
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

import fal_desktop.emulator.platform_data as data
from fal_desktop.api.openapi import EndpointSchema

__all__ = ["Platform"]

MAX_LIMIT = 100
MAX_IDS = 50


def _error(cls: type[web.HTTPException], detail: str, **headers: str) -> web.HTTPException:
    return cls(
        text=json.dumps({"detail": detail}), content_type="application/json", headers=headers
    )


class Platform:
    """Handlers for the ``platform`` role, plus the thumbnails the catalog points at on the CDN."""

    def __init__(
        self,
        schemas: dict[str, EndpointSchema],
        key: str,
        admin_key: str | None = None,
        catalog_size: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.schemas, self.key, self.admin_key = schemas, key, admin_key
        self.catalog_size = catalog_size
        self.balance = 24.5
        #: The account ran out of credit (the Emulator's ``out_of_credit``): the balance
        #: answered is 0 at most, as fal's lock for an exhausted balance.
        self.out_of_credit = False
        #: The pricing call answers 503 (fal's Platform API down or slow): costs wait for it.
        self.pricing_down = False
        # At most ``estimate_limit`` estimates per ``estimate_window`` seconds, then 429 with
        # Retry-After, as fal (a 429 after the third call 800 ms apart). None: no limit.
        self.estimate_limit: int | None = 3
        self.estimate_window = 10.0
        self.estimate_calls: list[float] = []
        self._clock = clock
        self._items: list[dict[str, Any]] | None = None
        self._cdn_url = ""
        self._thumbnails: dict[str, bytes] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v1/models", self.models),
            web.get("/v1/models/pricing", self.pricing),
            web.post("/v1/models/pricing/estimate", self.estimate),
            web.get("/v1/account/billing", self.billing),
        ]

    def set_cdn(self, cdn_url: str) -> None:
        self._cdn_url, self._items = cdn_url, None

    def set_catalog_size(self, count: int) -> None:
        """Serve ``count`` synthetic models besides the real ones (tests may change it live)."""
        self.catalog_size, self._items = count, None

    # -- keys --------------------------------------------------------------------------

    def _scope(self, request: web.Request, required: bool) -> str | None:
        """``"admin"``, ``"api"``, or None for no key (allowed where ``required`` is false)."""
        header = request.headers.get("Authorization")
        if header is None and not required:
            return None
        if self.admin_key and header == f"Key {self.admin_key}":
            return "admin"
        if header == f"Key {self.key}":
            return "api"
        raise _error(web.HTTPUnauthorized, "No user found for Key ID and Secret")

    # -- the catalog -------------------------------------------------------------------

    def items(self) -> list[dict[str, Any]]:
        if self._items is None:
            real = [data.item_for(s, self._cdn_url) for _, s in sorted(self.schemas.items())]
            self._items = real + data.synthetic_items(self.catalog_size, self._cdn_url)
        return self._items

    async def models(self, request: web.Request) -> web.Response:
        self._scope(request, required=False)
        query = request.query
        try:
            limit = int(query.get("limit", "50"))
            page = int(base64.b64decode(query["cursor"]).decode()) if "cursor" in query else 0
        except ValueError:
            raise _error(
                web.HTTPUnprocessableEntity, "limit must be a number and cursor one we gave"
            ) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise _error(web.HTTPUnprocessableEntity, f"limit must be between 1 and {MAX_LIMIT}")
        ids = [i for value in query.getall("endpoint_id", []) for i in value.split(",") if i]
        if len(ids) > MAX_IDS:
            raise _error(web.HTTPUnprocessableEntity, f"at most {MAX_IDS} endpoint_id values")
        items = self.items()
        if ids:
            items = [i for i in items if i["endpoint_id"] in ids]
        words = query.get("q", "").lower().split()
        category, status = query.get("category"), query.get("status")
        if words or category or status:
            items = [i for i in items if self._matches(i, words, category, status)]
        chunk = items[page * limit : (page + 1) * limit]
        more = (page + 1) * limit < len(items)
        expand = query.getall("expand", [])
        if "openapi-3.0" in expand:
            chunk = [
                {
                    **i,
                    "openapi": self.schemas[i["endpoint_id"]].document
                    if i["endpoint_id"] in self.schemas
                    else {},
                }
                for i in chunk
            ]
        return web.json_response(
            {
                "models": chunk,
                "has_more": more,
                "next_cursor": base64.b64encode(str(page + 1).encode()).decode() if more else None,
            }
        )

    @staticmethod
    def _matches(
        item: dict[str, Any], words: list[str], category: str | None, status: str | None
    ) -> bool:
        meta = item["metadata"]
        if category and meta.get("category") != category:
            return False
        if status and meta.get("status") != status:
            return False
        text = " ".join(
            [
                item["endpoint_id"],
                meta.get("display_name", ""),
                meta.get("description", ""),
                *meta.get("tags", []),
            ]
        ).lower()
        return all(w in text for w in words)

    # -- prices ------------------------------------------------------------------------

    async def pricing(self, request: web.Request) -> web.Response:
        self._scope(request, required=True)
        if self.pricing_down:
            raise _error(web.HTTPServiceUnavailable, "Service temporarily unavailable")
        ids = [
            i for value in request.query.getall("endpoint_id", []) for i in value.split(",") if i
        ]
        if not 1 <= len(ids) <= MAX_IDS:
            raise _error(web.HTTPUnprocessableEntity, f"endpoint_id: give 1 to {MAX_IDS} ids")
        prices = []
        for endpoint_id in ids:
            price = data.price_for(endpoint_id)
            if price is not None:
                prices.append(
                    {
                        "endpoint_id": endpoint_id,
                        "unit_price": price[0],
                        "unit": price[1],
                        "currency": "USD",
                    }
                )
        return web.json_response({"prices": prices, "next_cursor": None, "has_more": False})

    async def estimate(self, request: web.Request) -> web.Response:
        self._scope(request, required=True)
        now = self._clock()
        self.estimate_calls = [t for t in self.estimate_calls if now - t < self.estimate_window]
        if self.estimate_limit is not None and len(self.estimate_calls) >= self.estimate_limit:
            wait = self.estimate_window - (now - self.estimate_calls[0])
            raise _error(
                web.HTTPTooManyRequests,
                "Rate limit exceeded",
                **{"Retry-After": str(max(1, math.ceil(wait)))},
            )
        self.estimate_calls.append(now)
        try:
            body = await request.json()
            kind, endpoints = body["estimate_type"], dict(body["endpoints"])
        except (ValueError, KeyError, TypeError):
            raise _error(
                web.HTTPUnprocessableEntity, "estimate_type and endpoints are required"
            ) from None
        total = 0.0
        for endpoint_id, amount in endpoints.items():
            price = data.price_for(endpoint_id)
            if price is None:
                raise _error(web.HTTPNotFound, f"No pricing for {endpoint_id}")
            if kind == "historical_api_price":
                total += (data.typical_cost(endpoint_id) or 0.0) * float(
                    amount.get("call_quantity", 1)
                )
            elif kind == "unit_price":
                total += price[0] * float(amount.get("unit_quantity", 1))
            else:
                raise _error(web.HTTPUnprocessableEntity, f"unknown estimate_type {kind!r}")
        return web.json_response(
            {"estimate_type": kind, "total_cost": round(total, 6), "currency": "USD"}
        )

    # -- ADMIN -------------------------------------------------------------------------

    async def billing(self, request: web.Request) -> web.Response:
        if self._scope(request, required=True) != "admin":
            raise _error(web.HTTPForbidden, "This resource needs an ADMIN key.")
        answer: dict[str, Any] = {"username": "emulated-user"}
        if "credits" in request.query.getall("expand", []):
            balance = min(self.balance, 0.0) if self.out_of_credit else self.balance
            answer["credits"] = {"current_balance": balance, "currency": "USD"}
        return web.json_response(answer)

    # -- thumbnails on the CDN ---------------------------------------------------------

    async def thumbnail(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self._thumbnails:
            self._thumbnails[name] = _draw_thumbnail(name)
        return web.Response(body=self._thumbnails[name], content_type="image/png")


def _draw_thumbnail(name: str) -> bytes:
    from PIL import Image

    try:
        seed = int(name.removesuffix(".png")[:12], 16)
    except ValueError:
        seed = sum(name.encode()) * 2654435761
    colors = [
        ((seed >> s) & 0xFF, (seed >> (s + 8)) & 0xFF, (seed >> (s + 16)) & 0xFF)
        for s in (0, 12, 24)
    ]
    grid = Image.new("RGB", (2, 2))
    grid.putdata([colors[0], colors[1], colors[2], colors[0]])
    buffer = io.BytesIO()
    grid.resize((96, 96), Image.Resampling.BICUBIC).save(buffer, "PNG")
    return buffer.getvalue()
