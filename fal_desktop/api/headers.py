"""Request headers for fal: the optional job headers, and keeping callers' auth out.

The ``Authorization`` header is only ever added by ``FalClient.headers_for`` (API hosts);
any a caller passes in is dropped, so no code path can send a key somewhere else.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["PRIORITIES", "without_auth", "job_headers", "file_name_header"]

# Printable ASCII but "%": an ASCII name goes as it is, byte for byte what fal's clients send.
_NAME_SAFE = "".join(
    chr(c) for c in range(0x20, 0x7F) if chr(c) not in "%" and not chr(c).isalnum()
)

PRIORITIES = ("normal", "low")


def without_auth(headers: dict[str, str] | None) -> dict[str, str]:
    """A copy of the caller's headers without any ``Authorization`` of theirs."""
    return {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}


def job_headers(
    headers: dict[str, str] | None = None,
    *,
    hint: str | None = None,
    start_timeout: float | None = None,
    priority: str | None = None,
) -> dict[str, str]:
    """Extra headers for submit and run: runner hint, start timeout (> 1 s), queue priority."""
    extra = without_auth(headers)
    if hint:
        extra["X-Fal-Runner-Hint"] = hint
    if start_timeout is not None:
        if not start_timeout > 1:
            raise ValueError("start_timeout must be more than 1 second")
        extra["X-Fal-Request-Timeout"] = str(float(start_timeout))
    if priority is not None:
        if priority not in PRIORITIES:
            raise ValueError("priority must be 'normal' or 'low'")
        extra["X-Fal-Queue-Priority"] = priority
    return extra


def file_name_header(name: str) -> str:
    """``X-Fal-File-Name`` for any file name. Header values must be ASCII: fal's own clients
    send the name as it is (and fail on "café.png"), so a name with other characters (or a
    "%", or control characters) is percent-encoded as UTF-8, the way URLs carry such names;
    fal's storage (and the emulator) decode it back."""
    return quote(name, safe=_NAME_SAFE)
