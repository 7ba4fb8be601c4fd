"""Normalize PlantPredict's two OpenAPI documents into the one document the generator reads.

The rules, their evidence and the figures they reach are in ``../shared/openapi/NORMALIZATION.md``;
each rule below names its number there. In short: the live Swashbuckle document (primary) gives the
precise schemas; the reference document (secondary) gives names, tags, path-parameter names, enum
member names, 2xx types the live document leaves out, recorded examples, and the operations the live
document lacks. The output is an OpenAPI 3.1 document.

Names never move once chosen: ``NameLock`` maps stable keys (a .NET type name, ``METHOD path``) to
the class, function and module names, and the normalizer reuses a locked name before deriving one.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import _naming as naming
from ._reference import RecordedExample, operations, recorded_examples

JSON = "application/json"
MULTIPART = "multipart/form-data"
OCTET = "application/octet-stream"
SCHEMA_PREFIX = "#/components/schemas/"
NULL = {"type": "null"}

Schema = dict[str, Any]


class NormalizationError(Exception):
    """The documents cannot be normalized as they are (the message says why)."""


@dataclass
class NameLock:
    """Names that must never change once a client has been generated with them.

    ``schemas``: schema key (``live:<.NET name>``, ``ref:<reference name>``,
    ``inline:<operation id>:<where>``) -> class name.
    ``operations``: match key (``GET /project/{}``) -> ``{"id": function name, "tag": module tag}``.
    """

    schemas: dict[str, str] = field(default_factory=dict)
    operations: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schemas": dict(sorted(self.schemas.items())),
            "operations": dict(sorted(self.operations.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> NameLock:
        data = data or {}
        return cls(dict(data.get("schemas") or {}), {k: dict(v) for k, v in (data.get("operations") or {}).items()})


@dataclass
class Overrides:
    """Hand-made naming decisions (``openapi/names.yml``), used only where the lock has no entry."""

    schemas: dict[str, str] = field(default_factory=dict)
    operation_ids: dict[str, str] = field(default_factory=dict)
    tag_rules: list[tuple[str, str]] = field(default_factory=list)
    default_tag: str = "System"
    download_segments: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Overrides:
        return cls(
            schemas=dict(data.get("schemas") or {}),
            operation_ids=dict(data.get("operation_ids") or {}),
            tag_rules=[(str(r[0]), str(r[1])) for r in data.get("tag_rules") or []],
            default_tag=str(data.get("default_tag") or "System"),
            download_segments=[str(s) for s in data.get("download_segments") or []],
        )


@dataclass
class Result:
    document: dict[str, Any]
    names: NameLock
    figures: dict[str, int]
    notes: list[str]


# ------------------------------------------------------------------------------------------------
# small schema helpers


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
    """The media type the client should use and its schema (JSON first, then multipart, CSV...)."""
    if not content:
        return None
    for media_type in (JSON, "text/json", "application/json-patch+json", MULTIPART, "text/csv", OCTET):
        if media_type in content:
            schema = (content[media_type] or {}).get("schema")
            chosen = JSON if media_type in ("text/json", "application/json-patch+json") else media_type
            return chosen, (schema if isinstance(schema, dict) else {})
    return None


# ------------------------------------------------------------------------------------------------


class Normalizer:
    def __init__(self, live: dict[str, Any], reference: dict[str, Any], lock: NameLock, overrides: Overrides):
        self.live = live
        self.ref = reference
        self.lock = lock
        self.overrides = overrides
        self.names = NameLock()
        self.figures: Counter[str] = Counter()
        self.notes: list[str] = []
        self.components: dict[str, Schema] = {}
        self.live_names: dict[str, str] = {}  # .NET name -> class name
        self.ref_resolution: dict[str, str] = {}  # reference schema name -> component name
        self.borrowed: set[str] = set()  # components built from the reference (may be reconciled)
        self.examples = recorded_examples(reference)
        self.ref_ops = {naming.match_key(m, p): (m, p, op) for m, p, op in operations(reference)}
        self.live_ops = {naming.match_key(m, p): (m, p, op) for m, p, op in operations(live)}
        self._ref_pairs: dict[str, Counter[str]] = {}

    # -- names --------------------------------------------------------------------------------

    def _taken_names(self) -> set[str]:
        return set(self.lock.schemas.values()) | set(self.names.schemas.values())

    def _name_schema(self, key: str, wanted: str) -> str:
        """The class name for a schema key: the locked one, or ``wanted`` made unique."""
        if key in self.names.schemas:
            return self.names.schemas[key]
        if key in self.lock.schemas:
            name = self.lock.schemas[key]
        else:
            taken = self._taken_names()
            name = wanted
            n = 2
            while name in taken:
                name = f"{wanted}{n}"
                n += 1
            self.figures["schema names newly derived"] += 1
        self.names.schemas[key] = name
        return name

    def _name_live_schemas(self) -> None:
        keys = list((self.live.get("components") or {}).get("schemas") or {})
        locked = {k: self.lock.schemas["live:" + k] for k in keys if "live:" + k in self.lock.schemas}
        for key, name in self.overrides.schemas.items():
            if key in keys and key not in locked:
                if name in locked.values():
                    raise NormalizationError(
                        f"names.yml wants {name} for {key}, but the lock gives it to another schema"
                    )
                locked[key] = name
        # Names held by locked keys of any kind (reference, inline) are unavailable too.
        reserved = {f"\0{k}": v for k, v in self.lock.schemas.items() if not k.startswith("live:")}
        derived = naming.unique_short_names(keys, {**locked, **reserved})
        for key in keys:
            name = locked.get(key) or derived[key]
            self.live_names[key] = name
            self.names.schemas["live:" + key] = name
            if "live:" + key not in self.lock.schemas:
                self.figures["schema names newly derived"] += 1
        self.figures["live schemas"] = len(keys)
        shorts = Counter(naming.short_type_name(k) for k in keys)
        self.figures["short-name collisions"] = sum(1 for c in shorts.values() if c > 1)

    # -- rules 2, 3, 4, 6: live schemas -----------------------------------------------------------

    def _convert_live(self, node: Any, *, as_property: bool = False) -> Any:
        if isinstance(node, list):
            return [self._convert_live(x) for x in node]
        if not isinstance(node, dict):
            return node
        target = ref_name(node)
        if target is not None:
            converted: Schema = ref_to(self.live_names[target])
            # Rule 6: a C# reference (class or Nullable<enum>) can always be null; Swashbuckle
            # cannot say so next to a $ref.
            return make_nullable(converted) if as_property else converted
        out: Schema = {}
        for key, value in node.items():
            if key == "nullable":
                continue
            if key == "additionalProperties" and value is False:  # rule 3
                self.figures["additionalProperties: false removed"] += 1
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: self._convert_live(prop, as_property=True) for name, prop in value.items()}
            elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
                out[key] = self._convert_live(value)
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self._convert_live(x) for x in value]
            else:
                out[key] = copy.deepcopy(value)
        if node.get("nullable") is True:
            out = make_nullable(out)
        return out

    def _build_live_components(self) -> None:
        schemas = (self.live.get("components") or {}).get("schemas") or {}
        for key, schema in schemas.items():
            name = self.live_names[key]
            if key.startswith(("OpenTK.", "NetTopologySuite.")):
                # Rule 4: these list only computed members (Point has 29, no x/y); the wire form is
                # something else entirely, so the client keeps whatever arrives.
                self.components[name] = {
                    "type": "object",
                    "description": f"Opaque geometry value ({key}); kept as received.",
                }
                self.figures["geometry types made opaque"] += 1
                continue
            self.components[name] = self._convert_live(schema)

    # -- rule 5: enum member names ------------------------------------------------------------------

    def _reference_enums(self) -> Iterator[tuple[str | None, str | None, Schema]]:
        """(owning reference schema, property, enum node) for every named enum in the reference."""

        def visit(node: Any, owner: str | None, prop: str | None) -> Iterator[tuple[str | None, str | None, Schema]]:
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

        for name, schema in ((self.ref.get("components") or {}).get("schemas") or {}).items():
            yield from visit(schema, name, None)
        yield from visit(self.ref.get("paths") or {}, None, None)

    def _name_enums(self) -> None:
        live_enums = {
            self.live_names[k]: s
            for k, s in ((self.live.get("components") or {}).get("schemas") or {}).items()
            if "enum" in s
        }
        self.figures["live enums"] = len(live_enums)
        by_description: dict[str, list[dict[Any, str]]] = {}
        by_position: dict[tuple[str, str], dict[Any, str]] = {}
        for owner, prop, node in self._reference_enums():
            values, names = node.get("enum") or [], node.get("x-enum-varnames") or []
            if len(values) != len(names):
                continue
            mapping = dict(zip(values, names, strict=True))
            description = str(node.get("description") or "").strip()
            if description:
                by_description.setdefault(description, []).append(mapping)
            if owner and prop:
                by_position[(owner, prop)] = mapping
        self.figures["named enums in the reference"] = sum(1 for _ in self._reference_enums())
        # Position: a reference schema paired with a live schema, same property, same values.
        position_names: dict[str, dict[Any, str]] = {}
        for (owner, prop), mapping in by_position.items():
            component = self.ref_resolution.get(owner)
            live_prop = ((self.components.get(component or "") or {}).get("properties") or {}).get(prop)
            target = ref_name(strip_null(live_prop)) if live_prop else None
            if target in live_enums:
                position_names.setdefault(target, mapping)
        for name, schema in sorted(live_enums.items()):
            values = list(schema.get("enum") or [])
            chosen: dict[Any, str] | None = None
            # Identical values name the enum. A live enum that has since grown keeps the names of
            # the values the reference knows (VALUE_n for the new ones), so one upstream addition
            # never renames the existing members.
            for mapping in by_description.get(name, []):
                if set(mapping) <= set(values):
                    chosen = mapping
                    self.figures["enums named by description"] += 1
                    break
            if chosen is None and name in position_names and set(position_names[name]) <= set(values):
                chosen = position_names[name]
                self.figures["enums named by position"] += 1
            if chosen is None:
                continue
            self.components[name]["x-enum-varnames"] = self._safe_member_names(
                [chosen.get(v, f"VALUE_{v}") for v in values], values
            )

    @staticmethod
    def _safe_member_names(names: list[str], values: list[Any]) -> list[str]:
        """Member names the generator turns into distinct, valid identifiers."""
        out: list[str] = []
        seen: set[str] = set()
        for name, value in zip(names, values, strict=True):
            candidate = naming.snake(name).upper() or f"VALUE_{value}"
            if not candidate[0].isalpha():
                candidate = f"V{candidate}" if candidate[0].isdigit() else f"VALUE_{value}"
            if candidate in seen:
                candidate = f"{candidate}_{value}"
            seen.add(candidate)
            out.append(candidate)
        return out

    # -- reference schemas: map onto live ones or import (rule 11) ------------------------------------

    def _ref_schemas(self) -> dict[str, Schema]:
        return (self.ref.get("components") or {}).get("schemas") or {}

    def _learn_pairs(self) -> None:
        """Reference schema <-> live schema pairs seen in the same place of the same operation."""

        def pair(ref_node: Any, live_node: Any, depth: int = 0) -> None:
            if depth > 6 or not isinstance(ref_node, dict) or not isinstance(live_node, dict):
                return
            r, live_target = ref_name(ref_node), ref_name(live_node)
            if r and live_target:
                self._ref_pairs.setdefault(r, Counter())[live_target] += 1
                ref_props = (self._ref_schemas().get(r) or {}).get("properties") or {}
                live_props = ((self.live["components"]["schemas"].get(live_target)) or {}).get("properties") or {}
                for prop in set(ref_props) & set(live_props):
                    pair(ref_props[prop], live_props[prop], depth + 1)
                return
            if ref_node.get("type") == "array" and live_node.get("type") == "array":
                pair(ref_node.get("items"), live_node.get("items"), depth + 1)

        for key, (_, _, ref_op) in self.ref_ops.items():
            if key not in self.live_ops:
                continue
            live_op = self.live_ops[key][2]
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

    def _live_props(self, dotnet_name: str) -> set[str]:
        return set((self.live["components"]["schemas"][dotnet_name].get("properties") or {}).keys())

    def _resolve_ref_schema(self, name: str) -> str:
        """The component a reference schema becomes: a live schema that carries every one of its
        properties (case-sensitive: several endpoints answer in PascalCase), else an import."""
        if name in self.ref_resolution:
            return self.ref_resolution[name]
        ref_schema = self._ref_schemas().get(name)
        if ref_schema is None:
            raise NormalizationError(f"the reference points at a schema it does not define: {name}")
        props = set((ref_schema.get("properties") or {}).keys())
        live_schemas = self.live["components"]["schemas"]
        by_name = {naming.short_type_name(k): k for k in live_schemas}
        paired = [k for k, _ in (self._ref_pairs.get(name) or Counter()).most_common()]
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
            if key.startswith(("OpenTK.", "NetTopologySuite.")) or "enum" in live_schemas[key]:
                continue
            live_props = self._live_props(key)
            overlap = len(props & live_props) / len(props) if props else (1.0 if trusted else 0.0)
            if overlap == 1.0 or (trusted and overlap >= 0.5):
                chosen = self.live_names[key]
                break
        if chosen is None:
            chosen = self._import_ref_schema(name)
        else:
            self.figures["reference schemas mapped onto live schemas"] += 1
        self.ref_resolution[name] = chosen
        return chosen

    def _import_ref_schema(self, name: str) -> str:
        component = self._name_schema("ref:" + name, naming.pascal(name))
        if component in self.components:
            return component
        self.components[component] = {}  # reserve first: schemas may refer to themselves
        self.components[component] = self._object_body(self._ref_schemas()[name], component)
        self.borrowed.add(component)
        self.figures["reference schemas imported"] += 1
        return component

    def _live_enum_named(self, description: str) -> str | None:
        for key, schema in self.live["components"]["schemas"].items():
            if "enum" in schema and naming.short_type_name(key) == description:
                return self.live_names[key]
        return None

    def _convert_ref(self, node: Any, *, hint: str, as_property: bool = False) -> Any:
        """A reference (3.1) schema in the merged document's terms: references resolved, inline
        objects with properties hoisted to named components, enums replaced by the live enum."""
        if isinstance(node, list):
            return [self._convert_ref(x, hint=hint) for x in node]
        if not isinstance(node, dict):
            return node
        target = ref_name(node)
        if target is not None:
            converted = ref_to(self._resolve_ref_schema(target))
            return make_nullable(converted) if as_property else converted
        if "enum" in node and not types_of(node) - {"integer", "null"}:
            # Rule 5: names, never constraints, come from the reference's enums.
            live_enum = self._live_enum_named(str(node.get("description") or "").strip())
            base: Schema = ref_to(live_enum) if live_enum else {"type": "integer"}
            return make_nullable(base) if as_property and live_enum else base
        if "enum" in node:
            node = {k: v for k, v in node.items() if k not in ("enum", "x-enum-varnames")}
        if types_of(node) & {"object"} and hint and not node.get("additionalProperties"):
            return self._hoist(node, hint)
        out: Schema = {}
        for key, value in node.items():
            if key in ("x-enum-varnames", "examples", "example", "x-doc-source"):
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {
                    p: self._convert_ref(v, hint=f"{hint}{naming.pascal(p)}", as_property=True)
                    for p, v in value.items()
                }
            elif key == "items" and isinstance(value, dict):
                out[key] = self._convert_ref(value, hint=singular(hint))
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self._convert_ref(x, hint=f"{hint}{i}" if i else hint) for i, x in enumerate(value)]
            elif key == "additionalProperties" and value is False:
                continue
            else:
                out[key] = copy.deepcopy(value)
        return out

    def _hoist(self, node: Schema, hint: str) -> Schema:
        """Rule 14: an inline object becomes a named component (``ResultDetailsHourlyDetail``, not
        ``GetResultDetailsResponse200HourlyDetailsItem``)."""
        name = self._name_schema("inline:" + hint, hint)
        if name not in self.components:
            self.components[name] = {}
            self.components[name] = self._object_body(node, name)
            self.borrowed.add(name)
            self.figures["inline schemas hoisted"] += 1
        result = ref_to(name)
        return make_nullable(result) if "null" in types_of(node) else result

    def _object_body(self, node: Schema, name: str) -> Schema:
        converted: Schema = {}
        for key, value in node.items():
            if key in ("examples", "example", "x-doc-source", "x-enum-varnames"):
                continue
            if key == "properties":
                converted[key] = {
                    p: self._convert_ref(v, hint=f"{name}{naming.pascal(p)}", as_property=True)
                    for p, v in value.items()
                }
            elif key == "type" and isinstance(value, list):
                converted[key] = "object"
            elif key == "additionalProperties" and value is False:
                continue
            elif key == "items" and isinstance(value, dict):
                converted[key] = self._convert_ref(value, hint=singular(name))
            else:
                converted[key] = copy.deepcopy(value)
        return converted

    # -- rule 11: reconcile borrowed schemas with the recorded examples --------------------------

    def _reconcile(self, node: Schema, value: Any, *, where: str) -> Schema:
        """``node`` adjusted so it accepts ``value`` (a recorded answer). Only schemas from the
        reference are adjusted; the live document's are precise except for nullability."""
        if value is None:
            if not is_nullable(node) and node:
                self.figures["fields made nullable by a recorded null"] += 1
                return make_nullable(node)
            return node
        inner = strip_null(node)
        target = ref_name(inner)
        if target is not None:
            component = self.components.get(target)
            if component is None or "enum" in component:
                return node
            if not isinstance(value, dict) and types_of(component) <= {"object"}:
                # The recorded answer is not an object at all (CreatePANFileModule answers a bare
                # id where the reference says {"id": ...}): the recording is the truth.
                replaced = infer_schema(value)
                self.notes.append(f"{where}: declared {target}, recorded answer is {json_type(value)}")
                self.figures["borrowed types corrected by a recorded answer"] += 1
                return make_nullable(replaced) if is_nullable(node) else replaced
            if target not in self.borrowed:
                self._nullable_from_examples(node, value, set())
                return node
            if isinstance(value, dict) and types_of(component) <= {"object"}:
                props = component.setdefault("properties", {})
                for key, item in value.items():
                    if key in props:
                        props[key] = self._reconcile(props[key], item, where=f"{target}.{key}")
                return node
            if target in self.borrowed:
                replaced = infer_schema(value)
                self.notes.append(
                    f"{where}: the reference types {target} as an object; recorded answers are {json_type(value)}"
                )
                self.figures["borrowed types corrected by a recorded answer"] += 1
                return make_nullable(replaced) if is_nullable(node) else replaced
            return node
        declared = types_of(inner) - {"null"}
        actual = json_type(value)
        if not declared:
            return node
        if actual in declared or (actual == "integer" and "number" in declared):
            if actual == "array" and isinstance(inner.get("items"), dict):
                items = inner["items"]
                for item in value:
                    items = self._reconcile(items, item, where=f"{where}[]")
                new_inner = {**inner, "items": items}
                return make_nullable(new_inner) if is_nullable(node) else new_inner
            if actual == "object" and inner.get("properties"):
                props = dict(inner["properties"])
                for key, item in value.items():
                    if key in props:
                        props[key] = self._reconcile(props[key], item, where=f"{where}.{key}")
                new_inner = {**inner, "properties": props}
                return make_nullable(new_inner) if is_nullable(node) else new_inner
            return node
        if actual == "number" and declared == {"integer"}:
            replaced = {**inner, "type": "number"}
        else:
            replaced = infer_schema(value)
        self.figures["borrowed types corrected by a recorded answer"] += 1
        self.notes.append(f"{where}: declared {sorted(declared)}, recorded answer is {actual}")
        return make_nullable(replaced) if is_nullable(node) else replaced

    def _nullable_from_examples(self, node: Schema, value: Any, seen: set[int]) -> None:
        """Rule 6/7 evidence: a live property that a recorded answer shows as null becomes nullable."""
        target = ref_name(strip_null(node))
        if target is None:
            if isinstance(value, list) and isinstance(strip_null(node).get("items"), dict):
                for item in value:
                    self._nullable_from_examples(strip_null(node)["items"], item, seen)
            return
        component = self.components.get(target)
        if not component or not isinstance(value, dict) or id(value) in seen:
            return
        seen.add(id(value))
        props = component.get("properties") or {}
        for key, item in value.items():
            if key not in props:
                continue
            if item is None and not is_nullable(props[key]) and props[key]:
                props[key] = make_nullable(props[key])
                self.figures["fields made nullable by a recorded null"] += 1
            elif item is not None:
                self._nullable_from_examples(props[key], item, seen)

    # -- operations -----------------------------------------------------------------------------

    def _operation_names(
        self, key: str, live_op: dict[str, Any] | None, ref_op: dict[str, Any] | None, method: str, path: str
    ) -> tuple[str, str]:
        if key in self.lock.operations:
            locked = self.lock.operations[key]
            return locked["id"], locked["tag"]
        self.figures["operation names newly derived"] += 1
        if ref_op and ref_op.get("operationId"):
            op_id = naming.snake(str(ref_op["operationId"]))  # rule 8
        elif key in self.overrides.operation_ids:
            op_id = naming.snake(self.overrides.operation_ids[key])
        else:
            op_id = naming.snake(naming.derive_operation_id(method, path))
        if ref_op and ref_op.get("tags"):
            tag = str(ref_op["tags"][0])  # rule 9
        else:
            tag = naming.tag_for_path(path, self.overrides.tag_rules, self.overrides.default_tag)
        return op_id, tag

    def _path_parameter_names(self, live_path: str, ref_path: str | None) -> dict[str, str]:
        """Rule 10: the reference's names for the live document's generic ``{id}``. Where the two
        disagree in meaning (``{report}``/``{reportType}``, ``{month}``/``{dcFieldNumber}``) the
        live document, which describes the running server, wins."""
        live_names = naming.PATH_PARAM.findall(live_path)
        if ref_path is None:
            template = naming.PATH_PARAM.sub("{}", live_path).lower()
            for _, p, _ in self.ref_ops.values():
                if naming.PATH_PARAM.sub("{}", p).lower() == template:
                    ref_path = p
                    break
        if ref_path is None:
            return {}
        ref_names = naming.PATH_PARAM.findall(ref_path)
        renames: dict[str, str] = {}
        for old, new in zip(live_names, ref_names, strict=False):
            if old != new and (old == "id" or old.lower() == new.lower()):
                renames[old] = new
        return renames

    def _parameters(
        self, live_op: dict[str, Any] | None, ref_op: dict[str, Any] | None, renames: dict[str, str]
    ) -> list[dict[str, Any]]:
        ref_params = [p for p in (ref_op or {}).get("parameters") or [] if "name" in p]
        spelled = {(p["name"].lower(), p["in"]): p["name"] for p in ref_params}
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for param in (live_op or {}).get("parameters") or []:
            name = param["name"]
            # Query names: the reference's spelling (dcFieldNumber, not dCFieldNumber); ASP.NET binds
            # query parameters case-insensitively, so the wire meaning is unchanged.
            name = renames.get(name, name) if param["in"] == "path" else spelled.get((name.lower(), param["in"]), name)
            converted = {
                k: (self._convert_live(v) if k == "schema" else copy.deepcopy(v))
                for k, v in param.items()
                if k != "name"
            }
            converted["name"] = name
            if param["in"] == "path":
                converted["required"] = True
            if not converted.get("description"):
                converted.pop("description", None)
            out.append(converted)
            seen.add((name.lower(), param["in"]))
        for param in ref_params:
            if (param["name"].lower(), param["in"]) in seen:
                continue
            if live_op is not None and param["in"] == "path":
                continue  # rule 10: the live path, and so its parameters, wins
            converted = {k: copy.deepcopy(v) for k, v in param.items() if k not in ("schema", "example", "examples")}
            converted["schema"] = self._convert_ref(param.get("schema") or {}, hint="")
            if param["in"] == "path":
                converted["required"] = True
            out.append(converted)
        return out

    def _request_body(
        self, live_op: dict[str, Any] | None, ref_op: dict[str, Any] | None, op_id: str
    ) -> dict[str, Any] | None:
        live_body = first_json_schema(((live_op or {}).get("requestBody") or {}).get("content"))
        ref_body = first_json_schema(((ref_op or {}).get("requestBody") or {}).get("content"))
        if live_body:
            media_type, schema = live_body[0], self._convert_live(live_body[1])
            self.figures["request bodies from the live document"] += 1
        elif ref_body:
            media_type = ref_body[0]
            schema = self._convert_ref(ref_body[1], hint="".join(p.title() for p in op_id.split("_")) + "Request")
            self.figures["request bodies from the reference"] += 1
        else:
            return None
        if media_type == MULTIPART:
            schema = {**schema}
            if "file" in (schema.get("properties") or {}):
                schema["required"] = sorted({*schema.get("required", []), "file"})  # rule 13
                self.figures["multipart bodies with file required"] += 1
        # Rule 1: one content type, and a body is required (Swashbuckle never says so), except where
        # the reference, recorded against the real server, calls the operation without one (Run).
        required = not (live_body and ref_op is not None and not ref_body)
        if not required:
            self.figures["request bodies optional (the reference sends none)"] += 1
        return {"required": required, "content": {media_type: {"schema": schema}}}

    def _responses(
        self,
        key: str,
        method: str,
        path: str,
        live_op: dict[str, Any] | None,
        ref_op: dict[str, Any] | None,
        op_id: str,
    ) -> dict[str, Any]:
        live_responses = (live_op or {}).get("responses") or {}
        ref_responses = (ref_op or {}).get("responses") or {}
        codes = sorted(
            {str(c) for c in [*live_responses, *ref_responses] if str(c).isdigit() and 200 <= int(c) < 400},
            key=int,
        )
        examples = [e for e in self.examples if ref_op is not None and naming.match_key(e.method, e.path) == key]
        out: dict[str, Any] = {}
        for code in codes:
            live_resp = live_responses.get(code) or live_responses.get(int(code)) or {}
            ref_resp = ref_responses.get(code) or ref_responses.get(int(code)) or {}
            description = str(ref_resp.get("description") or live_resp.get("description") or "Success")
            recorded = [e.value for e in examples if e.status == int(code)]
            live_typed = first_json_schema(live_resp.get("content"))
            ref_typed = first_json_schema(ref_resp.get("content"))
            ref_content = ref_resp.get("content") or {}
            content: dict[str, Any] | None = None
            structured = [v for v in recorded if isinstance(v, dict | list)]
            if recorded and structured != recorded and all(isinstance(v, str) for v in recorded):
                # A recorded JSON string ("Prediction cancelled successfully."): asked for JSON, as
                # this client always is, ASP.NET serializes a returned string as a JSON string.
                content = {JSON: {"schema": {"type": "string"}}}
                self.figures["responses typed as a JSON string by a recorded answer"] += 1
            elif (
                live_typed
                and live_typed[0] == JSON
                and not (
                    types_of(live_typed[1]) == {"string"}
                    and (structured or (ref_typed and ref_typed[1].get("type") in ("object", "array")))
                )
            ):
                schema = self._convert_live(live_typed[1])
                schema = self._union_with_recorded(schema, recorded, ref_typed, op_id, code)
                content = {JSON: {"schema": schema}}
                self.figures["2xx typed from the live document"] += 1
            elif ref_typed and ref_typed[0] == JSON and ref_typed[1]:
                hint = response_hint(op_id)
                schema = self._borrow_response(ref_typed[1], recorded, hint)
                content = {JSON: {"schema": schema}}
                self.figures["2xx typed from the reference (rule 11)"] += 1
            elif "text/csv" in ref_content:
                content = {"text/csv": {"schema": {"type": "string"}}}
            elif method == "get" and self._is_download(path) and not live_resp.get("content"):
                # Rule 14: downloads the documents leave without content are files.
                content = {OCTET: {"schema": {"type": "string", "format": "binary"}}}
                self.figures["downloads declared as octet-stream"] += 1
            response: dict[str, Any] = {"description": description}
            if content:
                response["content"] = content
            out[code] = response
        if not out:
            out["200"] = {"description": "Success"}
        return out

    def _is_download(self, path: str) -> bool:
        last = [s for s in path.strip("/").split("/") if not naming.PATH_PARAM.fullmatch(s)][-1]
        return any(re.fullmatch(p, last, flags=re.IGNORECASE) for p in self.overrides.download_segments)

    def _union_with_recorded(
        self, schema: Schema, recorded: list[Any], ref_typed: tuple[str, Schema] | None, op_id: str, code: str
    ) -> Schema:
        """When recorded answers show a second shape the live type does not cover (DELETE note:
        boolean in the live document, the remaining notes in the reference and the recordings), the
        response is the union of the two."""
        shapes = {json_type(v) for v in recorded}
        declared = types_of(strip_null(schema)) or ({"object"} if ref_name(schema) else set())
        extra = {s for s in shapes if s not in declared and not (s == "integer" and "number" in declared)}
        if not extra or not ref_typed:
            for value in recorded:
                self._nullable_from_examples(schema, value, set())
            return schema
        borrowed = self._borrow_response(
            ref_typed[1], [v for v in recorded if json_type(v) in extra], response_hint(op_id)
        )
        self.figures["responses widened to a union by recorded answers"] += 1
        return {"anyOf": [schema, borrowed]}

    def _borrow_response(self, ref_schema: Schema, recorded: list[Any], hint: str) -> Schema:
        dict_examples = [v for v in recorded if isinstance(v, dict)]
        dict_examples += [i for v in recorded if isinstance(v, list) for i in v if isinstance(i, dict)]
        target = ref_name(ref_schema) or ref_name(ref_schema.get("items"))
        if target is not None:
            component = self._resolve_ref_schema(target)
            props = set((self.components[component].get("properties") or {}).keys())
            keys = set().union(*(set(v) for v in dict_examples)) if dict_examples else set()
            if keys and len(keys & props) < len(keys) / 2:
                # The recorded answers use other names (the PascalCase exports): neither document
                # describes them, so the client keeps them as received under their own name.
                self.notes.append(f"{hint}: recorded answers do not fit {component}; typed as a free-form object")
                self.figures["responses whose recorded answers fit no schema"] += 1
                schema = self._hoist({"type": "object"}, hint)
                return {"type": "array", "items": schema} if ref_schema.get("type") == "array" else schema
        items_schema = ref_schema.get("items") if ref_schema.get("type") == "array" else ref_schema
        if isinstance(items_schema, dict) and is_free_object(items_schema) and dict_examples:
            keys = set().union(*(set(v) for v in dict_examples))
            covering = self._live_schema_covering(keys)
            if covering is not None:
                # The reference only says "object"; the recorded answers are exactly a live schema.
                self.figures["free-form responses typed by a live schema that fits the recordings"] += 1
                schema = ref_to(covering)
                schema = {"type": "array", "items": schema} if items_schema is not ref_schema else schema
                for value in recorded:
                    self._nullable_from_examples(schema, value, set())
                return schema
        schema = self._convert_ref(ref_schema, hint=hint)
        for value in recorded:
            schema = self._reconcile(schema, value, where=hint)
        return schema

    def _live_schema_covering(self, keys: set[str]) -> str | None:
        if len(keys) < 3:
            return None
        fits = sorted(
            (len(s.get("properties") or {}), k)
            for k, s in self.live["components"]["schemas"].items()
            if "enum" not in s
            and not k.startswith(("OpenTK.", "NetTopologySuite."))
            and keys <= set((s.get("properties") or {}).keys())
        )
        return self.live_names[fits[0][1]] if fits else None

    def _build_operations(self) -> dict[str, dict[str, Any]]:
        paths: dict[str, dict[str, Any]] = {}
        keys = sorted(set(self.live_ops) | set(self.ref_ops))
        used_ids: dict[str, str] = {}
        for key in keys:
            live = self.live_ops.get(key)
            ref = self.ref_ops.get(key)
            method, path = (live or ref)[0], (live or ref)[1]  # type: ignore[index]
            live_op = live[2] if live else None
            ref_op = ref[2] if ref else None
            renames = self._path_parameter_names(path, ref[1] if ref else None) if live else {}
            final_path = rename_path_parameters(path, renames)
            op_id, tag = self._operation_names(key, live_op, ref_op, method, path)
            if op_id in used_ids:
                raise NormalizationError(
                    f"two operations would both be named {op_id}: {used_ids[op_id]} and {key}; "
                    "add one of them to operation_ids in openapi/names.yml"
                )
            used_ids[op_id] = key
            self.names.operations[key] = {"id": op_id, "tag": tag}
            source = ref_op or {}
            operation: dict[str, Any] = {
                "operationId": op_id,
                "tags": [tag],
                "summary": str(source.get("summary") or (live_op or {}).get("summary") or op_id),
            }
            description = source.get("description") or (live_op or {}).get("description")
            if description:
                operation["description"] = str(description).strip()
            parameters = self._parameters(live_op, ref_op, renames) if live_op else self._parameters(None, ref_op, {})
            if parameters:
                operation["parameters"] = parameters
            body = self._request_body(live_op, ref_op, op_id)
            if body:
                operation["requestBody"] = body
            operation["responses"] = self._responses(key, method, path, live_op, ref_op, op_id)
            existing = paths.setdefault(final_path, {})
            if method in existing:
                raise NormalizationError(f"{method.upper()} {final_path} defined twice after renaming parameters")
            existing[method] = operation
            self.figures["operations"] += 1
            self.figures[
                "operations in both documents"
                if live and ref
                else "operations only in the live document"
                if live
                else "operations only in the reference"
            ] += 1
        return paths

    # -- rule 7 and pruning ---------------------------------------------------------------------

    def _reachable(self, roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            name = stack.pop()
            if name in seen or name not in self.components:
                continue
            seen.add(name)
            stack.extend(walk_refs(self.components[name]))
        return seen

    def _finish_components(self, paths: dict[str, dict[str, Any]]) -> None:
        response_roots: list[str] = []
        all_roots: list[str] = []
        for item in paths.values():
            for operation in item.values():
                all_roots.extend(walk_refs(operation))
                response_roots.extend(walk_refs(operation.get("responses")))
        reachable = self._reachable(all_roots)
        pruned = sorted(set(self.components) - reachable)
        self.figures["unreachable schemas pruned"] = len(pruned)
        for name in pruned:
            del self.components[name]
        for name in self._reachable(response_roots):
            # Rule 7: C# [Required] describes what the server accepts, not what it sends back.
            if self.components[name].pop("required", None) is not None:
                self.figures["required lists dropped on response models"] += 1

    # -- entry point ----------------------------------------------------------------------------

    def run(self) -> Result:
        check_openapi3(self.live, "primary")
        check_openapi3(self.ref, "reference")
        self._name_live_schemas()
        self._build_live_components()
        self._learn_pairs()
        for name in sorted(self._ref_schemas()):
            if name in self._ref_pairs or any(name == naming.short_type_name(k) for k in self.live_names):
                self._resolve_ref_schema(name)
        self._name_enums()
        paths = self._build_operations()
        self._finish_components(paths)
        tags = sorted({op["tags"][0] for item in paths.values() for op in item.values()})
        tag_docs = {t["name"]: t.get("description", "") for t in self.ref.get("tags") or []}
        live_version = self.live.get("info", {}).get("version", "?")
        ref_version = self.ref.get("info", {}).get("version", "?")
        document = {
            "openapi": "3.1.0",
            "info": {
                "title": "PlantPredict API",
                "version": f"{live_version}+reference.{ref_version}",
                "description": "PlantPredict's live document merged with its reference by openapi/_normalize.py.",
            },
            "servers": [{"url": "https://api.plantpredict.terabase.energy"}, {"url": "https://api.plantpredict.com"}],
            "tags": [{"name": t, "description": tag_docs.get(t, "")} for t in tags],
            "paths": {p: dict(sorted(paths[p].items())) for p in sorted(paths)},
            "components": {"schemas": {k: self.components[k] for k in sorted(self.components)}},
        }
        # Names of removed operations and schemas stay locked so a return never renames them.
        for schema_key, schema_name in self.lock.schemas.items():
            self.names.schemas.setdefault(schema_key, schema_name)
        for operation_key, operation_names in self.lock.operations.items():
            self.names.operations.setdefault(operation_key, operation_names)
        self.figures["schemas"] = len(self.components)
        self.figures["recorded examples"] = len(self.examples)
        return Result(document, self.names, dict(sorted(self.figures.items())), self.notes)


def check_openapi3(document: dict[str, Any], label: str) -> None:
    if not isinstance(document, dict):
        raise NormalizationError(f"the {label} document is not a JSON/YAML object")
    if "swagger" in document:
        raise NormalizationError(
            f"the {label} document is Swagger {document.get('swagger')}, not OpenAPI 3; "
            "convert it (for example with swagger2openapi) or point the source at the OpenAPI 3 document"
        )
    version = str(document.get("openapi", ""))
    if not version.startswith("3."):
        raise NormalizationError(f"the {label} document has no 'openapi: 3.x' field; is it an OpenAPI document?")
    if not isinstance(document.get("paths"), dict):
        raise NormalizationError(f"the {label} document has no paths")


def rename_path_parameters(path: str, renames: dict[str, str]) -> str:
    return naming.PATH_PARAM.sub(lambda m: "{" + renames.get(m.group(1), m.group(1)) + "}", path)


def is_free_object(node: Schema) -> bool:
    return types_of(node) <= {"object", "null"} and "object" in types_of(node) and not node.get("properties")


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name + "Item"


def response_hint(op_id: str) -> str:
    """The class name for an inline 2xx body: ``get_result_details`` -> ``ResultDetails``,
    ``parse_weather`` -> ``ParseWeatherResult``."""
    parts = op_id.split("_")
    if parts[0] in ("get", "list") and len(parts) > 1:
        return "".join(p.title() for p in parts[1:])
    return "".join(p.title() for p in parts) + "Result"


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


def normalize(live: dict[str, Any], reference: dict[str, Any], lock: NameLock, overrides: Overrides) -> Result:
    return Normalizer(live, reference, lock, overrides).run()


__all__ = [
    "NameLock",
    "NormalizationError",
    "Overrides",
    "RecordedExample",
    "Result",
    "normalize",
]
