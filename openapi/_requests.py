"""Requests the documents forbid never leave the client
(docs/normalization.md#required-request-fields).

Answers require nothing (``_prune.py``): the API leaves "required" fields out of what it sends. The
same models are sent, so what a request must carry is written beside the schemas instead, for a
check the generated code runs before sending (``errors.check_request``):

- ``x-request-required`` on every component a request body reaches: the JSON keys its schema
  requires (the live document's C# ``[Required]``, or the reference's own list for a schema only the
  reference has);
- ``x-request-nested`` on the same components: the JSON keys of the properties that may hold a
  component with something to check, so the check walks only where it can find something;
- ``x-request-required`` on an operation's ``requestBody``: what the reference requires of that
  operation's body (of each item, for an array) beyond its schema's own list. The reference requires
  a project's ``name``, the live document its ``latitude``, ``longitude``, ``elevation`` and
  ``standardOffsetFromUTC``: a request must satisfy both documents. It is kept per operation because
  the reference's body schemas are coarser than the live ones: its ``SingleDiodeDefaultRequest``
  (which requires ``numberOfCellsInSeries``) is the live ``Module`` that ``create_module`` sends
  too, and ``create_module`` need not carry it.
"""

from __future__ import annotations

from typing import Any

from ._prune import reachable
from ._schema import Schema, ref_name, strip_null, walk_refs
from ._state import Merge


def _held_components(node: Schema) -> set[str]:
    """The components a property holds: itself, an array's items, the members of a union."""
    node = strip_null(node)
    found: set[str] = set()
    target = ref_name(node)
    if target is not None:
        found.add(target)
    for member in (node.get("anyOf") or []) + (node.get("oneOf") or []):
        if isinstance(member, dict):
            found |= _held_components(member)
    items = node.get("items")
    if isinstance(items, dict):
        found |= _held_components(items)
    return found


def _body_component(body: dict[str, Any]) -> str | None:
    """The component a body is (or is an array of)."""
    for media in (body.get("content") or {}).values():
        schema = media.get("schema") or {}
        return ref_name(schema) or ref_name(schema.get("items"))
    return None


def _settle_operations(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    """Keep, of what the reference requires of each body, what the body's component does not
    already require and does have."""
    for item in paths.values():
        for operation in item.values():
            body = operation.get("requestBody") or {}
            wanted = body.pop("x-request-required", None)
            target = _body_component(body)
            if not wanted or target is None:
                continue
            schema = m.components[target]
            props = set(schema.get("properties") or {})
            extra = sorted(set(wanted) & props - set(schema.get("required") or []))
            lacking = sorted(set(wanted) - props)
            if lacking:
                m.notes.append(f"{operation['operationId']}: the reference requires {lacking}, which {target} lacks")
            if extra:
                body["x-request-required"] = extra
                m.figures["operations whose body the reference requires more of"] += 1
                m.figures["request fields the reference requires of one operation"] += len(extra)


def mark_request_requirements(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    """Write ``x-request-required`` and ``x-request-nested`` on the components requests reach, and
    settle the operations' own ``x-request-required``."""
    _settle_operations(m, paths)
    roots = [name for item in paths.values() for op in item.values() for name in walk_refs(op.get("requestBody"))]
    sent = sorted(reachable(m.components, roots))
    required: dict[str, list[str]] = {}
    for name in sent:
        schema = m.components[name]
        keys = sorted({str(k) for k in schema.get("required") or []} & set(schema.get("properties") or {}))
        if keys:
            required[name] = keys
    # A component needs the check if it requires something or holds one that does.
    checked = set(required)
    holds = {
        name: {key: _held_components(prop) for key, prop in (m.components[name].get("properties") or {}).items()}
        for name in sent
    }
    changed = True
    while changed:
        changed = False
        for name in sent:
            if name not in checked and any(targets & checked for targets in holds[name].values()):
                checked.add(name)
                changed = True
    for name in sorted(checked):
        schema = m.components[name]
        schema["x-request-required"] = required.get(name, [])
        schema["x-request-nested"] = sorted(key for key, targets in holds[name].items() if targets & checked)
    m.figures["request schemas with required fields"] = len(required)
    m.figures["request fields required"] = sum(len(keys) for keys in required.values())
    m.figures["request schemas checked before sending"] = len(checked)


__all__ = ["mark_request_requirements"]
