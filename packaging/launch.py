"""Entry point for the frozen app (PyInstaller runs this file)."""

import sys

from fal_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
