"""Endpoint ids and the queue/run URLs built from them, the way fal's clients build them.

An id is ``owner/alias[/path…]`` (``fal-ai/flux/dev``), the legacy numeric ``1714827-joke``
(read as ``1714827/joke``), or either under the ``workflows/`` or ``comfy/`` namespace.
Submit and run use the full id; status, result and cancel use only ``[ns/]owner/alias``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["EndpointId", "NAMESPACES", "submit_url", "run_url", "request_url"]

NAMESPACES = ("workflows", "comfy")
_LEGACY = re.compile(r"^([0-9]+)-([a-zA-Z0-9-]+)$")
# One path segment: what fal's app names use. No "?", "#", "%", spaces, "." or "..".
_SEGMENT = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._~@+-]+$")


def _invalid(text: str, why: str = "") -> ValueError:
    hint = f" {why}" if why else ""
    return ValueError(
        f"Invalid endpoint id: {text!r}.{hint} It looks like owner/model, e.g. fal-ai/flux/dev."
    )


@dataclass(frozen=True)
class EndpointId:
    """``owner/alias[/path]``, optionally under the ``workflows/`` or ``comfy/`` namespace."""

    owner: str
    alias: str
    path: str = ""
    namespace: str = ""

    @classmethod
    def parse(cls, text: str) -> EndpointId:
        """Read an id as typed by a user or stored in a job; raises ``ValueError`` with a sentence."""
        if not isinstance(text, str):
            raise _invalid(str(text))
        parts = [p for p in text.strip().strip("/").split("/") if p]
        if not parts:
            raise ValueError(
                "The endpoint id is empty. It looks like owner/model, e.g. fal-ai/flux/dev."
            )
        if len(parts) == 1:
            match = _LEGACY.match(parts[0])
            if not match:
                raise _invalid(text)
            parts = [match.group(1), match.group(2)]
        for part in parts:
            if not _SEGMENT.match(part):
                raise _invalid(text, f"{part!r} is not allowed in an endpoint id.")
        namespace = ""
        if parts[0] in NAMESPACES:
            if len(parts) < 3:
                raise _invalid(text, f"Under {parts[0]}/ it needs an owner and a name.")
            namespace, parts = parts[0], parts[1:]
        return cls(parts[0], parts[1], "/".join(parts[2:]), namespace)

    @property
    def app(self) -> str:
        """``[ns/]owner/alias``: what status, result and cancel URLs use."""
        return "/".join(p for p in (self.namespace, self.owner, self.alias) if p)

    def __str__(self) -> str:
        return "/".join(p for p in (self.app, self.path) if p)


def _with_path(base: str, endpoint: EndpointId, path: str) -> str:
    url = f"{base.rstrip('/')}/{endpoint}"
    extra = "/".join(quote(p, safe="") for p in path.split("/") if p)
    return f"{url}/{extra}" if extra else url


def submit_url(queue_base: str, endpoint_id: str | EndpointId, path: str = "") -> str:
    """``{queue}/{full id}[/{path}]``."""
    endpoint = endpoint_id if isinstance(endpoint_id, EndpointId) else EndpointId.parse(endpoint_id)
    return _with_path(queue_base, endpoint, path)


def run_url(run_base: str, endpoint_id: str | EndpointId, path: str = "") -> str:
    """``{run}/{full id}[/{path}]`` (direct run; ``path="stream"`` for streaming endpoints)."""
    endpoint = endpoint_id if isinstance(endpoint_id, EndpointId) else EndpointId.parse(endpoint_id)
    return _with_path(run_base, endpoint, path)


def request_url(queue_base: str, endpoint_id: str | EndpointId, request_id: str) -> str:
    """``{queue}/[ns/]owner/alias/requests/{id}``: the result URL; status and cancel add a suffix."""
    endpoint = endpoint_id if isinstance(endpoint_id, EndpointId) else EndpointId.parse(endpoint_id)
    if not request_id or not _SEGMENT.match(request_id):
        raise ValueError(f"Invalid request id: {request_id!r}.")
    return f"{queue_base.rstrip('/')}/{endpoint.app}/requests/{request_id}"
