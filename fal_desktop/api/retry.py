"""When to retry a request to fal, and how long to wait: fal's clients' rules, made safe.

fal's Python client retries 408/409/429, "ingress" 502–504 (no ``x-fal-request-id`` and
fal's nginx page as the body: the request never got past fal's front door) and transport
errors. We do the same, with one rule on top: a request that starts a paid job (submit,
run) is only retried when it certainly did not reach fal — never after the request went
out and the answer was lost, never on a gateway error that is not fal's ingress page, and
never on nginx's 504 (a gateway *timeout*: the gateway had passed the request on to fal and
gave up waiting for its answer, so fal may have queued the job).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from fal_desktop.api.errors import (
    ErrorKind,
    FalError,
    FalTimeoutError,
    NetworkError,
    error_from_response,
)
from fal_desktop.api.tls import UNTRUSTED, is_untrusted_certificate

__all__ = [
    "RetryPolicy",
    "retry_response",
    "retry_exception",
    "retry_after_seconds",
    "transport_error",
    "is_ingress_error",
    "response_error",
    "MAYBE_SENT",
]

_ALWAYS = frozenset({408, 409, 429})
_INGRESS = frozenset({502, 503, 504})
# Ingress errors that say the gateway never passed the request on: the only ones after which a
# paid job's request is sent again. A 504 is the gateway giving up on fal's answer.
_INGRESS_NOT_SENT = frozenset({502, 503})
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
        backoff = min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay)
        return min(backoff * random.uniform(0.5, 1.5), self.max_delay)


MAYBE_SENT = "fal may have received the job, so it was not sent again (you are not charged twice)."


def is_ingress_error(response: httpx.Response) -> bool:
    """fal's rule (``_is_ingress_error``): a 502/503/504 without ``x-fal-request-id`` whose body
    is fal's nginx page. Such a request never reached fal's servers; any other gateway error
    may have come after fal accepted the job."""
    if response.status_code not in _INGRESS or "x-fal-request-id" in response.headers:
        return False
    try:
        return "nginx" in response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError, LookupError):
        return False


def retry_response(response: httpx.Response, *, idempotent: bool) -> bool:
    """Whether an error response is worth another try."""
    status = response.status_code
    if status == 504 and response.headers.get("x-fal-request-timeout-type"):
        return False  # the caller's own start timeout ran out
    if status in _ALWAYS:
        return True
    if is_ingress_error(response) and (idempotent or status in _INGRESS_NOT_SENT):
        return True
    return idempotent and status in (500, 502, 503, 504)


def retry_exception(exc: Exception, *, idempotent: bool) -> bool:
    """Whether a transport failure is worth another try."""
    if isinstance(exc, httpx.UnsupportedProtocol) or is_untrusted_certificate(exc):
        return (
            False  # a redirect to file://, a certificate not trusted: trying again changes nothing
        )
    if isinstance(exc, _NOT_SENT):
        return True
    return idempotent and isinstance(exc, httpx.TransportError)


def transport_error(exc: httpx.TransportError, *, idempotent: bool) -> FalError:
    """The error to raise when a transport failure is not (or no longer) retried.

    For submit and run, a failure after the request went out means fal may have the job:
    the sentence says so, and that it was not sent again.
    """
    if is_untrusted_certificate(exc):
        return NetworkError(UNTRUSTED, detail=repr(exc))
    timed_out = isinstance(exc, httpx.TimeoutException)
    kind = FalTimeoutError if timed_out else NetworkError
    if idempotent or isinstance(exc, _NOT_SENT):
        sentence = "fal took too long to answer." if timed_out else "fal could not be reached."
        return kind(sentence, detail=repr(exc))
    what = "fal did not answer in time" if timed_out else "The connection to fal broke"
    return kind(
        f"{what} after the job was sent: {MAYBE_SENT}", detail=repr(exc), kind=ErrorKind.MAYBE_SENT
    )


def response_error(response: httpx.Response, *, idempotent: bool) -> FalError:
    """The error to raise for an error answer that is not (or no longer) retried.

    For submit and run, a server error that is not fal's ingress page (or is nginx's gateway
    timeout) may have come after fal accepted the job: the sentence says so, and that it was not
    sent again.
    """
    error = error_from_response(response)
    status = response.status_code
    if (
        idempotent
        or status < 500
        or (is_ingress_error(response) and status in _INGRESS_NOT_SENT)
        or (status == 504 and response.headers.get("x-fal-request-timeout-type"))
    ):
        return error
    error.user_message = f"fal answered with a server error after the job was sent: {MAYBE_SENT}"
    error.args = (error.user_message,)
    error.kind = ErrorKind.MAYBE_SENT
    return error
