"""Qt pieces with no knowledge of the app, used by forms and ui alike: background work
(Background), the GUI-thread garbage collector, an eliding label, an empty-list hint."""
