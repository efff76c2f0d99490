"""``python -m fal_desktop`` starts the app."""

import sys

from fal_desktop import KEYRING_FLAG

if sys.argv[1:2] == [KEYRING_FLAG]:  # a starting window's keyring read: nothing else imported
    from fal_desktop.core.keyring_child import main
else:
    from fal_desktop.app import main

raise SystemExit(main())
