"""Shared helpers for the fal client's unit tests (httpx.MockTransport, no sockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from fal_desktop.api import FalClient, FalHosts, RetryPolicy

KEY = "kid:ksecret"
HOSTS = FalHosts(
    queue="https://queue.test",
    run="https://run.test",
    rest="https://rest.test",
    cdn="https://cdn.test",
    schemas="https://schemas.test",
)
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002)
FAR_FUTURE = "2999-01-01T00:00:00+00:00"


def make_client(handler: Callable[[httpx.Request], Any], key: Any = KEY, **kw: Any) -> FalClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    kw.setdefault("retry", FAST)
    kw.setdefault("poll_interval", 0.001)
    return FalClient(key, HOSTS, http=http, **kw)


def run(coro):
    return asyncio.run(coro)


def sse(*events: Any) -> bytes:
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode()


def sse_response(*events: Any) -> httpx.Response:
    return httpx.Response(200, content=sse(*events), headers={"content-type": "text/event-stream"})


def token_response(token: str = "tok", expires_at: str = FAR_FUTURE) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "token": token,
            "token_type": "Bearer",
            "base_url": "https://cdn.test",
            "expires_at": expires_at,
        },
    )


def log(i: int, message: str | None = None) -> dict[str, str]:
    return {
        "message": message or f"Step {i}/9",
        "level": "INFO",
        "source": "USER",
        "timestamp": f"2026-11-24T10:00:{i:02d}.000000+00:00",
    }
