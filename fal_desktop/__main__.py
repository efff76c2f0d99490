"""``python -m fal_desktop`` starts the app."""

from fal_desktop.app import main

raise SystemExit(main())
