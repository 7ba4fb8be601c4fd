"""Last pass over the components: drop what no operation reaches (docs/normalization.md#pruning), and
the ``required`` lists of what operations answer (docs/normalization.md#response-models-require-nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._schema import Schema, walk_refs


def reachable(components: dict[str, Schema], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen or name not in components:
            continue
        seen.add(name)
        stack.extend(walk_refs(components[name]))
    return seen


def finish_components(components: dict[str, Schema], paths: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Prune ``components`` in place; return the figures of what was done."""
    response_roots: list[str] = []
    all_roots: list[str] = []
    for item in paths.values():
        for operation in item.values():
            all_roots.extend(walk_refs(operation))
            response_roots.extend(walk_refs(operation.get("responses")))
    pruned = sorted(set(components) - reachable(components, all_roots))
    for name in pruned:
        del components[name]
    dropped = 0
    for name in reachable(components, response_roots):
        # C# [Required] describes what the server accepts, not what it sends back.
        if components[name].pop("required", None) is not None:
            dropped += 1
    return {"unreachable schemas pruned": len(pruned), "required lists dropped on response models": dropped}


__all__ = ["finish_components", "reachable"]
