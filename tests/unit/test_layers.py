"""The protocol, storage and emulator layers import no Qt, so they run without a display."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fal_desktop"
QT_FREE = ("api", "core", "emulator")


def _modules(layer: str) -> list[str]:
    root = PACKAGE / layer
    names = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":
            names.append(".".join(parts))
    return names


@pytest.mark.parametrize("layer", QT_FREE)
def test_layer_source_never_imports_qt(layer):
    offenders = []
    for path in (PACKAGE / layer).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"PySide6", "shiboken6"}
                or n.startswith("fal_desktop.ui")
                or n.startswith("fal_desktop.widgets")
            ]
    assert offenders == []


@pytest.mark.parametrize("layer", QT_FREE)
def test_importing_layer_loads_no_qt(layer):
    modules = _modules(layer)
    assert modules, f"no modules found in {layer}"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


ENGINE_MODULES = [
    "fal_desktop.jobs.engine_process",
    "fal_desktop.jobs.scheduler",
    "fal_desktop.jobs.wire",
    "fal_desktop.jobs.runner",
    "fal_desktop.jobs.job_context",
    "fal_desktop.jobs.submit",
    "fal_desktop.jobs.following",
    "fal_desktop.jobs.cancel",
    "fal_desktop.jobs.result_download",
    "fal_desktop.jobs.events",
    "fal_desktop.jobs.restarts",
]


def test_the_jobs_engine_process_loads_no_qt():
    """The engine process imports these (and ``api``/``core``): no Qt, so it stays small."""
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}: importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
