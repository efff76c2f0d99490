"""When to retry a request to fal, and how long to wait: fal's clients' rules, made safe.

fal's clients retry 408/409/429, "ingress" 502–504 (no ``x-fal-request-id``: the request
never reached a runner) and transport errors. We do the same, with one rule on top: a
request that starts a paid job (submit, run) is only retried when it certainly did not
reach the model — never after the request went out and the answer was lost.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from fal_desktop.api.errors import FalError, FalTimeoutError, NetworkError

__all__ = ["RetryPolicy", "retry_response", "retry_exception", "retry_after_seconds", "transport_error"]

_ALWAYS = frozenset({408, 409, 429})
_INGRESS = frozenset({502, 503, 504})
# The request never left this machine (or never reached a server that could act on it).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries in all (the first included) and how long to wait between them."""

    max_attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 10.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before try number ``attempt + 1`` (``attempt`` counts from 1).

        Exponential backoff with ±50 % jitter, capped at ``max_delay``; a server's
        ``Retry-After`` wins (also capped).
        """
        asked = retry_after_seconds(retry_after)
        if asked is not None:
            return min(asked, self.max_delay)
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
    if isinstance(exc, httpx.UnsupportedProtocol):
        return False  # e.g. a redirect to file:// – trying again changes nothing
    if isinstance(exc, _NOT_SENT):
        return True
    return idempotent and isinstance(exc, httpx.TransportError)


def transport_error(exc: httpx.TransportError, *, idempotent: bool) -> FalError:
    """The error to raise when a transport failure is not (or no longer) retried.

    For submit and run, a failure after the request went out means fal may have the job:
    the sentence says so, and that it was not sent again.
    """
    timed_out = isinstance(exc, httpx.TimeoutException)
    kind = FalTimeoutError if timed_out else NetworkError
    if idempotent or isinstance(exc, _NOT_SENT):
        sentence = "fal took too long to answer." if timed_out else "fal could not be reached."
    else:
        what = "fal did not answer in time" if timed_out else "The connection to fal broke"
        sentence = (f"{what} after the job was sent, so it may or may not have been submitted. "
                    "It was not sent again so you are not charged twice.")
    return kind(sentence, detail=repr(exc))
