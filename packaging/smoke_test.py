"""Smoke test of the built app: start the frozen binary in sandbox mode with a temporary data
folder, upscale one image end to end, and exit cleanly. Fails on unexpected stderr.

    python packaging/build.py && python packaging/smoke_test.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINARY = ROOT / "dist" / "fal-desktop" / ("fal-desktop.exe" if os.name == "nt" else "fal-desktop")
HARMLESS = ("propagateSizeHints",)  # the offscreen platform's notice, not ours


def _json_from(binary: Path, flag: str, env: dict[str, str]) -> dict:
    """What ``binary flag`` printed, as JSON."""
    done = subprocess.run(
        [str(binary), flag], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    return json.loads(done.stdout)


def main() -> int:
    if not BINARY.exists():
        print(f"no build at {BINARY}; run python packaging/build.py first", file=sys.stderr)
        return 2
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    info = _json_from(BINARY, "--diagnose", env=env)
    print("diagnose:", info)
    problems = []
    if not info["frozen"] or info["bundled_models"] != 12:
        problems.append("the frozen app does not see its bundled models")
    if not info["keyring_plugins"]:
        problems.append(
            "the frozen app sees no keyring backends (keyring's entry-point metadata is missing)"
        )
    said = _json_from(BINARY, "--read-keyring", env=env)  # the start-up keyring read, frozen
    print("keyring child:", {name: said.get(name) for name in ("problem", "backend")})
    if set(said) != {"key", "problem", "backend"} or not said["backend"]:
        problems.append("the frozen app's keyring child did not answer")
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "smoke.png"
        from PIL import Image

        Image.new("RGB", (48, 32), (200, 120, 40)).save(image)
        run = subprocess.run(
            [
                str(BINARY),
                "--sandbox",
                "--temp-basedir",
                "--upscale",
                str(image),
                "--quit-when-done",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
    print(run.stdout)
    stderr = [
        line
        for line in run.stderr.splitlines()
        if line.strip() and not any(h in line for h in HARMLESS)
    ]
    if run.returncode != 0 or "completed" not in run.stdout:
        problems.append(f"the upscale job did not complete (exit status {run.returncode})")
    if stderr:
        problems.append("unexpected stderr:\n" + "\n".join(stderr[:40]))
    for problem in problems:
        print("FAILED:", problem, file=sys.stderr)
    if not problems:
        print("smoke test passed: the frozen app upscaled an image end to end and exited cleanly")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
