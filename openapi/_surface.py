"""The API surface of a normalized document, and what changes between two surfaces.

The surface is what a user of the generated client sees: each function (name, module, resource
method, HTTP method, path, arguments, body and response types) and each model (fields with their
Python names and types, enum members). Fields and arguments are keyed by their name on the wire and
written ``python_name: type``, so a new Python name for the same key is a rename.
``openapi/api-surface.json`` holds the surface of the committed client, so ``make api-diff`` can
say what a regeneration from new upstream documents would change before anything is regenerated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._naming import generator_attribute_name, snake
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


def _requirement(schema: dict[str, Any], key: str) -> str:
    """`` (required)`` for a field the constructor requires, `` (required in requests)`` for one the
    request check requires (docs/normalization.md#required-request-fields): adding either breaks
    code that built the model without it."""
    if key in (schema.get("required") or []):
        return " (required)"
    if key in (schema.get("x-request-required") or []):
        return " (required in requests)"
    return ""


def surface(document: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            parameters = {
                f"{p['in']}:{p['name']}": f"{p.get('x-python-name') or generator_attribute_name(p['name'])}: "
                + render_type(p.get("schema"))
                + ("" if p.get("required") else " (optional)")
                for p in op.get("parameters", [])
            }
            body = op.get("requestBody", {}).get("content", {})
            optional = "" if op.get("requestBody", {}).get("required") else ", optional"
            request = " or ".join(f"{render_type(c.get('schema'))} ({media}{optional})" for media, c in body.items())
            also = op.get("requestBody", {}).get("x-request-required")
            if request and also:
                request += f", also requiring {', '.join(also)}"  # docs/normalization.md#required-request-fields
            responses = {}
            for status, response in op.get("responses", {}).items():
                content = response.get("content") or {}
                responses[str(status)] = (
                    " or ".join(f"{render_type(c.get('schema'))} ({media})" for media, c in content.items())
                    or "no body"
                ) + (" or no body" if response.get("x-may-be-empty") else "")
            operations[op["operationId"]] = {
                "module": snake(op["tags"][0]),
                "resource": f"{op['x-resource']}.{op['x-method']}" if "x-method" in op else None,
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
                "fields": {
                    p: f"{(schema.get('x-python-names') or {}).get(p) or generator_attribute_name(p)}: {render_type(s)}"
                    + _requirement(schema, p)
                    for p, s in (schema.get("properties") or {}).items()
                },
            }
    return {"operations": dict(sorted(operations.items())), "schemas": dict(sorted(schemas.items()))}


# What breaks code written against the previous client (docs/build-step.md#api-diff).
BREAKING_KINDS = frozenset(
    {
        "operation removed",
        "operation renamed",
        "schema removed",
        "schema renamed",
        "schema retyped",
        "field removed",
        "field renamed",
        "field retyped",
        "enum member removed",
        "enum member renamed",
        "enum member changed",
    }
)


@dataclass(frozen=True)
class Change:
    kind: str  # "operation added", "field retyped", ...
    subject: str
    detail: str = ""
    breaking: bool = False

    def line(self) -> str:
        return f"{'BREAKING ' if self.breaking else ''}{self.subject}{': ' + self.detail if self.detail else ''}"


def _change(kind: str, subject: str, detail: str = "") -> Change:
    return Change(kind, subject, detail, kind in BREAKING_KINDS)


def _named(key: str, value: str) -> tuple[str, str]:
    """(Python name, type) of a field or argument: ``"setpoint_kw: float"``. A surface written
    before Python names were recorded has only the type: the name was the generator's own."""
    name, sep, kind = value.partition(": ")
    return (name, kind) if sep and name.isidentifier() else (generator_attribute_name(key.split(":")[-1]), value)


def _response_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for status in sorted(set(old) | set(new)):
        if status not in new:
            changes.append(_change("response removed", status, str(old[status])))
        elif status not in old:
            changes.append(_change("response added", status, str(new[status])))
        elif old[status] != new[status]:
            changes.append(_change("response retyped", status, f"{old[status]} -> {new[status]}"))
    return changes


def _dict_changes(kind: str, subject: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Changes of fields or arguments, keyed by their name on the wire; the subject names them by
    their Python name."""
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            name, was = _named(key, str(old[key]))
            changes.append(_change(f"{kind} removed", f"{subject}.{name}", was))
        elif key not in old:
            name, now = _named(key, str(new[key]))
            changes.append(_change(f"{kind} added", f"{subject}.{name}", now))
        else:
            (old_name, was), (new_name, now) = _named(key, str(old[key])), _named(key, str(new[key]))
            if old_name != new_name:
                changes.append(_change(f"{kind} renamed", f"{subject}.{old_name} -> {new_name}", key))
            if was != now:
                changes.append(_change(f"{kind} retyped", f"{subject}.{new_name}", f"{was} -> {now}"))
    return changes


def _renamed(old: dict[str, Any], new: dict[str, Any], same: Callable[[Any], object]) -> dict[str, str]:
    """Old name -> new name, for each name that went away while exactly one new name took its
    place with the same ``same(value)``."""
    gone = [k for k in sorted(old) if k not in new]
    came = [k for k in sorted(new) if k not in old]
    pairs: dict[str, str] = {}
    for key in gone:
        matches = [k for k in came if same(new[k]) == same(old[key])]
        if len(matches) == 1 and matches[0] not in pairs.values():
            pairs[key] = matches[0]
    return pairs


def _operation_change(name: str, o: dict[str, Any], n: dict[str, Any]) -> Change | None:
    details: list[str] = []
    breaking = False
    for key in ("module", "method", "path", "request"):
        if o.get(key) != n.get(key):
            details.append(f"{key} {o.get(key)} -> {n.get(key)}")
            breaking = True
    if o.get("resource") != n.get("resource"):
        # A resource method that appears breaks nothing; one that moves does.
        details.append(f"resource method {o.get('resource')} -> {n.get('resource')}")
        breaking |= o.get("resource") is not None
    for change in _dict_changes("argument", "", o["parameters"], n["parameters"]):
        details.append(f"{change.kind} {change.subject.lstrip('.')} {change.detail}".strip())
        # Only a new optional argument leaves existing calls valid.
        breaking |= not (change.kind == "argument added" and change.detail.endswith("(optional)"))
    for change in _response_changes(o["responses"], n["responses"]):
        details.append(f"{change.kind} {change.subject} {change.detail}".strip())
        breaking |= change.kind != "response added"
    return Change("operation changed", name, "; ".join(details), breaking) if details else None


def _operation_changes(old_ops: dict[str, Any], new_ops: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    renamed = _renamed(old_ops, new_ops, lambda op: (op["method"], op["path"]))
    for old_name, new_name in renamed.items():
        o = old_ops[old_name]
        changes.append(_change("operation renamed", f"{old_name} -> {new_name}", f"{o['method']} {o['path']}"))
    for name in sorted(set(old_ops) | set(new_ops)):
        if name in renamed or name in renamed.values():
            continue
        if name not in new_ops:
            o = old_ops[name]
            changes.append(_change("operation removed", name, f"{o['method']} {o['path']}"))
        elif name not in old_ops:
            n = new_ops[name]
            changes.append(_change("operation added", name, f"{n['method']} {n['path']} (module {n['module']})"))
        else:
            change = _operation_change(name, old_ops[name], new_ops[name])
            if change:
                changes.append(change)
    return changes


def _enum_changes(name: str, old_members: dict[str, Any], new_members: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    renamed = _renamed(old_members, new_members, lambda value: value)
    for old_member, new_member in renamed.items():
        changes.append(
            _change("enum member renamed", f"{name}.{old_member} -> {new_member}", f"= {old_members[old_member]}")
        )
    for member in sorted(set(old_members) | set(new_members)):
        if member in renamed or member in renamed.values():
            continue
        if member not in new_members:
            changes.append(_change("enum member removed", f"{name}.{member}", str(old_members[member])))
        elif member not in old_members:
            changes.append(_change("enum member added", f"{name}.{member}", f"= {new_members[member]}"))
        elif old_members[member] != new_members[member]:
            detail = f"{old_members[member]} -> {new_members[member]}"
            changes.append(_change("enum member changed", f"{name}.{member}", detail))
    return changes


def _schema_changes(old_schemas: dict[str, Any], new_schemas: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    renamed = _renamed(old_schemas, new_schemas, repr)
    for old_name, new_name in renamed.items():
        changes.append(_change("schema renamed", f"{old_name} -> {new_name}"))
    for name in sorted(set(old_schemas) | set(new_schemas)):
        if name in renamed or name in renamed.values():
            continue
        if name not in new_schemas:
            changes.append(_change("schema removed", name))
            continue
        if name not in old_schemas:
            changes.append(_change("schema added", name))
            continue
        o, n = old_schemas[name], new_schemas[name]
        if "enum" in o or "enum" in n:
            changes.extend(_enum_changes(name, o.get("enum", {}), n.get("enum", {})))
            continue
        if o.get("type") != n.get("type"):
            changes.append(_change("schema retyped", name, f"{o.get('type')} -> {n.get('type')}"))
        changes.extend(_dict_changes("field", name, o.get("fields", {}), n.get("fields", {})))
    return changes


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changes from surface ``old`` to surface ``new``, each change marked breaking or not."""
    return _operation_changes(old.get("operations", {}), new.get("operations", {})) + _schema_changes(
        old.get("schemas", {}), new.get("schemas", {})
    )


ORDER = [
    "operation added",
    "operation removed",
    "operation renamed",
    "operation changed",
    "schema added",
    "schema removed",
    "schema renamed",
    "schema retyped",
    "field added",
    "field removed",
    "field renamed",
    "field retyped",
    "enum member added",
    "enum member removed",
    "enum member renamed",
    "enum member changed",
]


def grouped(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """The changes by kind, in a fixed order of kinds."""
    kinds = ORDER + sorted({c.kind for c in changes} - set(ORDER))
    return [(kind, group) for kind in kinds if (group := [c for c in changes if c.kind == kind])]


def summary(changes: list[Change]) -> str:
    """``4 change(s), 1 breaking: 1 operation added, ...``."""
    breaking = sum(1 for c in changes if c.breaking)
    counts = ", ".join(f"{len(group)} {kind}" for kind, group in grouped(changes))
    return f"{len(changes)} change(s){f', {breaking} breaking' if breaking else ''}: {counts}"


def report(changes: list[Change]) -> str:
    if not changes:
        return "No changes: a regeneration would produce the same API."
    lines = [summary(changes)]
    for kind, group in grouped(changes):
        lines.append(f"{kind[0].upper()}{kind[1:]} ({len(group)}):")
        lines.extend(f"  {c.line()}" for c in group)
    return "\n".join(lines)
