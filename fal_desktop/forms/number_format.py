"""A number field's bounds, decimals and step, from its schema. No Qt."""

from __future__ import annotations

from typing import Any, TypeGuard

__all__ = ["allowed_range", "decimals_of", "number_spec"]


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def decimals_of(number: Any) -> int:
    """How many decimals a number is written with (0.25 → 2, 3.0 → 0, 1e-7 → 7); 0 for what is
    not a finite number."""
    import math
    from decimal import Decimal

    if not _is_number(number) or not math.isfinite(number):
        return 0
    exponent = Decimal(repr(float(number))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _number_format(
    option: dict[str, Any], low: float | None, high: float | None, default: Any
) -> tuple[int, float]:
    """The decimals and step of a float field: from multipleOf, else from the range and the
    default's precision (a default of 3.5 shows as "3.5", not "3.500")."""
    given = option.get("multipleOf", option.get("step"))
    # The bounds' own decimals too: a spin box rounds its range to its decimals, and a minimum
    # of 0.001 shown with 2 would let 0.0, which the schema refuses, through.
    bounds = max(
        decimals_of(option.get(key))
        for key in ("minimum", "ge", "maximum", "le", "exclusiveMinimum", "exclusiveMaximum")
    )
    if _is_number(given) and given > 0:
        return min(max(decimals_of(given), bounds), 6), float(given)
    span = (high - low) if low is not None and high is not None else float("inf")
    step = 0.01 if span <= 2 else 0.1 if span <= 50 else 1.0
    return min(max(decimals_of(step), decimals_of(default), bounds, 1), 6), step


def allowed_range(
    option: dict[str, Any], inward: float | None = None
) -> tuple[float | None, float | None]:
    """The lowest and highest value allowed; an exclusive bound moves in by ``inward`` (by
    default 1 for integers, 0.0001 for floats: the smallest value the field can show)."""
    if inward is None:
        inward = 1 if option.get("type") == "integer" else 0.0001
    low = option.get("minimum", option.get("ge"))
    if low is None and _is_number(option.get("exclusiveMinimum")):
        low = option["exclusiveMinimum"] + inward
    high = option.get("maximum", option.get("le"))
    if high is None and _is_number(option.get("exclusiveMaximum")):
        high = option["exclusiveMaximum"] - inward
    return low, high


def number_spec(option: dict[str, Any], default: Any) -> dict[str, Any]:
    """The bounds, decimals and step of a field (only floats have decimals)."""
    low, high = allowed_range(option)
    out = {"minimum": low, "maximum": high, "integer": option.get("type") == "integer"}
    if option.get("type") != "number":
        return {**out, "decimals": 0, "step": 1.0}
    decimals, step = _number_format(option, low, high, default)
    out["minimum"], out["maximum"] = allowed_range(
        option, inward=10**-decimals
    )  # as finely as it shows
    return {**out, "decimals": decimals, "step": step}
