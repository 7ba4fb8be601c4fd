"""Enum member names from the reference (docs/normalization.md#enum-member-names).

Every live enum is an unnamed int32. The reference names some of the same enums inline
(``x-enum-varnames``): a live enum takes those names when the reference's description is its name,
or when a paired reference schema holds it in the same property, and the values agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._schema import Schema, ref_name, strip_null
from ._state import Merge

NamedEnum = tuple[str | None, str | None, Schema]  # owning reference schema, property, enum node


def reference_enums(reference: dict[str, Any]) -> Iterator[NamedEnum]:
    """Every enum in the reference that names its members, with where it sits."""

    def visit(node: Any, owner: str | None, prop: str | None) -> Iterator[NamedEnum]:
        if isinstance(node, dict):
            if "enum" in node and "x-enum-varnames" in node:
                yield owner, prop, node
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for pname, pschema in value.items():
                        yield from visit(pschema, owner, pname)
                else:
                    yield from visit(value, owner, prop)
        elif isinstance(node, list):
            for value in node:
                yield from visit(value, owner, prop)

    for name, schema in ((reference.get("components") or {}).get("schemas") or {}).items():
        yield from visit(schema, name, None)
    yield from visit(reference.get("paths") or {}, None, None)


def name_enums(m: Merge) -> None:
    """Set ``x-enum-varnames`` on every live enum the reference names."""
    live_enums = {m.live_names[k]: s for k, s in m.live_schemas.items() if "enum" in s}
    m.figures["live enums"] = len(live_enums)
    by_description: dict[str, list[dict[Any, str]]] = {}
    by_position: dict[tuple[str, str], dict[Any, str]] = {}
    for owner, prop, node in reference_enums(m.ref):
        values, names = node.get("enum") or [], node.get("x-enum-varnames") or []
        if len(values) != len(names):
            continue
        mapping = dict(zip(values, names, strict=True))
        description = str(node.get("description") or "").strip()
        if description:
            by_description.setdefault(description, []).append(mapping)
        if owner and prop:
            by_position[(owner, prop)] = mapping
    m.figures["named enums in the reference"] = sum(1 for _ in reference_enums(m.ref))
    # Position: a reference schema paired with a live schema, same property, same values.
    position_names: dict[str, dict[Any, str]] = {}
    for (owner, prop), mapping in by_position.items():
        component = m.ref_resolution.get(owner)
        live_prop = ((m.components.get(component or "") or {}).get("properties") or {}).get(prop)
        target = ref_name(strip_null(live_prop)) if live_prop else None
        if target in live_enums:
            position_names.setdefault(target, mapping)
    for name, schema in sorted(live_enums.items()):
        values = list(schema.get("enum") or [])
        chosen: dict[Any, str] | None = None
        # Identical values name the enum. A live enum that has since grown keeps the names of the
        # values the reference knows (VALUE_n for the new ones), so one upstream addition never
        # renames the existing members.
        for mapping in by_description.get(name, []):
            if set(mapping) <= set(values):
                chosen = mapping
                m.figures["enums named by description"] += 1
                break
        if chosen is None and name in position_names and set(position_names[name]) <= set(values):
            chosen = position_names[name]
            m.figures["enums named by position"] += 1
        if chosen is None:
            continue
        m.components[name]["x-enum-varnames"] = m.namer.enum_members(
            [chosen.get(v, f"VALUE_{v}") for v in values], values
        )


__all__ = ["name_enums", "reference_enums"]
