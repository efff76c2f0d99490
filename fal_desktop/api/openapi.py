"""A fal per-endpoint queue OpenAPI document: find its input/output schemas, validate input.

fal serves one document per endpoint (``schema-format.md``). The input and output
component names are found through the paths, never by guessing from names.
Validation uses JSON Schema 2020-12 over the whole document, with OpenAPI 3.0's
``nullable: true`` rewritten to "also allows null" first.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first needed: jsonschema is slow to import at start-up
    from jsonschema import Draft202012Validator

__all__ = ["EndpointSchema", "SchemaError", "FieldError", "schema_file_name"]

_DOC_URI = "urn:fal-openapi"


class SchemaError(ValueError):
    """The document is not a usable fal queue OpenAPI document."""


@dataclass(frozen=True)
class FieldError:
    """One validation problem, located the way fal's 422 ``detail`` locates it."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"

    def as_detail(self) -> dict[str, Any]:
        return {"loc": ["body", *self.loc], "msg": self.msg, "type": self.type}


def schema_file_name(endpoint_id: str) -> str:
    """``fal-ai/flux/dev`` → ``fal-ai__flux__dev.json`` (the bundled naming)."""
    return endpoint_id.strip("/").replace("/", "__") + ".json"


def _short_message(err: Any) -> str:
    """A pydantic-like sentence that does not echo (possibly huge) input values."""
    kind, limit = err.validator, err.validator_value
    templates = {
        "maxLength": "should have at most {} characters",
        "maximum": "should be less than or equal to {}",
        "minimum": "should be greater than or equal to {}",
        "exclusiveMinimum": "should be greater than {}",
        "exclusiveMaximum": "should be less than {}",
        "maxItems": "should have at most {} items",
        "minItems": "should have at least {} items",
        "type": "should be of type {}",
        "const": "should be {!r}",
    }
    if kind == "minLength":
        return (
            "Value should not be empty"
            if limit == 1
            else f"Value should have at least {limit} characters"
        )
    if kind == "enum" and isinstance(limit, list):
        shown = ", ".join(repr(v) for v in limit[:12])
        return f"Value should be one of {shown}{'…' if len(limit) > 12 else ''}"
    if kind == "anyOf":
        return "Value does not match any allowed form"
    if kind in templates:
        return "Value " + templates[kind].format(limit)
    return str(err.message)[:200]


def _ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _with_nullable_as_anyof(node: Any) -> Any:
    """Rewrite OAS 3.0 ``nullable: true`` into ``anyOf: [<schema>, {type: null}]``."""
    if isinstance(node, list):
        return [_with_nullable_as_anyof(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _with_nullable_as_anyof(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        keep = {k: out.pop(k) for k in ("title", "description", "default", "examples") if k in out}
        return {"anyOf": [out, {"type": "null"}], **keep}
    return out


@dataclass
class EndpointSchema:
    """One endpoint's OpenAPI document and what the app needs from it."""

    endpoint_id: str
    document: dict[str, Any]
    input_name: str
    output_name: str
    _validator: Draft202012Validator | None = field(default=None, repr=False)

    @classmethod
    def from_document(cls, document: Any, endpoint_id: str | None = None) -> EndpointSchema:
        if not isinstance(document, dict):
            raise SchemaError("The schema document is not a JSON object.")
        meta = (
            document.get("info", {}).get("x-fal-metadata", {})
            if isinstance(document.get("info"), dict)
            else {}
        )
        endpoint_id = endpoint_id or meta.get("endpointId")
        if not endpoint_id:
            raise SchemaError("The schema document does not name its endpoint.")
        paths = document.get("paths")
        schemas = (
            document.get("components", {}).get("schemas")
            if isinstance(document.get("components"), dict)
            else None
        )
        if not isinstance(paths, dict) or not isinstance(schemas, dict):
            raise SchemaError(f"The schema for {endpoint_id} has no paths or components.")
        try:
            post = paths["/" + endpoint_id]["post"]
            input_name = _ref_name(post["requestBody"]["content"]["application/json"]["schema"])
            get = paths["/" + endpoint_id + "/requests/{request_id}"]["get"]
            output_name = _ref_name(
                get["responses"]["200"]["content"]["application/json"]["schema"]
            )
        except (KeyError, TypeError) as exc:
            raise SchemaError(
                f"The schema for {endpoint_id} does not describe its input and output "
                f"(missing {exc})."
            ) from None
        for name in (input_name, output_name):
            if not name or not isinstance(schemas.get(name), dict):
                raise SchemaError(
                    f"The schema for {endpoint_id} refers to a missing part {name!r}."
                )
        assert input_name and output_name  # checked just above
        return cls(endpoint_id, document, input_name, output_name)

    @classmethod
    def from_file(cls, path: Path) -> EndpointSchema:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemaError(f"Could not read the schema file {Path(path).name}: {exc}") from None
        return cls.from_document(document)

    # -- what the document says -------------------------------------------------

    @property
    def components(self) -> dict[str, Any]:
        components: dict[str, Any] = self.document["components"]["schemas"]
        return components

    @property
    def input_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.components[self.input_name]
        return schema

    @property
    def output_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.components[self.output_name]
        return schema

    @property
    def metadata(self) -> dict[str, Any]:
        info = self.document.get("info")
        meta = info.get("x-fal-metadata") if isinstance(info, dict) else None
        return meta if isinstance(meta, dict) else {}

    @property
    def category(self) -> str:
        return str(self.metadata.get("category") or "other")

    def max_file_size(self) -> int | None:
        """The smallest ``x-fal.max_file_size`` among the image inputs (bytes), if any."""
        limits = []
        for prop in self.input_schema.get("properties", {}).values():
            resolved = self.resolve(prop) if isinstance(prop, dict) else {}
            for candidate in [resolved, *resolved.get("anyOf", [])]:
                xfal = candidate.get("x-fal") if isinstance(candidate, dict) else None
                if isinstance(xfal, dict) and isinstance(xfal.get("max_file_size"), (int, float)):
                    limits.append(int(xfal["max_file_size"]))
        return min(limits) if limits else None

    def input_defaults(self) -> dict[str, Any]:
        """The schema's top-level defaults: what fal runs with for a field the form leaves out
        (so prices and estimates are of the run fal will make, not of a sparser payload)."""
        defaults: dict[str, Any] = {}
        for name, prop in self.input_schema.get("properties", {}).items():
            resolved = self.resolve(prop) if isinstance(prop, dict) else None
            for candidate in (prop, resolved):
                if isinstance(candidate, dict) and "default" in candidate:
                    defaults[name] = candidate["default"]
                    break
        return defaults

    @property
    def title(self) -> str:
        return self.endpoint_id

    def resolve(self, schema: Any) -> Any:
        """Follow a local ``$ref`` (and a single-element ``allOf``) one level."""
        seen = 0
        while isinstance(schema, dict) and seen < 32:
            seen += 1
            name = _ref_name(schema)
            if name is not None:
                target = dict(self.components.get(name, {}))
                siblings = {k: v for k, v in schema.items() if k != "$ref"}
                schema = {**target, **siblings}
                continue
            all_of = schema.get("allOf")
            if isinstance(all_of, list) and len(all_of) == 1:
                rest = {k: v for k, v in schema.items() if k != "allOf"}
                inner = self.resolve(all_of[0])
                schema = {**inner, **rest}
                continue
            break
        return schema

    # -- validation ----------------------------------------------------------------

    @cached_property
    def _validating_document(self) -> dict[str, Any]:
        document: dict[str, Any] = _with_nullable_as_anyof(copy.deepcopy(self.document))
        return document

    def _input_validator(self) -> Draft202012Validator:
        if self._validator is None:
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            resource = Resource.from_contents(
                self._validating_document, default_specification=DRAFT202012
            )
            registry = Registry().with_resource(_DOC_URI, resource)
            root = {"$ref": f"{_DOC_URI}#/components/schemas/{self.input_name}"}
            self._validator = Draft202012Validator(root, registry=registry)
        return self._validator

    def validate_input(self, payload: Any) -> list[FieldError]:
        """All problems with an input payload, each located by its path (empty when valid)."""
        errors = []
        for err in self._input_validator().iter_errors(payload):
            loc = tuple(err.absolute_path)
            kind = err.validator if isinstance(err.validator, str) else "value_error"
            if kind == "required" and isinstance(err.instance, dict):
                missing = [k for k in err.validator_value if k not in err.instance]
                for key in missing:
                    errors.append(FieldError((*loc, key), "Field required", "missing"))
                continue
            errors.append(FieldError(loc, _short_message(err), kind))
        unique = list(dict.fromkeys(errors))
        unique.sort(key=lambda e: [str(p) for p in e.loc])
        return unique
