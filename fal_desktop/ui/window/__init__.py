"""The main window: its frame, menus, banners, drops and pastes, the one-window lock and hand-over, and the crash dialog."""
