"""fal-desktop: a desktop client for the image models hosted on fal.ai."""

__version__ = "0.1.0"
#: The first argument that makes ``fal-desktop`` the window's jobs engine (``jobs/engine_process.py``).
ENGINE_FLAG = "--jobs-engine"
__all__ = ["ENGINE_FLAG", "__version__"]
