"""What the emulated models do with a job's input: draw, upscale or inpaint a picture, store
it on the emulator's CDN and answer as fal does, or refuse the prompt, or fail as fal's
runners do. :class:`ModelWork` is part of the emulator's ``Service``."""

from __future__ import annotations

import asyncio
import base64
import io
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import aiohttp
from PIL import Image

from fal_desktop.emulator import outputs, platform_data
from fal_desktop.emulator.jobs import EmulatedJob
from fal_desktop.emulator.storage import Storage

__all__ = ["ModelWork", "billable_units", "DEFAULT_REFUSAL", "RUNNER_FAILURES"]

#: A model's own refusal, sent as a plain-string 422 ``detail`` (see ``Service.refusals``).
DEFAULT_REFUSAL = "The prompt was refused by the model's content checker."
Image.MAX_IMAGE_PIXELS = 16384 * 16384
#: fal's infrastructure failures (reference §10, the PYT fixtures' wording): error_type → the
#: result's HTTP status and ``detail``. 5xx failures are not billed.
RUNNER_FAILURES = {
    "runner_disconnected": (503, "Runner disconnected"),
    "runner_scheduling_failure": (503, "Runner scheduling failure"),
    "runner_connection_timeout": (503, "Runner connection timed out"),
    "request_timeout": (504, "Request timed out"),
    "startup_timeout": (504, "Startup timed out"),
}


def billable_units(endpoint_id: str, images: list[dict[str, Any]], seconds: float) -> str:
    """What fal would bill for a result, in the endpoint's own unit (reference §4)."""
    price = platform_data.price_for(endpoint_id)
    unit = price[1] if price else "image"
    if unit == "megapixels":
        amount = sum(i["width"] * i["height"] for i in images) / 1e6
    elif unit in ("compute seconds", "seconds"):
        amount = max(seconds, 0.001)
    elif unit in ("image", "images"):
        amount = len(images)
    else:
        amount = 1
    return f"{amount:.6g}"


class ModelWork:
    """The models' side of the service; the service sets these attributes."""

    storage: Storage
    tamper: Callable[[EmulatedJob, int, Any], tuple[int, Any]] | None
    render_once: bool
    _rendered: dict[tuple[int, int], bytes]
    refusals: dict[str, str]
    runner_failures: dict[str, str]
    _session: aiohttp.ClientSession | None
    send_billable_units: bool

    def _refusal(self, payload: dict[str, Any]) -> str | None:
        """The model's own refusal (a plain-string 422) if the prompt holds a trigger word."""
        prompt = str(payload.get("prompt") or "").lower()
        for word, message in self.refusals.items():
            if word.lower() in prompt:
                return message
        return None

    def _runner_failure(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """fal's infrastructure failing the job (a 5xx with ``error_type``), if the prompt holds
        a word of ``runner_failures``."""
        prompt = str(payload.get("prompt") or "").lower()
        for word, error_type in self.runner_failures.items():
            if word.lower() in prompt:
                status, detail = RUNNER_FAILURES[error_type]
                return status, {"detail": detail, "error_type": error_type}
        return None

    async def _load_image(self, url: Any) -> Image.Image:
        if not isinstance(url, str) or not url:
            raise ValueError("No image URL was given.")
        if url.startswith("data:"):
            header, _, payload = url.partition(",")
            data = (
                base64.b64decode(payload)
                if header.endswith(";base64")
                else unquote_to_bytes(payload)
            )
        elif (path := self.storage.path_for_url(url)) is not None:
            data = await asyncio.to_thread(path.read_bytes)
        elif urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1") and self._session:
            async with self._session.get(url, ssl=False) as response:  # its own loopback URLs
                if response.status != 200:
                    raise ValueError(f"Could not download the image (HTTP {response.status}).")
                data = await response.read()
        else:
            raise ValueError(
                "The emulator only reads images from its own CDN, data URIs and localhost."
            )

        def decode() -> Image.Image:
            image = Image.open(io.BytesIO(data))
            image.load()
            return image

        return await asyncio.to_thread(decode)

    async def _work(self, job: EmulatedJob) -> tuple[int, Any]:
        schema, payload = job.endpoint, job.payload
        seed = payload.get("seed")
        seed = seed if isinstance(seed, int) else random.randrange(2**31)
        if (failure := self._runner_failure(payload)) is not None:
            return failure
        images = []
        if "image_url" in schema.input_schema.get("properties", {}):
            try:
                source = await self._load_image(payload.get("image_url"))
            except Exception as exc:
                return 422, {
                    "detail": [
                        {"loc": ["body", "image_url"], "msg": str(exc), "type": "image_load_error"}
                    ]
                }
            mask_field = outputs.mask_field_of(schema)
            if mask_field is not None:  # inpainting: the white of the mask is painted anew
                try:
                    mask = await self._load_image(payload.get(mask_field))
                except Exception as exc:
                    return 422, {
                        "detail": [
                            {
                                "loc": ["body", mask_field],
                                "msg": str(exc),
                                "type": "image_load_error",
                            }
                        ]
                    }
                prompt = str(payload.get("prompt") or "")
                picture = await asyncio.to_thread(outputs.inpaint, source, mask, prompt, seed)
            else:
                factor = outputs.upscale_factor_of(schema, payload)
                picture = await asyncio.to_thread(outputs.upscale, source, factor)
            data = await asyncio.to_thread(outputs.encode_png, picture)
            images.append(await self._store_png(job, data, picture.width, picture.height))
        elif (refusal := self._refusal(payload)) is not None:
            return 422, {"detail": refusal}
        else:
            width, height = outputs.image_size_of(schema, payload)
            count = payload.get("num_images", 1)
            count = count if isinstance(count, int) and 1 <= count <= 8 else 1
            prompt = str(payload.get("prompt") or "")
            for i in range(count):
                if self.render_once:
                    data = await self._rendered_png(width, height)
                else:
                    picture = await asyncio.to_thread(
                        outputs.draw_picture, prompt, seed + i, width, height
                    )
                    data = await asyncio.to_thread(outputs.encode_png, picture)
                images.append(await self._store_png(job, data, width, height))
        if self.send_billable_units:
            job.billable_units = billable_units(job.endpoint_id, images, job.inference_time)
        result = 200, outputs.build_output(schema, payload, images, seed, job.inference_time)
        return self.tamper(job, *result) if self.tamper else result

    async def _rendered_png(self, width: int, height: int) -> bytes:
        data = self._rendered.get((width, height))
        if data is None:
            picture = await asyncio.to_thread(outputs.draw_picture, "render once", 0, width, height)
            data = self._rendered[(width, height)] = await asyncio.to_thread(
                outputs.encode_png, picture
            )
        return data

    async def _store_png(
        self, job: EmulatedJob, data: bytes, width: int, height: int
    ) -> dict[str, Any]:
        path, url = self.storage.new_file(f"{job.id[:8]}.png")
        await asyncio.to_thread(path.write_bytes, data)
        return {
            "url": url,
            "width": width,
            "height": height,
            "content_type": "image/png",
            "file_name": path.name,
            "file_size": len(data),
        }
