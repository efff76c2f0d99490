"""The keyring read in a child process at start (``core/keyring_child.py``): what it answers
from a real Secret Service and from none, and that any failure of the child leaves the window's
process to read the keyring itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from fal_desktop import KEYRING_FLAG
from fal_desktop.core.keyring_child import KeyringChild
from fal_desktop.core.secrets import ApiKeyStore, KeyringAnswer, KeySource, KeyStoreUnavailable

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


def _child_says(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "fal_desktop", KEYRING_FLAG],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.keyring
def test_the_child_reads_the_key_from_a_real_secret_service(secret_service):
    key = f"{uuid.uuid4().hex}:{uuid.uuid4().hex}"
    ApiKeyStore(environ={}).save(key)
    try:
        child = KeyringChild()
        answer = child.answer()
        assert answer == KeyringAnswer(key, None, SECRET_SERVICE)
        store = ApiKeyStore(environ={}).load(answer)
        assert store.get() == key and store.source() is KeySource.KEYRING
        assert store.keyring_problem() is None and store.loaded_keyring
    finally:
        ApiKeyStore(environ={}).remove()
    assert KeyringChild().answer() == KeyringAnswer(None, None, SECRET_SERVICE)  # no key there


@pytest.mark.keyring
def test_the_child_never_takes_fal_key_from_the_environment(secret_service):
    env = {**os.environ, "FAL_KEY": "env-id:env-secret"}
    assert _child_says(env) == {"key": None, "problem": None, "backend": SECRET_SERVICE}


def test_without_a_keyring_the_child_says_why():
    env = {name: value for name, value in os.environ.items() if not name.startswith("DBUS_")}
    said = _child_says(env)
    assert said["key"] is None and "No system keyring was found" in said["problem"]


def test_the_store_saves_where_the_child_found_the_keyring(memory_keyring):
    """Saves and deletes go to the backend the child asked, not to a different one this
    process might pick (two installed backends could rank differently here and there)."""
    store = ApiKeyStore(environ={}).load(KeyringAnswer(None, None, "keyring.backends.fail.Keyring"))
    with pytest.raises(KeyStoreUnavailable, match="refused"):
        store.save("id:secret")
    assert memory_keyring.items == {}  # this process's own backend was not used
    assert store.backend_name() == "fail Keyring"


def test_a_configured_backend_is_the_one_asked(tmp_path):
    """``PYTHON_KEYRING_BACKEND`` wins over the platform's own, as in ``keyring`` itself."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    said = _child_says(env)
    assert said["backend"] == "keyring.backends.fail.Keyring"
    assert said["key"] is None and "No system keyring was found" in said["problem"]


@pytest.mark.parametrize(
    "program",
    [
        "import sys; sys.exit(3)",  # failed
        "print('not json')",
        'print(\'{"key": 5, "problem": null}\')',
        "print('{\"key\": null}')",
    ],
)
def test_a_child_that_fails_is_no_answer(program, memory_keyring):
    child = KeyringChild([sys.executable, "-c", program])
    assert child.answer() is None
    memory_keyring.items[("fal-desktop", "api-key")] = "kept:key"
    store = ApiKeyStore(environ={}).load(child.answer())  # the window reads it itself
    assert store.get() == "kept:key" and store.source() is KeySource.KEYRING


def test_a_child_that_cannot_start_is_no_answer(tmp_path):
    assert KeyringChild([str(tmp_path / "missing")]).answer() is None


def test_stop_kills_a_child_still_waiting():
    """A keyring waiting for its unlock prompt when the user quits: the child goes too."""
    child = KeyringChild([sys.executable, "-c", "import time; time.sleep(120)"])
    child.stop()
    assert child.answer() is None
    assert child._process is not None and child._process.returncode is not None


@pytest.mark.keyring
def test_a_probe_finds_the_backend_without_reading_the_key(secret_service):
    """With the key in ``FAL_KEY``, the keyring is only asked whether it works (nothing may
    make it ask to be unlocked), by a child, and the store saves there afterwards."""
    from fal_desktop.app import probe_keyring

    ApiKeyStore(environ={}).save("stored-id:stored-secret")
    try:
        assert KeyringChild(read_key=False).answer() == KeyringAnswer(None, None, SECRET_SERVICE)
        store = ApiKeyStore(environ={"FAL_KEY": "env-id:env-secret"}).load()
        assert not store.loaded_keyring
        probe_keyring(store)
        assert store.loaded_keyring and store.keyring_problem() is None
        assert store.backend_name() == "SecretService Keyring"
        assert store.get() == "env-id:env-secret"  # the environment's key is the one used
    finally:
        ApiKeyStore(environ={}).remove()


def test_a_probe_whose_child_fails_asks_here(monkeypatch, memory_keyring):
    from fal_desktop import app
    from fal_desktop.core import keyring_child

    monkeypatch.setattr(keyring_child, "own_command", lambda flag: [sys.executable, "-c", "1/0"])
    store = ApiKeyStore(environ={"FAL_KEY": "env-id:env-secret"}).load()
    app.probe_keyring(store)
    assert store.loaded_keyring and store.keyring_problem() is None  # the memory keyring
    store.save("saved-id:saved-secret")
    assert memory_keyring.items[("fal-desktop", "api-key")] == "saved-id:saved-secret"


def test_a_child_stopped_at_quit_leaves_the_keyring_unasked(memory_keyring, monkeypatch):
    """Quitting while the child waits for an unlock prompt: the window must not ask the
    keyring itself then (a second prompt as the app goes away)."""
    from fal_desktop.app import load_key_store

    asked = []
    monkeypatch.setattr(memory_keyring, "get_password", lambda *a: asked.append(a))
    child = KeyringChild([sys.executable, "-c", "import time; time.sleep(120)"])
    child.stop()
    store = load_key_store(False, child)
    assert asked == [] and not store.loaded


def test_the_child_is_not_given_the_environment_key(monkeypatch):
    monkeypatch.setenv("FAL_KEY_ID", "env-id")
    monkeypatch.setenv("FAL_KEY_SECRET", "env-secret")
    monkeypatch.setenv("FAL_KEY", "env-id:env-secret")
    program = "import json, os; print(json.dumps({'key': None, 'problem': ' '.join(sorted(k for k in os.environ if k.startswith('FAL_KEY'))) or None, 'backend': 'x.Y'}))"
    assert KeyringChild([sys.executable, "-c", program]).answer() == KeyringAnswer(
        None, None, "x.Y"
    )
