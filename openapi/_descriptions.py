"""What the reference's prose says about parameters, fields and enum values, read as data.

Many of the reference's operation descriptions end with a ``**Parameters:**`` list, written for the
live document's parameter names (``- `id` (path, required): ...``), and describe the fields of
their answer in bullet lists (``- **powerRated** - Rated AC power output in kilowatts (kW)``,
nested under their parent field) or tables (``| `status` | integer | ... (1=Draft, 2=...) |``).
docs/normalization.md#docstrings and #enum-member-names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._schema import Schema, ref_name, strip_null

_PARAMETERS_HEADING = re.compile(r"^\*\*Parameters:\*\*\s*$")
_PARAMETER = re.compile(
    r"^[-*] `(?P<name>[\w.\[\]]+)` \((?P<location>path|query|header|cookie|body)\b[^)]*\):\s*(?P<text>.*)$"
)
_BULLET = re.compile(r"^(?P<indent>\s*)[-*] (?P<head>(?:\*\*[\w.]+\*\*\s*/?\s*)+)\s*[-\u2013:]\s*(?P<text>.*)$")
_BULLET_NAME = re.compile(r"\*\*([\w.]+)\*\*")
_ROW = re.compile(r"^\|\s*`(?P<name>[\w.]+)`\s*\|[^|]*\|\s*(?P<text>[^|]*?)\s*\|\s*$")
_HEADING = re.compile(r"^\s*#+ |^\s*\*\*[^*]+\*\*\s*$")
_VALUES = re.compile(r"\((\s*\d+\s*=\s*[^,()=]+(?:,\s*\d+\s*=\s*[^,()=]+)+)\)")


@dataclass(frozen=True)
class FieldNote:
    """What a description says about one field of an answer: its path from the answer's model
    (``("lastModifiedBy", "status")``) and the text."""

    path: tuple[str, ...]
    text: str


Note = tuple[str, str, str]  # parameter name, location (path, query, body...), text


def parameter_notes(description: str) -> tuple[list[Note], str]:
    """The ``**Parameters:**`` list of a description as (name, location, text), and the description
    without it."""
    notes: list[Note] = []
    kept: list[str] = []
    inside = False
    for line in description.splitlines():
        if _PARAMETERS_HEADING.match(line.strip()):
            inside = True
            continue
        match = _PARAMETER.match(line.strip()) if inside else None
        if match:
            notes.append((match["name"], match["location"], match["text"].strip()))
            continue
        if inside and line.strip():
            inside = False
        kept.append(line)
    if not notes:
        return [], description
    return notes, "\n".join(kept).strip()


def parameters_section(notes: list[Note]) -> str:
    """A ``**Parameters:**`` list of ``notes``, as the reference writes one."""
    return "**Parameters:**\n\n" + "\n".join(f"- `{name}` ({where}): {text}" for name, where, text in notes)


def field_notes(description: str) -> list[FieldNote]:
    """Every field a description documents, from its bullet lists and its tables."""
    notes: list[FieldNote] = []
    parents: list[tuple[int, tuple[str, ...]]] = []  # (indent, path) of the open bullets
    for line in description.splitlines():
        if _HEADING.match(line):
            parents = []
            continue
        row = _ROW.match(line.strip())
        if row:
            notes.append(FieldNote(tuple(row["name"].split(".")), row["text"]))
            continue
        bullet = _BULLET.match(line)
        if not bullet:
            continue
        indent = len(bullet["indent"].expandtabs(4))
        while parents and parents[-1][0] >= indent:
            parents.pop()
        base = parents[-1][1] if parents else ()
        names = _BULLET_NAME.findall(bullet["head"])
        for name in names:
            notes.append(FieldNote((*base, *name.split(".")), bullet["text"].strip()))
        if len(names) == 1:
            parents.append((indent, (*base, *names[0].split("."))))
    return notes


def value_names(text: str) -> dict[int, str]:
    """``(0 = system account, 1 = active)`` -> ``{0: "system account", 1: "active"}``."""
    match = _VALUES.search(text)
    if not match:
        return {}
    names: dict[int, str] = {}
    for pair in match.group(1).split(","):
        value, name = pair.split("=", 1)
        names[int(value.strip())] = name.strip()
    return names


def answer_schema(operation: dict[str, Any]) -> Schema | None:
    """The JSON schema of an operation's first 2xx answer, if it has one."""
    for status, response in sorted(operation.get("responses", {}).items()):
        content = (response.get("content") or {}).get("application/json")
        if status.startswith("2") and content and content.get("schema"):
            return dict(content["schema"])
    return None


def answer_notes(paths: dict[str, dict[str, Any]]) -> Iterator[tuple[Schema, FieldNote]]:
    """Each field an operation's description documents, with the schema of that operation's answer
    (where the field's path starts)."""
    for item in paths.values():
        for operation in item.values():
            root = answer_schema(operation)
            if root is not None:
                for note in field_notes(str(operation.get("description") or "")):
                    yield root, note


def _model_of(components: dict[str, Schema], node: Schema) -> str | None:
    """The component a schema node holds (through ``null``, arrays and one-branch unions)."""
    node = strip_null(node)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        node = strip_null(node["items"])
    name = ref_name(node)
    return name if name in components else None


def resolve(components: dict[str, Schema], root: Schema, path: tuple[str, ...]) -> tuple[str, str] | None:
    """(component, property) that ``path`` names below ``root``, or ``None`` if any step is missing."""
    current = _model_of(components, root)
    for index, name in enumerate(path):
        if current is None:
            return None
        properties = components[current].get("properties") or {}
        if name not in properties:
            return None
        if index == len(path) - 1:
            return current, name
        current = _model_of(components, properties[name])
    return None


__all__ = [
    "FieldNote",
    "Note",
    "answer_notes",
    "answer_schema",
    "field_notes",
    "parameter_notes",
    "parameters_section",
    "resolve",
    "value_names",
]
