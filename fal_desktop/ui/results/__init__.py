"""Showing results: the result view, the before/after compare view, side-by-side rows, the full-window viewer, the result bar, saving and auto-save."""
