"""Arguments for a generated function: what its signature requires, and for a body what the
client's own check before sending (``errors.MissingRequiredFields``) says it lacks, filled with plain
valid values.

Nothing here knows an operation by name. The types come from the generated signatures and models;
which body fields to fill comes from the generated check, one round at a time (filling a required
model brings its own required fields to light), so a field the check forgets is a field Prism
rejects; the bounds a number must keep (``minimum``, ``maximum``) and the JSON key -> attribute
names come from the merged document the client was generated from.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import io
import types
import typing
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

from plantpredict_client import errors, models
from plantpredict_client.types import File, Unset
from tests.complete_bodies import walk_to

Schema = dict[str, Any]
#: More rounds than the deepest body needs (a power plant: plant, block, array, inverter, DC field).
MAX_ROUNDS = 20


def _members(annotation: Any) -> list[Any]:
    """The members of a union other than ``None`` and ``Unset``, in declaration order."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a not in (type(None), Unset)]
    return [annotation]


def is_model(cls: Any) -> bool:
    return isinstance(cls, type) and hasattr(cls, "from_dict") and hasattr(cls, "to_dict")


def _hints(cls: type[Any]) -> dict[str, Any]:
    # Models import each other only for type checkers: resolve their names in the models package.
    return typing.get_type_hints(cls, localns=vars(models))


def _number(schema: Schema | None, integer: bool) -> float:
    """A number inside the schema's bounds: the middle of both, else next to the one given, else 1."""
    schema = schema or {}
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        middle = (low + high) / 2
        return int(middle) if integer and low <= int(middle) <= high else middle
    if low is not None:
        return low + 1
    if high is not None:
        return high - 1
    return 1


class Arguments:
    """Builds arguments from the merged document (``document``: the normalizer's output)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.schemas: dict[str, Schema] = document["components"]["schemas"]
        self.parameters: dict[tuple[str, str], Schema] = {
            (operation["operationId"], parameter.get("x-python-name") or parameter["name"]): parameter.get("schema")
            or {}
            for item in document["paths"].values()
            for operation in item.values()
            for parameter in operation.get("parameters") or []
        }

    def value(self, annotation: Any, schema: Schema | None = None) -> Any:
        """A valid value of a generated type: the first member of a union, the first member of an
        enum, one item in a list, a model with what its constructor requires, a number within its
        bounds."""
        chosen = _members(annotation)[0]
        origin = typing.get_origin(chosen)
        if origin is list:
            (item,) = typing.get_args(chosen)
            return [self.value(item)]
        if origin is dict or chosen is Any:
            return {}
        if isinstance(chosen, type) and issubclass(chosen, enum.Enum):
            return next(iter(chosen))
        if chosen is bool:
            return True
        if chosen is int:
            return int(_number(schema, integer=True))
        if chosen is float:
            return float(_number(schema, integer=False))
        if chosen is str:
            return "contract"
        if chosen is dt.datetime:
            return dt.datetime(2024, 1, 1, 12, 0, 0)
        if chosen is dt.date:
            return dt.date(2024, 1, 1)
        if chosen is uuid.UUID:
            return uuid.UUID(int=1)
        if chosen is File:
            return File(payload=io.BytesIO(b"contract"), file_name="contract.csv", mime_type="text/csv")
        if is_model(chosen):
            return self.model(chosen)
        raise TypeError(f"no value for {annotation!r}")

    def model(self, cls: type[Any]) -> Any:
        """An instance of ``cls`` with what its constructor requires."""
        hints = _hints(cls)
        properties = self._properties(cls)
        names = {attribute: key for key, attribute in self._attributes(cls).items()}
        kwargs = {
            name: self.value(hints[name], properties.get(names.get(name, "")))
            for name, parameter in inspect.signature(cls).parameters.items()
            if parameter.default is inspect.Parameter.empty
        }
        return cls(**kwargs)

    def _properties(self, cls: type[Any]) -> dict[str, Schema]:
        return (self.schemas.get(cls.__name__) or {}).get("properties") or {}

    def _attributes(self, cls: type[Any]) -> dict[str, str]:
        """JSON key -> attribute of a model."""
        return dict((self.schemas.get(cls.__name__) or {}).get("x-python-names") or {})

    def fill(self, body: Any, path: str) -> None:
        """Give the field at ``path`` (``body.powerPlant.blocks[0].repeater``, as the check names
        it) a valid value."""
        target, key = walk_to(body, path, lambda model, name: self._attributes(type(model))[name])
        attribute = self._attributes(type(target))[key]
        setattr(target, attribute, self.value(_hints(type(target))[attribute], self._properties(type(target)).get(key)))

    def call(self, module: ModuleType, *, only_signature: bool = False) -> dict[str, Any]:
        """Keyword arguments for a generated operation's functions (``client`` left out): every
        argument its signature requires and nothing else, and (unless ``only_signature``) every body
        field its check before sending asks for."""
        function: Callable[..., Any] = module.asyncio_detailed
        operation = module.__name__.rsplit(".", 1)[-1]
        hints = typing.get_type_hints(function)
        arguments: dict[str, Any] = {}
        for name, parameter in inspect.signature(function).parameters.items():
            if name != "client" and parameter.default is inspect.Parameter.empty:
                arguments[name] = self.value(hints[name], self.parameters.get((operation, name)))
        if only_signature:
            return arguments
        for _ in range(MAX_ROUNDS):
            try:
                module._get_kwargs(**arguments)
            except errors.MissingRequiredFields as missing:
                for path in missing.missing:
                    self.fill(arguments["body"], path)
            else:
                return arguments
        raise AssertionError(f"{operation}: the check still asks for fields after {MAX_ROUNDS} rounds")


__all__ = ["Arguments", "is_model"]
