"""Thumbnails: made at their size, cached on disk by path and modification, never a crash."""

from __future__ import annotations

import os

from PIL import Image

from fal_desktop.ui.sessions.thumbnails import ThumbnailCache, cache_file, make_thumbnail


def test_thumbnail_is_small_cached_and_remade_when_the_file_changes(tmp_path):
    source = tmp_path / "big.png"
    Image.new("RGB", (2000, 1000), "red").save(source)
    target = cache_file(tmp_path / "cache", str(source), 120)
    image = make_thumbnail(str(source), target, 120)
    assert (image.width(), image.height()) == (120, 60) and target.is_file()
    Image.new("RGB", (500, 1000), "blue").save(source)
    os.utime(source, ns=(1, 1))  # a different file at the same path
    changed = cache_file(tmp_path / "cache", str(source), 120)
    assert changed != target
    assert (make_thumbnail(str(source), changed, 120).height()) == 120


def test_broken_source_and_unwritable_cache_do_not_crash(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    assert make_thumbnail(str(broken), tmp_path / "t.png", 120).isNull()
    good = tmp_path / "good.png"
    Image.new("RGB", (64, 64)).save(good)
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x")
    assert not make_thumbnail(str(good), blocker / "ab" / "t.png", 120).isNull()


def test_cache_delivers_through_its_signal(qtbot, tmp_path):
    source = tmp_path / "one.png"
    Image.new("RGB", (300, 300), "green").save(source)
    cache = ThumbnailCache(tmp_path / "cache", side=100)
    assert cache.get(str(source)) is None
    with qtbot.waitSignal(cache.ready, timeout=10000) as signal:
        pass
    assert signal.args == [str(source)]
    assert cache.get(str(source)).width() == 100
    cache.forget(str(source))
    assert not cache_file(tmp_path / "cache", str(source), 100).exists()
    cache.shutdown()
