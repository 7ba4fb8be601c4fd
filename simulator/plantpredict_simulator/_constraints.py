"""Range and length rules of the request bodies the simulator accepts, read from the live document.

The generated models carry types but not the live document's DataAnnotations (`minimum`, `maximum`,
`maxLength`); `_documents.json` carries the live schemas of the request models, and the rules are read
from them here, keyed by generated model class and JSON name.

`required=True` marks the fields a body must carry (absent or null -> "The X field is required.").
The live document marks many more as required, but they are non-nullable value types that ASP.NET
fills with defaults when absent; the simulator enforces only the ones every calculation needs (the
site of a project, the power of a module and an inverter), which the official SDK also documents as
the minimum to send. tests/simulator/test_validation.py checks they are in the document's `required`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from plantpredict_simulator import _documents

REQUIRED: dict[str, tuple[str, ...]] = {
    "Project": ("latitude", "longitude", "elevation", "standardOffsetFromUTC"),
    "Module": ("stcMaxPower",),
    "Inverter": ("powerRated", "apparentPower"),
}


@dataclass(frozen=True)
class Rule:
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    required: bool = False


@functools.cache
def rules(model: str) -> dict[str, Rule]:
    """The rules of one generated request model (empty for a model the simulator does not validate)."""
    key = _documents.model_schema(model)
    if key is None:
        return {}
    properties = _documents.schema(key).get("properties") or {}
    found: dict[str, Rule] = {}
    for name, prop in properties.items():
        rule = Rule(
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
            max_length=prop.get("maxLength"),
            required=name in REQUIRED.get(model, ()),
        )
        if rule != Rule():
            found[name] = rule
    return found
