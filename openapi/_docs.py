"""Docstrings: what the documents say about parameters, fields and models, put where the
generator prints it (docs/normalization.md#docstrings).

- A description's ``**Parameters:**`` list, written for the live document's names (``id`` for
  ``projectId``), becomes the descriptions of the operation's own parameters, so the docstring
  documents each argument under the name it has.
- The fields a description documents (bullets and tables) and the reference schemas' property
  descriptions become attribute descriptions of the model that holds the field.
- Every model and enum gets a description: the document's own when it has one, followed by what
  the client knows for sure: which type of the API it is, which resource methods answer it or take
  it, and which attributes hold it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ._descriptions import Note, answer_notes, answer_schema, parameter_notes, parameters_section, resolve
from ._schema import walk_refs
from ._state import Merge

_LISTED = 8  # names listed per line of a model's description before "and N more"


def _parameter_descriptions(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    for item in paths.values():
        for operation in item.values():
            notes, rest = parameter_notes(str(operation.get("description") or ""))
            if not notes:
                continue
            parameters = operation.get("parameters") or []
            by_name = {(p["name"].lower(), p["in"]): p for p in parameters}
            path_parameters = [p for p in parameters if p["in"] == "path"]
            unplaced: list[Note] = []
            for name, location, text in notes:
                target = by_name.get((name.lower(), location))
                if target is None and location == "path" and name == "id" and path_parameters:
                    target = path_parameters[-1]  # the live document's {id} is the last segment
                if target is None and location == "body" and "requestBody" in operation:
                    target = operation["requestBody"]
                if target is None:
                    unplaced.append((name, location, text))
                    continue
                target.setdefault("description", text)
                m.figures["parameter descriptions moved from a Parameters list"] += 1
            if unplaced:
                # What the documents list but neither declares stays in the description, as written.
                rest = f"{rest}\n\n{parameters_section(unplaced)}"
                m.figures["Parameters listed that no document declares"] += len(unplaced)
            operation["description"] = rest


def _field_descriptions(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    for root, note in answer_notes(paths):
        found = resolve(m.components, root, note.path)
        text = note.text.rstrip(":").strip()
        if found is None or not text:
            continue
        prop = m.components[found[0]]["properties"][found[1]]
        if not prop.get("description"):
            prop["description"] = text
            m.figures["attribute descriptions from operation descriptions"] += 1
    for ref_schema, component in sorted(m.ref_resolution.items()):
        properties = (m.components.get(component) or {}).get("properties") or {}
        for name, node in ((m.ref_schemas.get(ref_schema) or {}).get("properties") or {}).items():
            described = isinstance(node, dict) and str(node.get("description") or "").strip()
            if described and name in properties and not properties[name].get("description"):
                properties[name]["description"] = described
                m.figures["attribute descriptions from reference schemas"] += 1


def _listed(label: str, names: list[str]) -> str:
    shown = ", ".join(f"``{n}``" for n in names[:_LISTED])
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return f"{label}: {shown}{more}."


def _uses(m: Merge, paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """component -> {"Answered by" | "Sent to" | "An argument of" | "Held by": names}."""
    uses: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for item in paths.values():
        for operation in item.values():
            method = f"client.{operation['x-resource']}.{operation['x-method']}"
            root = answer_schema(operation)
            for name in walk_refs(root or {}):
                uses[name]["Answered by"].add(method)
            for name in walk_refs(operation.get("requestBody")):
                uses[name]["Sent to"].add(method)
            for parameter in operation.get("parameters") or []:
                for name in walk_refs(parameter.get("schema")):
                    uses[name]["An argument of"].add(method)
    for owner, schema in m.components.items():
        python = schema.get("x-python-names") or {}
        for key, node in (schema.get("properties") or {}).items():
            for name in walk_refs(node):
                uses[name]["Held by"].add(f"{owner}.{python.get(key, key)}")
    return {name: {label: sorted(found) for label, found in kinds.items()} for name, kinds in uses.items()}


def _model_descriptions(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    dotnet = {name: key for key, name in m.live_names.items()}
    uses = _uses(m, paths)
    for name, schema in sorted(m.components.items()):
        parts: list[str] = []
        own = str(schema.get("description") or "").strip()
        if own:
            parts.append(own)
            m.figures["models described by the documents"] += 1
        origin = f"The API's ``{dotnet[name]}``." if name in dotnet else "A type of the reference document."
        lines = [origin]
        for label in ("Answered by", "Sent to", "An argument of", "Held by"):
            found = uses.get(name, {}).get(label)
            if found:
                lines.append(_listed(label, found))
        if "enum" in schema:
            unnamed = [n for n in schema.get("x-enum-varnames") or [] if n.startswith("VALUE_")]
            if unnamed:
                lines.append(
                    f"No document names {'this value' if len(unnamed) == 1 else 'these values'}: {', '.join(unnamed)}."
                )
        parts.append(" ".join(lines))
        schema["description"] = "\n\n".join(parts)
    m.figures["models with a description"] = len(m.components)


def _inline_objects(node: Any) -> list[dict[str, Any]]:
    """The object schemas defined in place inside ``node`` (the generator makes a class of each)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "$ref" not in node and ("properties" in node or "object" in str(node.get("type"))):
            found.append(node)
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(key) or []:
                found.extend(_inline_objects(branch))
        for key in ("items", "additionalProperties"):
            found.extend(_inline_objects(node.get(key)))
    return found


def _inline_descriptions(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    """The classes the generator makes of schemas defined in place: request bodies (the multipart
    uploads) and objects inside a property."""
    for item in paths.values():
        for operation in item.values():
            method = f"client.{operation['x-resource']}.{operation['x-method']}"
            for media, content in ((operation.get("requestBody") or {}).get("content") or {}).items():
                for schema in _inline_objects(content.get("schema")):
                    schema.setdefault("description", f"The {media} body of ``{method}``.")
    for owner, schema in m.components.items():
        python = schema.get("x-python-names") or {}
        for key, node in (schema.get("properties") or {}).items():
            for inner in _inline_objects(node):
                inner.setdefault("description", f"An object held by ``{owner}.{python.get(key, key)}``.")


def describe(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    _parameter_descriptions(m, paths)
    _field_descriptions(m, paths)
    _model_descriptions(m, paths)
    _inline_descriptions(m, paths)


__all__ = ["describe"]
