"""Saving results: names from templates, never overwriting, parameters embedded and read back."""

from __future__ import annotations

import pytest
from PIL import Image

from fal_desktop.core.saving import (
    DEFAULT_TEMPLATE,
    read_metadata,
    render_name,
    save_with_metadata,
    unique_path,
    varied_value,
)

PARAMS = {
    "endpoint_id": "fal-ai/flux/dev",
    "request_id": "r-1",
    "seed": 42,
    "size": "64x48",
    "input": {
        "prompt": "a red fox",
        "negative_prompt": "blurry",
        "num_inference_steps": 28,
        "guidance_scale": 3.5,
    },
}


def test_template_names_are_safe():
    assert (
        render_name(DEFAULT_TEMPLATE, stem="cat", model="aura-sr", factor=4, ext="png")
        == "cat_aura-sr_x4.png"
    )
    sneaky = render_name("{stem}.{ext}", stem="../../etc/passwd", ext="png")
    assert "/" not in sneaky and not sneaky.startswith(".") and sneaky.endswith("etc-passwd.png")
    assert (
        render_name(
            "{date}/{session}_{seed}.{ext}", session="s", seed=1, ext="png", date="2026-01-02"
        )
        == "2026-01-02/s_1.png"
    )
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
            assert image.info["parameters"].startswith(
                "a red fox\nNegative prompt: blurry\nSteps: 28"
            )
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


def test_one_template_names_every_kind_of_result():
    """Empty fields drop out with their part: no factor on a generated image, no seed on an
    upscale, a number only in a run of several, the varied value only in a Vary run."""
    upscale = render_name(
        DEFAULT_TEMPLATE, stem="holiday", model="aura-sr", factor=4, seed="", ext="png"
    )
    generated = render_name(
        DEFAULT_TEMPLATE, stem="a-red-fox", model="schnell", factor="", seed=123, ext="jpg"
    )
    of_four = render_name(
        DEFAULT_TEMPLATE, stem="a-red-fox", model="schnell", seed=123, n=3, ext="png"
    )
    varied = render_name(
        DEFAULT_TEMPLATE,
        stem="a-red-fox",
        model="dev",
        seed=7,
        varied="guidance_scale-5.5",
        ext="png",
    )
    assert upscale == "holiday_aura-sr_x4.png"
    assert generated == "a-red-fox_schnell_123.jpg"
    assert of_four == "a-red-fox_schnell_123_3.png"
    assert varied == "a-red-fox_dev_guidance_scale-5.5_7.png"
    assert (
        render_name("{prompt}-{seed}_{n}.{ext}", prompt="fox", seed=1, n="", ext="png")
        == "fox-1.png"
    )
    assert render_name("{typo}_{seed}.{ext}", seed=1, ext="png") == "typo_1.png"  # mistakes show


def test_the_varied_value_is_what_differs_within_a_vary_run():
    from types import SimpleNamespace as Run

    runs = [
        Run(endpoint_id="fal-ai/flux/dev", inputs={"prompt": "fox", "seed": 7, "guidance_scale": g})
        for g in (1.5, 3.5, 5.5)
    ]
    assert varied_value(runs[2], runs) == "guidance_scale-5.5"
    prompts = [Run(endpoint_id="m", inputs={"prompt": p}) for p in ("a   red fox\nin snow", "owl")]
    assert varied_value(prompts[0], prompts) == "prompt-a red fox in snow"
    models = [Run(endpoint_id=e, inputs={"prompt": "fox"}) for e in ("a/b", "c/d")]
    assert varied_value(models[0], models) == "" and varied_value(runs[0], runs[:1]) == ""
