"""The emulator's queue, run and schema roles: fal's routes over the job queue."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.emulator.faults import REQUEST_ID
from fal_desktop.emulator.jobs import EmulatedJob, JobQueue
from fal_desktop.emulator.model_work import ModelWork
from fal_desktop.emulator.storage import Storage

__all__ = ["RawBody", "Service"]

_REQUEST_PATH = re.compile(
    r"^(?P<app>.+?)/requests/(?P<rid>[^/]+)(?P<rest>/status|/status/stream|/cancel)?$"
)
#: fal's key check answers this for an unknown or wrong key (recorded, reference §17).
BAD_KEY_DETAIL = "No user found for Key ID and Secret"


def _detail(status: int, text: str) -> web.Response:
    return web.json_response({"detail": text}, status=status)


#: fal's answer for an account out of credit (reference §17), on submit and the storage token.
OUT_OF_CREDIT = {
    "detail": "User is locked. Reason: Exhausted balance. Top up your balance at "
    "fal.ai/dashboard/billing."
}
#: fal's retention (reference §7): a result is kept 1 hour after completion, 6 minutes if ≥ 10 KB.
RETENTION_SECONDS, RETENTION_SECONDS_LARGE, LARGE_RESULT_BYTES = 3600.0, 360.0, 10 * 1024


def out_of_credit_response() -> web.Response:
    return web.json_response(OUT_OF_CREDIT, status=403)


@dataclass(frozen=True)
class RawBody:
    """A result that is not JSON (for drills of bad server answers)."""

    data: bytes
    content_type: str = "text/html"


class Service(ModelWork):
    def __init__(
        self, schemas: dict[str, EndpointSchema], storage: Storage, key: str, workers: int
    ) -> None:
        #: Drills can replace a finished job's (status, body) to imitate a misbehaving server.
        self.tamper: Callable[[EmulatedJob, int, Any], tuple[int, Any]] | None = None
        self.schemas = schemas
        self.storage = storage
        self.key = key
        self.queue = JobQueue(self._work, workers=workers)
        #: Benchmarks: draw and encode each picture size once, then serve copies of those bytes,
        #: so the emulator's own drawing does not compete with the client for the CPU.
        self.render_once = False
        self._rendered: dict[tuple[int, int], bytes] = {}
        self.queue_url = ""
        #: Prompt words the "model" refuses: word → the plain-string 422 detail it answers.
        self.refusals: dict[str, str] = {}
        #: Prompt words the runner fails on: word → an error_type of ``RUNNER_FAILURES``.
        self.runner_failures: dict[str, str] = {}
        #: Whether the queue host is cut off (every request reset): open status streams drop.
        self.queue_down: Callable[[], bool] = lambda: False
        #: Seconds between ``: ping`` keep-alive lines on a quiet status stream.
        self.ping_interval = 10.0
        self._session: aiohttp.ClientSession | None = None
        #: The account ran out of credit: submits (and storage tokens) answer fal's 403.
        self.out_of_credit = False
        #: Whether results carry ``x-fal-billable-units`` (fal's SDK sends it; tests turn it
        #: off to see a cost stay "unknown").
        self.send_billable_units = True
        #: Seconds a submit's answer is held back after the job was accepted (a slow answer).
        self.submit_delay = 0.0
        #: fal's retention times are multiplied by this (tests make it short).
        self.retention_scale = 1.0
        self.expired: set[str] = set()  # requests fal no longer keeps

    def is_expired(self, job: EmulatedJob) -> bool:
        """Whether fal would still know this request (reference §7 retention)."""
        if job.id in self.expired:
            return True
        done = self.queue.completed_at.get(job.id)
        if job.status != "COMPLETED" or done is None:
            return False
        age = time.monotonic() - done
        if age <= RETENTION_SECONDS_LARGE * self.retention_scale:
            return False  # within even the shorter time: no need to weigh the result
        body = job.result_body
        size = len(body.data) if isinstance(body, RawBody) else len(json.dumps(body).encode())
        keep = RETENTION_SECONDS_LARGE if size >= LARGE_RESULT_BYTES else RETENTION_SECONDS
        if age > keep * self.retention_scale:
            self.expired.add(job.id)
            return True
        return False

    def expire_completed(self) -> list[str]:
        """Tests: forget every finished request now, as fal does once its retention passed."""
        gone = [job_id for job_id, job in self.queue.jobs.items() if job.status == "COMPLETED"]
        self.expired.update(gone)
        return gone

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self.queue.start()

    async def stop(self) -> None:
        await self.queue.stop()
        if self._session is not None:
            await self._session.close()

    # -- helpers ---------------------------------------------------------------------

    def check_key(self, request: web.Request) -> None:
        if request.headers.get("Authorization", "") != f"Key {self.key}":
            raise web.HTTPUnauthorized(
                text=json.dumps({"detail": BAD_KEY_DETAIL}), content_type="application/json"
            )

    @staticmethod
    def _short_app(app: str) -> bool:
        """Whether ``app`` is ``[ns/]owner/alias``: the only form fal's request routes take."""
        parts = app.strip("/").split("/")
        if parts and parts[0] in ("workflows", "comfy"):
            parts = parts[1:]
        return len(parts) == 2

    def _endpoint(self, path: str) -> tuple[str, EndpointSchema] | None:
        path = path.strip("/")
        for endpoint_id in sorted(self.schemas, key=len, reverse=True):
            if path == endpoint_id or path.startswith(endpoint_id + "/"):
                return endpoint_id, self.schemas[endpoint_id]
        return None

    def _status_body(self, job: EmulatedJob, logs: list[dict[str, str]] | None) -> dict[str, Any]:
        app = "/".join(job.endpoint_id.split("/")[:2])
        base = f"{self.queue_url}/{app}/requests/{job.id}"
        body: dict[str, Any] = {
            "status": job.status,
            "request_id": job.id,
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
        }
        body["logs"] = logs
        if job.status == "IN_QUEUE":  # as fal sends it: logs null, metrics empty (§17)
            body["logs"], body["metrics"] = None, {}
            body["queue_position"] = self.queue.position(job)
        if job.status == "COMPLETED":
            body["metrics"] = {"inference_time": round(job.inference_time, 3)}
            if job.error:
                body["error"], body["error_type"] = job.error, job.error_type
        return body

    @staticmethod
    def _wants_logs(request: web.Request) -> bool:
        return request.query.get("logs", "0").lower() in ("1", "true")

    # -- queue role ------------------------------------------------------------------

    async def queue_dispatch(self, request: web.Request) -> web.StreamResponse:
        self.check_key(request)
        tail = request.match_info["tail"]
        match = _REQUEST_PATH.match(tail)
        if match and not self._short_app(match.group("app")):
            # fal routes requests only under [ns/]owner/alias; a full model id reaches the
            # submit route, which takes POST only.
            if request.method != "POST":
                return _detail(405, "Method Not Allowed")
            match = None
        if match:
            job = self.queue.jobs.get(match.group("rid"))
            if (
                job is None
                or not (job.endpoint_id + "/").startswith(match.group("app") + "/")
                or self.is_expired(job)
            ):
                return web.json_response({"status": "NOT_FOUND"}, status=404)  # fal's answer (§17)
            request[REQUEST_ID] = job.id
            rest = match.group("rest")
            if rest == "/status" and request.method == "GET":
                body = self._status_body(job, job.logs if self._wants_logs(request) else None)
                return web.json_response(body, status=200 if job.status == "COMPLETED" else 202)
            if rest == "/status/stream" and request.method == "GET":
                return await self._stream(request, job)
            if rest == "/cancel" and request.method == "PUT":
                answer = self.queue.cancel(job)
                status = 400 if answer == "ALREADY_COMPLETED" else 202
                return web.json_response({"status": answer}, status=status)
            if rest is None and request.method == "GET":
                if job.status != "COMPLETED":
                    body = {
                        k: v
                        for k, v in self._status_body(job, None).items()
                        if k in ("request_id", "response_url", "status_url", "cancel_url")
                    }
                    return web.json_response(
                        {"detail": "Request is still in progress", **body}, status=400
                    )
                if isinstance(job.result_body, RawBody):
                    return web.Response(
                        body=job.result_body.data,
                        status=job.result_status,
                        content_type=job.result_body.content_type,
                    )
                return web.json_response(
                    job.result_body, status=job.result_status, headers=job.result_headers
                )
            return _detail(405, "Method not allowed")
        if request.method != "POST":
            return _detail(404, f"Path /{tail} not found")
        if self.out_of_credit:
            return out_of_credit_response()
        return await self._submit(request, tail)

    async def _submit(self, request: web.Request, tail: str) -> web.Response:
        found = self._endpoint(tail)
        if found is None:
            return _detail(404, f"Application '{tail}' not found")
        endpoint_id, schema = found
        try:
            payload = await request.json()
        except (ValueError, UnicodeDecodeError):
            payload = None
        priority = request.headers.get("X-Fal-Queue-Priority", "normal")
        timeout = request.headers.get("X-Fal-Request-Timeout")
        deadline = time.monotonic() + float(timeout) if timeout else None
        job = EmulatedJob(
            schema,
            endpoint_id,
            payload if isinstance(payload, dict) else {},
            priority="low" if priority == "low" else "normal",
            start_deadline=deadline,
        )
        request[REQUEST_ID] = job.id
        problems = self._problems(schema, payload)
        if problems is not None:
            self.queue.complete_now(
                job,
                422,
                {"detail": problems},
                error="Invalid status code: 422",
                error_type="validation_error",
            )
        else:
            self.queue.add(job)
        if self.submit_delay:  # fal has the job; its answer is slow to come back
            await asyncio.sleep(self.submit_delay)
        body = self._status_body(job, None)
        body.update(
            status="IN_QUEUE", logs=None, metrics={}, queue_position=self.queue.position(job)
        )
        body.pop("error", None), body.pop("error_type", None)
        return web.json_response(body)

    @staticmethod
    def _problems(schema: EndpointSchema, payload: Any) -> list[dict[str, Any]] | None:
        if not isinstance(payload, dict):
            return [
                {"loc": ["body"], "msg": "Input should be a valid dictionary", "type": "dict_type"}
            ]
        errors = schema.validate_input(payload)
        return [e.as_detail() for e in errors] or None

    async def _stream(self, request: web.Request, job: EmulatedJob) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "x-fal-request-id": job.id,
            }
        )
        await response.prepare(request)
        with_logs = self._wants_logs(request)
        sent_logs, sent_version = 0, -1
        try:
            while True:
                waiter = job.changed
                if self.queue_down():  # the network went: this connection goes with it
                    if request.transport is not None:
                        request.transport.abort()
                    return response
                if job.version != sent_version:
                    sent_version = job.version
                    new = job.logs[sent_logs:] if with_logs else None
                    sent_logs = len(job.logs)
                    body = self._status_body(job, new)
                    await response.write(f"data: {json.dumps(body)}\n\n".encode())
                    if job.status == "COMPLETED":
                        break
                try:
                    await asyncio.wait_for(waiter.wait(), timeout=self.ping_interval)
                except TimeoutError:
                    await response.write(b": ping\n\n")
            await response.write_eof()
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            pass  # the client went away; that is its right
        return response

    # -- run role and schema role ------------------------------------------------------

    async def run_dispatch(self, request: web.Request) -> web.StreamResponse:
        self.check_key(request)
        tail = request.match_info["tail"].strip("/")
        streaming = tail.endswith("/stream")
        found = self._endpoint(tail[: -len("/stream")] if streaming else tail)
        if found is None or request.method != "POST":
            return web.Response(status=404, text="404: Not Found", content_type="text/plain")
        if self.out_of_credit:
            return out_of_credit_response()
        endpoint_id, schema = found
        try:
            payload = await request.json()
        except (ValueError, UnicodeDecodeError):
            payload = None
        problems = self._problems(schema, payload)
        if problems is not None:
            return web.json_response({"detail": problems}, status=422)
        job = EmulatedJob(schema, endpoint_id, payload)
        request[REQUEST_ID] = job.id
        self.queue.submissions[endpoint_id] += 1
        started = time.monotonic()
        status, body = await self._work(job)
        job.inference_time = time.monotonic() - started
        if not streaming or status != 200:
            error_type = body.get("error_type") if isinstance(body, dict) else None
            headers = {"X-Fal-Error-Type": error_type} if status != 200 and error_type else None
            return web.json_response(body, status=status, headers=headers)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for step in range(1, 3):
            partial = {"partial": True, "step": step}
            await response.write(f"data: {json.dumps(partial)}\n\n".encode())
            await asyncio.sleep(0.01)
        await response.write(f"data: {json.dumps({**body, 'partial': False})}\n\n".encode())
        await response.write_eof()
        return response

    async def schema_document(self, request: web.Request) -> web.Response:
        endpoint_id = request.query.get("endpoint_id", "").strip("/")
        schema = self.schemas.get(endpoint_id)
        if schema is None:
            return _detail(404, f"No OpenAPI document for endpoint '{endpoint_id}'")
        return web.json_response(schema.document)
