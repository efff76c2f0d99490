"""The price line beside Run: honest figures per image and per megapixel, "varies" otherwise."""

from fal_desktop.api.platform import Price
from fal_desktop.core.price_text import exact_money, money, per_run_cost, price_line


def test_per_image_price_and_the_total_for_several():
    price = Price("fal-ai/flux/dev", 0.025, "image")
    assert price_line(price, {"num_images": 4}) == "≈ $0.025 per image · 4 images ≈ $0.10"
    assert price_line(price, {"num_images": 1}) == "≈ $0.025 per image"
    assert price_line(price, {}) == "≈ $0.025 per image"  # no num_images field: one image


def test_per_megapixel_price_from_the_chosen_size():
    price = Price("fal-ai/flux/schnell", 0.003, "megapixels")
    named = price_line(price, {"image_size": "landscape_4_3", "num_images": 2})
    assert named == "≈ $0.0024 per image (1024×768 at $0.003/MP) · 2 images ≈ $0.0047"
    custom = {"image_size": {"width": 2000, "height": 1000}}
    assert per_run_cost(price, custom) == 0.006
    assert price_line(price, custom) == "≈ $0.006 per image (2000×1000 at $0.003/MP)"


def test_a_unit_the_form_does_not_settle_says_varies_and_the_typical_cost():
    upscaler = Price("fal-ai/clarity-upscaler", 0.03, "megapixels")
    assert price_line(upscaler, {"image_url": "x.png"}) == "$0.03 per megapixel · varies"
    compute = Price("fal-ai/aura-sr", 0.00111, "compute seconds")
    assert per_run_cost(compute, {}) is None
    assert (
        price_line(compute, {}, typical=0.0059)
        == "$0.00111 per compute second · varies · typically ≈ $0.0059 a run"
    )


def test_an_unknown_price_shows_nothing():
    assert price_line(None, {"num_images": 4}) == ""


def test_money():
    amounts = (0, 0.025, 0.05, 0.1, 1.2, 0.0024, 0.0025, 0.003, 0.006, 12.5, 1234.5)
    assert [money(x) for x in amounts] == [
        "$0",
        "$0.025",  # below a dime: two significant digits (a 2.5¢ price is not 3¢)
        "$0.05",  # …with no trailing zero past the cents
        "$0.10",
        "$1.20",
        "$0.0024",
        "$0.0025",
        "$0.003",
        "$0.006",
        "$12.50",
        "$1,234.50",
    ]
    assert money(0.025 + 0.05) == "$0.075" and money(0.00999) == "$0.01"
    assert money(0.0755) == "$0.076" and money(0.0996) == "$0.10" and money(0.105) == "$0.11"
    assert money(-1) == money(float("nan")) == "$0"
    assert [exact_money(x) for x in (0.04, 0.003, 0.00111, 1.0)] == [
        "$0.04",
        "$0.003",
        "$0.00111",
        "$1.00",
    ]


def test_a_run_is_priced_with_the_defaults_fal_applies_to_what_the_form_leaves_out():
    from fal_desktop.emulator import load_schemas

    schnell = load_schemas()["fal-ai/flux/schnell"]
    defaults = schnell.input_defaults()
    assert defaults["image_size"] == "landscape_4_3" and defaults["num_images"] == 1
    assert "prompt" not in defaults  # required: no default to invent
    price = Price("fal-ai/flux/schnell", 0.003, "megapixels", "USD")
    sent = {"prompt": "a lighthouse", "num_images": 2}
    assert per_run_cost(price, sent) is None  # the payload alone does not settle the size
    assert per_run_cost(price, {**defaults, **sent}) == 0.003 * 1024 * 768 / 1e6 * 2
