"""The fal protocol layer: a typed async client over httpx. No Qt here."""

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
