"""Small pieces every part uses: background work (Background), an eliding label, an empty-list hint."""
