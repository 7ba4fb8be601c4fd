"""The API surface of a normalized document, and what changes between two surfaces.

The surface is what a user of the generated client sees: each function (name, module, method,
path, parameters, body and response types) and each model (fields and their types, enum members).
``openapi/api-surface.json`` holds the surface of the committed client, so ``make api-diff`` can
say what a regeneration from new upstream documents would change before anything is regenerated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._naming import snake
from ._schema import SCHEMA_PREFIX

_PRIMITIVES = {"integer": "int", "number": "float", "boolean": "bool", "null": "None"}
_STRING_FORMATS = {"date-time": "datetime", "date": "date", "binary": "File", "uuid": "UUID"}


def render_type(schema: Any) -> str:
    """A short, stable, human-readable type for a schema (``list[Note] | None``)."""
    if not isinstance(schema, dict) or not schema:
        return "Any"
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(SCHEMA_PREFIX)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(render_type(s) for s in schema[key])
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return " | ".join(render_type({**schema, "type": k}) for k in kinds)
    if kinds == "array":
        return f"list[{render_type(schema.get('items'))}]"
    if kinds == "object":
        extra = schema.get("additionalProperties")
        return f"dict[str, {render_type(extra)}]" if isinstance(extra, dict) and extra else "dict"
    if kinds == "string":
        return _STRING_FORMATS.get(str(schema.get("format")), "str")
    if kinds in _PRIMITIVES:
        return _PRIMITIVES[kinds]
    return "Any"


def surface(document: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            parameters = {
                f"{p['in']}:{p['name']}": render_type(p.get("schema")) + ("" if p.get("required") else " (optional)")
                for p in op.get("parameters", [])
            }
            body = op.get("requestBody", {}).get("content", {})
            optional = "" if op.get("requestBody", {}).get("required") else ", optional"
            request = " or ".join(f"{render_type(c.get('schema'))} ({media}{optional})" for media, c in body.items())
            responses = {}
            for status, response in op.get("responses", {}).items():
                content = response.get("content") or {}
                responses[str(status)] = (
                    " or ".join(f"{render_type(c.get('schema'))} ({media})" for media, c in content.items())
                    or "no body"
                )
            operations[op["operationId"]] = {
                "module": snake(op["tags"][0]),
                "method": method.upper(),
                "path": path,
                "parameters": dict(sorted(parameters.items())),
                "request": request or None,
                "responses": responses,
            }
    schemas: dict[str, Any] = {}
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if "enum" in schema:
            names = schema.get("x-enum-varnames") or [f"VALUE_{v}" for v in schema["enum"]]
            schemas[name] = {"enum": dict(zip(names, schema["enum"], strict=True))}
        else:
            schemas[name] = {
                "type": render_type({k: v for k, v in schema.items() if k != "properties"})
                if schema.get("type") != "object"
                else "object",
                "fields": {p: render_type(s) for p, s in (schema.get("properties") or {}).items()},
            }
    return {"operations": dict(sorted(operations.items())), "schemas": dict(sorted(schemas.items()))}


@dataclass(frozen=True)
class Change:
    kind: str  # "operation added", "field retyped", ...
    subject: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.subject}{': ' + self.detail if self.detail else ''}"


def _dict_changes(kind: str, subject: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            changes.append(Change(f"{kind} removed", f"{subject}.{key}", str(old[key])))
        elif key not in old:
            changes.append(Change(f"{kind} added", f"{subject}.{key}", str(new[key])))
        elif old[key] != new[key]:
            changes.append(Change(f"{kind} retyped", f"{subject}.{key}", f"{old[key]} -> {new[key]}"))
    return changes


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old_ops, new_ops = old.get("operations", {}), new.get("operations", {})
    for name in sorted(set(old_ops) | set(new_ops)):
        if name not in new_ops:
            o = old_ops[name]
            changes.append(Change("operation removed", name, f"{o['method']} {o['path']}"))
            continue
        n = new_ops[name]
        if name not in old_ops:
            changes.append(Change("operation added", name, f"{n['method']} {n['path']} (module {n['module']})"))
            continue
        o = old_ops[name]
        details: list[str] = []
        for key in ("module", "method", "path", "request"):
            if o.get(key) != n.get(key):
                details.append(f"{key} {o.get(key)} -> {n.get(key)}")
        for change in _dict_changes("parameter", "", o["parameters"], n["parameters"]):
            details.append(f"{change.kind} {change.subject.lstrip('.')} {change.detail}".strip())
        for change in _dict_changes("response", "", o["responses"], n["responses"]):
            details.append(f"{change.kind} {change.subject.lstrip('.')} {change.detail}".strip())
        if details:
            changes.append(Change("operation changed", name, "; ".join(details)))
    old_schemas, new_schemas = old.get("schemas", {}), new.get("schemas", {})
    for name in sorted(set(old_schemas) | set(new_schemas)):
        if name not in new_schemas:
            changes.append(Change("schema removed", name))
            continue
        if name not in old_schemas:
            changes.append(Change("schema added", name))
            continue
        o, n = old_schemas[name], new_schemas[name]
        if "enum" in o or "enum" in n:
            old_members, new_members = o.get("enum", {}), n.get("enum", {})
            for member in sorted(set(old_members) | set(new_members)):
                if member not in new_members:
                    changes.append(Change("enum member removed", f"{name}.{member}", str(old_members[member])))
                elif member not in old_members:
                    changes.append(Change("enum member added", f"{name}.{member}", f"= {new_members[member]}"))
                elif old_members[member] != new_members[member]:
                    changes.append(
                        Change(
                            "enum member changed", f"{name}.{member}", f"{old_members[member]} -> {new_members[member]}"
                        )
                    )
            continue
        if o.get("type") != n.get("type"):
            changes.append(Change("schema retyped", name, f"{o.get('type')} -> {n.get('type')}"))
        changes.extend(_dict_changes("field", name, o.get("fields", {}), n.get("fields", {})))
    return changes


_ORDER = [
    "operation added",
    "operation removed",
    "operation changed",
    "schema added",
    "schema removed",
    "schema retyped",
    "field added",
    "field removed",
    "field retyped",
    "enum member added",
    "enum member removed",
    "enum member changed",
]


def report(changes: list[Change]) -> str:
    if not changes:
        return "No changes: a regeneration would produce the same API."
    lines: list[str] = []
    counts: list[str] = []
    for kind in _ORDER + sorted({c.kind for c in changes} - set(_ORDER)):
        group = [c for c in changes if c.kind == kind]
        if not group:
            continue
        counts.append(f"{len(group)} {kind}")
        lines.append(f"{kind[0].upper()}{kind[1:]} ({len(group)}):")
        lines.extend(f"  {c.line()}" for c in group)
    return f"{len(changes)} change(s): {', '.join(counts)}\n" + "\n".join(lines)
