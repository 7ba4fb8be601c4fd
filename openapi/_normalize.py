"""Normalize PlantPredict's two OpenAPI documents into the one document the generator reads.

How and why, rule by rule, with the figures each rule reaches: docs/normalization.md. In short: the
live Swashbuckle document (primary) gives the precise schemas; the reference document (secondary)
gives names, tags, path-parameter names, enum member names, 2xx types the live document leaves out,
recorded examples, and the operations the live document lacks. The output is an OpenAPI 3.1
document. Names come from the name lock first (``_namer.py``; docs/build-step.md#the-name-lock).

The steps, in the order they must run (each module says which rules it applies):
``_live`` names and converts the live schemas; ``_reference_schemas`` maps the reference's schemas
onto them or imports them; ``_operations`` (with ``_responses`` and ``_recorded``) merges the
operations; ``_requests`` writes what a request must carry, ``_prune`` drops what nothing reaches,
and ``_created_ids`` requires the id of create answers; then the names and words of what is left:
``_enums`` names enum members, ``_attributes`` attributes and arguments, ``_resource_names`` the
resource client, and ``_docs`` writes the descriptions the docstrings are made of.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ._attributes import name_attributes
from ._created_ids import require_created_ids
from ._docs import describe
from ._documents import check_openapi3
from ._enums import name_enums
from ._live import LiveSchemas
from ._namer import NameLock, Namer, Overrides
from ._operations import Operations
from ._prune import finish_components
from ._recorded import RecordedAnswers
from ._reference_schemas import ReferenceSchemas
from ._requests import mark_request_requirements
from ._resource_names import name_resources
from ._responses import Responses
from ._state import Merge

SERVERS = ("https://api.plantpredict.terabase.energy", "https://api.plantpredict.com")


@dataclass
class Result:
    document: dict[str, Any]
    names: NameLock
    figures: dict[str, int]
    notes: list[str]


def normalize(live: dict[str, Any], reference: dict[str, Any], lock: NameLock, overrides: Overrides) -> Result:
    check_openapi3(live, "primary")
    check_openapi3(reference, "reference")
    figures: Counter[str] = Counter()
    m = Merge.of(live, reference, Namer(lock, overrides, figures))
    live_schemas = LiveSchemas(m)
    live_schemas.name()
    live_schemas.build_components()
    reference_schemas = ReferenceSchemas(m)
    reference_schemas.learn_pairs()
    reference_schemas.resolve_known()
    recorded = RecordedAnswers(m)
    responses = Responses(m, live_schemas, reference_schemas, recorded)
    paths = Operations(m, live_schemas, reference_schemas, responses).build()
    mark_request_requirements(m, paths)
    figures.update(finish_components(m.components, paths))
    require_created_ids(m, paths)
    name_enums(m, paths)
    name_attributes(m, paths)
    name_resources(m, paths)
    describe(m, paths)
    figures["schemas"] = len(m.components)
    figures["recorded examples"] = len(m.examples)
    names = m.namer.finish()
    return Result(_document(m, paths), names, dict(sorted(figures.items())), m.notes)


def _document(m: Merge, paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tags = sorted({op["tags"][0] for item in paths.values() for op in item.values()})
    tag_docs = {t["name"]: t.get("description", "") for t in m.ref.get("tags") or []}
    live_version = m.live.get("info", {}).get("version", "?")
    ref_version = m.ref.get("info", {}).get("version", "?")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PlantPredict API",
            "version": f"{live_version}+reference.{ref_version}",
            "description": "PlantPredict's live document merged with its reference by openapi/_normalize.py.",
        },
        "servers": [{"url": url} for url in SERVERS],
        "tags": [{"name": t, "description": tag_docs.get(t, "")} for t in tags],
        "paths": {p: dict(sorted(paths[p].items())) for p in sorted(paths)},
        "components": {"schemas": {k: m.components[k] for k in sorted(m.components)}},
    }


__all__ = ["Result", "normalize"]
