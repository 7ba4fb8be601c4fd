"""Choosing names, and keeping them: the name lock, the hand-made overrides, and the ``Namer``.

Names never move once chosen (docs/build-step.md#the-name-lock): ``NameLock`` maps stable keys (a
.NET type name, ``METHOD path``) to the names the generated client uses, and the ``Namer`` reuses a
locked name before it derives one. Derivation itself (casing, .NET names, operation ids) is pure and
lives in ``_naming.py``.

To lock a new kind of name: add a section (a field) to ``NameLock``; ``to_json``, ``from_json`` and
``carry_over`` handle every section alike. Then give ``Namer`` a method that looks the key up in
the lock first, derives only when it is missing, and counts what it derived in ``figures`` under a
name listed in ``DERIVED`` (``make generate`` refuses to run while any of them is above zero).
Names that must be unique among siblings (the attributes of one class, the members of one enum, the
methods of one resource) are chosen a group at a time: locked names first, derived ones after, in
sorted order, so the result never depends on document order.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from . import _naming as naming
from ._schema import NormalizationError


@dataclass
class NameLock:
    """Names that must never change once a client has been generated with them.

    ``schemas``: schema key (``live:<.NET name>``, ``ref:<reference name>``, ``inline:<hint>``) ->
    class name. ``operations``: match key (``GET /project/{}``) -> ``{"id": function, "tag": module}``.
    The other sections are described in docs/build-step.md#the-name-lock.
    """

    schemas: dict[str, str] = field(default_factory=dict)
    operations: dict[str, dict[str, str]] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)  # "Class.jsonKey" -> attribute
    parameters: dict[str, str] = field(default_factory=dict)  # "GET /path/{} query:name" -> argument
    enum_members: dict[str, str] = field(default_factory=dict)  # "Enum.value" -> member
    resources: dict[str, str] = field(default_factory=dict)  # tag -> client attribute (client.projects)
    methods: dict[str, str] = field(default_factory=dict)  # match key -> resource method

    def to_json(self) -> dict[str, Any]:
        return {section.name: dict(sorted(getattr(self, section.name).items())) for section in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> NameLock:
        data = data or {}
        return cls(**{section.name: copy.deepcopy(dict(data.get(section.name) or {})) for section in fields(cls)})

    def carry_over(self, locked: NameLock) -> None:
        """Keep every locked name, even of what the documents no longer have, so that a return
        never renames it."""
        for section in fields(self):
            mine, theirs = getattr(self, section.name), getattr(locked, section.name)
            for key, value in theirs.items():
                mine.setdefault(key, value)

    def count(self) -> dict[str, int]:
        return {section.name: len(getattr(self, section.name)) for section in fields(self)}


@dataclass
class Overrides:
    """Hand-made naming decisions (``openapi/names.yml``), used only where the lock has no entry."""

    schemas: dict[str, str] = field(default_factory=dict)
    operation_ids: dict[str, str] = field(default_factory=dict)
    tag_rules: list[tuple[str, str]] = field(default_factory=list)
    default_tag: str = "System"
    download_segments: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    acronyms: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)
    resource_nouns: dict[str, list[str]] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    sdk_enums: dict[str, str] = field(default_factory=dict)
    # The official SDK's enumerations (sdk-enumerations.yml): SDK enum -> {value: member name}.
    sdk_enumerations: dict[str, dict[int, str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any], sdk: dict[str, Any] | None = None) -> Overrides:
        attributes = data.get("attribute_names") or {}
        enumerations = (sdk or {}).get("enumerations") or {}
        return cls(
            schemas=dict(data.get("schemas") or {}),
            operation_ids=dict(data.get("operation_ids") or {}),
            tag_rules=[(str(r[0]), str(r[1])) for r in data.get("tag_rules") or []],
            default_tag=str(data.get("default_tag") or "System"),
            download_segments=[str(s) for s in data.get("download_segments") or []],
            units={str(k): str(v) for k, v in (attributes.get("units") or {}).items()},
            acronyms=[str(a) for a in attributes.get("acronyms") or []],
            resources={str(k): str(v) for k, v in (data.get("resources") or {}).items()},
            resource_nouns={str(k): [str(n) for n in v] for k, v in (data.get("resource_nouns") or {}).items()},
            methods={str(k): str(v) for k, v in (data.get("methods") or {}).items()},
            sdk_enums={str(k): str(v) for k, v in (data.get("sdk_enums") or {}).items()},
            sdk_enumerations={
                str(name): {int(v): str(n) for n, v in members.items()} for name, members in enumerations.items()
            },
        )

    @classmethod
    def read(cls, path: Path) -> Overrides:
        """``names.yml``, with the SDK's enumerations from ``sdk-enumerations.yml`` beside it."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        sdk_path = path.with_name(SDK_ENUMERATIONS)
        sdk = yaml.safe_load(sdk_path.read_text(encoding="utf-8")) if sdk_path.exists() else {}
        return cls.from_json(data or {}, sdk or {})


SDK_ENUMERATIONS = "sdk-enumerations.yml"

SCHEMA_NAMES_DERIVED = "schema names newly derived"
OPERATION_NAMES_DERIVED = "operation names newly derived"
ATTRIBUTE_NAMES_DERIVED = "attribute names newly derived"
PARAMETER_NAMES_DERIVED = "parameter names newly derived"
ENUM_MEMBER_NAMES_DERIVED = "enum member names newly derived"
RESOURCE_NAMES_DERIVED = "resource names newly derived"
METHOD_NAMES_DERIVED = "method names newly derived"
DERIVED = (
    SCHEMA_NAMES_DERIVED,
    OPERATION_NAMES_DERIVED,
    ATTRIBUTE_NAMES_DERIVED,
    PARAMETER_NAMES_DERIVED,
    ENUM_MEMBER_NAMES_DERIVED,
    RESOURCE_NAMES_DERIVED,
    METHOD_NAMES_DERIVED,
)


def _unique(
    keys: list[str], locked: dict[str, str], derive: Callable[[str], str], taken: Iterable[str] = ()
) -> tuple[dict[str, str], int]:
    """Names for a group of siblings: the locked ones, then derived ones made unique with ``_2``,
    ``_3``...; returns the names and how many were derived."""
    chosen = {k: locked[k] for k in keys if k in locked}
    used = set(locked.values()) | set(taken)
    derived = 0
    for key in sorted(k for k in keys if k not in locked):
        wanted = derive(key)
        name, n = wanted, 2
        while name in used:
            name = f"{wanted}_{n}"
            n += 1
        used.add(name)
        chosen[key] = name
        derived += 1
    return chosen, derived


class Namer:
    """The names of one normalization: locked ones first, derived ones counted in ``figures``."""

    def __init__(self, lock: NameLock, overrides: Overrides, figures: Counter[str]) -> None:
        self.lock = lock
        self.overrides = overrides
        self.figures = figures
        self.names = NameLock()

    @property
    def newly_derived(self) -> int:
        return sum(self.figures[kind] for kind in DERIVED)

    # -- schemas (docs/normalization.md#schema-names) ---------------------------------------------

    def schema(self, key: str, wanted: str) -> str:
        """The class name for a schema key: the locked one, or ``wanted`` made unique."""
        if key in self.names.schemas:
            return self.names.schemas[key]
        if key in self.lock.schemas:
            name = self.lock.schemas[key]
        else:
            taken = set(self.lock.schemas.values()) | set(self.names.schemas.values())
            name = wanted
            n = 2
            while name in taken:
                name = f"{wanted}{n}"
                n += 1
            self.figures[SCHEMA_NAMES_DERIVED] += 1
        self.names.schemas[key] = name
        return name

    def live_schemas(self, keys: list[str]) -> dict[str, str]:
        """Class names for the live document's .NET schema names (key -> class name)."""
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
        chosen: dict[str, str] = {}
        for key in keys:
            name = locked.get(key) or derived[key]
            chosen[key] = name
            self.names.schemas["live:" + key] = name
            if "live:" + key not in self.lock.schemas:
                self.figures[SCHEMA_NAMES_DERIVED] += 1
        shorts = Counter(naming.short_type_name(k) for k in keys)
        self.figures["short-name collisions"] = sum(1 for c in shorts.values() if c > 1)
        return chosen

    # -- operations (docs/normalization.md#operation-names, #tags) -------------------------------

    def operation(self, key: str, ref_op: dict[str, Any] | None, method: str, path: str) -> tuple[str, str]:
        """The function name and module tag of the operation with match key ``key``."""
        if key in self.lock.operations:
            locked = self.lock.operations[key]
            return locked["id"], locked["tag"]
        self.figures[OPERATION_NAMES_DERIVED] += 1
        if ref_op and ref_op.get("operationId"):
            op_id = naming.snake(str(ref_op["operationId"]))
        elif key in self.overrides.operation_ids:
            op_id = naming.snake(self.overrides.operation_ids[key])
        else:
            op_id = naming.snake(naming.derive_operation_id(method, path))
        if ref_op and ref_op.get("tags"):
            tag = str(ref_op["tags"][0])
        else:
            tag = naming.tag_for_path(path, self.overrides.tag_rules, self.overrides.default_tag)
        return op_id, tag

    def claim_operation(self, key: str, op_id: str, tag: str) -> None:
        self.names.operations[key] = {"id": op_id, "tag": tag}

    # -- attributes and parameters (docs/normalization.md#attribute-names) ----------------------

    def attributes(self, schema: str, keys: list[str]) -> dict[str, str]:
        """The attribute names of one class: JSON key -> Python name."""
        prefix = f"{schema}."
        locked = {k: self.lock.attributes[prefix + k] for k in keys if prefix + k in self.lock.attributes}
        # A key that left the class keeps its name reserved, so a return never renames another one.
        reserved = [v for k, v in self.lock.attributes.items() if k.startswith(prefix) and k[len(prefix) :] not in keys]
        chosen, derived = _unique(
            keys,
            locked,
            lambda key: naming.attribute_name(key, self.overrides.units, self.overrides.acronyms),
            # The names a model class defines besides its fields.
            [*reserved, "additional_properties", "additional_keys", "to_dict", "from_dict"],
        )
        self.figures[ATTRIBUTE_NAMES_DERIVED] += derived
        self.names.attributes.update({prefix + k: v for k, v in chosen.items()})
        return chosen

    def parameters(self, operation: str, keys: list[str]) -> dict[str, str]:
        """The argument names of one operation: ``<in>:<name>`` -> Python name."""
        prefix = f"{operation} "
        locked = {k: self.lock.parameters[prefix + k] for k in keys if prefix + k in self.lock.parameters}
        chosen, derived = _unique(
            keys,
            locked,
            lambda key: naming.attribute_name(key.split(":", 1)[1], self.overrides.units, self.overrides.acronyms),
            ["client", "body"],
        )
        self.figures[PARAMETER_NAMES_DERIVED] += derived
        self.names.parameters.update({prefix + k: v for k, v in chosen.items()})
        return chosen

    # -- enum members (docs/normalization.md#enum-member-names) ----------------------------------

    def enum_members(self, enum: str, values: list[Any], wanted: dict[Any, str]) -> list[str]:
        """Member names, in the order of ``values``: locked ones, else ``wanted`` (from a document
        or the SDK), else ``VALUE_<n>``."""
        prefix = f"{enum}."
        keys = [str(v) for v in values]
        locked = {k: self.lock.enum_members[prefix + k] for k in keys if prefix + k in self.lock.enum_members}
        by_key = {str(v): v for v in values}
        chosen, derived = _unique(keys, locked, lambda k: naming.enum_member(wanted.get(by_key[k], ""), by_key[k]))
        self.figures[ENUM_MEMBER_NAMES_DERIVED] += derived
        self.names.enum_members.update({prefix + k: v for k, v in chosen.items()})
        return [chosen[k] for k in keys]

    # -- resources (docs/normalization.md#resources) ---------------------------------------------

    def resource(self, tag: str) -> str:
        """The client attribute that groups a tag's operations (``client.power_plants``)."""
        if tag in self.names.resources:
            return self.names.resources[tag]
        if tag in self.lock.resources:
            name = self.lock.resources[tag]
        else:
            name = self.overrides.resources.get(tag) or naming.snake(tag)
            if name in {v for k, v in self.lock.resources.items() if k != tag} | {
                v for k, v in self.names.resources.items() if k != tag
            }:
                raise NormalizationError(f"two tags would both be client.{name}: add {tag} to resources in names.yml")
            self.figures[RESOURCE_NAMES_DERIVED] += 1
        self.names.resources[tag] = name
        return name

    def methods(self, resource: str, operations: dict[str, str]) -> dict[str, str]:
        """The method names of one resource: match key -> method, from ``{match key: function}``."""
        locked = {k: self.lock.methods[k] for k in operations if k in self.lock.methods}
        nouns = self.overrides.resource_nouns.get(resource) or [resource, resource.removesuffix("s")]
        derived_names: dict[str, str] = {}
        for key, function in operations.items():
            if key not in locked:
                derived_names[key] = self.overrides.methods.get(key) or naming.resource_method(function, nouns)
        clashes = sorted(
            key
            for key, name in derived_names.items()
            if name in locked.values() or list(derived_names.values()).count(name) > 1
        )
        if clashes:
            raise NormalizationError(
                f"client.{resource} would have two methods named {derived_names[clashes[0]]}: "
                f"{', '.join(clashes)}; add one of them to methods in openapi/names.yml"
            )
        self.figures[METHOD_NAMES_DERIVED] += len(derived_names)
        chosen = {**locked, **derived_names}
        self.names.methods.update(chosen)
        return chosen

    def finish(self) -> NameLock:
        """The names to lock: this run's, plus every locked name the documents no longer use."""
        self.names.carry_over(self.lock)
        return self.names


__all__ = [
    "DERIVED",
    "OPERATION_NAMES_DERIVED",
    "SCHEMA_NAMES_DERIVED",
    "SDK_ENUMERATIONS",
    "NameLock",
    "Namer",
    "Overrides",
]
