"""Answers in the shape of the live document's response schemas, the way ASP.NET serializes them.

PlantPredict's server is ASP.NET: it serializes every property of the answering C# class, whether or not
it was ever set, and nothing else. The live document is generated from those classes, so an answer is
shaped from its schema: declared properties in declared order, the stored value where there is one,
otherwise the .NET default (null for nullable members, 0, false, an empty list), and members the class
does not declare are dropped where the schema closes the object (`additionalProperties: false`).

Three places where the document and the wire disagree, and what the simulator does (docs/simulator.md):
- PlantPredict writes date-times without an offset (server instants in UTC, site times in the site's
  standard time); the document says RFC 3339 `date-time`, which needs one. The simulator writes the
  offset: +00:00 on server instants, the site's standard offset on the site's wall-clock times.
- A reference-typed member the document marks non-nullable (every `$ref`, many strings) arrives as null
  in PlantPredict's recorded answers. The simulator leaves such a member out when it is optional (so the
  answer still conforms) and sends the null when the document makes it required.
- Schemas with nothing to say about a value (a live `type: string` that is really a JSON object, such as
  ResultDetails) leave the value as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from plantpredict_simulator import _documents

# .NET's default DateTime, what a never-set DateTime member serializes as.
DOTNET_DEFAULT_DATETIME = "0001-01-01T00:00:00"
_MAX_DEPTH = 6
# How Python writes UTC (what the generated client re-emits after parsing): "+00:00", not "Z".
UTC = "+00:00"
_HAS_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def resolve(schema: Any) -> dict[str, Any]:
    """Follow `$ref`, and merge `allOf` members into one object schema (what the composed class serializes)."""
    for _ in range(32):
        if not isinstance(schema, dict):
            return {}
        if "$ref" in schema:
            schema = _documents.schema(schema["$ref"])
        elif isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for member in schema["allOf"]:
                part = resolve(member)
                merged["properties"] = {**part.get("properties", {}), **merged.get("properties", {})}
                merged["required"] = sorted({*part.get("required", ()), *merged.get("required", ())})
                merged.setdefault("type", part.get("type", "object"))
                if part.get("additionalProperties") is False:
                    merged["additionalProperties"] = False
            return merged
        else:
            return schema
    return {}


def nullable(schema: Any) -> bool:
    return isinstance(schema, dict) and bool(schema.get("nullable")) and "$ref" not in schema


def shape(value: Any, schema: Any, offset: str = UTC) -> Any:
    """`value` shaped by `schema` (see the module docstring); values the schema does not describe pass through.

    A date-time without an offset is a wall-clock time of the site: `offset` (the site's standard offset
    from UTC, UTC when there is no site) is written after it, as RFC 3339 and the live document ask.
    """
    if value is None or not isinstance(schema, dict):
        return value
    resolved = resolve(schema)
    kind = resolved.get("type")
    if isinstance(value, list) and kind == "array":
        items = resolved.get("items")
        return [shape(item, items, offset) for item in value]
    if isinstance(value, Mapping) and (kind == "object" or "properties" in resolved):
        return _shape_object(value, resolved, offset)
    if isinstance(value, str) and kind == "string" and resolved.get("format") == "date-time":
        return with_offset(value, offset)
    return value


def with_offset(stamp: str, offset: str) -> str:
    """An ISO 8601 date-time with an explicit offset: kept when it has one, `offset` appended otherwise."""
    if _HAS_OFFSET.search(stamp) or "T" not in stamp:
        return stamp
    return stamp + offset


def utc_offset(hours: Any) -> str:
    """ "+HH:MM" for a standard offset from UTC in hours (PlantPredict's standardOffsetFromUTC); UTC for none."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not hours or abs(hours) > 14:
        return UTC
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def _shape_object(value: Mapping[str, Any], schema: dict[str, Any], offset: str) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    lowered = {str(k).lower(): k for k in value}
    if value and properties and not any(name.lower() in lowered for name in properties):
        return dict(value)  # another shape than the document's (a document defect): never lose the data
    out: dict[str, Any] = {}
    for name, member in properties.items():
        key = name if name in value else lowered.get(name.lower())
        if key is None:
            missing = default(member, required=name in required, depth=1)
            if missing is not _OMIT:
                out[name] = missing
            continue
        present = value[key]
        if present is None and not nullable(member) and name not in required:
            continue  # the real API sends null here; the document forbids it: leave it out
        out[name] = shape(present, member, offset)
    if schema.get("additionalProperties", True) is not False:
        for key, extra in value.items():
            if key not in out and str(key).lower() not in {n.lower() for n in properties}:
                out[key] = extra
    return out


class _Omit:
    def __repr__(self) -> str:
        return "<omit>"


_OMIT: Any = _Omit()


def default(member: Any, *, required: bool, depth: int) -> Any:
    """The .NET default of a member that was never set, or `_OMIT` where sending it would break the schema."""
    if nullable(member):
        return None
    resolved = resolve(member)
    kind = resolved.get("type")
    enum = resolved.get("enum")
    if isinstance(enum, list) and enum:
        return 0 if 0 in enum else enum[0]
    if kind in ("integer", "number"):
        return _lowest(resolved)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "string":
        if not required:
            return _OMIT
        return _string(resolved)
    if kind == "object" or "properties" in resolved:
        if not required or depth > _MAX_DEPTH:
            return _OMIT
        return synthesize(resolved, depth)
    return _OMIT if not required else None


def synthesize(schema: Any, depth: int = 0) -> Any:
    """A value of `schema` made from defaults: what an empty object of that class serializes as."""
    resolved = resolve(schema)
    kind = resolved.get("type")
    if kind == "array":
        return []
    if kind == "object" or "properties" in resolved:
        required = set(resolved.get("required") or ())
        out: dict[str, Any] = {}
        for name, member in (resolved.get("properties") or {}).items():
            value = default(member, required=name in required, depth=depth + 1)
            if value is _OMIT and resolve(member).get("type") == "string":
                value = _string(resolve(member))  # an empty object still has its strings: ""
            if value is not _OMIT:
                out[name] = value
        return out
    if kind == "string":
        return _string(resolved)
    value = default(resolved, required=True, depth=depth + 1)
    return None if value is _OMIT else value


def _lowest(schema: Mapping[str, Any]) -> int | float:
    low = schema.get("minimum")
    if isinstance(low, int | float) and not isinstance(low, bool) and low > 0:
        return low
    return 0


def _string(schema: Mapping[str, Any]) -> str:
    if schema.get("format") == "date-time":
        return DOTNET_DEFAULT_DATETIME + UTC
    if schema.get("format") == "uuid":
        return "00000000-0000-0000-0000-000000000000"  # .NET's Guid.Empty
    length = schema.get("minLength")
    return "-" * int(length) if isinstance(length, int) and length > 0 else ""
