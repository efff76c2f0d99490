"""fal-desktop: a desktop client for the image models hosted on fal.ai."""

__version__ = "0.1.0"
__all__ = ["__version__"]
