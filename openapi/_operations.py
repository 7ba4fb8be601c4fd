"""Operations: the union of both documents' operations, matched by method and path, each with its
names, parameters, request body and 2xx answers.

docs/normalization.md#operation-names, #tags, #path-parameters, #content-types, #multipart-uploads.
"""

from __future__ import annotations

import copy
from typing import Any

from . import _naming as naming
from ._live import LiveSchemas
from ._reference_schemas import ReferenceSchemas
from ._responses import Responses
from ._schema import MULTIPART, NormalizationError, first_json_schema, ref_name, ref_to
from ._state import Merge

Paths = dict[str, dict[str, Any]]  # path -> method -> operation


def rename_path_parameters(path: str, renames: dict[str, str]) -> str:
    return naming.PATH_PARAM.sub(lambda m: "{" + renames.get(m.group(1), m.group(1)) + "}", path)


class Operations:
    def __init__(self, merge: Merge, live: LiveSchemas, reference: ReferenceSchemas, responses: Responses):
        self.m = merge
        self.live = live
        self.reference = reference
        self.responses = responses

    def build(self) -> Paths:
        paths: Paths = {}
        keys = sorted(set(self.m.live_ops) | set(self.m.ref_ops))
        used_ids: dict[str, str] = {}
        for key in keys:
            live = self.m.live_ops.get(key)
            ref = self.m.ref_ops.get(key)
            either = live or ref
            assert either is not None  # every key comes from one of the two documents
            method, path = either[0], either[1]
            live_op = live[2] if live else None
            ref_op = ref[2] if ref else None
            renames = self._path_parameter_names(path, ref[1] if ref else None) if live else {}
            final_path = rename_path_parameters(path, renames)
            op_id, tag = self.m.namer.operation(key, ref_op, method, path)
            if op_id in used_ids:
                raise NormalizationError(
                    f"two operations would both be named {op_id}: {used_ids[op_id]} and {key}; "
                    "add one of them to operation_ids in openapi/names.yml"
                )
            used_ids[op_id] = key
            self.m.namer.claim_operation(key, op_id, tag)
            source = ref_op or {}
            operation: dict[str, Any] = {
                "operationId": op_id,
                "tags": [tag],
                "summary": str(source.get("summary") or (live_op or {}).get("summary") or op_id),
            }
            description = source.get("description") or (live_op or {}).get("description")
            if description:
                operation["description"] = str(description).strip()
            pairs = self._paired_path_parameters(path, ref[1]) if live and ref else {}
            parameters = (
                self._parameters(live_op, ref_op, renames, pairs) if live_op else self._parameters(None, ref_op, {}, {})
            )
            if parameters:
                operation["parameters"] = parameters
            body = self._request_body(live_op, ref_op, op_id)
            if body:
                operation["requestBody"] = body
            operation["responses"] = self.responses.build(key, method, path, live_op, ref_op, op_id)
            existing = paths.setdefault(final_path, {})
            if method in existing:
                raise NormalizationError(f"{method.upper()} {final_path} defined twice after renaming parameters")
            existing[method] = operation
            self.m.figures["operations"] += 1
            self.m.figures[
                "operations in both documents"
                if live and ref
                else "operations only in the live document"
                if live
                else "operations only in the reference"
            ] += 1
        return paths

    def _path_parameter_names(self, live_path: str, ref_path: str | None) -> dict[str, str]:
        """The reference's names for the live document's generic ``{id}``. Where the two disagree in
        meaning (``{report}``/``{reportType}``, ``{month}``/``{dcFieldNumber}``) the live document,
        which describes the running server, wins (docs/normalization.md#path-parameters)."""
        live_names = naming.PATH_PARAM.findall(live_path)
        if ref_path is None:
            template = naming.PATH_PARAM.sub("{}", live_path).lower()
            for _, p, _ in self.m.ref_ops.values():
                if naming.PATH_PARAM.sub("{}", p).lower() == template:
                    ref_path = p
                    break
        if ref_path is None:
            return {}
        ref_names = naming.PATH_PARAM.findall(ref_path)
        renames: dict[str, str] = {}
        for old, new in zip(live_names, ref_names, strict=False):
            if old != new and (old == "id" or old.lower() == new.lower()):
                renames[old] = new
        return renames

    @staticmethod
    def _paired_path_parameters(live_path: str, ref_path: str) -> dict[str, str]:
        """Live path parameter -> the reference's parameter in the same place (the two paths match,
        so they have the same shape; the names may differ in meaning: ``{report}``/``{reportType}``)."""
        return dict(zip(naming.PATH_PARAM.findall(live_path), naming.PATH_PARAM.findall(ref_path), strict=False))

    def _parameters(
        self,
        live_op: dict[str, Any] | None,
        ref_op: dict[str, Any] | None,
        renames: dict[str, str],
        pairs: dict[str, str],
    ) -> list[dict[str, Any]]:
        ref_params = [p for p in (ref_op or {}).get("parameters") or [] if "name" in p]
        spelled = {(p["name"].lower(), p["in"]): p["name"] for p in ref_params}
        by_name = {(p["name"].lower(), p["in"]): p for p in ref_params}
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for param in (live_op or {}).get("parameters") or []:
            name = param["name"]
            # Query names: the reference's spelling (dcFieldNumber, not dCFieldNumber); ASP.NET binds
            # query parameters case-insensitively, so the wire meaning is unchanged.
            name = renames.get(name, name) if param["in"] == "path" else spelled.get((name.lower(), param["in"]), name)
            converted = {
                k: (self.live.convert(v) if k == "schema" else copy.deepcopy(v))
                for k, v in param.items()
                if k != "name"
            }
            converted["name"] = name
            ref_param = by_name.get((pairs.get(param["name"], name).lower(), param["in"]))
            if param["in"] == "path":
                converted["required"] = True
            elif ref_param is not None and ref_param.get("required") and not converted.get("required"):
                # Swashbuckle marks no query parameter required; the reference, written from calls
                # to the real server, does (docs/normalization.md#required-request-fields).
                converted["required"] = True
                self.m.figures["query parameters required by the reference"] += 1
            if ref_param is not None:
                converted["schema"] = self._enumerated(converted["schema"], ref_param)
            if not converted.get("description"):
                converted.pop("description", None)
            out.append(converted)
            seen.add((name.lower(), param["in"]))
        for param in ref_params:
            if (param["name"].lower(), param["in"]) in seen:
                continue
            if live_op is not None and param["in"] == "path":
                continue  # the live path, and so its parameters, wins
            converted = {k: copy.deepcopy(v) for k, v in param.items() if k not in ("schema", "example", "examples")}
            converted["schema"] = self._enumerated(self.reference.convert(param.get("schema") or {}, hint=""), param)
            if param["in"] == "path":
                converted["required"] = True
            out.append(converted)
        return out

    def _enumerated(self, schema: dict[str, Any], ref_param: dict[str, Any]) -> dict[str, Any]:
        """A string parameter the reference enumerates takes the reference's values, as an enum the
        client names after the reference's parameter (``ReportURL/{report}``: the four report names;
        docs/normalization.md#required-request-fields). Only a plain string is narrowed: where the
        live document types the parameter otherwise (an int enum), the live document wins."""
        values = (ref_param.get("schema") or {}).get("enum")
        if not values or schema != {"type": "string"} or not all(isinstance(v, str) for v in values):
            return schema
        name = self.m.namer.schema("inline:" + naming.pascal(str(ref_param["name"])), naming.pascal(ref_param["name"]))
        self.m.components.setdefault(name, {"type": "string", "enum": list(values)})
        self.m.figures["string parameters enumerated by the reference"] += 1
        return ref_to(name)

    def _request_body(
        self, live_op: dict[str, Any] | None, ref_op: dict[str, Any] | None, op_id: str
    ) -> dict[str, Any] | None:
        live_body = first_json_schema(((live_op or {}).get("requestBody") or {}).get("content"))
        ref_body = first_json_schema(((ref_op or {}).get("requestBody") or {}).get("content"))
        if live_body:
            media_type, schema = live_body[0], self.live.convert(live_body[1])
            self.m.figures["request bodies from the live document"] += 1
        elif ref_body:
            media_type = ref_body[0]
            hint = "".join(p.title() for p in op_id.split("_")) + "Request"
            schema = self.reference.convert(ref_body[1], hint=hint)
            self.m.figures["request bodies from the reference"] += 1
        else:
            return None
        if media_type == MULTIPART:
            # The body's schema, in place or hoisted to a component (the reference's inline bodies).
            target = ref_name(schema)
            form = self.m.components[target] if target else schema
            if "file" in (form.get("properties") or {}) and "file" not in form.get("required", []):
                form["required"] = sorted({*form.get("required", []), "file"})  # multipart-uploads
                self.m.figures["multipart bodies with file required"] += 1
        # One content type, and a body is required (Swashbuckle never says so), except where the
        # reference, recorded against the real server, calls the operation without one (Run).
        required = not (live_body and ref_op is not None and not ref_body)
        if not required:
            self.m.figures["request bodies optional (the reference sends none)"] += 1
        body: dict[str, Any] = {"required": required, "content": {media_type: {"schema": schema}}}
        wanted = self._reference_requires(ref_body[1]) if ref_body else []
        if wanted:
            body["x-request-required"] = wanted  # settled by _requests.py
        return body

    def _reference_requires(self, node: dict[str, Any]) -> list[str]:
        """The properties the reference requires of this operation's body (of each item, for an
        array body): what this operation's requests must carry besides what the live schema requires
        (docs/normalization.md#required-request-fields)."""
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            node = node["items"]
        target = ref_name(node)
        if target is not None:
            node = self.m.ref_schemas.get(target) or {}
        return sorted(str(key) for key in node.get("required") or [])


__all__ = ["Operations", "Paths", "rename_path_parameters"]
