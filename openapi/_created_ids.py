"""Create answers carry the new id (docs/normalization.md#create-answers-carry-the-new-id).

Answers require nothing (``_prune.py``), so every field of a parsed answer may be ``Unset``; for the
id a create answers, that would make every caller check for it before using it. PlantPredict's
creates answer ``{"id": <int>}``: a schema that only POST operations answer and no request sends,
with an integer ``id`` that every recorded answer carries, requires its ``id``. An answer without
one then fails to parse (the runtime's ``APIResponseError``) instead of yielding an unusable object.
"""

from __future__ import annotations

from typing import Any

from . import _naming as naming
from ._descriptions import answer_schema
from ._prune import reachable
from ._schema import ref_name, types_of, walk_refs
from ._state import Merge


def require_created_ids(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    sent = reachable(
        m.components,
        [name for item in paths.values() for op in item.values() for name in walk_refs(op.get("requestBody"))],
    )
    answered: dict[str, set[str]] = {}  # component -> match keys of the operations answering it
    others: set[str] = set()  # components some operation other than a POST answers
    for path, item in paths.items():
        for method, operation in item.items():
            name = ref_name(answer_schema(operation) or {})
            if name is None:
                continue
            if method == "post":
                answered.setdefault(name, set()).add(naming.match_key(method, path))
            else:
                others.add(name)
    for name, keys in sorted(answered.items()):
        schema = m.components[name]
        identifier = (schema.get("properties") or {}).get("id") or {}
        if name in sent or name in others or types_of(identifier) != {"integer"}:
            continue
        recorded = [e.value for e in m.examples if naming.match_key(e.method, e.path) in keys]
        if recorded and all(isinstance(v, dict) and isinstance(v.get("id"), int) for v in recorded):
            schema["required"] = ["id"]
            m.figures["create answers whose id is required"] += 1


__all__ = ["require_created_ids"]
