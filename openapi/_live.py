"""The live (Swashbuckle) document's schemas in the merged document's terms.

docs/normalization.md#schema-names, #open-objects, #opaque-geometry and #nullable-references.
"""

from __future__ import annotations

import copy
from typing import Any

from ._schema import OPAQUE_NAMESPACES, Schema, make_nullable, ref_name, ref_to
from ._state import Merge


class LiveSchemas:
    def __init__(self, merge: Merge) -> None:
        self.m = merge

    def name(self) -> None:
        """Class names for every live schema, before anything refers to them."""
        keys = list(self.m.live_schemas)
        self.m.live_names.update(self.m.namer.live_schemas(keys))
        self.m.figures["live schemas"] = len(keys)

    def convert(self, node: Any, *, as_property: bool = False) -> Any:
        if isinstance(node, list):
            return [self.convert(x) for x in node]
        if not isinstance(node, dict):
            return node
        target = ref_name(node)
        if target is not None:
            converted: Schema = ref_to(self.m.live_names[target])
            # A C# reference (class or Nullable<enum>) can always be null; Swashbuckle cannot say so
            # next to a $ref (docs/normalization.md#nullable-references).
            return make_nullable(converted) if as_property else converted
        out: Schema = {}
        for key, value in node.items():
            if key == "nullable":
                continue
            if key == "additionalProperties" and value is False:  # docs/normalization.md#open-objects
                self.m.figures["additionalProperties: false removed"] += 1
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: self.convert(prop, as_property=True) for name, prop in value.items()}
            elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
                out[key] = self.convert(value)
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self.convert(x) for x in value]
            else:
                out[key] = copy.deepcopy(value)
        if node.get("nullable") is True:
            out = make_nullable(out)
        return out

    def build_components(self) -> None:
        for key, schema in self.m.live_schemas.items():
            name = self.m.live_names[key]
            if key.startswith(OPAQUE_NAMESPACES):
                # These list only computed members (Point has 29, no x/y); the wire form is something
                # else entirely, so the client keeps whatever arrives (docs/normalization.md#opaque-geometry).
                self.m.components[name] = {
                    "type": "object",
                    "description": f"Opaque geometry value ({key}); kept as received.",
                }
                self.m.figures["geometry types made opaque"] += 1
                continue
            self.m.components[name] = self.convert(schema)


__all__ = ["LiveSchemas"]
