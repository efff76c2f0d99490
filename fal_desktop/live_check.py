"""``python -m fal_desktop.live_check``: the real protocol, once, against fal itself.

For maintainers with a real key (``FAL_KEY`` or the key the app keeps in the keyring); never
in CI. It costs under one cent: two 256×256 images on a cheap endpoint (one of them cancelled).
It fetches a schema, submits one queue job and follows its status stream to the end, reads
the result and downloads its image, cancels a second job, uploads 1 KB (and a file with a
non-ASCII name) and downloads it again, then prints a table of what held.

``--hosts-json`` points it elsewhere (tests run it against the emulator); it is not needed
against fal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from fal_desktop.api import Completed, FalClient, FalError, FalHosts, RequestHandle
from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.api.tls import system_trust

__all__ = ["main", "Check", "run_checks"]

ENDPOINT = "fal-ai/flux/schnell"  # about $0.003 per megapixel: 256×256 is a fraction of a cent
ARGUMENTS = {
    "prompt": "fal-desktop live check: a small red circle",
    "image_size": {"width": 256, "height": 256},
    "num_inference_steps": 1,
    "num_images": 1,
    "enable_safety_checker": False,
}
TIMEOUT = 180.0  # seconds for the whole job


@dataclass
class Check:
    name: str
    passed: bool | None = None  # None: not run (an earlier step it needs failed)
    detail: str = ""


class _Checks:
    """Runs steps in order; a step's exception is its failure, with fal's words as detail."""

    def __init__(self) -> None:
        self.results: list[Check] = []

    async def step(self, name: str, call: Callable[[], Awaitable[str]]) -> bool:
        check = Check(name)
        self.results.append(check)
        started = time.monotonic()
        try:
            detail = await call()
        except FalError as exc:
            check.passed, check.detail = False, f"{exc.user_message} ({exc.detail_text})"
        except Exception as exc:  # noqa: BLE001 – a check reports, whatever broke
            check.passed, check.detail = False, f"{type(exc).__name__}: {exc}"
        else:
            check.passed, check.detail = True, detail
        check.detail = f"{check.detail} [{time.monotonic() - started:.1f} s]"
        return bool(check.passed)

    def skip(self, name: str, why: str) -> None:
        self.results.append(Check(name, None, why))


async def run_checks(key: str, hosts: FalHosts, endpoint: str = ENDPOINT) -> list[Check]:
    """Every check, in order; what a failed step needs is reported as not run."""
    checks = _Checks()
    async with (
        FalClient(key, hosts) as client,
        httpx.AsyncClient(timeout=30.0, verify=system_trust()) as http,
    ):

        async def schema() -> str:
            response = await http.get(
                f"{hosts.schemas}/api/openapi/queue/openapi.json", params={"endpoint_id": endpoint}
            )
            response.raise_for_status()
            parsed = EndpointSchema.from_document(response.json(), endpoint)
            return f"{endpoint}: {len(parsed.input_schema.get('properties', {}))} input fields"

        await checks.step("schema fetch", schema)
        handle: list[RequestHandle] = []
        result: dict[str, Any] = {}

        async def submit() -> str:
            handle.append(await client.submit(endpoint, ARGUMENTS))
            return f"request {handle[0].request_id}"

        async def stream() -> str:
            seen: list[str] = []
            async with asyncio.timeout(TIMEOUT):
                async for status in client.stream_status(handle[0]):
                    seen.append(type(status).__name__)
                    if isinstance(status, Completed):
                        if status.error:
                            raise FalError("The job failed at fal.", detail=status.error)
                        return " → ".join(dict.fromkeys(seen))
            raise FalError(
                "The status stream ended before the job completed.", detail=" → ".join(seen)
            )

        async def fetch_result() -> str:
            result.update(await client.result(handle[0]))
            images = result.get("images") or []
            if not images or not isinstance(images[0], dict) or not images[0].get("url"):
                raise FalError("The result has no image.", detail=json.dumps(result)[:300])
            return f"{len(images)} image(s)"

        async def download() -> str:
            data = await client.download(result["images"][0]["url"])
            if len(data) < 100:
                raise FalError("The image is too small to be one.", detail=f"{len(data)} bytes")
            return f"{len(data):,} bytes"

        if await checks.step("queue submit", submit):
            ran = await checks.step("status stream to COMPLETED", stream)
            if ran and await checks.step("result", fetch_result):
                await checks.step("result download", download)
            else:
                checks.skip("result download", "no result to download")
        else:
            for name in ("status stream to COMPLETED", "result", "result download"):
                checks.skip(name, "nothing was submitted")

        async def cancel() -> str:
            second = await client.submit(endpoint, ARGUMENTS)
            answer = await client.cancel(second)
            final = None
            async with asyncio.timeout(TIMEOUT):
                async for status in client.watch(second, logs=False):
                    final = status
            if not isinstance(final, Completed):
                ended = "without a final status"
            elif final.error:
                ended = f"as {final.error_type or 'failed'}"
            else:
                ended = "completed (it finished before the cancel)"
            return f"request {second.request_id}: {answer}; it ended {ended}"

        await checks.step("cancel", cancel)
        payload = os.urandom(1024)
        uploaded: list[str] = []

        async def upload() -> str:
            uploaded.append(
                await client.upload_bytes(payload, "application/octet-stream", "live-check.bin")
            )
            return uploaded[0]

        async def upload_back() -> str:
            back = await client.download(uploaded[0])
            if back != payload:
                raise FalError(
                    "The downloaded file differs from the uploaded one.",
                    detail=f"{len(back)} bytes back, 1024 sent",
                )
            return "1,024 bytes, identical"

        async def unicode_name() -> str:
            return await client.upload_bytes(
                b"live check", "text/plain", "live-check café 日本.txt"
            )

        if await checks.step("upload 1 KB", upload):
            await checks.step("download of the upload", upload_back)
        else:
            checks.skip("download of the upload", "nothing was uploaded")
        await checks.step("upload with a non-ASCII file name", unicode_name)
    return checks.results


def table(results: list[Check]) -> str:
    width = max(len(c.name) for c in results)
    lines = [f"{'check':<{width}}  result  detail", f"{'-' * width}  ------  ------"]
    for check in results:
        verdict = {True: "PASS", False: "FAIL", None: "-"}[check.passed]
        lines.append(f"{check.name:<{width}}  {verdict:<6}  {check.detail}")
    return "\n".join(lines)


def _default_key() -> str | None:
    from fal_desktop.core.secrets import ApiKeyStore

    return ApiKeyStore().get()


def main(argv: list[str] | None = None, key_source: Callable[[], str | None] = _default_key) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fal_desktop.live_check",
        description="Run fal's real protocol once with your key (costs under one cent).",
    )
    parser.add_argument(
        "--endpoint", default=ENDPOINT, help=f"a cheap text-to-image endpoint (default {ENDPOINT})"
    )
    parser.add_argument(
        "--hosts-json",
        metavar="JSON",
        help="base URLs of fal's roles (for tests: the line python -m fal_desktop.emulator prints)",
    )
    args = parser.parse_args(argv)
    key = key_source()
    if not key:
        print(
            "No fal key: set FAL_KEY, or save a key in fal-desktop (Settings → fal API key…). "
            "The live check talks to fal itself and costs under one cent; it does not run "
            "without one.",
            file=sys.stderr,
        )
        return 2
    hosts = FalHosts()
    if args.hosts_json:
        given = json.loads(args.hosts_json)
        hosts = FalHosts(**{role: given[role] for role in FalHosts().as_dict() if role in given})
    print(f"fal-desktop live check against {hosts.queue} with {args.endpoint}", flush=True)
    results = asyncio.run(run_checks(key, hosts, args.endpoint))
    print(table(results))
    failed = [c for c in results if c.passed is not True]
    print(f"\n{len(results) - len(failed)} of {len(results)} checks held.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
