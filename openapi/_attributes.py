"""Python names of attributes and arguments (docs/normalization.md#attribute-names).

The generator's own snake_case tears units and acronyms apart (``setpointkW`` -> ``setpointk_w``,
``totalBoSLoss`` -> ``total_bo_s_loss``). The normalizer names every attribute and argument itself,
through the unit and acronym table of ``names.yml`` and the name lock, and writes the names into the
document: ``x-python-names`` (JSON key -> attribute) on each model, ``x-python-name`` on each
parameter. The JSON keys on the wire do not change.
"""

from __future__ import annotations

from typing import Any

from . import _naming as naming
from ._state import Merge


def name_attributes(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    for name, schema in sorted(m.components.items()):
        keys = list((schema.get("properties") or {}).keys())
        if not keys:
            continue
        names = m.namer.attributes(name, keys)
        schema["x-python-names"] = {key: names[key] for key in keys}
        m.figures["attributes"] += len(keys)
        m.figures["attributes named apart from the generator's snake_case"] += sum(
            1 for key in keys if names[key] != naming.generator_attribute_name(key)
        )
    for path, item in sorted(paths.items()):
        for method, operation in sorted(item.items()):
            parameters = operation.get("parameters") or []
            keys = [f"{p['in']}:{p['name']}" for p in parameters]
            if not keys:
                continue
            names = m.namer.parameters(naming.match_key(method, path), keys)
            for parameter, key in zip(parameters, keys, strict=True):
                parameter["x-python-name"] = names[key]
                m.figures["arguments named apart from the generator's snake_case"] += int(
                    names[key] != naming.generator_attribute_name(parameter["name"])
                )


__all__ = ["name_attributes"]
