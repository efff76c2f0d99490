"""Shared test setup: Qt runs offscreen, and no test may reach beyond this machine."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Make sure nothing can pick up a developer's real key.
for _name in ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET"):
    os.environ.pop(_name, None)


import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

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


@pytest.fixture(scope="session")
def secret_service_bus(tmp_path_factory):
    """gnome-keyring on a private D-Bus session bus, once per test run: the bus's address."""
    missing = [b for b in ("dbus-daemon", "gnome-keyring-daemon") if not shutil.which(b)]
    if missing:
        message = f"needs {', '.join(missing)} (apt install dbus gnome-keyring)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("keyring-home")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    address = bus.stdout.readline().strip()
    env = {
        **os.environ,
        "DBUS_SESSION_BUS_ADDRESS": address,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home),
    }
    # Daemonises once it owns the Secret Service name on our bus; exits when the bus goes.
    subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"test-password",
        capture_output=True,
        env=env,
        timeout=30,
        check=True,
    )
    yield address
    bus.terminate()
    bus.wait(timeout=10)
    bus.stdout.close()


@pytest.fixture
def secret_service(secret_service_bus, monkeypatch):
    """A real Secret Service (:func:`secret_service_bus`), set as ``keyring``'s backend in this
    process and named by ``DBUS_SESSION_BUS_ADDRESS`` for child processes."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service_bus)
    from keyring.backends.SecretService import Keyring as SecretServiceKeyring

    previous_backend = keyring.get_keyring()
    backend = SecretServiceKeyring()
    keyring.set_keyring(backend)
    deadline = time.monotonic() + 20
    while True:  # wait for the daemon to own its bus name and to have made its login
        try:  # collection (a read can succeed before a write can)
            keyring.set_password("fal-desktop-probe", "probe", "ready")
            keyring.delete_password("fal-desktop-probe", "probe")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield backend
    keyring.set_keyring(previous_backend)
