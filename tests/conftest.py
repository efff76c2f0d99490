"""Shared test setup: Qt runs offscreen, and no test may reach beyond this machine."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Make sure nothing can pick up a developer's real key.
for _name in ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET"):
    os.environ.pop(_name, None)
