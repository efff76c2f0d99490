"""Saving results: names from templates, never overwriting, parameters embedded and read back."""

from __future__ import annotations

import pytest
from PIL import Image

from fal_desktop.core.saving import (
    DEFAULT_UPSCALE_TEMPLATE, read_metadata, render_name, save_with_metadata, unique_path,
)

PARAMS = {"endpoint_id": "fal-ai/flux/dev", "request_id": "r-1", "seed": 42, "size": "64x48",
          "input": {"prompt": "a red fox", "negative_prompt": "blurry", "num_inference_steps": 28,
                    "guidance_scale": 3.5}}


def test_template_names_are_safe():
    assert render_name(DEFAULT_UPSCALE_TEMPLATE, stem="cat", model="aura-sr", factor=4, ext="png") == \
        "cat_aura-sr_x4.png"
    sneaky = render_name("{stem}.{ext}", stem="../../etc/passwd", ext="png")
    assert "/" not in sneaky and not sneaky.startswith(".") and sneaky.endswith("etc-passwd.png")
    assert render_name("{date}/{session}_{seed}.{ext}", session="s", seed=1, ext="png", date="2026-01-02") \
        == "2026-01-02/s_1.png"
    assert render_name("{nope}.{ext}", ext="png") == "nope.png"


def test_never_overwrites(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "a (2).png").write_bytes(b"x")
    assert unique_path(tmp_path, "a.png") == tmp_path / "a (3).png"


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_parameters_are_embedded_and_read_back(tmp_path, suffix):
    source = tmp_path / "out.png"
    Image.new("RGBA", (64, 48), (10, 20, 30, 255)).save(source)
    saved = save_with_metadata(source, tmp_path / "saved" / f"fox{suffix}", PARAMS)
    assert read_metadata(saved) == PARAMS
    with Image.open(saved) as image:
        assert image.size == (64, 48)
        if suffix == ".png":
            assert image.info["parameters"].startswith("a red fox\nNegative prompt: blurry\nSteps: 28")
            assert "Seed: 42" in image.info["parameters"]


def test_saving_twice_keeps_both(tmp_path):
    source = tmp_path / "out.png"
    Image.new("RGB", (8, 8)).save(source)
    first = save_with_metadata(source, tmp_path / "x.png", PARAMS)
    second = save_with_metadata(source, tmp_path / "x.png", PARAMS)
    assert first != second and first.exists() and second.exists()


def test_unknown_format_is_refused(tmp_path):
    source = tmp_path / "out.png"
    Image.new("RGB", (8, 8)).save(source)
    with pytest.raises(ValueError, match="PNG, JPEG or WebP"):
        save_with_metadata(source, tmp_path / "x.gif", PARAMS)


def test_a_full_disk_leaves_no_partial_file(tmp_path, monkeypatch):
    import errno

    source = tmp_path / "source.png"
    Image.new("RGB", (8, 8)).save(source)
    target = tmp_path / "out" / "saved.png"

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    with pytest.raises(OSError, match="No space left"):
        save_with_metadata(source, target, {"endpoint_id": "x", "input": {}})
    assert list(target.parent.iterdir()) == [] and source.is_file()
