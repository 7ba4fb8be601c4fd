"""The reference document's schemas in the merged document's terms: each one maps onto the live
schema that carries it, or is imported (docs/normalization.md#reference-schemas); inline objects
become named components (docs/normalization.md#inline-schemas).
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from . import _naming as naming
from ._schema import (
    OPAQUE_NAMESPACES,
    NormalizationError,
    Schema,
    first_json_schema,
    make_nullable,
    ref_name,
    ref_to,
    types_of,
)
from ._state import Merge

# Keys of a reference schema that document it and say nothing about the wire form.
_DOCUMENTATION_KEYS = ("examples", "example", "x-doc-source", "x-enum-varnames")


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name + "Item"


class ReferenceSchemas:
    def __init__(self, merge: Merge) -> None:
        self.m = merge
        self._pairs: dict[str, Counter[str]] = {}  # reference schema -> live schemas seen in its place

    def learn_pairs(self) -> None:
        """Reference schema <-> live schema pairs seen in the same place of the same operation."""

        def pair(ref_node: Any, live_node: Any, depth: int = 0) -> None:
            if depth > 6 or not isinstance(ref_node, dict) or not isinstance(live_node, dict):
                return
            r, live_target = ref_name(ref_node), ref_name(live_node)
            if r and live_target:
                self._pairs.setdefault(r, Counter())[live_target] += 1
                ref_props = (self.m.ref_schemas.get(r) or {}).get("properties") or {}
                live_props = (self.m.live_schemas.get(live_target) or {}).get("properties") or {}
                for prop in set(ref_props) & set(live_props):
                    pair(ref_props[prop], live_props[prop], depth + 1)
                return
            if ref_node.get("type") == "array" and live_node.get("type") == "array":
                pair(ref_node.get("items"), live_node.get("items"), depth + 1)

        for key, (_, _, ref_op) in self.m.ref_ops.items():
            if key not in self.m.live_ops:
                continue
            live_op = self.m.live_ops[key][2]
            r = first_json_schema((ref_op.get("requestBody") or {}).get("content"))
            live_body = first_json_schema((live_op.get("requestBody") or {}).get("content"))
            if r and live_body:
                pair(r[1], live_body[1])
            for status, response in (ref_op.get("responses") or {}).items():
                live_resp = (live_op.get("responses") or {}).get(status)
                r = first_json_schema((response or {}).get("content"))
                live_r = first_json_schema((live_resp or {}).get("content"))
                if r and live_r:
                    pair(r[1], live_r[1])

    def resolve_known(self) -> None:
        """Resolve, in name order, every reference schema that was paired with a live one or has a
        live namesake, so the enum and operation rules find them resolved."""
        for name in sorted(self.m.ref_schemas):
            if name in self._pairs or any(name == naming.short_type_name(k) for k in self.m.live_names):
                self.resolve(name)

    def _live_props(self, dotnet_name: str) -> set[str]:
        return set((self.m.live_schemas[dotnet_name].get("properties") or {}).keys())

    def resolve(self, name: str) -> str:
        """The component a reference schema becomes: a live schema that carries every one of its
        properties (case-sensitive: several endpoints answer in PascalCase), else an import."""
        if name in self.m.ref_resolution:
            return self.m.ref_resolution[name]
        ref_schema = self.m.ref_schemas.get(name)
        if ref_schema is None:
            raise NormalizationError(f"the reference points at a schema it does not define: {name}")
        props = set((ref_schema.get("properties") or {}).keys())
        live_schemas = self.m.live_schemas
        by_name = {naming.short_type_name(k): k for k in live_schemas}
        paired = [k for k, _ in (self._pairs.get(name) or Counter()).most_common()]
        candidates: list[tuple[str, bool]] = [(k, True) for k in paired]
        if name in by_name:
            candidates.append((by_name[name], True))
        subsets = sorted(
            (k for k, s in live_schemas.items() if props and props <= set((s.get("properties") or {}).keys())),
            key=lambda k: (len(self._live_props(k)), k),
        )
        candidates += [(k, False) for k in subsets]
        chosen: str | None = None
        for key, trusted in candidates:
            if key.startswith(OPAQUE_NAMESPACES) or "enum" in live_schemas[key]:
                continue
            live_props = self._live_props(key)
            overlap = len(props & live_props) / len(props) if props else (1.0 if trusted else 0.0)
            if overlap == 1.0 or (trusted and overlap >= 0.5):
                chosen = self.m.live_names[key]
                break
        if chosen is None:
            chosen = self._import(name)
        else:
            self.m.figures["reference schemas mapped onto live schemas"] += 1
        self.m.ref_resolution[name] = chosen
        return chosen

    def _import(self, name: str) -> str:
        component = self.m.namer.schema("ref:" + name, naming.pascal(name))
        if component in self.m.components:
            return component
        self.m.components[component] = {}  # reserve first: schemas may refer to themselves
        self.m.components[component] = self._object_body(self.m.ref_schemas[name], component)
        self.m.borrowed.add(component)
        self.m.figures["reference schemas imported"] += 1
        return component

    def _live_enum_named(self, description: str) -> str | None:
        for key, schema in self.m.live_schemas.items():
            if "enum" in schema and naming.short_type_name(key) == description:
                return self.m.live_names[key]
        return None

    def convert(self, node: Any, *, hint: str, as_property: bool = False) -> Any:
        """A reference (3.1) schema in the merged document's terms: references resolved, inline
        objects with properties hoisted to named components, enums replaced by the live enum."""
        if isinstance(node, list):
            return [self.convert(x, hint=hint) for x in node]
        if not isinstance(node, dict):
            return node
        target = ref_name(node)
        if target is not None:
            converted = ref_to(self.resolve(target))
            return make_nullable(converted) if as_property else converted
        if "enum" in node and not types_of(node) - {"integer", "null"}:
            # Names, never constraints, come from the reference's enums (docs/normalization.md#enum-member-names).
            live_enum = self._live_enum_named(str(node.get("description") or "").strip())
            base: Schema = ref_to(live_enum) if live_enum else {"type": "integer"}
            return make_nullable(base) if as_property and live_enum else base
        if "enum" in node:
            node = {k: v for k, v in node.items() if k not in ("enum", "x-enum-varnames")}
        if types_of(node) & {"object"} and hint and not node.get("additionalProperties"):
            return self.hoist(node, hint)
        out: Schema = {}
        for key, value in node.items():
            if key in _DOCUMENTATION_KEYS:
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {
                    p: self.convert(v, hint=f"{hint}{naming.pascal(p)}", as_property=True) for p, v in value.items()
                }
            elif key == "items" and isinstance(value, dict):
                out[key] = self.convert(value, hint=singular(hint))
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self.convert(x, hint=f"{hint}{i}" if i else hint) for i, x in enumerate(value)]
            elif key == "additionalProperties" and value is False:
                continue
            else:
                out[key] = copy.deepcopy(value)
        return out

    def hoist(self, node: Schema, hint: str) -> Schema:
        """An inline object becomes a named component (``ResultDetailsHourlyDetail``, not
        ``GetResultDetailsResponse200HourlyDetailsItem``)."""
        name = self.m.namer.schema("inline:" + hint, hint)
        if name not in self.m.components:
            self.m.components[name] = {}
            self.m.components[name] = self._object_body(node, name)
            self.m.borrowed.add(name)
            self.m.figures["inline schemas hoisted"] += 1
        result = ref_to(name)
        return make_nullable(result) if "null" in types_of(node) else result

    def _object_body(self, node: Schema, name: str) -> Schema:
        converted: Schema = {}
        for key, value in node.items():
            if key in _DOCUMENTATION_KEYS:
                continue
            if key == "properties":
                converted[key] = {
                    p: self.convert(v, hint=f"{name}{naming.pascal(p)}", as_property=True) for p, v in value.items()
                }
            elif key == "type" and isinstance(value, list):
                converted[key] = "object"
            elif key == "additionalProperties" and value is False:
                continue
            elif key == "items" and isinstance(value, dict):
                converted[key] = self.convert(value, hint=singular(name))
            else:
                converted[key] = copy.deepcopy(value)
        return converted


__all__ = ["ReferenceSchemas", "singular"]
