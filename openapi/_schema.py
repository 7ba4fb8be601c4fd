"""The vocabulary the normalizer's modules share: JSON-schema helpers and ``NormalizationError``.

Every function here is pure: it reads or returns schema nodes and never touches the merge state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

JSON = "application/json"
MULTIPART = "multipart/form-data"
OCTET = "application/octet-stream"
SCHEMA_PREFIX = "#/components/schemas/"
NULL = {"type": "null"}
# .NET geometry types whose documented members are all computed (docs/normalization.md#opaque-geometry).
OPAQUE_NAMESPACES = ("OpenTK.", "NetTopologySuite.")

Schema = dict[str, Any]


class NormalizationError(Exception):
    """The documents cannot be normalized as they are (the message says why)."""


def ref_name(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMA_PREFIX):
        return str(node["$ref"])[len(SCHEMA_PREFIX) :]
    return None


def ref_to(name: str) -> Schema:
    return {"$ref": SCHEMA_PREFIX + name}


def types_of(node: Schema) -> set[str]:
    t = node.get("type")
    if isinstance(t, list):
        return {str(x) for x in t}
    return {str(t)} if t else set()


def make_nullable(node: Schema) -> Schema:
    """The same schema, also accepting ``null``."""
    if "$ref" in node:
        return {"anyOf": [{"$ref": node["$ref"]}, NULL], **{k: v for k, v in node.items() if k == "description"}}
    if "anyOf" in node or "oneOf" in node:
        key = "anyOf" if "anyOf" in node else "oneOf"
        if NULL not in node[key]:
            node = {**node, key: [*node[key], NULL]}
        return node
    t = node.get("type")
    if t is None:
        return node
    if isinstance(t, list):
        return node if "null" in t else {**node, "type": [*t, "null"]}
    return {**node, "type": [t, "null"]}


def is_nullable(node: Schema) -> bool:
    if "null" in types_of(node):
        return True
    return any(x == NULL for x in node.get("anyOf", []) + node.get("oneOf", []))


def strip_null(node: Schema) -> Schema:
    """The non-null part of a schema (for reading what a property really holds)."""
    for key in ("anyOf", "oneOf"):
        if key in node:
            rest = [x for x in node[key] if x != NULL]
            if len(rest) == 1 and isinstance(rest[0], dict):
                return rest[0]
    t = node.get("type")
    if isinstance(t, list):
        rest_t = [x for x in t if x != "null"]
        return {**node, "type": rest_t[0] if len(rest_t) == 1 else rest_t}
    return node


def is_free_object(node: Schema) -> bool:
    return types_of(node) <= {"object", "null"} and "object" in types_of(node) and not node.get("properties")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def infer_schema(value: Any) -> Schema:
    """A schema for a recorded value whose declared type was wrong (used sparingly)."""
    kind = json_type(value)
    if kind == "array":
        items = [infer_schema(v) for v in value if v is not None]
        return {"type": "array", "items": items[0] if items and all(i == items[0] for i in items) else {}}
    if kind == "object":
        return {"type": "object"}
    if kind == "null":
        return {}
    return {"type": kind}


def walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = ref_name(node)
        if name:
            yield name
        for value in node.values():
            yield from walk_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_refs(value)


def first_json_schema(content: dict[str, Any] | None) -> tuple[str, Schema] | None:
    """The media type the client should use and its schema (JSON first, then multipart, CSV...);
    docs/normalization.md#content-types."""
    if not content:
        return None
    for media_type in (JSON, "text/json", "application/json-patch+json", MULTIPART, "text/csv", OCTET):
        if media_type in content:
            schema = (content[media_type] or {}).get("schema")
            chosen = JSON if media_type in ("text/json", "application/json-patch+json") else media_type
            return chosen, (schema if isinstance(schema, dict) else {})
    return None


__all__ = [
    "JSON",
    "MULTIPART",
    "NULL",
    "OCTET",
    "OPAQUE_NAMESPACES",
    "SCHEMA_PREFIX",
    "NormalizationError",
    "Schema",
    "first_json_schema",
    "infer_schema",
    "is_free_object",
    "is_nullable",
    "json_type",
    "make_nullable",
    "ref_name",
    "ref_to",
    "strip_null",
    "types_of",
    "walk_refs",
]
