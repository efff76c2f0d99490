"""Fault injection and request recording for the emulator, as one aiohttp middleware."""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

__all__ = ["Faults", "RecordedRequest", "make_middleware", "REQUEST_ID"]

REQUEST_ID = web.RequestKey("request_id", str)

# 502 and 504 are fal's ingress errors (nginx page, no request id: a 502 is retried even for a
# submit; a 504 is not, since a gateway timeout may come after fal took the job);
# 503 is fal's own server (a request id); "503-accepted" is a submit that fal accepted (queued,
# billed) whose answer was lost to a gateway: a bare 503, no request id, no nginx page;
# "504-accepted" is nginx's own 504 page after fal accepted the submit: a gateway timeout means
# the gateway had passed the request on and gave up waiting for fal's answer; "reset-accepted"
# drops the connection after fal accepted the submit (the answer is lost on the way back);
# "200-garbled" answers a submit fal accepted with an HTML page (mangled on its way back, say by
# a proxy);
# 307 redirects the request to the same path (on ``redirect_to``, if set, else the same origin).
FAULT_KINDS = (
    429,
    500,
    502,
    503,
    504,
    307,
    "503-accepted",
    "504-accepted",
    "reset-accepted",
    "200-garbled",
    "reset",
    "slow",
)
REDIRECTED = "_emulator_redirected"  # marks a redirected request: it is not faulted again
_POST_ONLY = frozenset({"503-accepted", "504-accepted", "reset-accepted", "200-garbled"})


@dataclass(frozen=True)
class RecordedRequest:
    role: str
    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class Faults:
    """What to break, how often, and where. Thread-safe to change from tests."""

    rates: dict[object, float] = field(default_factory=dict)
    roles: frozenset[str] = frozenset({"queue", "run", "rest", "cdn"})
    latency: float = 0.0
    slow_seconds: float = 1.0
    # Only faults a careful client can tell from a lost job (429, ingress 502, 307) hit POSTs.
    safe_posts: bool = False
    redirect_to: str | None = None  # an origin (e.g. another server) the 307 fault points at
    injected: Counter = field(default_factory=Counter)  # kind → how many were injected
    _random: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(
        self,
        rates: Mapping[object, float] | None = None,
        *,
        roles: Iterable[str] | None = None,
        latency: float | None = None,
        seed: int | None = None,
        safe_posts: bool | None = None,
        redirect_to: str | None | bool = False,
    ) -> None:
        """``redirect_to``: the origin 307s point at (None: the request's own; False: unchanged)."""
        with self._lock:
            if rates is not None:
                parsed = {}
                for kind, rate in rates.items():
                    kind = int(kind) if str(kind).isdigit() else str(kind)
                    if kind not in FAULT_KINDS:
                        raise ValueError(f"unknown fault {kind!r}; use one of {FAULT_KINDS}")
                    parsed[kind] = float(rate)
                if sum(parsed.values()) > 1:
                    raise ValueError("fault rates add up to more than 1")
                self.rates = parsed
            if roles is not None:
                self.roles = frozenset(roles)
            if latency is not None:
                self.latency = latency
            if seed is not None:
                self._random.seed(seed)
            if safe_posts is not None:
                self.safe_posts = safe_posts
            if redirect_to is not False:
                self.redirect_to = redirect_to.rstrip("/") if isinstance(redirect_to, str) else None

    def is_down(self, role: str) -> bool:
        """Every request to ``role`` is reset: the network is down, open streams drop too."""
        with self._lock:
            return role in self.roles and self.rates.get("reset", 0.0) >= 1.0

    def pick(self, role: str, method: str = "GET") -> object | None:
        with self._lock:
            if role not in self.roles or not self.rates:
                return None
            roll = self._random.random()
            for kind, rate in self.rates.items():
                if roll < rate:
                    if kind in _POST_ONLY and method != "POST":
                        return None
                    if self.safe_posts and method == "POST" and kind not in (429, 502, 307):
                        return None
                    self.injected[kind] += 1
                    return kind
                roll -= rate
            return None


def _nginx_page(status: int, reason: str) -> web.Response:
    """fal's ingress error: nginx's own HTML page, no x-fal-request-id."""
    return web.Response(
        status=status,
        content_type="text/html",
        text=f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n",
    )


def _redirect(request: web.Request, origin: str | None) -> web.Response:
    query = f"{request.query_string}&{REDIRECTED}=1" if request.query_string else f"{REDIRECTED}=1"
    base = origin or f"{request.scheme}://{request.host}"
    return web.Response(
        status=307, headers={"Location": f"{base}{request.raw_path.split('?')[0]}?{query}"}
    )


def _fault_response(kind: object) -> web.StreamResponse:
    rid = {"x-fal-request-id": str(uuid.uuid4())}
    if kind == 429:
        # fal says when to ask again (fal-platform.md §0: on the queue as on the Platform API)
        return web.json_response(
            {"detail": "Too many requests"}, status=429, headers={**rid, "Retry-After": "1"}
        )
    if kind == 502:  # an ingress error: nginx, and no x-fal-request-id
        return _nginx_page(502, "Bad Gateway")
    if kind == 503:
        return web.json_response({"detail": "GPU error"}, status=503, headers=rid)
    if kind == 504:
        return _nginx_page(504, "Gateway Time-out")
    return web.json_response({"detail": "Internal Server Error"}, status=500, headers=rid)


async def _send_slowly(
    request: web.Request, response: web.Response, seconds: float
) -> web.StreamResponse:
    body = response.body if isinstance(response.body, bytes) else b""
    slow = web.StreamResponse(status=response.status, headers=response.headers)
    slow.content_length = len(body)
    await slow.prepare(request)
    pieces = max(1, min(20, len(body)))
    step = -(-len(body) // pieces) if body else 0
    for start in range(0, len(body), step or 1):
        await slow.write(body[start : start + step])
        await asyncio.sleep(seconds / pieces)
    await slow.write_eof()
    return slow


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_middleware(role: str, faults: Faults, log: list[RecordedRequest]):
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        log.append(
            RecordedRequest(
                role, request.method, request.path, request.query_string, dict(request.headers)
            )
        )
        if faults.latency:
            await asyncio.sleep(faults.latency)
        kind = None if REDIRECTED in request.query else faults.pick(role, request.method)
        if kind == 307:
            return _redirect(request, faults.redirect_to)
        if kind == "503-accepted":  # the job is taken (and billed); the answer is lost
            await handler(request)
            return web.Response(status=503, content_type="text/plain", text="Service Unavailable")
        if kind == "504-accepted":  # fal took the job; the gateway timed out waiting for it
            await handler(request)
            return _nginx_page(504, "Gateway Time-out")
        if kind == "200-garbled":  # fal took the job; its answer arrives unreadable
            await handler(request)
            return web.Response(status=200, content_type="text/html", text="<html>OK</html>")
        if kind == "reset-accepted":
            await handler(request)
        if kind in ("reset", "reset-accepted"):
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops the request quietly
        if kind is not None and kind != "slow":
            return _fault_response(kind)
        response = await handler(request)
        if "x-fal-request-id" not in response.headers and not response.prepared:
            response.headers["x-fal-request-id"] = request.get(REQUEST_ID) or str(uuid.uuid4())
        if kind == "slow" and isinstance(response, web.Response) and not response.prepared:
            return await _send_slowly(request, response, faults.slow_seconds)
        return response

    return middleware
