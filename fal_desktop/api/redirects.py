"""Following redirects on API calls, as fal's client does (httpx ``follow_redirects=True``),
with the key decided again at every hop: it goes only to fal's API origins.

``FalClient.request`` follows them itself (rather than letting httpx do it) so that each hop
goes through ``headers_for``: a redirect from one fal API host to another keeps the key,
a redirect anywhere else (the CDN, any other host) never carries it.
"""

from __future__ import annotations

from typing import Any

import httpx

from fal_desktop.api.errors import ProtocolError

__all__ = ["MAX_REDIRECTS", "next_hop", "off_fal", "too_many_redirects"]

MAX_REDIRECTS = 10
# What a redirect's body arguments are called in httpx's request(); dropped when it becomes a GET.
_BODY_ARGS = ("json", "content", "data", "files")


def next_hop(response: httpx.Response, method: str) -> tuple[str, str] | None:
    """``(method, url)`` to follow ``response`` to, or None if it is not a redirect.

    The method changes as httpx (and browsers) change it: 303 to GET, 301/302 of a POST to GET;
    307 and 308 keep the method and body. Raises :class:`ProtocolError` for a redirect to
    anything but http(s).
    """
    if not response.has_redirect_location:
        return None
    url = response.url.join(response.headers["location"])
    if url.scheme not in ("http", "https"):
        raise ProtocolError(
            "fal redirected the request to an address this app does not open.",
            detail=str(url)[:300],
            status_code=response.status_code,
        )
    status = response.status_code
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    return method, str(url)


def without_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Request arguments for a redirect that became a GET: no body, and no query parameters
    (the ``Location`` carries its own)."""
    return {k: v for k, v in kwargs.items() if k not in _BODY_ARGS and k != "params"}


def too_many_redirects(url: str) -> ProtocolError:
    return ProtocolError(
        f"fal redirected the request more than {MAX_REDIRECTS} times.", detail=url[:300]
    )


def off_fal(url: str, target: str, status: int) -> ProtocolError:
    """An API call redirected away from fal's API hosts is not followed: neither the key nor the
    input (a prompt, an uploaded image's address) goes to a host that is not fal's."""
    return ProtocolError(
        f"fal redirected this request to {httpx.URL(target).host}, which is not one of fal's API "
        "hosts, so it was not followed: neither your key nor your input went there.",
        detail=f"{url[:200]} → {target[:200]}",
        status_code=status,
    )
