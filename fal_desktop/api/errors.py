"""Typed errors from fal, each with a plain sentence for the user and the server's detail."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.api.openapi import FieldError

if TYPE_CHECKING:  # only named here: the window imports these errors, not httpx
    import httpx

__all__ = [
    "ErrorKind",
    "FalError",
    "AuthError",
    "BalanceExhaustedError",
    "ValidationError",
    "RateLimitError",
    "ServerError",
    "NetworkError",
    "FalTimeoutError",
    "RequestFailed",
    "ProtocolError",
    "DownloadError",
    "FileReadError",
    "error_from_response",
    "request_failed",
    "stored_failure",
    "USER_START_TIMEOUT",
    "is_exhausted_balance",
]


class FalError(Exception):
    """Anything that went wrong talking to fal. ``user_message`` is one plain sentence;
    ``kind`` (an :class:`ErrorKind`) is what the app decides on (each subclass has its own,
    and ``kind=`` overrides it)."""

    kind: ErrorKind = ErrorKind.OTHER

    def __init__(
        self,
        user_message: str,
        *,
        detail: Any = None,
        status_code: int | None = None,
        error_type: str | None = None,
        request_id: str | None = None,
        kind: ErrorKind | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        if kind is not None:
            self.kind = kind
        self.detail = detail
        self.status_code = status_code
        self.error_type = error_type
        self.request_id = request_id

    @property
    def detail_text(self) -> str:
        """The server's own words, for the log pane and tooltips."""
        parts = []
        if self.status_code:
            parts.append(f"HTTP {self.status_code}")
        if self.error_type:
            parts.append(self.error_type)
        if self.detail not in (None, ""):
            detail = self.detail if isinstance(self.detail, str) else json.dumps(self.detail)
            parts.append(detail[:2000])
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return " · ".join(parts)


class AuthError(FalError):
    """401/403: the key is missing, wrong or not allowed to use this model."""

    kind = ErrorKind.AUTH


class BalanceExhaustedError(FalError):
    """403 "User is locked. Reason: Exhausted balance": the key is fine, the account is out of
    credit. fal took no job (nothing was charged); top up, then send it again."""

    kind = ErrorKind.OUT_OF_CREDIT


#: A 504 with ``X-Fal-Request-Timeout-Type: user``: the start deadline the caller set ran out.
USER_START_TIMEOUT = "The job did not start within the time limit you set."
BALANCE_SENTENCE = "Your fal balance is used up — top up at fal.ai/dashboard/billing."


def is_exhausted_balance(detail: Any) -> bool:
    """Whether an error's ``detail`` is fal's lock of an account out of credit (§17)."""
    text = detail if isinstance(detail, str) else ""
    return "exhausted balance" in text.lower() or (
        "user is locked" in text.lower() and "balance" in text.lower()
    )


class ValidationError(FalError):
    """422: fal rejected the input; ``field_errors`` says which field and why."""

    kind = ErrorKind.REJECTED_INPUT

    def __init__(self, user_message: str, field_errors: list[FieldError], **kw: Any) -> None:
        super().__init__(user_message, **kw)
        self.field_errors = field_errors


class RateLimitError(FalError):
    """429: too many requests right now."""

    kind = ErrorKind.RATE_LIMITED


class ServerError(FalError):
    """5xx: fal or the model's runner failed."""

    kind = ErrorKind.SERVER


class NetworkError(FalError):
    """fal could not be reached, or the connection broke."""

    kind = ErrorKind.NETWORK


class FalTimeoutError(FalError):
    """fal did not answer in time."""

    kind = ErrorKind.TIMEOUT


class RequestFailed(FalError):
    """The job ran and finished with an error."""

    kind = ErrorKind.SERVER


class ProtocolError(FalError):
    """fal answered with something this app does not understand."""

    kind = ErrorKind.PROTOCOL


class DownloadError(FalError):
    """A result file could not be fetched (bad address, too large, broken data: URL)."""

    kind = ErrorKind.PROTOCOL


class FileReadError(FalError):
    """A local file to upload could not be read, or changed while it was being sent."""

    kind = ErrorKind.LOCAL_INPUT


_FAILURE_KINDS = {
    "request_cancelled": ErrorKind.CANCELLED,
    "request_timeout": ErrorKind.TIMEOUT,
    "startup_timeout": ErrorKind.SERVER,
    "validation_error": ErrorKind.REJECTED_INPUT,
}

_FAILURE_SENTENCES = {
    "request_cancelled": "The job was cancelled.",
    "request_timeout": "The job took longer than fal allows and was stopped.",
    "startup_timeout": "The model's server did not start in time.",
    "validation_error": "fal rejected the input.",
}


def request_failed(
    error: str, error_type: str | None, request_id: str | None = None
) -> RequestFailed:
    """The error for a job that finished (COMPLETED) with ``error`` set."""
    if error_type in _FAILURE_SENTENCES:
        sentence = _FAILURE_SENTENCES[error_type]
    elif error_type and error_type.startswith("runner_"):
        sentence = "The model's server failed while running the job; it was not your input."
    else:
        sentence = "The job failed on fal's side."
    return RequestFailed(
        sentence,
        detail=error,
        error_type=error_type,
        request_id=request_id,
        kind=_FAILURE_KINDS.get(error_type or "", ErrorKind.SERVER),
    )


def stored_failure(
    stored: FalError | None, error: str, error_type: str | None, request_id: str | None = None
) -> FalError:
    """The error of a job that finished (COMPLETED) with ``error``/``error_type``, given what
    its result URL answered (``stored``; None if it answered 2xx).

    The model's or the caller's own words win: a 422's field errors, a model's 400 with its
    ``detail``, the caller's start timeout. For fal's own failures (5xx: a runner that
    disconnected, a job that ran too long) and answers that say nothing of the job (a refused
    key, an unreachable fal), the status's ``error_type`` says what happened."""
    if stored is not None and (
        isinstance(stored, ValidationError)
        or (stored.status_code == 400 and error_type != "request_cancelled")
        or stored.user_message == USER_START_TIMEOUT
    ):
        return stored
    failed = request_failed(error, error_type, request_id)
    if stored is not None and (stored.status_code or 0) >= 500:
        failed.status_code = stored.status_code
    return failed


def _field_errors(detail: Any) -> list[FieldError]:
    if isinstance(detail, str):
        return [FieldError((), detail)]
    errors = []
    for item in detail if isinstance(detail, list) else []:
        if not isinstance(item, dict):
            continue
        loc = [p for p in item.get("loc") or [] if isinstance(p, (str, int))]
        if loc and loc[0] == "body":
            loc = loc[1:]
        errors.append(
            FieldError(
                tuple(loc),
                str(item.get("msg", "is not valid")),
                str(item.get("type", "value_error")),
            )
        )
    return errors


def error_from_response(response: httpx.Response) -> FalError:
    """Turn a non-2xx response into the right :class:`FalError`."""
    status = response.status_code
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = None
    detail: Any = body.get("detail") if isinstance(body, dict) else None
    if detail is None:
        detail = response.text[:2000] if body is None else body
    error_type = (
        body.get("error_type") if isinstance(body, dict) else None
    ) or response.headers.get("x-fal-error-type")
    kw = dict(
        detail=detail,
        status_code=status,
        error_type=error_type,
        request_id=response.headers.get("x-fal-request-id"),
    )
    if status == 403 and is_exhausted_balance(detail):
        return BalanceExhaustedError(BALANCE_SENTENCE, **kw)
    if status in (401, 403):
        return AuthError(
            "fal did not accept the API key."
            if status == 401
            else "This API key is not allowed to use this model.",
            **kw,
        )
    if status == 422:
        fields = _field_errors(detail)
        if (
            isinstance(detail, str) and detail.strip()
        ):  # the model's own refusal: its words are the reason
            message = f"fal rejected the input: {detail.strip()}"
            message += "" if message.endswith((".", "!", "?")) else "."
        elif len(fields) == 1 and fields[0].loc:
            where = ".".join(str(p) for p in fields[0].loc)
            message = f"fal rejected the input: {where}: {fields[0].msg.rstrip('.')}."
        else:
            count = f"{len(fields)} problem" + ("s" if len(fields) != 1 else "")
            message = f"fal rejected the input ({count})." if fields else "fal rejected the input."
        return ValidationError(message, fields, **kw)
    if status == 429:
        return RateLimitError(
            "fal is receiving too many requests from you; try again shortly.", **kw
        )
    if status == 504 and response.headers.get("x-fal-request-timeout-type") == "user":
        return FalTimeoutError(USER_START_TIMEOUT, **kw)
    if status in (408, 504):
        return FalTimeoutError("fal took too long to answer.", **kw)
    if status >= 500:
        return ServerError("fal or the model's server had a problem; this is not your input.", **kw)
    if status == 404:
        return FalError("fal does not know this model or request.", kind=ErrorKind.NOT_FOUND, **kw)
    return FalError(f"fal answered with an error (HTTP {status}).", **kw)
