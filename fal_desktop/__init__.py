"""fal-desktop: a desktop client for the image models hosted on fal.ai."""

__version__ = "0.1.0"
#: The first argument that makes ``fal-desktop`` the window's jobs engine (``jobs/engine_process.py``).
ENGINE_FLAG = "--jobs-engine"
#: The first argument that makes ``fal-desktop`` read the keyring for a starting window
#: (``core/keyring_child.py``).
KEYRING_FLAG = "--read-keyring"
__all__ = ["ENGINE_FLAG", "KEYRING_FLAG", "__version__", "own_command"]


def own_command(flag: str) -> list[str]:
    """This very program (frozen or not) started with ``flag``."""
    import sys

    if getattr(sys, "frozen", False):
        return [sys.executable, flag]
    return [sys.executable, "-m", "fal_desktop", flag]
