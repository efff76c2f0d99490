"""PySide6 looks at every module imported after it for the word "PySide6" (to know which
modules its ``from __feature__ import snake_case`` switch applies to; PYSIDE-2029), and it does
so with ``inspect.getsource``: each module's source is read into ``linecache`` line by line.
For the ~250 modules the window imports before it is usable that was 20–30 ms of the start.

:func:`read_pyside_checks_quickly` gives PySide6 the same answer by reading the file's bytes.
It changes nothing if PySide6's internals are not what it expects (another version).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

__all__ = ["read_pyside_checks_quickly", "uses_pyside"]

FEATURE_MODULE = "shibokensupport.feature"


def uses_pyside(module: ModuleType, upstream: Callable[[ModuleType], bool]) -> bool:
    """Whether ``module``'s source file holds "PySide6" (``upstream`` answers for modules
    without a ``.py`` file: built-in, compiled, or whose source cannot be read)."""
    path = getattr(module, "__file__", None)
    if isinstance(path, str) and path.endswith(".py"):
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            pass
    return upstream(module)


def read_pyside_checks_quickly() -> bool:
    """Call once PySide6 is imported; True if PySide6's check is now the quick one."""
    feature = sys.modules.get(FEATURE_MODULE)
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(upstream) or getattr(upstream, "quick", False):
        return False

    def check(module: ModuleType) -> bool:
        return uses_pyside(module, upstream)

    check.quick = True  # type: ignore[attr-defined]  # (marks it: never wrapped twice)
    feature._mod_uses_pyside = check  # type: ignore[attr-defined]
    return True
