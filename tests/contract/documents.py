"""The documents Prism serves, and which generated operation each of their operations is.

Prism cannot serve the live document as it is: 30 of its ``$ref`` close a cycle (a ``Project``
holds ``Prediction`` objects, each holding its ``Project``; ``Company`` -> ``ApplicationUser`` ->
``Company``; the NetTopologySuite and OpenTK geometry types refer to themselves). Prism 5.16 loads
it (in 75 s, against 25 s without the cycles, 900 MB), but every dynamic answer that reaches a
cycle fails with a 500 (json-schema-faker: ``Prop not found: paths (#/paths/~1Project~1{id}/...)``),
so no operation answering a project or a prediction could be tested. The test gives Prism a copy,
written to a temporary folder, in which each ``$ref`` that closes a cycle (found by a depth-first
walk in schema-name order) is ``{"type": "object"}``; nothing else changes. A request field behind
such a ``$ref`` is then checked only as an object, and a dynamic answer holds an empty object there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi._naming import match_key
from openapi._reference import operations

_PREFIX = "#/components/schemas/"
#: What a ``$ref`` that closes a cycle becomes.
CUT = {"type": "object"}


def cut_cycles(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Replace, in place, every schema ``$ref`` that closes a cycle; return the (from, to) pairs."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    cuts: list[tuple[str, str]] = []

    def visit(name: str) -> None:
        state[name] = 1
        replace(schemas[name], name)
        state[name] = 2

    def replace(node: Any, owner: str) -> None:
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in list(children):
            target = child.get("$ref", "") if isinstance(child, dict) else ""
            if isinstance(target, str) and target.startswith(_PREFIX):
                name = target[len(_PREFIX) :]
                if state.get(name) == 1:
                    node[key] = dict(CUT)
                    cuts.append((owner, name))
                    continue
                if name not in state and name in schemas:
                    visit(name)
            replace(child, owner)

    for name in sorted(schemas):
        if name not in state:
            visit(name)
    return cuts


def prepared_live_copy(live: dict[str, Any], folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """The live document without its cycles, written to ``folder`` (never committed)."""
    copy = json.loads(json.dumps(live))
    cuts = cut_cycles(copy)
    path = folder / "live-without-cycles.json"
    path.write_text(json.dumps(copy), encoding="utf-8")
    return path, cuts


def operations_of(document: dict[str, Any], api_surface: dict[str, Any]) -> dict[str, str]:
    """Generated operation name -> the document's own path for it (matched by method and path,
    case-insensitively, ignoring path-parameter names, as the build step matches them)."""
    by_key = {match_key(op["method"], op["path"]): name for name, op in api_surface["operations"].items()}
    found: dict[str, str] = {}
    for method, path, _ in operations(document):
        name = by_key.get(match_key(method, path))
        if name is None:
            raise AssertionError(f"{method.upper()} {path} has no generated operation")
        found[name] = path
    return found


__all__ = ["CUT", "cut_cycles", "operations_of", "prepared_live_copy"]
