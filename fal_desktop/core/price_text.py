"""The price line beside Run, from a unit price and the form's values. An honest figure only
where the unit allows one (per image; per megapixel from the chosen size); otherwise the unit
price, "varies", and the typical cost of a call when fal gave one. Unknown: nothing at all.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fal_desktop.api.platform import Price
from fal_desktop.core.image_sizes import IMAGE_SIZES

__all__ = ["IMAGE_SIZES", "exact_money", "megapixels", "money", "per_run_cost", "price_line"]

_UNIT_NAMES = {
    "image": "image",
    "images": "image",
    "megapixels": "megapixel",
    "seconds": "second",
    "compute seconds": "compute second",
    "video": "video",
    "units": "unit",
    "tokens": "token",
    "credits": "credit",
}


def money(amount: float) -> str:
    """``$0.025``, ``$0.05``, ``$0.0024`` below a dime (two significant digits, no trailing zero
    past the cents: a 2.5¢ price is never shown as 3¢); ``$0.10``, ``$1.20``, ``$12.50`` from a
    dime up. Halves round up, from the figure as written (``$0.0755`` → ``$0.076``)."""
    if not amount > 0:  # zero, negative or NaN
        return "$0"
    if not math.isfinite(amount):
        return f"${amount:,.2f}"
    exact = Decimal(repr(amount))  # the figure as written (0.075, not 0.07499…)
    if amount < 0.1:
        step = Decimal(1).scaleb(math.floor(math.log10(amount)) - 1)  # two significant digits
        small = exact.quantize(step, ROUND_HALF_UP)
        if small < Decimal("0.1"):
            text = format(small, "f").rstrip("0")
            whole, _, cents = text.partition(".")
            return f"${whole}.{cents.ljust(2, '0')}"
    return f"${exact.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def exact_money(amount: float) -> str:
    """A unit price as fal gives it: ``$0.003``, ``$0.00111``, ``$0.04``."""
    text = f"{amount:.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def megapixels(values: dict[str, Any]) -> tuple[int, int] | None:
    """The (width, height) the form asks for, if it names one."""
    size = values.get("image_size")
    if isinstance(size, str):
        return IMAGE_SIZES.get(size)
    if isinstance(size, dict):
        width, height = size.get("width"), size.get("height")
        if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
            return width, height
    return None


def _count(values: dict[str, Any]) -> int:
    number = values.get("num_images", 1)
    return number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else 1


def per_run_cost(price: Price, values: dict[str, Any]) -> float | None:
    """What one run with ``values`` costs, where the unit makes that honest; else None."""
    unit = price.unit.lower()
    if unit in ("image", "images"):
        return price.unit_price * _count(values)
    if unit == "megapixels" and (size := megapixels(values)):
        return price.unit_price * size[0] * size[1] / 1e6 * _count(values)
    return None


def price_line(price: Price | None, values: dict[str, Any], typical: float | None = None) -> str:
    """``≈ $0.03 per image · 4 images ≈ $0.10`` and the like; "" when the price is unknown."""
    if price is None:
        return ""
    unit = price.unit.lower()
    count = _count(values)
    total = per_run_cost(price, values)
    if total is not None:
        each = total / count
        if unit == "megapixels":
            width, height = megapixels(values) or (0, 0)
            first = f"≈ {money(each)} per image ({width}×{height} at {exact_money(price.unit_price)}/MP)"
        else:
            first = f"≈ {money(each)} per image"
        return first if count == 1 else f"{first} · {count} images ≈ {money(total)}"
    name = _UNIT_NAMES.get(unit, unit)
    line = f"{exact_money(price.unit_price)} per {name} · varies"
    if typical is not None:
        line += f" · typically ≈ {money(typical)} a run"
    return line
