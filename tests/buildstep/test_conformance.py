"""The generated client against answers no one here wrote: the reference document's recorded
responses (its Postman captures), each fed through its own endpoint's response parser.

A crash, a parser that returns nothing or raw text for a JSON body, or a ``to_dict`` that does not
give back the recorded JSON is a failure. The only relaxation is documented and tested below:
timestamps are compared as instants, because Python's ``datetime.isoformat()`` writes
``.423000`` for .NET's ``.423`` and keeps 6 of .NET's 7 fractional digits.
"""

from __future__ import annotations

import importlib
import io
import json
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest
from dateutil.parser import isoparse

from openapi import RecordedExample, recorded_examples
from plantpredict_client import Client
from plantpredict_client.types import File
from tests.conftest import REPO

CLIENT = Client(base_url="https://example.invalid", raise_on_unexpected_status=True)


def _endpoint_modules(api_surface: dict[str, Any]) -> dict[str, str]:
    from openapi._naming import match_key

    modules = {}
    for name, op in api_surface["operations"].items():
        modules[match_key(op["method"], op["path"])] = f"plantpredict_client.api.{op['module']}.{name}"
    return modules


def _to_json(parsed: Any) -> Any:
    if hasattr(parsed, "to_dict"):
        return parsed.to_dict()
    if isinstance(parsed, list):
        return [_to_json(item) for item in parsed]
    if isinstance(parsed, File):
        return parsed.payload.read()
    return parsed


def _as_instant(value: str) -> datetime | None:
    if len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return isoparse(value)
        except ValueError:
            return None
    return None


def differences(expected: Any, actual: Any, where: str = "$") -> tuple[list[str], list[str]]:
    """(real differences, documented relaxations used) between the recorded JSON and to_dict()."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        real: list[str] = []
        relaxed: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                real.append(f"{where}.{key} missing on one side")
                continue
            r, x = differences(expected[key], actual[key], f"{where}.{key}")
            real += r
            relaxed += x
        return real, relaxed
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} items became {len(actual)}"], []
        real, relaxed = [], []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            r, x = differences(e, a, f"{where}[{i}]")
            real += r
            relaxed += x
        return real, relaxed
    if expected == actual and type(expected) is type(actual):
        return [], []
    if isinstance(expected, str) and isinstance(actual, str):
        e, a = _as_instant(expected), _as_instant(actual)
        if e is not None and a is not None and e == a:
            return [], [f"{where}: timestamp {expected!r} written as {actual!r}"]
    numbers = isinstance(expected, int | float) and isinstance(actual, int | float)
    if numbers and not isinstance(expected, bool) and expected == actual:
        return [], []  # JSON has one number type: 2 and 2.0 are the same value
    return [f"{where}: {expected!r} became {actual!r}"], []


def _response_for(example: RecordedExample) -> httpx.Response:
    body = json.dumps(example.value).encode()
    return httpx.Response(example.status, content=body, headers={"content-type": "application/json; charset=utf-8"})


def run_conformance(reference_document: dict[str, Any], api_surface: dict[str, Any]) -> dict[str, Any]:
    modules = _endpoint_modules(api_surface)
    from openapi._naming import match_key

    outcome: Counter[str] = Counter()
    failures: list[str] = []
    relaxations: list[str] = []
    for example in recorded_examples(reference_document):
        module_name = modules.get(match_key(example.method, example.path))
        if module_name is None:
            outcome["no endpoint"] += 1
            continue
        module = importlib.import_module(module_name)
        try:
            parsed = module._parse_response(client=CLIENT, response=_response_for(example))
            back = _to_json(parsed)
        except Exception as exc:  # a crash is exactly what is being counted
            outcome["crash"] += 1
            failures.append(f"crash {example.label}: {exc!r}")
            continue
        if parsed is None or (isinstance(parsed, str | bytes) and not isinstance(example.value, str)):
            outcome["loss"] += 1
            failures.append(f"loss {example.label}: parsed as {type(parsed).__name__}")
            continue
        real, relaxed = differences(example.value, back)
        if real:
            outcome["loss"] += 1
            failures.append(f"loss {example.label}: {real[:3]}")
            continue
        relaxations += relaxed
        outcome["round trip"] += 1
    return {"outcome": outcome, "failures": failures, "relaxations": relaxations}


@pytest.fixture(scope="module")
def conformance(reference_document: dict[str, Any], api_surface: dict[str, Any]) -> dict[str, Any]:
    return run_conformance(reference_document, api_surface)


def test_every_recorded_response_parses_and_round_trips(
    conformance: dict[str, Any], reference_document: dict[str, Any]
) -> None:
    # Whatever the reference document (make regenerate runs this on new ones): every recorded answer.
    recorded = len(recorded_examples(reference_document))
    outcome = conformance["outcome"]
    assert conformance["failures"] == []
    assert outcome["crash"] == 0
    assert outcome["loss"] == 0
    assert outcome["no endpoint"] == 0
    assert recorded > 0
    assert outcome["round trip"] == recorded


def test_every_operation_of_the_api_surface_is_a_generated_function(api_surface: dict[str, Any]) -> None:
    modules = [p for p in (REPO / "plantpredict_client" / "api").glob("*/*.py") if p.name != "__init__.py"]
    assert len(modules) == len(api_surface["operations"])  # 0 endpoints skipped
    for name, operation in api_surface["operations"].items():
        assert (REPO / "plantpredict_client" / "api" / operation["module"] / f"{name}.py").is_file()


def test_the_only_relaxation_is_timestamp_spelling(conformance: dict[str, Any]) -> None:
    assert conformance["relaxations"], "the recordings hold .NET timestamps; the relaxation must be exercised"
    assert all(": timestamp " in r for r in conformance["relaxations"])


def test_dotnet_timestamps_keep_their_instant_to_the_microsecond() -> None:
    from plantpredict_client.models import Note

    note = Note.from_dict({"date": "2026-02-09T12:57:51.4230001"})
    assert note.to_dict()["date"] == "2026-02-09T12:57:51.423000"
    short = Note.from_dict({"date": "2026-02-09T12:57:51.423"})
    assert differences({"date": "2026-02-09T12:57:51.423"}, short.to_dict()) == (
        [],
        ["$.date: timestamp '2026-02-09T12:57:51.423' written as '2026-02-09T12:57:51.423000'"],
    )


def test_the_comparison_catches_a_real_loss() -> None:
    real, _ = differences({"values": [1, 2, 3]}, {"values": []})
    assert real == ["$.values: 3 items became 0"]
    real, _ = differences({"when": "2026-02-09T12:57:51"}, {"when": "2026-02-09T12:57:52"})
    assert real


def test_a_parser_that_returns_nothing_for_a_json_body_counts_as_a_loss(reference_document: dict[str, Any]) -> None:
    # Route a recorded project through an endpoint whose answer has no body (it returns None): the
    # harness must call it a loss.
    surface = {
        "operations": {
            "delete_project": {"module": "projects", "method": "GET", "path": "/Project/{projectId}"},
        }
    }
    result = run_conformance(
        {"paths": {"/Project/{projectId}": reference_document["paths"]["/Project/{projectId}"]}}, surface
    )
    assert result["outcome"]["loss"] == 1


def test_binary_payload_reader_is_exercised() -> None:
    assert _to_json(File(payload=io.BytesIO(b"a,b\n"))) == b"a,b\n"
