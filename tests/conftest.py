"""Shared test setup: Qt runs offscreen, and no test may reach beyond this machine."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Make sure nothing can pick up a developer's real key.
for _name in ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET"):
    os.environ.pop(_name, None)


import keyring  # noqa: E402
import pytest  # noqa: E402

from tests.fakes import MemoryKeyring  # noqa: E402


@pytest.fixture
def memory_keyring():
    """The process keyring replaced by an in-memory one for one test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
