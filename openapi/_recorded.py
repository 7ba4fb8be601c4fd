"""Holding schemas against the reference's recorded answers (docs/normalization.md#recorded-answers).

The recorded answers are what the real API sent. Where a schema borrowed from the reference does not
accept one, the recording wins; the live document's schemas are precise except for nullability.
"""

from __future__ import annotations

from typing import Any

from ._schema import Schema, infer_schema, is_nullable, json_type, make_nullable, ref_name, strip_null, types_of
from ._state import Merge


class RecordedAnswers:
    def __init__(self, merge: Merge) -> None:
        self.m = merge

    def _corrected(self, node: Schema, replaced: Schema, note: str) -> Schema:
        self.m.notes.append(note)
        self.m.figures["borrowed types corrected by a recorded answer"] += 1
        return make_nullable(replaced) if is_nullable(node) else replaced

    def reconcile(self, node: Schema, value: Any, *, where: str) -> Schema:
        """``node`` adjusted so it accepts ``value`` (a recorded answer). Only schemas from the
        reference are adjusted."""
        if value is None:
            if not is_nullable(node) and node:
                self.m.figures["fields made nullable by a recorded null"] += 1
                return make_nullable(node)
            return node
        inner = strip_null(node)
        target = ref_name(inner)
        if target is not None:
            return self._reconcile_reference(node, target, value, where=where)
        declared = types_of(inner) - {"null"}
        actual = json_type(value)
        if not declared:
            return node
        if actual in declared or (actual == "integer" and "number" in declared):
            if actual == "array" and isinstance(inner.get("items"), dict):
                items = inner["items"]
                for item in value:
                    items = self.reconcile(items, item, where=f"{where}[]")
                new_inner = {**inner, "items": items}
                return make_nullable(new_inner) if is_nullable(node) else new_inner
            if actual == "object" and inner.get("properties"):
                props = dict(inner["properties"])
                for key, item in value.items():
                    if key in props:
                        props[key] = self.reconcile(props[key], item, where=f"{where}.{key}")
                new_inner = {**inner, "properties": props}
                return make_nullable(new_inner) if is_nullable(node) else new_inner
            return node
        replaced = (
            {**inner, "type": "number"} if actual == "number" and declared == {"integer"} else infer_schema(value)
        )
        return self._corrected(node, replaced, f"{where}: declared {sorted(declared)}, recorded answer is {actual}")

    def _reconcile_reference(self, node: Schema, target: str, value: Any, *, where: str) -> Schema:
        component = self.m.components.get(target)
        if component is None or "enum" in component:
            return node
        if not isinstance(value, dict) and types_of(component) <= {"object"}:
            # The recorded answer is not an object at all (CreatePANFileModule answers a bare id where
            # the reference says {"id": ...}): the recording is the truth.
            note = f"{where}: declared {target}, recorded answer is {json_type(value)}"
            return self._corrected(node, infer_schema(value), note)
        if target not in self.m.borrowed:
            self.nullable_from_examples(node, value, set())
            return node
        if isinstance(value, dict) and types_of(component) <= {"object"}:
            props = component.setdefault("properties", {})
            for key, item in value.items():
                if key in props:
                    props[key] = self.reconcile(props[key], item, where=f"{target}.{key}")
            return node
        note = f"{where}: the reference types {target} as an object; recorded answers are {json_type(value)}"
        return self._corrected(node, infer_schema(value), note)

    def nullable_from_examples(self, node: Schema, value: Any, seen: set[int]) -> None:
        """A live property that a recorded answer shows as null becomes nullable
        (docs/normalization.md#nullable-references)."""
        target = ref_name(strip_null(node))
        if target is None:
            if isinstance(value, list) and isinstance(strip_null(node).get("items"), dict):
                for item in value:
                    self.nullable_from_examples(strip_null(node)["items"], item, seen)
            return
        component = self.m.components.get(target)
        if not component or not isinstance(value, dict) or id(value) in seen:
            return
        seen.add(id(value))
        props = component.get("properties") or {}
        for key, item in value.items():
            if key not in props:
                continue
            if item is None and not is_nullable(props[key]) and props[key]:
                props[key] = make_nullable(props[key])
                self.m.figures["fields made nullable by a recorded null"] += 1
            elif item is not None:
                self.nullable_from_examples(props[key], item, seen)


__all__ = ["RecordedAnswers"]
