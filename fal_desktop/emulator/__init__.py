"""A local fal: a real HTTP server on loopback speaking fal's queue, run, storage, CDN,
schema and Platform API (catalog, prices) protocols for every bundled endpoint, with fault injection for tests.

Each role has its own port, like fal's separate hosts. Run it in-process::

    with Emulator(key="k") as emu:
        client = FalClient("k", emu.hosts)

or as ``python -m fal_desktop.emulator`` (see ``__main__``).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from aiohttp import web

from fal_desktop.api.hosts import FalHosts
from fal_desktop.api.openapi import EndpointSchema, SchemaError
from fal_desktop.core.resources import bundled_schema_files
from fal_desktop.emulator.faults import Faults, RecordedRequest, make_middleware
from fal_desktop.emulator.model_work import DEFAULT_REFUSAL, RUNNER_FAILURES
from fal_desktop.emulator.platform import Platform
from fal_desktop.emulator.service import Service, out_of_credit_response
from fal_desktop.emulator.storage import Storage

__all__ = ["Emulator", "RecordedRequest", "load_schemas"]

ROLES = ("queue", "run", "rest", "cdn", "schemas", "platform")
# Not one of fal's hosts: another origin that serves the queue's routes (with the key check),
# for tests of where a redirect may take the key (``set_faults({307: 1}, redirect_to=...)``).
ELSEWHERE = "elsewhere"


def load_schemas(extra_dirs: Iterable[Path] = ()) -> dict[str, EndpointSchema]:
    files = list(bundled_schema_files())
    for folder in extra_dirs:
        files += sorted(Path(folder).glob("*__*.json"))
    schemas = {}
    for path in files:
        try:
            schema = EndpointSchema.from_file(path)
        except SchemaError:
            continue
        schemas[schema.endpoint_id] = schema
    return schemas


class Emulator:
    """Starts seven aiohttp servers on one event loop in a background thread: one per fal role,
    and one "elsewhere" (see :data:`ELSEWHERE`)."""

    def __init__(
        self,
        key: str | None = None,
        schema_dirs: Sequence[Path] = (),
        host: str = "127.0.0.1",
        job_duration: float = 0.5,
        workers: int = 2,
        render_once: bool = False,
        admin_key: str | None = None,
        catalog_size: int = 0,
        *,
        retention_scale: float = 1.0,
        out_of_credit: bool = False,
        submit_delay: float = 0.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``retention_scale`` multiplies fal's retention times (1 hour after completion, 6
        minutes for results of 10 KB or more): past them a request answers 404 NOT_FOUND.
        ``out_of_credit``: submits and storage tokens answer fal's 403 "Exhausted balance"
        (and the ADMIN balance is 0).
        ``submit_delay``: a submit's answer comes this many seconds after fal took the job.
        ``admin_key``: also accepted, with ADMIN scope (the Platform API's billing);
        ``catalog_size``: synthetic models added to the catalog (benchmarks);
        ``tls``: a server context: every role answers HTTPS with its certificate, as fal does."""
        self.key = key or f"emu-{secrets.token_hex(8)}:{secrets.token_hex(16)}"
        self.admin_key = admin_key  # an ADMIN-scope key: the Platform API's billing answers it
        self._catalog_size = catalog_size  # synthetic models added to the catalog (benchmarks)
        self.platform: Platform | None = None
        self.host = host
        self._tls = tls
        self._schema_dirs = list(schema_dirs)
        self._workers = workers
        self._job_duration = job_duration
        self._render_once = render_once
        self._settings = {
            "retention_scale": retention_scale,
            "out_of_credit": out_of_credit,
            "submit_delay": submit_delay,
        }
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []
        self._root: Path | None = None
        self.service: Service | None = None
        self.urls: dict[str, str] = {}
        self._refusals: dict[str, str] = {}
        self._runner_failures: dict[str, str] = {}

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_servers())
            except BaseException as exc:  # report to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_servers())
            loop.close()

        self._thread = threading.Thread(target=run, name="fal-emulator", daemon=True)
        self._thread.start()
        ready.wait(60)
        if failure:
            self._thread = None
            raise failure[0]
        return self

    async def _start_servers(self) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="fal-emulator-"))
        storage = Storage(self._root)
        self.service = Service(load_schemas(self._schema_dirs), storage, self.key, self._workers)
        self.service.render_once = self._render_once
        self.service.refusals = self._refusals
        self.service.runner_failures = self._runner_failures
        self.service.queue_down = lambda: self.faults.is_down("queue")
        for name, value in self._settings.items():
            setattr(self.service, name, value)
        self.service.queue.job_duration = self._job_duration
        await self.service.start()
        self.platform = Platform(self.service.schemas, self.key, self.admin_key, self._catalog_size)
        self.platform.out_of_credit = bool(self._settings["out_of_credit"])
        routes = {
            "queue": [web.route("*", "/{tail:.*}", self.service.queue_dispatch)],
            "run": [web.route("*", "/{tail:.*}", self.service.run_dispatch)],
            "rest": [
                web.post("/storage/auth/token", self._keyed(storage.token)),
                web.post("/storage/upload/initiate", self._keyed(storage.initiate)),
                web.post("/storage/upload/initiate-multipart", self._keyed(storage.initiate)),
            ],
            "cdn": [
                web.get("/thumbnails/{name}", self.platform.thumbnail),
                web.route("*", "/{tail:.*}", storage.cdn_dispatch),
            ],
            "schemas": [
                web.get("/api/openapi/queue/openapi.json", self.service.schema_document),
                web.get("/_emulator/stats", self._stats),
            ],
            "platform": self.platform.routes(),
        }
        routes[ELSEWHERE] = routes["queue"]
        for role in (*ROLES, ELSEWHERE):
            app = web.Application(
                middlewares=[make_middleware(role, self.faults, self.requests)],
                client_max_size=1024**4,
            )
            app.add_routes(routes[role])
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            site = web.TCPSite(runner, self.host, 0, backlog=2048, ssl_context=self._tls)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            host = f"[{self.host}]" if ":" in self.host else self.host
            scheme = "https" if self._tls else "http"
            self.urls[role] = f"{scheme}://{host}:{port}"
            self._runners.append(runner)
        storage.cdn_url = self.urls["cdn"]
        self.platform.set_cdn(self.urls["cdn"])
        self.service.queue_url = self.urls["queue"]

    async def _stats(self, request: web.Request) -> web.Response:
        """For drills run against a separate emulator process: what it has seen."""
        return web.json_response(
            {
                "submissions": dict(self.submissions),
                "faults": {str(k): v for k, v in self.faults.injected.items()},
            }
        )

    def _keyed(self, handler):
        async def checked(request: web.Request) -> web.StreamResponse:
            assert self.service is not None
            self.service.check_key(request)
            if self.service.out_of_credit:
                return out_of_credit_response()
            return await handler(request)

        return checked

    async def _stop_servers(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        if self.service is not None:
            await self.service.stop()
        self._runners.clear()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._thread = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for tests -------------------------------------------------------------------

    @property
    def hosts(self) -> FalHosts:
        return FalHosts(**{role: self.urls[role] for role in ROLES})

    def set_faults(
        self,
        rates: Mapping[object, float] | None = None,
        *,
        roles: Iterable[str] | None = None,
        latency: float | None = None,
        seed: int | None = None,
        safe_posts: bool | None = None,
        redirect_to: str | None | bool = False,
    ) -> None:
        """``redirect_to``: where the 307 fault points (an origin, e.g. ``urls["elsewhere"]``;
        None for the request's own origin)."""
        self.faults.configure(
            rates,
            roles=roles,
            latency=latency,
            seed=seed,
            safe_posts=safe_posts,
            redirect_to=redirect_to,
        )

    def clear_faults(self) -> None:
        self.faults.configure(
            {},
            latency=0.0,
            roles=("queue", "run", "rest", "cdn"),
            safe_posts=False,
            redirect_to=None,
        )

    def refuse(self, word: str, message: str = DEFAULT_REFUSAL) -> None:
        """Make the models refuse any prompt containing ``word`` (any case) the way a model
        refuses on its own: HTTP 422 whose ``detail`` is the plain string ``message``."""
        self._refusals[word] = message  # the service holds this same dict

    def fail_runner(self, word: str, error_type: str = "runner_disconnected") -> None:
        """Make the runner fail any job whose prompt contains ``word`` (any case) the way fal's
        infrastructure fails one (reference §10): the status is COMPLETED with ``error`` and
        ``error_type``, the result answers 503 (504 for timeouts) ``{"detail", "error_type"}``
        with ``X-Fal-Error-Type``. ``error_type`` is one of ``model_work.RUNNER_FAILURES``."""
        if error_type not in RUNNER_FAILURES:
            raise ValueError(f"unknown runner failure {error_type!r}; use one of {RUNNER_FAILURES}")
        self._runner_failures[word] = error_type  # the service holds this same dict

    @property
    def job_duration(self) -> float:
        return self.service.queue.job_duration if self.service else self._job_duration

    @job_duration.setter
    def job_duration(self, seconds: float) -> None:
        self._job_duration = seconds
        if self.service is not None:
            self.service.queue.job_duration = seconds

    @property
    def submissions(self) -> Counter[str]:
        return self.service.queue.submissions if self.service else Counter()

    @property
    def completed_at(self) -> dict[str, float]:
        return self.service.queue.completed_at if self.service else {}

    # -- money drills: fal's answers for credit, slow submits, retention, lost downloads ----

    def _setting(self, name: str, value: object) -> None:
        self._settings[name] = value
        if self.service is not None:
            setattr(self.service, name, value)

    @property
    def out_of_credit(self) -> bool:
        """Whether the account is out of credit (submits and storage tokens answer 403)."""
        return bool(self._settings["out_of_credit"])

    @out_of_credit.setter
    def out_of_credit(self, value: bool) -> None:
        self._setting("out_of_credit", bool(value))
        if self.platform is not None:  # the ADMIN balance says so too
            self.platform.out_of_credit = bool(value)

    @property
    def submit_delay(self) -> float:
        return float(self._settings["submit_delay"])  # type: ignore[arg-type]

    @submit_delay.setter
    def submit_delay(self, seconds: float) -> None:
        self._setting("submit_delay", float(seconds))

    @property
    def retention_scale(self) -> float:
        return float(self._settings["retention_scale"])  # type: ignore[arg-type]

    @retention_scale.setter
    def retention_scale(self, scale: float) -> None:
        self._setting("retention_scale", float(scale))

    def expire_completed(self) -> list[str]:
        """Forget every finished request now, as fal does once its retention has passed."""
        assert self.service is not None and self._loop is not None
        return asyncio.run_coroutine_threadsafe(
            self._on_loop(self.service.expire_completed), self._loop
        ).result(10)

    def fail_downloads(self, count: int, status: int = 503) -> None:
        """The next ``count`` downloads of files from the CDN answer ``status``."""
        assert self.service is not None
        self.service.storage.failing_status = status
        self.service.storage.failing_downloads = count

    @property
    def submit_requests(self) -> list[RecordedRequest]:
        """Every POST that reached the queue host: each one is a paid job at fal."""
        return [r for r in self.requests if r.role == "queue" and r.method == "POST"]

    @staticmethod
    async def _on_loop(func):
        return func()
