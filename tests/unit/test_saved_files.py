"""The record of saved copies: a result counts as saved while one of its copies exists."""

from __future__ import annotations

from fal_desktop.core.saved_files import SavedFiles


def test_saved_while_a_copy_exists_and_kept_across_restarts(tmp_path):
    record = tmp_path / "saved-files.json"
    copy = tmp_path / "copy.png"
    copy.write_bytes(b"png")
    saved = SavedFiles(record)
    assert not saved.saved_before("/data/outputs/a.png")
    saved.add([("/data/outputs/a.png", str(copy))])
    again = SavedFiles(record)
    assert again.saved_before("/data/outputs/a.png")
    copy.unlink()
    assert not again.saved_before("/data/outputs/a.png")
    again.forget(["/data/outputs/a.png"])
    assert SavedFiles(record)._copies == {}


def test_a_damaged_or_unwritable_record_is_an_empty_one(tmp_path):
    record = tmp_path / "saved-files.json"
    record.write_text("{not json")
    assert not SavedFiles(record).saved_before("x")
    record.write_text('{"x": "not a list"}')
    assert not SavedFiles(record).saved_before("x")
    blocked = SavedFiles(tmp_path / "missing-folder" / "record.json")
    blocked.add([("x", str(record))])  # cannot be written: still known for this run
    assert blocked.saved_before("x")
