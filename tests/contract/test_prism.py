"""Every generated operation through Prism, on the live document (dynamic answers, seeded) and on the
reference (its recorded examples): no request rejected, every 2xx parsed.

The arguments are what the signatures require, and for a body what the client's check before
sending asks for (``tests/contract/arguments.py``). The only 2xx answers that do not parse are where
the documents contradict each other, named below with the evidence, and checked to still be so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plant_design import dc_field, new_inverter, new_module, power_plant, prediction

from openapi import recorded_examples
from openapi._naming import match_key
from plantpredict_client.api.inverters import create_inverter
from plantpredict_client.api.modules import create_module
from plantpredict_client.api.power_plant import create_power_plant
from plantpredict_client.api.predictions import create_prediction
from plantpredict_client.types import Response
from tests.contract.calls import Outcome, client_for, request_violations
from tests.contract.documents import CUT, cut_cycles

#: Operations whose 2xx the live document types as a plain string, where the client follows the
#: reference (a JSON object, and for two of them the reference's recorded answers are objects too):
#: Prism's dynamic answer is a string, which the client rightly refuses (UnexpectedBody).
LIVE_CONTRADICTIONS = {
    "export_prediction": "the reference's schema (an object); no recorded answer",
    "get_nodal_json": "7 recorded answers, all JSON objects",
    "get_result_details": "1 recorded answer, a JSON object",
}
#: The reference's drafted (not recorded) schema says a list of objects; the live document, which
#: describes the running server and which the client follows, a ``ModuleIAMInfo`` object. Prism's
#: answer from the reference, ``[{}]``, does not parse.
REFERENCE_CONTRADICTIONS = {"get_default_iam": "reference: array of objects; live: ModuleIAMInfo"}


def test_every_live_operation_is_called_and_prism_rejects_none(live_outcome: Outcome) -> None:
    assert live_outcome.called == 117
    assert live_outcome.of("rejected") == [], live_outcome.report("rejected")
    assert live_outcome.of("refused") == [], live_outcome.report("refused")
    assert live_outcome.of("other") == [], live_outcome.report("other")


def test_every_live_2xx_parses_but_where_the_live_document_contradicts_the_recordings(
    live_outcome: Outcome,
) -> None:
    assert live_outcome.of("unparsed") == sorted(LIVE_CONTRADICTIONS), live_outcome.report("unparsed")
    assert live_outcome.kinds["parsed"] == 117 - len(LIVE_CONTRADICTIONS)


def test_every_reference_operation_is_called_and_prism_rejects_none(reference_outcome: Outcome) -> None:
    assert reference_outcome.called == 113
    assert reference_outcome.of("rejected") == [], reference_outcome.report("rejected")
    assert reference_outcome.of("refused") == [], reference_outcome.report("refused")
    assert reference_outcome.of("other") == [], reference_outcome.report("other")


def test_every_recorded_2xx_of_the_reference_parses_but_where_the_documents_disagree(
    reference_outcome: Outcome,
) -> None:
    assert reference_outcome.of("unparsed") == sorted(REFERENCE_CONTRADICTIONS), reference_outcome.report("unparsed")
    assert reference_outcome.kinds["parsed"] == 113 - len(REFERENCE_CONTRADICTIONS)


def test_with_only_what_the_signatures_require_nothing_forbidden_is_sent(minimal_outcomes: dict[str, Outcome]) -> None:
    # A body missing required fields is stopped by the client (MissingRequiredFields, nothing sent);
    # whatever is sent, Prism accepts.
    for which, outcome in minimal_outcomes.items():
        assert outcome.of("rejected") == [], f"{which}:\n{outcome.report('rejected')}"
        assert outcome.of("other") == [], f"{which}:\n{outcome.report('other')}"
    assert minimal_outcomes["live"].kinds["refused"] == 17
    assert minimal_outcomes["reference"].kinds["refused"] == 27
    assert "body.standardOffsetFromUTC" in minimal_outcomes["live"].details["create_project"]


def test_the_named_contradictions_are_still_in_the_documents(
    live_document: dict[str, Any], reference_document: dict[str, Any], api_surface: dict[str, Any]
) -> None:
    """If upstream fixes one, its exception above must go."""

    def live_answer(name: str) -> Any:
        operation = api_surface["operations"][name]
        for path, item in live_document["paths"].items():
            for method, op in item.items():
                if match_key(method, path) == match_key(operation["method"], operation["path"]):
                    return op["responses"]["200"]["content"]["application/json"]["schema"]
        raise AssertionError(name)

    def recorded(name: str) -> list[Any]:
        operation = api_surface["operations"][name]
        key = match_key(operation["method"], operation["path"])
        return [e.value for e in recorded_examples(reference_document) if match_key(e.method, e.path) == key]

    for name in LIVE_CONTRADICTIONS:
        assert live_answer(name) == {"type": "string"}, name
    assert [type(v) for v in recorded("get_nodal_json")] == [dict] * 7
    assert [type(v) for v in recorded("get_result_details")] == [dict]
    assert recorded("export_prediction") == []
    reference_iam = reference_document["paths"]["/Module/DefaultIAM"]["get"]["responses"]["200"]
    assert reference_iam["content"]["application/json"]["schema"]["type"] == "array"
    assert live_answer("get_default_iam")["$ref"].endswith("ModuleIAMInfo")


def _cycles(document: dict[str, Any]) -> int:
    """The number of schemas on a reference cycle."""
    schemas = document["components"]["schemas"]

    def refs(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
            return found.union(*(refs(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node))
        return set()

    graph = {name: refs(schema) for name, schema in schemas.items()}
    on_cycle = 0
    for start in graph:
        seen, stack = set(), list(graph[start])
        while stack:
            name = stack.pop()
            if name == start:
                on_cycle += 1
                break
            if name not in seen and name in graph:
                seen.add(name)
                stack.extend(graph[name])
    return on_cycle


def test_the_live_copy_prism_serves_differs_only_where_a_cycle_closed(
    live_document: dict[str, Any], live_copy: tuple[Path, list[tuple[str, str]]]
) -> None:
    path, cuts = live_copy
    copy = json.loads(path.read_text(encoding="utf-8"))
    # Project <-> Prediction (2), the ten around Company and ApplicationUser, and five geometry types.
    assert _cycles(live_document) == 17
    assert _cycles(copy) == 0
    assert len(cuts) == 30
    assert {target.rsplit(".", 1)[-1] for _, target in cuts} >= {"Prediction", "ApplicationUser", "Company"}

    differences: list[str] = []

    def compare(original: Any, prepared: Any, where: str) -> None:
        if isinstance(original, dict) and isinstance(prepared, dict):
            if "$ref" in original and prepared == CUT:
                differences.append(where)
                return
            assert original.keys() == prepared.keys(), where
            for key in original:
                compare(original[key], prepared[key], f"{where}/{key}")
        elif isinstance(original, list) and isinstance(prepared, list):
            assert len(original) == len(prepared), where
            for index, (a, b) in enumerate(zip(original, prepared, strict=True)):
                compare(a, b, f"{where}/{index}")
        else:
            assert original == prepared, where

    compare(live_document, copy, "")
    assert len(differences) == len(cuts)


def test_cutting_cycles_keeps_every_reference_that_closes_none() -> None:
    document = {
        "components": {
            "schemas": {
                "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}, "c": {"$ref": "#/components/schemas/C"}}},
                "B": {"properties": {"a": {"$ref": "#/components/schemas/A"}, "c": {"$ref": "#/components/schemas/C"}}},
                "C": {"properties": {"n": {"type": "integer"}}},
            }
        }
    }
    assert cut_cycles(document) == [("B", "A")]
    schemas = document["components"]["schemas"]
    assert schemas["B"]["properties"]["a"] == CUT
    assert schemas["A"]["properties"]["c"] == {"$ref": "#/components/schemas/C"}
    assert schemas["B"]["properties"]["c"] == {"$ref": "#/components/schemas/C"}


async def test_the_examples_bodies_pass_both_documents(prism_servers: dict[str, Any]) -> None:
    """What examples/plant_design.py sends (a module, an inverter, a prediction, a power plant)
    carries every required field and keeps every bound of both documents."""
    plant = power_plant(dc_field(1, 550.0, 28, 300, 25.0), 1, 3600.0, 28)
    for which, server in prism_servers.items():
        async with client_for(server.url) as client:
            answers: list[Response[Any]] = [
                await create_module.asyncio_detailed(client=client, body=new_module()),
                await create_inverter.asyncio_detailed(client=client, body=new_inverter()),
                await create_prediction.asyncio_detailed(1, client=client, body=prediction("Example", 1)),
                await create_power_plant.asyncio_detailed(1, 1, client=client, body=plant),
            ]
        for answer in answers:
            assert request_violations(answer.headers) == [], which
            assert 200 <= answer.status_code < 300, (which, answer.content.decode()[-700:])
