"""A running emulator for tests that talk over real sockets."""

from __future__ import annotations

import pytest

from fal_desktop.emulator import Emulator

KEY = "itest-key-id:itest-key-secret"


@pytest.fixture(scope="module")
def emulator_module():
    with Emulator(key=KEY, job_duration=0.2, workers=2) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_module):
    """The module's emulator with faults cleared and a short job duration."""
    emulator_module.clear_faults()
    emulator_module.job_duration = 0.2
    yield emulator_module
    emulator_module.clear_faults()
