"""The emulator in a child process of its own (``python -m fal_desktop.emulator``), for the
benchmarks and drills that keep its work off the process they measure or kill."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from fal_desktop.api.hosts import ROLES, FalHosts

__all__ = ["start_emulator_process", "stop_emulator_process"]


def start_emulator_process(
    *options: str, **popen: Any
) -> tuple[subprocess.Popen[str], FalHosts, dict[str, Any]]:
    """Start it with the command line ``options`` and wait for its JSON line: the process, its
    hosts and the whole line (the key, an admin key). Stopped again if it never says it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fal_desktop.emulator", *options],
        stdout=subprocess.PIPE,
        text=True,
        **popen,
    )
    try:
        assert process.stdout is not None
        info: dict[str, Any] = json.loads(process.stdout.readline())
    except BaseException:
        stop_emulator_process(process)
        raise
    return process, FalHosts(**{role: info[role] for role in ROLES if role in info}), info


def stop_emulator_process(process: subprocess.Popen[str], timeout: float = 30) -> None:
    process.terminate()
    process.wait(timeout=timeout)
    if process.stdout is not None:
        process.stdout.close()
