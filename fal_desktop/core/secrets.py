"""The fal API key: in the OS keyring, from ``FAL_KEY``, or held in memory until the app quits.

The key is never written to a file or a log by the app. ``repr`` of the store never
shows it, and :func:`mask_key` is what the UI displays.

The keyring is read once, by :meth:`ApiKeyStore.load` (the window calls it on a worker thread:
a locked or slow keyring must not freeze it); after that every answer comes from memory. With
the key in the environment, ``load`` does not touch the keyring at all (the ``keyring`` package
and its backends take 100–300 ms to import and detect): :meth:`ApiKeyStore.keyring_problem`
asks it later (the window does that on a worker thread once it is usable).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ApiKeyStore",
    "KeySource",
    "KeyStoreUnavailable",
    "KeyringAnswer",
    "key_in_environment",
    "mask_key",
]

SERVICE = "fal-desktop"
USERNAME = "api-key"


class KeySource(enum.Enum):
    """Where the key came from; the value is how the key dialog says it."""

    ENVIRONMENT = "from the FAL_KEY environment variable"
    KEYRING = "from the system keyring"
    SESSION = "entered for this run of the app"  # the app's "Sessions" are something else
    NONE = "not set"


class KeyStoreUnavailable(RuntimeError):
    """No usable OS keyring: the key can only be kept until the app quits."""


def mask_key(key: str | None) -> str:
    """``abcd1234:…wxyz`` style display: enough to recognise a key, never enough to use it."""
    if not key:
        return ""
    if len(key) <= 8:
        return "•" * len(key)
    return f"{key[:4]}{'•' * 8}{key[-4:]}"


def _hide_in_logs(secret: str | None) -> None:
    from fal_desktop.core.logs import hide_secret  # here: the keyring's child needs no logging

    hide_secret(secret)


def key_in_environment(environ: Mapping[str, str]) -> str | None:
    """``FAL_KEY``, or ``FAL_KEY_ID:FAL_KEY_SECRET`` as fal's clients take them."""
    key = environ.get("FAL_KEY", "").strip()
    if key:
        return key
    key_id = environ.get("FAL_KEY_ID", "").strip()
    secret = environ.get("FAL_KEY_SECRET", "").strip()
    return f"{key_id}:{secret}" if key_id and secret else None


@dataclass(frozen=True)
class KeyringAnswer:
    """What the keyring said: its key, :meth:`ApiKeyStore.keyring_problem`'s sentence, and the
    backend that answered (``module.Class``)."""

    key: str | None
    problem: str | None
    backend: str | None = None


class ApiKeyStore:
    """Finds the key in order: environment, session, keyring."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._session_key: str | None = None
        self._stored: str | None = None  # the keyring's key, once loaded
        self._problem: str | None = None
        self._probed = False  # whether _problem is the keyring's answer yet
        self._backend_name: str | None = None  # the backend a child process asked, if one did
        self._named_backend: Any = None
        self.loaded = False

    def load(self, answer: KeyringAnswer | None = None) -> ApiKeyStore:
        """Read the keyring (may block: an unlock prompt, a slow D-Bus) and remember what it
        said; unless the environment has the key, which is then used and the keyring's key is
        not read, nor the keyring asked anything. ``answer`` is what a child process already
        read (``keyring_child.py``), used instead of asking the keyring here; its backend is
        then the one this store saves to and deletes from. Returns the store."""
        if not self._from_environment():
            if answer is not None:  # the child's backend is the one written to from now on
                self._backend_name = answer.backend
            else:
                answer = self.ask_keyring()
            self._stored, self._problem, self._probed = answer.key, answer.problem, True
        _hide_in_logs(self._from_environment() or self._stored)
        self.loaded = True
        return self

    def __repr__(self) -> str:
        return f"ApiKeyStore(source={self.source().name})"

    # -- reading ---------------------------------------------------------------

    def _from_environment(self) -> str | None:
        return key_in_environment(self._environ)

    def _from_keyring(self) -> str | None:
        if not self.loaded:  # a caller that did not load first (the command line, tests)
            self.load()
        return self._stored

    def ask_keyring(self, *, read_key: bool = True) -> KeyringAnswer:
        """What the keyring says now (may block; the key only if ``read_key``: never the
        environment's)."""
        problem = self.keyring_problem()
        key = self._read_keyring() if read_key else None
        try:
            backend = type(self._backend())
        except Exception:  # noqa: BLE001 - the problem says why
            return KeyringAnswer(key, problem)
        return KeyringAnswer(key, problem, f"{backend.__module__}.{backend.__qualname__}")

    def _backend(self) -> Any:
        """``keyring``'s backend; the one a child process asked at start, if one did (where the
        key was found is where it is saved)."""
        import keyring

        if self._backend_name is None:
            return keyring.get_keyring()
        if self._named_backend is None:
            import keyring.core

            self._named_backend = keyring.core.load_keyring(self._backend_name)
        return self._named_backend

    def _read_keyring(self) -> str | None:
        import keyring.errors

        try:
            return self._backend().get_password(SERVICE, USERNAME) or None
        except keyring.errors.KeyringError:
            return None
        except Exception:  # a broken backend must not stop the app
            return None

    def get(self) -> str | None:
        return self._from_environment() or self._session_key or self._from_keyring()

    def source(self) -> KeySource:
        if self._from_environment():
            return KeySource.ENVIRONMENT
        if self._session_key:
            return KeySource.SESSION
        if self._from_keyring():
            return KeySource.KEYRING
        return KeySource.NONE

    # -- the keyring itself ------------------------------------------------------

    def keyring_problem(self) -> str | None:
        """``None`` when a real keyring backend is there, else a sentence saying why not (asks
        the keyring the first time only; never reads the key)."""
        if not self._probed:
            self._problem, self._probed = self._keyring_problem(), True
        return self._problem

    def take_probe(self, answer: KeyringAnswer) -> None:
        """What a child process found out about the keyring without reading the key (the key
        came from ``FAL_KEY``): its backend, and whether it works."""
        if not self._probed:
            self._problem, self._probed = answer.problem, True
            self._backend_name = answer.backend

    @property
    def loaded_keyring(self) -> bool:
        """Whether the keyring has been asked (not yet, when ``load`` found ``FAL_KEY``)."""
        return self._probed

    def _keyring_problem(self) -> str | None:
        from keyring.backends import fail

        try:
            backend = self._backend()
        except Exception as exc:
            return f"The system keyring could not be opened: {exc}"
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
            return (
                "No system keyring was found (on Linux, install and unlock GNOME Keyring or "
                "KWallet). A key you enter is kept only until you quit."
            )
        return None

    def backend_name(self) -> str:
        try:
            backend = self._backend()
        except Exception:
            return "none"
        return getattr(backend, "name", type(backend).__name__)

    # -- writing -----------------------------------------------------------------

    def save(self, key: str) -> None:
        """Store the key in the OS keyring (raises :class:`KeyStoreUnavailable`)."""
        key = key.strip()
        if not key:
            raise ValueError("The key is empty.")
        problem = self.keyring_problem()
        if problem:
            raise KeyStoreUnavailable(problem)
        try:
            self._backend().set_password(SERVICE, USERNAME, key)
        except Exception as exc:
            raise KeyStoreUnavailable(f"The system keyring refused the key: {exc}") from None
        _hide_in_logs(key)
        self._stored = key
        self._session_key = None

    def use_for_session(self, key: str) -> None:
        """Hold the key in memory until the app quits."""
        key = key.strip()
        if not key:
            raise ValueError("The key is empty.")
        _hide_in_logs(key)
        self._session_key = key

    def remove(self) -> None:
        """Forget the session key and delete the stored one (the environment is left alone)."""
        self._session_key = None
        import keyring.errors

        try:
            self._backend().delete_password(SERVICE, USERNAME)
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:
            raise KeyStoreUnavailable(
                f"The system keyring could not delete the key: {exc}"
            ) from None
        self._stored = None
