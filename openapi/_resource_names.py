"""The resource client's names (docs/normalization.md#resources): which attribute of the client
groups each tag's operations (``client.power_plants``), and what each operation is called there
(``client.projects.get``, ``client.results.summary``). Written into the document as ``x-resource``
and ``x-method`` on each operation; both are locked like every other name."""

from __future__ import annotations

from typing import Any

from . import _naming as naming
from ._state import Merge


def name_resources(m: Merge, paths: dict[str, dict[str, Any]]) -> None:
    by_resource: dict[str, dict[str, str]] = {}
    operations: dict[str, dict[str, Any]] = {}
    for path, item in sorted(paths.items()):
        for method, operation in sorted(item.items()):
            key = naming.match_key(method, path)
            resource = m.namer.resource(operation["tags"][0])
            by_resource.setdefault(resource, {})[key] = operation["operationId"]
            operations[key] = operation
            operation["x-resource"] = resource
    for resource, members in sorted(by_resource.items()):
        for key, name in m.namer.methods(resource, members).items():
            operations[key]["x-method"] = name
    m.figures["resources"] = len(by_resource)


__all__ = ["name_resources"]
