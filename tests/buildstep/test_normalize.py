"""The normalizer's rules (docs/normalization.md), checked on the two mirrors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openapi import NameLock, Result, SourceError, normalize
from openapi._schema import strip_null
from tests.conftest import REPO

SCHEMAS = "#/components/schemas/"


def _operation(result: Result, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, item in result.document["paths"].items():
        for method, op in item.items():
            if op["operationId"] == operation_id:
                return method, path, op
    raise AssertionError(f"no operation {operation_id}")


def _json_schema(op: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return op["responses"][status]["content"]["application/json"]["schema"]


def test_both_documents_merge_into_160_operations(normalized: Result) -> None:
    figures = normalized.figures
    assert figures["operations"] >= 160
    assert figures["operations in both documents"] == 70
    assert figures["operations only in the live document"] == 47
    assert figures["operations only in the reference"] == 43


def test_at_least_92_operations_answer_a_model(normalized: Result) -> None:
    schemas = normalized.document["components"]["schemas"]

    def is_model(schema: dict[str, Any]) -> bool:
        if "$ref" in schema:
            return "enum" not in schemas[schema["$ref"].removeprefix(SCHEMAS)]
        if schema.get("type") == "array":
            return is_model(schema.get("items") or {})
        return any(is_model(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))

    typed = [
        op["operationId"]
        for item in normalized.document["paths"].values()
        for op in item.values()
        if any(
            is_model(_json_schema(op, s))
            for s, r in op["responses"].items()
            if "application/json" in r.get("content", {})
        )
    ]
    assert len(typed) >= 92


def test_only_json_remains_for_json_bodies_and_every_body_is_required(normalized: Result) -> None:
    for item in normalized.document["paths"].values():
        for op in item.values():
            body = op.get("requestBody")
            if body:
                assert len(body["content"]) == 1
                assert not any("*" in media or media == "text/json" for media in body["content"])
                if op["operationId"] != "run_prediction":
                    assert body["required"] is True
            for response in op["responses"].values():
                assert "text/json" not in response.get("content", {})


def test_run_takes_an_optional_body_as_the_recorded_reference_calls_it_without_one(normalized: Result) -> None:
    _, _, op = _operation(normalized, "run_prediction")
    assert op["requestBody"]["required"] is False


def test_schema_names_lose_their_dotnet_namespaces(normalized: Result) -> None:
    schemas = normalized.document["components"]["schemas"]
    assert {"Prediction", "PowerPlant", "PredictionResultSummary", "KeyValuePairDoubleDouble"} <= set(schemas)
    assert not [name for name in schemas if "." in name]


def test_no_object_schema_forbids_unknown_fields(normalized: Result) -> None:
    text = json.dumps(normalized.document)
    assert '"additionalProperties": false' not in text


def test_fake_geometry_types_are_opaque_and_unreachable_schemas_pruned(normalized: Result) -> None:
    point = normalized.document["components"]["schemas"]["Point"]
    assert point["type"] == "object"
    assert "properties" not in point
    assert normalized.figures["unreachable schemas pruned"] >= 15


def test_enum_members_take_the_reference_names(normalized: Result) -> None:
    assert normalized.figures["enums named by description"] >= 48
    status = normalized.document["components"]["schemas"]["ProjectStatusEnum"]
    assert status["enum"] == [0, 1, 2]
    assert status["x-enum-varnames"] == ["ACTIVE", "ARCHIVED", "VOLTAGE_PRO"]


def test_reference_properties_may_be_null(normalized: Result) -> None:
    prediction = normalized.document["components"]["schemas"]["Prediction"]["properties"]
    assert {"$ref": SCHEMAS + "PowerPlant"} in prediction["powerPlant"]["anyOf"]
    assert {"type": "null"} in prediction["powerPlant"]["anyOf"]


def test_response_models_require_nothing(normalized: Result) -> None:
    summary = normalized.document["components"]["schemas"]["PredictionResultSummary"]
    assert "required" not in summary


def test_operations_have_reference_names_tags_and_path_parameters(normalized: Result) -> None:
    method, path, op = _operation(normalized, "get_project")
    assert (method, path, op["tags"]) == ("get", "/Project/{projectId}", ["Projects"])
    _, path, op = _operation(normalized, "update_project")  # live only: same parameter name as its siblings
    assert path == "/Project/{projectId}"
    _, _, op = _operation(normalized, "run_prediction")
    assert op["tags"] == ["Predictions"]
    _, _, op = _operation(normalized, "get_inverter_kva")
    assert op["tags"] == ["Inverters"]
    _, _, op = _operation(normalized, "import_pvsyst_project")
    assert op["tags"] == ["Projects"]


def test_path_parameters_that_differ_in_meaning_follow_the_live_document(normalized: Result) -> None:
    paths = normalized.document["paths"]
    assert "/Project/{projectId}/Prediction/{predictionId}/ReportURL/{report}" in paths
    assert "/Project/{projectId}/Prediction/{predictionId}/ShadeScene/Properties/{month}" in paths


def test_query_parameters_take_the_reference_spelling(normalized: Result) -> None:
    _, _, op = _operation(normalized, "get_nodal_json")
    names = {p["name"] for p in op["parameters"]}
    assert "dcFieldNumber" in names
    assert "dCFieldNumber" not in names


def test_untyped_live_responses_borrow_the_reference_type_only_when_it_fits(normalized: Result) -> None:
    schemas = normalized.document["components"]["schemas"]
    _, _, op = _operation(normalized, "get_result_details")
    details = schemas[_json_schema(op)["$ref"].removeprefix(SCHEMAS)]
    assert "HourlyDetails" in details["properties"]  # PascalCase, as the server answers
    _, _, op = _operation(normalized, "get_shade_processing_status")
    status = schemas[_json_schema(op)["$ref"].removeprefix(SCHEMAS)]
    assert strip_null(status["properties"]["RunId"])["type"] == "string"  # recorded as "955415-DLVWTJFLXM"
    _, _, op = _operation(normalized, "get_plant_block_details")
    block = schemas[_json_schema(op)["$ref"].removeprefix(SCHEMAS)]
    assert strip_null(block["properties"]["PredictionDetails"])["type"] == "array"


def test_inline_response_schemas_are_hoisted_to_named_components(normalized: Result) -> None:
    names = set(normalized.document["components"]["schemas"])
    assert "ResultDetailsHourlyDetail" in names
    assert not [n for n in names if "Response200" in n]


def test_delete_note_answers_either_a_boolean_or_the_remaining_notes(normalized: Result) -> None:
    _, _, op = _operation(normalized, "delete_module_note")
    variants = _json_schema(op)["anyOf"]
    assert {"type": "boolean"} in variants
    assert {"type": "array", "items": {"$ref": SCHEMAS + "Note"}} in variants


def test_multipart_uploads_require_the_file(normalized: Result) -> None:
    _, _, op = _operation(normalized, "import_pvsyst_project")
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    # The reference's inline bodies are hoisted to components: their file is required there.
    _, _, op = _operation(normalized, "import_pan_file")
    hoisted = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert normalized.document["components"]["schemas"][hoisted]["required"] == ["file"]
    assert normalized.figures["multipart bodies with file required"] == 13


def test_downloads_without_declared_content_are_files(normalized: Result) -> None:
    _, _, op = _operation(normalized, "download_table_rotation")
    assert op["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }


def test_error_responses_are_left_to_the_runtime(normalized: Result) -> None:
    for item in normalized.document["paths"].values():
        for op in item.values():
            assert all(200 <= int(status) < 400 for status in op["responses"])


def test_normalization_is_deterministic(normalized: Result, live_document: Any, reference_document: Any) -> None:
    again = normalize(live_document, reference_document, normalized.names, _overrides())
    assert json.dumps(again.document) == json.dumps(normalized.document)


def _overrides() -> Any:
    import yaml

    from openapi import Overrides

    return Overrides.from_json(yaml.safe_load((REPO / "openapi" / "names.yml").read_text(encoding="utf-8")))


def test_the_mirrors_give_160_operations_and_73_recorded_answers(normalized: Result, api_surface: Any) -> None:
    assert normalized.figures["operations"] == len(api_surface["operations"]) == 160
    assert normalized.figures["recorded examples"] == 73


def test_a_swagger_2_document_is_refused_by_the_one_openapi_3_check(reference_document: Any) -> None:
    with pytest.raises(SourceError, match=r"the primary document is Swagger 2\.0, not OpenAPI 3"):
        normalize({"swagger": "2.0", "paths": {"/x": {}}}, reference_document, NameLock(), _overrides())
