"""openapi-python-client, run with the build step's names (``python -m openapi._generator``).

The generator's command line names every attribute and argument with its own snake_case, and its
templates only see what it parsed. This runs the same generator, from its Python API, with two
additions that follow from the normalized document (docs/build-step.md#the-generator-run):

- each attribute and argument takes the Python name the normalizer chose and locked
  (``x-python-names`` on a model, ``x-python-name`` on a parameter);
- the templates get a ``build`` global: each operation's resource, method name, answer kinds and
  ``Accept`` header, and the resources of the client, from which they generate the resource client.

It is run in a subprocess by ``_generate.build``, like the generator's own command line was, and
fails the same way: any warning or error of the generator is an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from openapi_python_client import Project
from openapi_python_client.cli import handle_errors
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import GeneratorError
from openapi_python_client.parser.openapi import GeneratorData
from openapi_python_client.schema.untrusted_string import UntrustedString
from typer import Exit

EMPTY = "empty"  # an answer without a body: the function returns None
DECODED = "decoded"  # an answer of unknown shape: the function returns the decoded JSON
OPTIONAL = "optional"  # a typed answer that may come without a body: the model, or None when empty


def _answers(operation: dict[str, Any]) -> dict[str, str]:
    """Status -> ``empty`` for each answer without a body, ``decoded`` for any-JSON ones,
    ``optional`` for typed ones the live document declares without a body."""
    kinds: dict[str, str] = {}
    for status, response in operation.get("responses", {}).items():
        content = response.get("content") or {}
        if not content:
            kinds[status] = EMPTY
        elif content.get("application/json", {}).get("schema") == {}:
            kinds[status] = DECODED
        elif response.get("x-may-be-empty"):
            kinds[status] = OPTIONAL
    return kinds


def _accept(operation: dict[str, Any]) -> str:
    """The ``Accept`` header the operation sends: the media types of its documented answers, in
    the order they are documented (``text/csv`` for a CSV download), or "" for an operation whose
    answers have no body (the client's own header then stands)."""
    types: list[str] = []
    for response in operation.get("responses", {}).values():
        for media_type in response.get("content") or {}:
            if media_type not in types:
                types.append(media_type)
    return ", ".join(types)


def _body_requires(operation: dict[str, Any], schemas: dict[str, Any]) -> str:
    """What the operation's own requests must carry besides what the body's model requires (the
    reference's list for this operation, ``x-request-required`` on the body), as a Python literal
    of (JSON key, attribute) pairs. Built here so no string of the document reaches the generated
    code unquoted."""
    body = operation.get("requestBody") or {}
    wanted = body.get("x-request-required") or []
    if not wanted:
        return "()"
    for media in (body.get("content") or {}).values():
        schema = media.get("schema") or {}
        ref = str(schema.get("$ref") or (schema.get("items") or {}).get("$ref"))
        names = schemas[ref.rsplit("/", 1)[-1]].get("x-python-names") or {}
        return repr(tuple((str(key), str(names[key])) for key in wanted))
    return "()"


def _checks_body(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the operation's body can hold a model the request check has something to check in
    (``x-request-required``, written by the normalizer's ``_requests.py``, on the body or on a
    model it holds)."""
    if (operation.get("requestBody") or {}).get("x-request-required"):
        return True
    content = (operation.get("requestBody") or {}).get("content") or {}
    stack = [media.get("schema") for media in content.values()]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and "x-request-required" in schemas.get(ref.rsplit("/", 1)[-1], {}):
            return True
        stack += [node.get("items"), *(node.get("anyOf") or []), *(node.get("oneOf") or [])]
    return False


def build_globals(document: dict[str, Any]) -> dict[str, Any]:
    """What the templates know beyond the generator's own parse (docs/build-step.md#the-templates)."""
    schemas = document.get("components", {}).get("schemas", {})
    operations: dict[str, dict[str, Any]] = {}
    resources: dict[str, dict[str, str]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            resource = operation["x-resource"]
            module = operation["tags"][0]
            operations[operation["operationId"]] = {
                "resource": resource,
                "method": operation["x-method"],
                "answers": _answers(operation),
                "accept": _accept(operation),
                "checks_body": _checks_body(operation, schemas),
                "body_requires": _body_requires(operation, schemas),
                "http": f"{method.upper()} {path}",
                "body_doc": str((operation.get("requestBody") or {}).get("description") or ""),
            }
            resources.setdefault(resource, {"attribute": resource, "tag": module})
    for resource, info in resources.items():
        words = "".join(w.title() for w in resource.split("_"))
        info["async_class"], info["sync_class"] = f"Async{words}", f"Sync{words}"
    return {"operations": operations, "resources": dict(sorted(resources.items()))}


def _description(node: Any) -> UntrustedString | None:
    text = node.get("description") if isinstance(node, dict) else getattr(node, "description", None)
    if isinstance(text, UntrustedString):
        text = text.get_untrusted_value()
    return UntrustedString(str(text)) if text else None


def apply_document(data: GeneratorData, document: dict[str, Any], config: Config) -> int:
    """Give attributes and arguments the normalizer's names, and each its own description (the
    generator gives a parameter its schema's description, and a property holding another model that
    model's description); return how many names differ from the generator's."""
    renamed = 0
    for model in data.models:
        names = (model.data.model_extra or {}).get("x-python-names") or {}
        nodes = {k.get_untrusted_value(): v for k, v in (model.data.properties or {}).items()}
        for prop in (model.required_properties or []) + (model.optional_properties or []):
            key = prop.name.get_untrusted_value()
            wanted = names.get(key)
            if wanted and wanted != prop.python_name:
                prop.set_python_name(UntrustedString(wanted), config=config, skip_snake_case=True)
                renamed += 1
            if key in nodes:
                prop.description = _description(nodes[key])
    parameters: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters") or []:
                parameters[(operation["operationId"], parameter["in"], parameter["name"])] = parameter
    for collection in data.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            groups = (
                ("path", endpoint.path_parameters),
                ("query", endpoint.query_parameters),
                ("header", endpoint.header_parameters),
                ("cookie", endpoint.cookie_parameters),
            )
            for location, props in groups:
                for prop in props:
                    parameter = parameters.get((str(endpoint.name), location, prop.name.get_untrusted_value()), {})
                    prop.description = _description(parameter)
                    wanted = parameter.get("x-python-name")
                    if wanted and wanted != prop.python_name:
                        old = prop.python_name
                        prop.set_python_name(UntrustedString(wanted), config=config, skip_snake_case=True)
                        if location == "path":  # the URL template names the argument
                            path = endpoint.path.get_untrusted_value().replace(f"{{{old}}}", f"{{{wanted}}}")
                            endpoint.path = UntrustedString(path)
                        renamed += 1
    return renamed


def request_checks(data: GeneratorData) -> dict[str, dict[str, str]]:
    """Class name -> the request check's tables as Python literals: ``required``, the (JSON key,
    attribute) pairs a request must carry (``x-request-required``), and ``nested``, those of the
    attributes that may hold a model with something to check (``x-request-nested``). Built here, not
    in a template, so that no string of the document reaches the generated code unquoted."""
    checks: dict[str, dict[str, str]] = {}
    for model in data.models:
        extra = model.data.model_extra or {}
        if "x-request-required" not in extra:
            continue
        attributes = {
            prop.name.get_untrusted_value(): prop.python_name
            for prop in (model.required_properties or []) + (model.optional_properties or [])
        }
        tables = {}
        for table, key in (("required", "x-request-required"), ("nested", "x-request-nested")):
            pairs = tuple((str(name), str(attributes[name])) for name in extra.get(key) or [])
            tables[table] = repr(pairs)
        checks[str(model.class_info.name)] = tables
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openapi._generator")
    parser.add_argument("--path", type=Path, required=True, help="the normalized document")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--custom-template-path", type=Path, required=True)
    parser.add_argument("--output-path", type=Path, required=True)
    args = parser.parse_args(argv)
    document = json.loads(args.path.read_text(encoding="utf-8"))
    config = Config.from_sources(
        ConfigFile.load_from_path(path=args.config), MetaType.NONE, args.path, "utf-8", False, args.output_path
    )
    data = GeneratorData.from_dict(document, config=config)
    try:
        if isinstance(data, GeneratorError):
            handle_errors([data], fail_on_warning=True)
            return 1
        apply_document(data, document, config)
        project = Project(openapi=data, config=config, custom_template_path=args.custom_template_path.resolve())
        project.env.globals["build"] = {**build_globals(document), "models": request_checks(data)}
        handle_errors(project.build(), fail_on_warning=True)
    except Exit as exc:  # how the generator's own error report ends: any warning or error
        return int(exc.exit_code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
