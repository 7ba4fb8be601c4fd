"""Enum member names (docs/normalization.md#enum-member-names).

Every live enum is an unnamed int32. Names come from three sources, in this order, each filling only
the values the ones before it left unnamed:

1. the reference, whose inline enums carry ``x-enum-varnames``: a live enum takes them when the
   reference's description is its name, or when a paired reference schema holds it in the same
   property, and the values agree;
2. the documents' prose: a value list such as ``(0 = system account, 1 = active)`` in the text an
   operation's description gives a field of its answer (``_descriptions.py``);
3. the official SDK's ``plantpredict.enumerations`` (names and values recorded as data in
   ``sdk-enumerations.yml``), for the live enums ``names.yml`` pairs with an SDK enum.

Values no source names stay ``VALUE_<n>``. Every member name is locked (``_namer.py``), so a name a
source adds later never renames a member a client already has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._descriptions import answer_notes, resolve, value_names
from ._schema import Schema, ref_name, strip_null
from ._state import Merge

NamedEnum = tuple[str | None, str | None, Schema]  # owning reference schema, property, enum node
Names = dict[str, dict[Any, str]]  # enum class -> value -> name


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


def _from_reference(m: Merge, enums: dict[str, Schema]) -> Names:
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
        if target in enums:
            position_names.setdefault(target, mapping)
    named: Names = {}
    for name, schema in sorted(enums.items()):
        values = set(schema["enum"])
        # A live enum that has since grown keeps the names of the values the reference knows.
        for mapping in by_description.get(name, []):
            if set(mapping) <= values:
                named[name] = mapping
                m.figures["enums named by description"] += 1
                break
        else:
            if name in position_names and set(position_names[name]) <= values:
                named[name] = position_names[name]
                m.figures["enums named by position"] += 1
    return named


def _from_descriptions(m: Merge, paths: dict[str, dict[str, Any]], enums: dict[str, Schema]) -> Names:
    """Value lists in the text a description gives a field whose type is an enum."""
    named: Names = {}
    for root, note in answer_notes(paths):
        values = value_names(note.text)
        found = resolve(m.components, root, note.path) if values else None
        if found is None:
            continue
        component, prop = found
        enum = ref_name(strip_null(m.components[component]["properties"][prop]))
        if enum in enums and set(values) <= set(enums[enum]["enum"]):
            m.figures["value lists found in descriptions"] += 1
            for value, text in values.items():
                named.setdefault(enum, {}).setdefault(value, text)
    return named


def _from_sdk(m: Merge, enums: dict[str, Schema]) -> Names:
    named: Names = {}
    for enum, sdk_enum in sorted(m.namer.overrides.sdk_enums.items()):
        members = m.namer.overrides.sdk_enumerations.get(sdk_enum)
        if enum in enums and members:
            named[enum] = {v: n for v, n in members.items() if v in enums[enum]["enum"]}
            m.figures["enums paired with an SDK enumeration"] += 1
    return named


def name_enums(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    """Set ``x-enum-varnames`` on every enum of the client."""
    enums = {name: s for name, s in m.components.items() if "enum" in s}
    m.figures["enums"] = len(enums)
    sources = [
        ("the reference", _from_reference(m, enums)),
        ("descriptions", _from_descriptions(m, paths, enums)),
        ("the SDK", _from_sdk(m, enums)),
    ]
    for name, schema in sorted(enums.items()):
        values = list(schema["enum"])
        wanted: dict[Any, str] = {}
        for label, named in sources:
            for value in values:
                if value not in wanted and value in named.get(name, {}):
                    wanted[value] = named[name][value]
                    m.figures[f"enum values named by {label}"] += 1
        for value in values:
            if isinstance(value, str) and value not in wanted:
                wanted[value] = value  # a string value is its own name (PlantSummary8760 -> PLANT_SUMMARY_8760)
        members = m.namer.enum_members(name, values, wanted)
        schema["x-enum-varnames"] = members
        unnamed = sum(1 for member in members if member.startswith("VALUE_"))
        m.figures["enum members named VALUE_n"] += unnamed
        m.figures["enums without a named member"] += int(unnamed == len(members))


__all__ = ["name_enums", "reference_enums"]
