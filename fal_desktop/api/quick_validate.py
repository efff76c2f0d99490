"""A quick yes to "does this value fit this property's schema?", without jsonschema.

Importing jsonschema and building a validator costs tens of milliseconds; restoring a form's
remembered values checks each of them against the schema, on the way to a usable window. The
simple schemas most fields have (a type, an enum, a range, a length, an ``anyOf`` of those, or
``nullable``) are checked here exactly as JSON Schema 2020-12 would; anything else — or a value
that does not fit — answers False, and the caller asks jsonschema (which also says why).
"""

from __future__ import annotations

from typing import Any

__all__ = ["surely_fits", "surely_fits_object"]

# Keywords that assert nothing (annotations), or that we check below.
_ANNOTATIONS = {"title", "description", "default", "examples", "format", "deprecated", "readOnly"}
_CHECKED = {
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "anyOf",
    "nullable",
}
# An input object's own keywords that cannot put an error on one of its declared properties.
_OBJECT_KEYWORDS = {"type", "properties", "required", "additionalProperties", *_ANNOTATIONS}


def _annotation(key: str) -> bool:
    return key in _ANNOTATIONS or key.startswith("x-")


def surely_fits_object(schema: Any, name: str, value: Any) -> bool:
    """True if ``value`` surely fits property ``name`` of the object ``schema`` (the model's
    input): the object itself adds no rule that could fault that property."""
    if not isinstance(schema, dict) or any(
        key not in _OBJECT_KEYWORDS and not _annotation(key) for key in schema
    ):
        return False
    properties = schema.get("properties")
    if not isinstance(properties, dict) or name not in properties:
        return False
    return surely_fits(properties[name], value)


def surely_fits(schema: Any, value: Any) -> bool:
    """True only if ``value`` is valid under ``schema`` and the schema is one this module fully
    understands; False means "ask jsonschema", not "invalid"."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict):
        return False
    if any(key not in _CHECKED and not _annotation(key) for key in schema):
        return False  # $ref, allOf, items, pattern, …: jsonschema decides
    if schema.get("nullable") is True and value is None:
        return True  # OAS 3.0: "also null" (the validator rewrites it to an anyOf)
    if "anyOf" in schema:
        branches = schema["anyOf"]
        if not isinstance(branches, list) or not any(surely_fits(b, value) for b in branches):
            return False
    if "type" in schema and not _has_type(schema["type"], value):
        return False
    if "enum" in schema and not (
        isinstance(schema["enum"], list) and any(_same(v, value) for v in schema["enum"])
    ):
        return False
    if "const" in schema and not _same(schema["const"], value):
        return False
    return _in_range(schema, value) and _in_length(schema, value)


def _has_type(wanted: Any, value: Any) -> bool:
    names = wanted if isinstance(wanted, list) else [wanted]
    return any(_is(name, value) for name in names)


def _is(name: Any, value: Any) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "integer":  # 1.0 is an integer to JSON Schema too, but jsonschema decides that
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return False  # object, array, or a name we do not know


def _same(a: Any, b: Any) -> bool:
    """JSON equality for scalars (True is not 1); containers are left to jsonschema."""
    scalar = (str, int, float, bool, type(None))
    if not isinstance(a, scalar) or not isinstance(b, scalar):
        return False
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return bool(a == b)


def _number(bound: Any) -> bool:
    return isinstance(bound, (int, float)) and not isinstance(bound, bool)


def _in_range(schema: dict[str, Any], value: Any) -> bool:
    keys = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    if not any(key in schema for key in keys) or not _number(value):
        return True  # range keywords apply to numbers only
    for key in keys:
        bound = schema.get(key)
        if key not in schema:
            continue
        if not _number(bound):
            return False  # OAS 3.0's boolean exclusiveMinimum, say: jsonschema decides
        if key == "minimum" and value < bound:
            return False
        if key == "maximum" and value > bound:
            return False
        if key == "exclusiveMinimum" and value <= bound:
            return False
        if key == "exclusiveMaximum" and value >= bound:
            return False
    return True


def _in_length(schema: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, str):
        return True  # length keywords apply to strings only
    least, most = schema.get("minLength"), schema.get("maxLength")
    if least is not None and not (isinstance(least, int) and len(value) >= least):
        return False
    return most is None or (isinstance(most, int) and len(value) <= most)
