"""The keyring read in a child process of the app, started first thing at launch.

Importing ``keyring`` and finding the system's backend costs 150–250 ms of Python (and a
D-Bus round trip on Linux). In the window's process that work would take the GIL from the
thread building the window; in a child of its own it runs on another core meanwhile, and the
window is usable as soon as if the key came from ``FAL_KEY``. A keyring that waits for its
unlock prompt, hangs or crashes takes only the child with it: the window says what it waits
for, and quitting kills the child.

The child (``fal-desktop --read-keyring``) prints one JSON line to its standard output, a pipe
only the app reads: ``{"key": ..., "problem": ..., "backend": ...}`` (``problem`` is
:meth:`ApiKeyStore.keyring_problem`'s sentence, ``null`` when the keyring works; ``backend``
the one that answered, which the window then saves to and deletes from). The key is never on a
command line, in the environment or in a file. Should the child fail in any way, the app reads the keyring itself.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from fal_desktop import KEYRING_FLAG, own_command
from fal_desktop.core.secrets import KeyringAnswer

if TYPE_CHECKING:
    from subprocess import Popen

__all__ = ["NO_KEY", "KeyringChild", "choose_backend", "main"]


#: After the flag: only find the backend and whether it works, without reading the key (with
#: the key in ``FAL_KEY``, nothing may make the keyring ask to be unlocked).
NO_KEY = "--no-key"


class KeyringChild:
    """A started read: :meth:`answer` waits for it (call it off the GUI thread). With
    ``read_key=False`` the answer has no key: only the backend and its problem."""

    def __init__(self, command: list[str] | None = None, *, read_key: bool = True) -> None:
        import subprocess  # here: the child itself needs none of it

        hidden = ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET")  # the child asks the keyring only
        environ = {name: value for name, value in os.environ.items() if name not in hidden}
        self.stopped = False
        try:
            self._process: Popen[bytes] | None = subprocess.Popen(
                (command or own_command(KEYRING_FLAG)) + ([] if read_key else [NO_KEY]),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=environ,
            )
        except OSError:
            self._process = None  # the app reads the keyring itself

    def answer(self) -> KeyringAnswer | None:
        """What the child read, or ``None`` if it did not answer (it could not start, failed or
        was stopped): the caller then reads the keyring itself."""
        if self._process is None:
            return None
        try:
            out, _ = self._process.communicate()
            if self._process.returncode != 0:
                return None
            said = json.loads(out.decode("utf-8"))
            answer = KeyringAnswer(said["key"] or None, said["problem"], said["backend"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not all(isinstance(v, str | None) for v in (answer.key, answer.problem, answer.backend)):
            return None
        return answer

    def stop(self) -> None:
        """Kill the child if it still waits (a keyring's unlock prompt, at quit); ``stopped``
        then says the keyring must not be asked again."""
        self.stopped = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


#: The platform's own keyring backend, tried before keyring's search of every installed one
#: (which imports each, macOS's too: 50–60 ms on Linux, where its library lookup runs ldconfig).
PLATFORM_BACKENDS = {
    "linux": ("keyring.backends.SecretService", "Keyring"),
    "darwin": ("keyring.backends.macOS", "Keyring"),
    "win32": ("keyring.backends.Windows", "WinVaultKeyring"),
}


def choose_backend() -> None:
    """Have ``keyring`` use what it would choose, found faster: the backend the user
    configured (``PYTHON_KEYRING_BACKEND``, ``keyringrc.cfg``), else the platform's own if it
    works here; otherwise ``keyring`` searches every installed backend as usual."""
    import importlib

    import keyring.core

    chosen = keyring.core.load_env() or keyring.core.load_config()
    if chosen is None:
        unix = sys.platform.startswith(("linux", "freebsd", "openbsd"))  # D-Bus Secret Service
        module, name = PLATFORM_BACKENDS.get("linux" if unix else sys.platform, ("", ""))
        try:
            backend = getattr(importlib.import_module(module), name) if module else None
            if backend is not None and backend.priority > 0:  # raises when it cannot work here
                chosen = backend()
        except Exception:  # noqa: BLE001 - not this one: keyring's own search decides
            chosen = None
    if chosen is not None:
        keyring.core.set_keyring(chosen)


def main() -> int:
    """The child: read the keyring, print the answer, exit."""
    from dataclasses import asdict

    from fal_desktop.core.secrets import ApiKeyStore

    choose_backend()
    answer = ApiKeyStore(environ={}).ask_keyring(read_key=NO_KEY not in sys.argv)
    sys.stdout.write(json.dumps(asdict(answer)) + "\n")
    sys.stdout.flush()
    return 0
