"""PySide6's check of each imported module, answered by reading the file: the same answers."""

from __future__ import annotations

import importlib
import sys

import PySide6.QtCore  # noqa: F401 (PySide6's import hook and its check come with it)

from fal_desktop.quick_imports import FEATURE_MODULE, uses_pyside


def test_the_quick_check_answers_as_pysides_own_for_every_kind_of_module():
    upstream = sys.modules[FEATURE_MODULE]._mod_uses_pyside
    names = [
        "fal_desktop.ui.window.shell",  # uses PySide6
        "fal_desktop.startup",  # uses PySide6
        "fal_desktop.core.jobstore",  # does not
        "json",  # the standard library, from source
        "sys",  # built in
        "_json",  # compiled
        "shiboken6.Shiboken",  # compiled, PySide's own
    ]
    answers = {}
    for name in names:
        module = importlib.import_module(name)
        answers[name] = uses_pyside(module, upstream)
        assert answers[name] == upstream(module), name
    assert answers["fal_desktop.ui.window.shell"] and not answers["fal_desktop.core.jobstore"]


def test_it_takes_the_place_of_pysides_check_once():
    from fal_desktop.quick_imports import read_pyside_checks_quickly

    feature = sys.modules[FEATURE_MODULE]
    upstream = feature._mod_uses_pyside
    try:
        assert read_pyside_checks_quickly()  # this PySide6's internals are the ones it knows
        assert feature._mod_uses_pyside is not upstream
        assert not read_pyside_checks_quickly()  # never wrapped twice
        assert feature._mod_uses_pyside(importlib.import_module("fal_desktop.startup"))
    finally:
        feature._mod_uses_pyside = upstream
