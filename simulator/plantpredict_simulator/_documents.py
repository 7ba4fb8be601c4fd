"""What the simulator knows from PlantPredict's API documents, read from the committed data file.

`_documents.json` is derived from the two upstream documents by `_derive.py` (`make simulator-data`);
the simulator never reads the documents themselves, so it runs where they are not at hand.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "_documents.json"
_PARAMETER = re.compile(r"\{([^}]*)\}")


@dataclass(frozen=True)
class Operation:
    """One operation of the generated client, with its success answer as the documents describe it."""

    name: str
    module: str
    method: str
    path: str
    documents: tuple[str, ...]
    status: int
    media: str | None
    schema: Any = None
    has_example: bool = False
    example: Any = field(default=None, compare=False, repr=False)

    @property
    def parameters(self) -> list[str]:
        return _PARAMETER.findall(self.path)

    @property
    def key(self) -> str:
        return match_key(self.method, self.path)


def match_key(method: str, path: str) -> str:
    """METHOD plus the lower-cased path with `{}` for every parameter (how both documents are matched)."""
    return method.upper() + " " + _PARAMETER.sub("{}", path.lower())


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


@functools.cache
def operations() -> tuple[Operation, ...]:
    found = []
    for entry in _data()["operations"]:
        found.append(
            Operation(
                name=entry["name"],
                module=entry["module"],
                method=entry["method"],
                path=entry["path"],
                documents=tuple(entry["documents"]),
                status=int(entry["status"]),
                media=entry.get("media"),
                schema=entry.get("schema"),
                has_example="example" in entry,
                example=entry.get("example"),
            )
        )
    return tuple(found)


@functools.cache
def operations_by_key() -> dict[str, Operation]:
    return {op.key: op for op in operations()}


def operation(method: str, path: str) -> Operation | None:
    return operations_by_key().get(match_key(method, path))


def schema(key: str) -> dict[str, Any]:
    """A reduced schema by key (`live:<.NET name>` or `ref:<name>`)."""
    found: dict[str, Any] = _data()["schemas"][key]
    return found


def model_schema(class_name: str) -> str | None:
    """The live schema key behind a generated request model the simulator validates, if any."""
    key: str | None = _data()["models"].get(class_name)
    return key


def source_hashes() -> dict[str, str]:
    hashes: dict[str, str] = _data()["sources"]
    return hashes
