"""The window the user sees, by part: window (frame, menus, banners, start-up hand-over, crash
dialog), jobs (the jobs table and its panel), results (the result, compare and full-window
views, saving), sessions (sessions list, gallery, side-by-side rows, run dialogs), models (the
model picker and its form) and dialogs. Pieces with no app knowledge (background work, labels)
are in ``fal_desktop.widgets``."""
