"""The 2xx answers of an operation: typed from the live document where it is precise, from the
reference where the live document says nothing useful, and held against the recorded answers.

docs/normalization.md#borrowed-response-types, #recorded-answers, #downloads and #error-responses.
"""

from __future__ import annotations

import re
from typing import Any

from . import _naming as naming
from ._live import LiveSchemas
from ._recorded import RecordedAnswers
from ._reference_schemas import ReferenceSchemas
from ._schema import (
    JSON,
    OCTET,
    OPAQUE_NAMESPACES,
    Schema,
    first_json_schema,
    is_free_object,
    json_type,
    ref_name,
    ref_to,
    strip_null,
    types_of,
)
from ._state import Merge


def response_hint(op_id: str) -> str:
    """The class name for an inline 2xx body: ``get_result_details`` -> ``ResultDetails``,
    ``parse_weather`` -> ``ParseWeatherResult``."""
    parts = op_id.split("_")
    if parts[0] in ("get", "list") and len(parts) > 1:
        return "".join(p.title() for p in parts[1:])
    return "".join(p.title() for p in parts) + "Result"


class Responses:
    def __init__(self, merge: Merge, live: LiveSchemas, reference: ReferenceSchemas, recorded: RecordedAnswers):
        self.m = merge
        self.live = live
        self.reference = reference
        self.recorded = recorded

    def build(
        self,
        key: str,
        method: str,
        path: str,
        live_op: dict[str, Any] | None,
        ref_op: dict[str, Any] | None,
        op_id: str,
    ) -> dict[str, Any]:
        live_responses = (live_op or {}).get("responses") or {}
        ref_responses = (ref_op or {}).get("responses") or {}
        # Error statuses are left to the runtime (docs/normalization.md#error-responses).
        codes = sorted(
            {str(c) for c in [*live_responses, *ref_responses] if str(c).isdigit() and 200 <= int(c) < 400},
            key=int,
        )
        examples = [e for e in self.m.examples if ref_op is not None and naming.match_key(e.method, e.path) == key]
        out: dict[str, Any] = {}
        for code in codes:
            live_resp = live_responses.get(code) or live_responses.get(int(code)) or {}
            ref_resp = ref_responses.get(code) or ref_responses.get(int(code)) or {}
            description = str(ref_resp.get("description") or live_resp.get("description") or "Success")
            recorded = [e.value for e in examples if e.status == int(code)]
            content = self._content(method, path, op_id, code, live_resp, ref_resp, recorded)
            response: dict[str, Any] = {"description": description}
            if content:
                response["content"] = content
            if live_resp and not live_resp.get("content") and (content or {}).get(JSON, {}).get("schema"):
                # The running server's document declares this answer without a body, and the type
                # comes from the reference or its recordings: an empty body is a documented answer
                # too, and gives None (docs/normalization.md#empty-and-untyped-answers).
                response["x-may-be-empty"] = True
                self.m.figures["typed answers the live document declares without a body"] += 1
            out[code] = response
        if not out:
            out["200"] = {"description": "Success"}
        return out

    def _content(
        self,
        method: str,
        path: str,
        op_id: str,
        code: str,
        live_resp: dict[str, Any],
        ref_resp: dict[str, Any],
        recorded: list[Any],
    ) -> dict[str, Any] | None:
        live_typed = first_json_schema(live_resp.get("content"))
        ref_typed = first_json_schema(ref_resp.get("content"))
        ref_content = ref_resp.get("content") or {}
        structured = [v for v in recorded if isinstance(v, dict | list)]
        if recorded and structured != recorded and all(isinstance(v, str) for v in recorded):
            # A recorded JSON string ("Prediction cancelled successfully."): asked for JSON, as this
            # client always is, ASP.NET serializes a returned string as a JSON string.
            self.m.figures["responses typed as a JSON string by a recorded answer"] += 1
            return {JSON: {"schema": {"type": "string"}}}
        if (
            live_typed
            and live_typed[0] == JSON
            and not (
                types_of(live_typed[1]) == {"string"}
                and (structured or (ref_typed and ref_typed[1].get("type") in ("object", "array")))
            )
        ):
            schema = self.live.convert(live_typed[1])
            schema = self._union_with_recorded(schema, recorded, ref_typed, op_id)
            self.m.figures["2xx typed from the live document"] += 1
            return {JSON: {"schema": schema}}
        if ref_typed and ref_typed[0] == JSON and ref_typed[1]:
            schema = self._borrow(ref_typed[1], recorded, response_hint(op_id))
            self.m.figures["2xx typed from the reference"] += 1
            return {JSON: {"schema": schema}}
        if "text/csv" in ref_content:
            return {"text/csv": {"schema": {"type": "string"}}}
        if method == "get" and self._is_download(path) and not live_resp.get("content"):
            # Downloads the documents leave without content are files (docs/normalization.md#downloads).
            self.m.figures["downloads declared as octet-stream"] += 1
            return {OCTET: {"schema": {"type": "string", "format": "binary"}}}
        if ref_resp or code in ("204", "302"):
            # The reference, written from calls to the real server, documents this answer without a
            # body (and 204 and 302 have none): an empty answer (docs/normalization.md#empty-and-untyped-answers).
            self.m.figures["2xx answers without a body"] += 1
            return None
        # Only the live document has this answer, and Swashbuckle declares no content for an action
        # whose return type it cannot see: JSON of unknown shape, decoded as it comes.
        self.m.figures["2xx answers of unknown shape (any JSON)"] += 1
        return {JSON: {"schema": {}}}

    def _is_download(self, path: str) -> bool:
        last = [s for s in path.strip("/").split("/") if not naming.PATH_PARAM.fullmatch(s)][-1]
        return any(re.fullmatch(p, last, flags=re.IGNORECASE) for p in self.m.namer.overrides.download_segments)

    def _union_with_recorded(
        self, schema: Schema, recorded: list[Any], ref_typed: tuple[str, Schema] | None, op_id: str
    ) -> Schema:
        """When recorded answers show a second shape the live type does not cover (DELETE note:
        boolean in the live document, the remaining notes in the reference and the recordings), the
        response is the union of the two."""
        shapes = {json_type(v) for v in recorded}
        declared = types_of(strip_null(schema)) or ({"object"} if ref_name(schema) else set())
        extra = {s for s in shapes if s not in declared and not (s == "integer" and "number" in declared)}
        if not extra or not ref_typed:
            for value in recorded:
                self.recorded.nullable_from_examples(schema, value, set())
            return schema
        borrowed = self._borrow(ref_typed[1], [v for v in recorded if json_type(v) in extra], response_hint(op_id))
        self.m.figures["responses widened to a union by recorded answers"] += 1
        return {"anyOf": [schema, borrowed]}

    def _borrow(self, ref_schema: Schema, recorded: list[Any], hint: str) -> Schema:
        dict_examples = [v for v in recorded if isinstance(v, dict)]
        dict_examples += [i for v in recorded if isinstance(v, list) for i in v if isinstance(i, dict)]
        target = ref_name(ref_schema) or ref_name(ref_schema.get("items"))
        if target is not None:
            component = self.reference.resolve(target)
            props = set((self.m.components[component].get("properties") or {}).keys())
            keys = set().union(*(set(v) for v in dict_examples)) if dict_examples else set()
            if keys and len(keys & props) < len(keys) / 2:
                # The recorded answers use other names (the PascalCase exports): neither document
                # describes them, so the client keeps them as received under their own name.
                self.m.notes.append(f"{hint}: recorded answers do not fit {component}; typed as a free-form object")
                self.m.figures["responses whose recorded answers fit no schema"] += 1
                schema = self.reference.hoist({"type": "object"}, hint)
                return {"type": "array", "items": schema} if ref_schema.get("type") == "array" else schema
        items_schema = ref_schema.get("items") if ref_schema.get("type") == "array" else ref_schema
        if isinstance(items_schema, dict) and is_free_object(items_schema) and dict_examples:
            keys = set().union(*(set(v) for v in dict_examples))
            covering = self._live_schema_covering(keys)
            if covering is not None:
                # The reference only says "object"; the recorded answers are exactly a live schema.
                self.m.figures["free-form responses typed by a live schema that fits the recordings"] += 1
                schema = ref_to(covering)
                schema = {"type": "array", "items": schema} if items_schema is not ref_schema else schema
                for value in recorded:
                    self.recorded.nullable_from_examples(schema, value, set())
                return schema
        schema = self.reference.convert(ref_schema, hint=hint)
        for value in recorded:
            schema = self.recorded.reconcile(schema, value, where=hint)
        return schema

    def _live_schema_covering(self, keys: set[str]) -> str | None:
        if len(keys) < 3:
            return None
        fits = sorted(
            (len(s.get("properties") or {}), k)
            for k, s in self.m.live_schemas.items()
            if "enum" not in s
            and not k.startswith(OPAQUE_NAMESPACES)
            and keys <= set((s.get("properties") or {}).keys())
        )
        return self.m.live_names[fits[0][1]] if fits else None


__all__ = ["Responses", "response_hint"]
