"""The download of a job's result files, each renamed by what its bytes are and checked to
be the image it claims to be."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fal_desktop.api import ErrorKind, FalError
from fal_desktop.core.inputs import IMAGE_SUFFIXES
from fal_desktop.core.jobstore import JobRecord, JobState
from fal_desktop.jobs.events import JobUpdate
from fal_desktop.jobs.job_context import JobContext
from fal_desktop.jobs.outputs import (
    find_output_files,
    kind_of_bytes,
    safe_file_name,
    with_suffix_of_bytes,
)

__all__ = ["download", "MAX_OUTPUT_BYTES"]

MAX_OUTPUT_BYTES = 512 * 1024 * 1024  # one output file; an 8192² PNG is well under this


async def download(ctx: JobContext, job: JobRecord, output: Any) -> list[str]:
    ctx.store.update(job.id, state=JobState.DOWNLOADING, output=output)
    job.state, job.output = JobState.DOWNLOADING, output
    files = find_output_files(output)
    folder = ctx.outputs_dir / job.id
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    for index, file in enumerate(files):
        inline = file.url.startswith("data:")  # sent inline (sync mode): decoded, not downloaded
        ctx.emit(
            JobUpdate(
                job.id,
                JobState.DOWNLOADING,
                message=f"{'Decoding inline' if inline else 'Downloading'} result "
                f"{index + 1} of {len(files)}",
            )
        )
        target = folder / safe_file_name(file, index)
        await ctx.client.download_to(file.url, target, max_bytes=MAX_OUTPUT_BYTES)
        target, head = await asyncio.to_thread(_named_by_bytes, target)
        problem = await asyncio.to_thread(_broken_image, target, head, file.content_type)
        if problem:
            target.unlink(missing_ok=True)
            raise FalError(
                f"fal sent a result that is not a valid image ({file.url[:80]}).",
                detail=problem,
                kind=ErrorKind.PROTOCOL,
            )
        saved.append(str(target))
        ctx.store.update(job.id, files=saved)
    return saved


def _named_by_bytes(path: Path) -> tuple[Path, bytes]:
    """The file renamed so its suffix says what its bytes are (never what the URL or the
    declared content type claimed), and its first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    name = with_suffix_of_bytes(path.name, head)
    if name == path.name:
        return path, head
    renamed = path.with_name(name)
    path.replace(renamed)
    return renamed, head


def _broken_image(path: Path, head: bytes, content_type: str | None) -> str | None:
    """Why a downloaded file that must be an image is not a readable one (``None``: it is, or
    it need not be). It must be when its bytes say so, or its type (else its name) declares a
    format the app reads. A declared image kind no raster reader opens (the SVG of a vector
    model, billed like any result) is kept as fal sent it."""
    if not kind_of_bytes(head):
        declared = (content_type or "").split(";")[0].strip().lower()
        if declared.startswith("image/"):
            from PIL import Image

            Image.init()
            if declared not in Image.MIME.values() and declared != "image/jpg":
                return None
        elif path.suffix.lower() not in IMAGE_SUFFIXES:
            return None
    return _not_an_image(path)


def _not_an_image(path: Path) -> str | None:
    """Why a downloaded file is not a readable image, or ``None`` if it is one."""
    from PIL import Image, UnidentifiedImageError

    try:  # the header only: a full verify of an 8192² PNG would hold the GIL for a long time
        with Image.open(path) as image:
            image.size  # noqa: B018
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None
