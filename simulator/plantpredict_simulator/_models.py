"""Request-body validation against the generated client's own models.

The generated attrs models know each field's Python type (through their annotations) and its JSON
name (only inside `to_dict`). From them this module derives, once per class, a table of JSON fields,
and checks a request body the way ASP.NET/Newtonsoft binds it: JSON names match case-insensitively
(the official SDK sends `setpointKw` for `setpointkW`), numbers may arrive as numeric strings, unknown
members are ignored, and a value of the wrong type, or outside the live document's range, is a
ModelState error keyed like ASP.NET's (`project.Latitude`, `powerPlant.Blocks[0].Arrays[0]...`).
"""

from __future__ import annotations

import datetime
import enum
import functools
import math
import sys
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import attrs
from dateutil.parser import isoparse

from plantpredict_client import models
from plantpredict_client.types import UNSET, File, Unset
from plantpredict_simulator._constraints import Rule, rules

_DOTNET_NAMES: dict[type, str] = {
    float: "System.Double",
    int: "System.Int32",
    bool: "System.Boolean",
    str: "System.String",
    datetime.datetime: "System.DateTime",
    datetime.date: "System.DateTime",
    uuid.UUID: "System.Guid",
}


@dataclass(frozen=True)
class FieldSpec:
    attr: str
    key: str
    # Members of the annotation's union other than None and Unset, e.g. (float,) or (list[Block],).
    types: tuple[Any, ...]
    nullable: bool


class _Probe:
    """Stands in for any value so that `to_dict` of a one-field instance reveals that field's JSON name."""

    value = 0

    def to_dict(self) -> dict[str, Any]:
        return {}

    def isoformat(self) -> str:
        return ""

    def __iter__(self) -> typing.Iterator[Any]:
        return iter(())


@functools.cache
def fields_of(cls: type) -> dict[str, FieldSpec]:
    """JSON fields of a generated model, keyed by lower-cased JSON name."""
    namespace = {**vars(sys.modules[cls.__module__]), **vars(models)}
    hints = typing.get_type_hints(cls, globalns=namespace)
    specs: dict[str, FieldSpec] = {}
    attributes = [f.name for f in attrs.fields(cls) if f.name != "additional_properties"]
    for name in attributes:
        instance: Any = object.__new__(cls)
        for other in attributes:
            object.__setattr__(instance, other, UNSET)
        object.__setattr__(instance, "additional_properties", {})
        object.__setattr__(instance, name, _Probe())
        keys = list(instance.to_dict())
        if len(keys) != 1:
            raise RuntimeError(f"cannot tell the JSON name of {cls.__name__}.{name}: {keys}")
        members = _union_members(hints[name])
        specs[keys[0].lower()] = FieldSpec(
            attr=name,
            key=keys[0],
            types=tuple(t for t in members if t not in (type(None), Unset)),
            nullable=type(None) in members,
        )
    return specs


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


class Validator:
    """Collects ModelState errors for one request body."""

    def __init__(self, parameter: str) -> None:
        self.parameter = parameter
        self.errors: dict[str, list[str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def model(self, cls: type, value: Any, path: str | None = None) -> dict[str, Any] | None:
        """A copy of `value` with canonical JSON names and coerced scalars, or None (errors recorded)."""
        path = path or self.parameter
        if not isinstance(value, Mapping):
            self.error(path, f"Error converting value {_show(value)} to type '{cls.__name__}'.")
            return None
        specs = fields_of(cls)
        model_rules = rules(cls.__name__)
        out: dict[str, Any] = {}
        for raw_key, raw_value in value.items():
            spec = specs.get(str(raw_key).lower())
            if spec is None:
                continue  # Newtonsoft ignores members the class does not have.
            field_path = f"{path}.{spec.key[:1].upper()}{spec.key[1:]}"
            converted = self._field(spec, raw_value, field_path)
            if converted is not _INVALID and converted is not _OMIT:
                out[spec.key] = converted
        for key, rule in model_rules.items():
            label = key[:1].upper() + key[1:]
            field_path = f"{path}.{label}"
            present = out.get(key)
            if present is None:
                if rule.required and field_path not in self.errors:
                    self.error(field_path, f"The {label} field is required.")
                continue
            self._check_rule(rule, present, label, field_path)
        return out

    def _field(self, spec: FieldSpec, value: Any, path: str) -> Any:
        if value == "" and spec.nullable and any(t in (datetime.datetime, datetime.date) for t in spec.types):
            value = None  # Newtonsoft reads "" as null for a nullable DateTime (the SDK sends "").
        if value is None:
            if spec.nullable or not spec.types:
                return None
            if any(_is_reference(t) for t in spec.types):
                # A .NET reference type takes null, but the generated model could not re-emit it: leave it out.
                return _OMIT
            self.error(path, f"Error converting value {{null}} to type '{_dotnet_name(spec.types[0])}'.")
            return _INVALID
        for candidate in _ordered(spec.types):
            converted = self._convert(candidate, value, path)
            if converted is not _INVALID:
                return converted
        if not any(p == path or p.startswith((path + ".", path + "[")) for p in self.errors):
            self.error(path, f"Error converting value {_show(value)} to type '{_dotnet_name(spec.types[0])}'.")
        return _INVALID

    def _convert(self, target: Any, value: Any, path: str) -> Any:
        origin = typing.get_origin(target)
        if target is Any or target is object:
            return value
        if origin is list:
            if not isinstance(value, list):
                return _INVALID
            (item_type,) = typing.get_args(target) or (Any,)
            items = []
            for index, item in enumerate(value):
                item_path = f"{path}[{index}]"
                is_model = isinstance(item_type, type) and attrs.has(item_type)
                if is_model and isinstance(item, Mapping):
                    converted = self.model(item_type, item, item_path)
                elif is_model or item is None:
                    converted = _INVALID
                else:
                    converted = self._convert(item_type, item, item_path)
                if converted is _INVALID:
                    self.error(item_path, f"Error converting value {_show(item)} to type '{_dotnet_name(item_type)}'.")
                    continue
                items.append(converted)
            return items
        if origin is dict or target is dict:
            return dict(value) if isinstance(value, Mapping) else _INVALID
        if isinstance(target, type) and attrs.has(target):
            if not isinstance(value, Mapping):
                return _INVALID
            return self.model(target, value, path)
        if isinstance(target, type) and issubclass(target, enum.Enum):
            return _convert_enum(target, value)
        if target is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            return _INVALID
        if target is int:
            return _convert_int(value)
        if target is float:
            return _convert_float(value)
        if target is str:
            if isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            return _INVALID
        if target in (datetime.datetime, datetime.date):
            if isinstance(value, str):
                try:
                    isoparse(value)
                except ValueError:
                    return _INVALID
                return value
            return _INVALID
        if target is uuid.UUID:
            try:
                return str(uuid.UUID(str(value)))
            except ValueError:
                return _INVALID
        if target is File:
            return _INVALID
        return value

    def _check_rule(self, rule: Rule, value: Any, label: str, path: str) -> None:
        if isinstance(value, str):
            if rule.max_length is not None and len(value) > rule.max_length:
                self.error(path, f"The field {label} must be a string with a maximum length of {rule.max_length}.")
            return
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        too_low = rule.minimum is not None and value < rule.minimum
        too_high = rule.maximum is not None and value > rule.maximum
        if too_low or too_high:
            low = _fmt(rule.minimum) if rule.minimum is not None else "-1.79769313486232E+308"
            high = _fmt(rule.maximum) if rule.maximum is not None else "1.79769313486232E+308"
            self.error(path, f"The field {label} must be between {low} and {high}.")


def validate(cls: type, body: Any, parameter: str) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Canonical JSON for `body` as a `cls`, or the ModelState errors."""
    validator = Validator(parameter)
    out = validator.model(cls, body)
    if validator.errors or out is None:
        return None, validator.errors or {parameter: ["The request is invalid."]}
    try:
        return normalize(cls, out), {}
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return None, {parameter: [f"The request is invalid: {type(exc).__name__}."]}


def normalize(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """Round-trip through the generated model: dates and enums come back exactly as the client re-emits them."""
    result: dict[str, Any] = getattr(cls, "from_dict")(data).to_dict()  # noqa: B009 - generated classmethod
    return result


_INVALID: Any = object()
_OMIT: Any = object()


def _ordered(candidates: tuple[Any, ...]) -> list[Any]:
    # Try the strict shapes before the lenient ones, so `bool | list[Note]` never turns a list into a bool.
    def rank(target: Any) -> int:
        if typing.get_origin(target) is list or (isinstance(target, type) and attrs.has(target)):
            return 0
        return {bool: 1, int: 2, float: 3}.get(target, 4)

    return sorted(candidates, key=rank)


def _is_reference(target: Any) -> bool:
    """.NET reference types accept null even where the generated annotation does not say so."""
    return (
        target is str or typing.get_origin(target) in (list, dict) or (isinstance(target, type) and attrs.has(target))
    )


def _convert_int(value: Any) -> Any:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return _INVALID
    return _INVALID


def _convert_float(value: Any) -> Any:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int | float):
        return value if math.isfinite(value) else _INVALID
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return _INVALID
        return number if math.isfinite(number) else _INVALID
    return _INVALID


def _convert_enum(target: type[enum.Enum], value: Any) -> Any:
    base = _convert_int(value)
    if base is not _INVALID:
        try:
            return target(base).value
        except ValueError:
            pass
    if isinstance(value, str):
        for member in target:
            if member.name.lower() == value.lower() or str(member.value).lower() == value.lower():
                return member.value
    return _INVALID


def _dotnet_name(target: Any) -> str:
    if typing.get_origin(target) is list:
        (item,) = typing.get_args(target) or (Any,)
        return f"System.Collections.Generic.List`1[{_dotnet_name(item)}]"
    if isinstance(target, type):
        return _DOTNET_NAMES.get(target, target.__name__)
    return str(target)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list | dict):
        return "array" if isinstance(value, list) else "object"
    return str(value)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
