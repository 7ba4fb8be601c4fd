"""Choosing names, and keeping them: the name lock, the hand-made overrides, and the ``Namer``.

Names never move once chosen (docs/build-step.md#the-name-lock): ``NameLock`` maps stable keys (a
.NET type name, ``METHOD path``) to the names the generated client uses, and the ``Namer`` reuses a
locked name before it derives one. Derivation itself (casing, .NET names, operation ids) is pure and
lives in ``_naming.py``.

To lock a new kind of name: add a section (a field) to ``NameLock``; ``to_json``, ``from_json`` and
``carry_over`` handle every section alike. Then give ``Namer`` a method that looks the key up in
the lock first, derives only when it is missing, and counts what it derived in ``figures``.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
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
    """

    schemas: dict[str, str] = field(default_factory=dict)
    operations: dict[str, dict[str, str]] = field(default_factory=dict)

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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Overrides:
        return cls(
            schemas=dict(data.get("schemas") or {}),
            operation_ids=dict(data.get("operation_ids") or {}),
            tag_rules=[(str(r[0]), str(r[1])) for r in data.get("tag_rules") or []],
            default_tag=str(data.get("default_tag") or "System"),
            download_segments=[str(s) for s in data.get("download_segments") or []],
        )

    @classmethod
    def read(cls, path: Path) -> Overrides:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls.from_json(data or {})


SCHEMA_NAMES_DERIVED = "schema names newly derived"
OPERATION_NAMES_DERIVED = "operation names newly derived"


class Namer:
    """The names of one normalization: locked ones first, derived ones counted in ``figures``."""

    def __init__(self, lock: NameLock, overrides: Overrides, figures: Counter[str]) -> None:
        self.lock = lock
        self.overrides = overrides
        self.figures = figures
        self.names = NameLock()

    @property
    def newly_derived(self) -> int:
        return self.figures[SCHEMA_NAMES_DERIVED] + self.figures[OPERATION_NAMES_DERIVED]

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

    # -- enum members (docs/normalization.md#enum-member-names) ----------------------------------

    @staticmethod
    def enum_members(names: Iterable[str], values: list[Any]) -> list[str]:
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

    def finish(self) -> NameLock:
        """The names to lock: this run's, plus every locked name the documents no longer use."""
        self.names.carry_over(self.lock)
        return self.names


__all__ = ["OPERATION_NAMES_DERIVED", "SCHEMA_NAMES_DERIVED", "NameLock", "Namer", "Overrides"]
