"""Input images: every kind of bad or odd file gets a clear sentence or a correct conversion."""

from __future__ import annotations

import pytest
from PIL import Image

from fal_desktop.core.inputs import InputProblem, image_files_in, image_paths_in, prepare_image


def _save(path, image, **kw):
    image.save(path, **kw)
    return path


def test_plain_png_is_uploaded_as_it_is(tmp_path):
    src = _save(tmp_path / "a.png", Image.new("RGB", (40, 30), "red"))
    prepared = prepare_image(src, tmp_path / "work")
    assert (
        prepared.path == src
        and (prepared.width, prepared.height) == (40, 30)
        and not prepared.notes
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"this is a text file, not an image", "not an image"),
    ],
)
def test_empty_and_not_images(tmp_path, content, message):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(InputProblem, match=message):
        prepare_image(path, tmp_path / "work")


def test_truncated_and_missing(tmp_path):
    full = _save(
        tmp_path / "full.jpg", Image.effect_noise((300, 300), 60).convert("RGB"), quality=95
    )
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(InputProblem, match="damaged or truncated"):
        prepare_image(cut, tmp_path / "work")
    with pytest.raises(InputProblem, match="could not be read"):
        prepare_image(tmp_path / "nope.png", tmp_path / "work")


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    src = _save(tmp_path / "bomb.png", Image.new("1", (9000, 9000)))
    with pytest.raises(InputProblem, match="megapixels"):
        prepare_image(src, tmp_path / "work")


def test_too_large_for_the_endpoint(tmp_path):
    src = _save(tmp_path / "big.png", Image.effect_noise((200, 200), 80))
    with pytest.raises(InputProblem, match="at most"):
        prepare_image(src, tmp_path / "work", max_bytes=1000)


def test_animated_gif_uses_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    src = tmp_path / "anim.gif"
    frames[0].save(src, save_all=True, append_images=frames[1:])
    prepared = prepare_image(src, tmp_path / "work")
    assert "first frame" in prepared.notes[0]
    with Image.open(prepared.path) as out:
        assert out.convert("RGB").getpixel((5, 5))[0] > 200  # red, the first frame


@pytest.mark.parametrize(
    "mode, expected",
    [("CMYK", "RGB"), ("I;16", "RGB"), ("P", "RGB"), ("LA", "RGBA"), ("RGBA", "RGBA")],
)
def test_modes_are_converted(tmp_path, mode, expected):
    image = Image.new(mode, (16, 16))
    suffix = ".tif" if mode in ("CMYK", "I;16") else ".png"
    src = _save(tmp_path / f"m{suffix}", image)
    prepared = prepare_image(src, tmp_path / "work")
    with Image.open(prepared.path) as out:
        assert out.mode == expected


def test_exif_rotated_photo_is_sent_upright(tmp_path):
    image = Image.new("RGB", (60, 20), "green")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    src = tmp_path / "phone.jpg"
    image.save(src, exif=exif)
    prepared = prepare_image(src, tmp_path / "work")
    assert (prepared.width, prepared.height) == (20, 60)
    assert any("upright" in n for n in prepared.notes)


def test_folders_are_searched_for_images_only(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/b.png", "d/a.JPG", "d/sub/c.webp", "d/notes.txt", "d/.hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    found = image_files_in([tmp_path / "d"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "d/a.JPG",
        "d/b.png",
        "d/sub/c.webp",
    ]
    assert image_paths_in([tmp_path / "d"]) == [str(p) for p in found]  # the same, as text


def _png_header(path, width, height):
    """A PNG that declares ``width``×``height`` (no pixel data: cheap to make, never decoded)."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize("width, height", [(9000, 9000), (20000, 20000), (60000, 60000)])
def test_every_image_over_the_pixel_limit_gets_the_same_sentence(tmp_path, width, height):
    """Over 64 MP the app refuses; past Pillow's own bomb limit (2 × ~89 MP) Pillow refuses
    first, with its own text: the user reads the app's sentence either way."""
    src = _png_header(tmp_path / "huge.png", width, height)
    with pytest.raises(InputProblem) as info:
        prepare_image(src, tmp_path / "work")
    assert str(info.value) == (
        f"huge.png is {width}×{height} pixels, more than the 64 megapixels this app accepts."
    )


def test_relative_inputs_resolve_against_the_callers_folder_and_never_stay_relative(tmp_path):
    from fal_desktop.core.inputs import resolve_inputs

    items = [
        "photos",
        "./a/../b.png",
        "/abs/c.png",
        "https://x.test/d.png",
        "data:image/png;base64,AA",
    ]
    assert resolve_inputs(items, tmp_path) == [
        str(tmp_path / "photos"),
        str(tmp_path / "b.png"),
        "/abs/c.png",
        "https://x.test/d.png",
        "data:image/png;base64,AA",
    ]
    assert resolve_inputs(items, None) == [
        "/abs/c.png",
        "https://x.test/d.png",
        "data:image/png;base64,AA",
    ]
