"""Schemathesis against the simulator, checked against the live document (SPEC_SOURCE).

    SPEC_SOURCE=... python -m tests.simulator.schemathesis_run [--examples N]    (make conformance)

A bounded run: a few generated requests per operation, over loopback to `python -m plantpredict_simulator`.
Path ids are those of a small world created first (a project with a finished run, library items), so
requests reach real objects instead of 404s; everything else (queries, bodies) is Schemathesis'. Each
answer is checked by Schemathesis' own checks, one at a time, and the figures are printed per check, with
every failing answer's reason.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from plantpredict_simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, _library, launched
from tests.simulator._support import plant_body, project_body

CHECKS = {
    "not_a_server_error": core_checks.not_a_server_error,
    "status_code_conformance": openapi_checks.status_code_conformance,
    "content_type_conformance": openapi_checks.content_type_conformance,
    "response_headers_conformance": openapi_checks.response_headers_conformance,
    "response_schema_conformance": openapi_checks.response_schema_conformance,
}


@dataclass
class Figures:
    """Passed and failed answers per check; reasons of failures, per operation."""

    passed: collections.Counter[str] = field(default_factory=collections.Counter)
    failed: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    operations_answered: set[str] = field(default_factory=set)
    operations_2xx: set[str] = field(default_factory=set)
    reasons: dict[str, collections.Counter[str]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )

    def share(self, check: str) -> float:
        total = self.passed[check] + self.failed[check]
        return self.passed[check] / total if total else 1.0

    def report(self) -> str:
        lines = [
            f"operations: {len(self.operations_answered)} answered, none 'No HTTP resource'; "
            f"{len(self.operations_2xx)} answered 2xx at least once",
            "statuses: " + ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items())),
        ]
        for check in CHECKS:
            total = self.passed[check] + self.failed[check]
            scope = " (2xx answers)" if check == "response_schema_conformance" else ""
            lines.append(f"{check}{scope}: {self.passed[check]}/{total} = {self.share(check):.1%}")
        for check, reasons in self.reasons.items():
            for reason, count in reasons.most_common():
                lines.append(f"  {check} x{count}: {reason}")
        return "\n".join(lines)


def _token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def world(base_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Objects for path parameters: their ids by parameter name (lower case)."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        module = http.post("/Module", json=_library.MODULE).json()["id"]
        inverter = http.post("/Inverter", json=_library.INVERTER).json()["id"]
        weather = http.post("/Weather", json=_library.WEATHER[0]).json()["id"]
        project = http.post("/Project", json=project_body(name="Conformance")).json()["id"]
        prediction = http.post(
            f"/Project/{project}/Prediction", json={"name": "Conformance", "weatherId": weather}
        ).json()["id"]
        plant = plant_body(module_id=module, inverter_id=inverter)
        http.post(f"/Project/{project}/Prediction/{prediction}/PowerPlant", json=plant).raise_for_status()
        http.post(f"/Project/{project}/Prediction/{prediction}/Run").raise_for_status()
    return {
        "projectid": project,
        "predictionid": prediction,
        "targetpredictionid": prediction,
        "moduleid": module,
        "inverterid": inverter,
        "weatherid": weather,
    }


def _path_ids(path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """`{id}` means the object the path names: /Project/{id} a project, /Module/{id} a module."""
    owner = {"project": "projectid", "module": "moduleid", "inverter": "inverterid"}.get(path.split("/")[1].lower())
    return {"id": ids[owner]} if owner else {}


def run(spec: dict[str, Any], base_url: str, examples: int, seed: int = 0) -> Figures:
    schema = schemathesis.openapi.from_dict(spec)
    headers = {"Authorization": f"Bearer {_token(base_url)}"}
    figures = Figures()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would be a broken document: let it raise
        ids = world(base_url, headers)  # a fresh world per operation: deletes do not starve the next ones
        ids.update(_path_ids(operation.path, ids))
        _exercise(operation, ids, base_url, headers, session, figures, examples)
    return figures


def _exercise(
    operation: Any,
    ids: dict[str, Any],
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    figures: Figures,
    examples: int,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        for name in list(case.path_parameters or {}):
            if name.lower() in ids:
                case.path_parameters[name] = ids[name.lower()]
        response = case.call(base_url=base_url, session=session, headers=headers)
        figures.statuses[response.status_code] += 1
        if b"No HTTP resource" not in response.content:
            figures.operations_answered.add(label)
        if 200 <= response.status_code < 300:
            figures.operations_2xx.add(label)
        for check_name, check in CHECKS.items():
            if check_name == "response_schema_conformance" and not 200 <= response.status_code < 300:
                continue
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except BaseException as failure:
                if isinstance(failure, KeyboardInterrupt | SystemExit):
                    raise
                figures.failed[check_name] += 1
                figures.reasons[check_name][f"{label} -> {response.status_code}: {_reason(failure)}"] += 1
            else:
                figures.passed[check_name] += 1

    exercise()


def _reason(failure: BaseException) -> str:
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    wanted = [line for line in lines if not line.startswith(("Schemathesis found", "Reproduce", "curl", "[", "`"))]
    return " | ".join(wanted[:4])[:300]


@contextmanager
def simulator() -> Iterator[str]:
    with launched("--run-seconds", "0") as base_url:
        yield base_url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5, help="generated requests per operation")
    args = parser.parse_args()
    source = os.environ.get("SPEC_SOURCE")
    if not source:
        print("error: set SPEC_SOURCE to the live document (make conformance does)", file=sys.stderr)
        return 2
    spec = json.loads(Path(source).read_text(encoding="utf-8"))
    started = time.monotonic()
    with simulator() as base_url:
        figures = run(spec, base_url, args.examples)
    print(figures.report())
    print(f"{sum(figures.statuses.values())} requests in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
