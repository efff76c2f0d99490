"""The fal protocol layer: a typed async client over httpx. No Qt here.

The names below are loaded on first use (PEP 562): importing ``fal_desktop.api.hosts`` alone,
as the window does before it is usable, must not import httpx and the client.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fal_desktop.api.client import FalClient
    from fal_desktop.api.endpoint import EndpointId, request_url, run_url, submit_url
    from fal_desktop.api.errors import (
        AuthError,
        BalanceExhaustedError,
        DownloadError,
        ErrorKind,
        FalError,
        FalTimeoutError,
        FileReadError,
        NetworkError,
        ProtocolError,
        RateLimitError,
        RequestFailed,
        ServerError,
        ValidationError,
    )
    from fal_desktop.api.hosts import FalHosts
    from fal_desktop.api.models import (
        Completed,
        InProgress,
        LogDeltas,
        LogLine,
        Queued,
        RequestHandle,
        Status,
        parse_status,
        progress_from_logs,
    )
    from fal_desktop.api.openapi import EndpointSchema, FieldError, SchemaError
    from fal_desktop.api.retry import RetryPolicy
    from fal_desktop.api.uploads import CdnToken, encode_data_uri

_WHERE = {
    "client": ["FalClient"],
    "endpoint": ["EndpointId", "request_url", "run_url", "submit_url"],
    "errors": [
        "AuthError",
        "BalanceExhaustedError",
        "DownloadError",
        "ErrorKind",
        "FalError",
        "FalTimeoutError",
        "FileReadError",
        "NetworkError",
        "ProtocolError",
        "RateLimitError",
        "RequestFailed",
        "ServerError",
        "ValidationError",
    ],
    "hosts": ["FalHosts"],
    "models": [
        "Completed",
        "InProgress",
        "LogDeltas",
        "LogLine",
        "Queued",
        "RequestHandle",
        "Status",
        "parse_status",
        "progress_from_logs",
    ],
    "openapi": ["EndpointSchema", "FieldError", "SchemaError"],
    "retry": ["RetryPolicy"],
    "uploads": ["CdnToken", "encode_data_uri"],
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "AuthError",
    "BalanceExhaustedError",
    "CdnToken",
    "Completed",
    "DownloadError",
    "EndpointId",
    "EndpointSchema",
    "ErrorKind",
    "FalClient",
    "FalError",
    "FalHosts",
    "FalTimeoutError",
    "FieldError",
    "FileReadError",
    "InProgress",
    "LogDeltas",
    "LogLine",
    "NetworkError",
    "ProtocolError",
    "Queued",
    "RateLimitError",
    "RequestFailed",
    "RequestHandle",
    "RetryPolicy",
    "SchemaError",
    "ServerError",
    "Status",
    "ValidationError",
    "encode_data_uri",
    "parse_status",
    "progress_from_logs",
    "request_url",
    "run_url",
    "submit_url",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once loaded, found without this function
    return value
