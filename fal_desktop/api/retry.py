"""When to retry a request to fal, and how long to wait: fal's clients' rules, made safe.

fal's clients retry 408/409/429, "ingress" 502–504 (no ``x-fal-request-id``: the request
never reached a runner) and transport errors. We do the same, with one rule on top: a
request that starts a paid job (submit, run) is only retried when it certainly did not
reach the model — never after the request went out and the answer was lost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

__all__ = ["RetryPolicy", "retry_response", "retry_exception"]

_ALWAYS = frozenset({408, 409, 429})
_INGRESS = frozenset({502, 503, 504})
# The request never left this machine (or never reached a server that could act on it).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 10.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before try number ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_delay)
            except ValueError:
                pass
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return min(backoff * random.uniform(0.5, 1.5), self.max_delay)


def _is_ingress(response: httpx.Response) -> bool:
    return response.status_code in _INGRESS and "x-fal-request-id" not in response.headers


def retry_response(response: httpx.Response, *, idempotent: bool) -> bool:
    """Whether an error response is worth another try."""
    status = response.status_code
    if status == 504 and response.headers.get("x-fal-request-timeout-type"):
        return False  # the caller's own start timeout ran out
    if status in _ALWAYS or _is_ingress(response):
        return True
    return idempotent and status in (500, 502, 503, 504)


def retry_exception(exc: Exception, *, idempotent: bool) -> bool:
    """Whether a transport failure is worth another try."""
    if isinstance(exc, _NOT_SENT):
        return True
    return idempotent and isinstance(exc, httpx.TransportError)
