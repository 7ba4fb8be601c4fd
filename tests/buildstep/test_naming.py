"""Names the generator will see: readable, deterministic, and never moved by an upstream addition."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openapi import NameLock, Overrides, Result, normalize
from openapi._naming import derive_operation_id, match_key, short_type_name, snake, unique_short_names


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("importPVsystProject", "import_pvsyst_project"),
        ("getInverterkVA", "get_inverter_kva"),
        ("convertPVCtoPVJ", "convert_pvc_to_pvj"),
        ("getASHRAEStation", "get_ashrae_station"),
        ("processIVCurves", "process_iv_curves"),
        ("dCFieldNumber", "d_c_field_number"),
        ("standardOffsetFromUTC", "standard_offset_from_utc"),
        ("getTABTProcessingStatus", "get_tabt_processing_status"),
    ],
)
def test_acronyms_and_brand_words_stay_whole_in_snake_case(identifier: str, expected: str) -> None:
    assert snake(identifier) == expected


def test_dotnet_namespaces_and_generic_arity_are_stripped() -> None:
    assert short_type_name("PlantPredict.Entities.DTO.ExportOptions") == "ExportOptions"
    generic = (
        "System.Collections.Generic.KeyValuePair`2[[System.Double, System.Private.CoreLib, Version=8.0.0.0],"
        "[System.Double, System.Private.CoreLib, Version=8.0.0.0]]"
    )
    assert short_type_name(generic) == "KeyValuePairDoubleDouble"


def test_colliding_short_names_take_their_nearest_namespace_deterministically() -> None:
    keys = ["A.Entities.Project", "A.DTO.Project", "A.Entities.Note"]
    first = unique_short_names(keys, {})
    second = unique_short_names(list(reversed(keys)), {})
    assert (
        first
        == second
        == {"A.DTO.Project": "DTOProject", "A.Entities.Project": "EntitiesProject", "A.Entities.Note": "Note"}
    )


def test_a_locked_name_keeps_its_owner_when_a_new_schema_would_collide() -> None:
    names = unique_short_names(["A.Entities.Project", "B.Other.Project"], {"A.Entities.Project": "Project"})
    assert names == {"B.Other.Project": "OtherProject"}


def test_operations_match_across_documents_case_and_parameter_names_ignored() -> None:
    assert match_key("get", "/Project/{id}") == match_key("GET", "/project/{projectId}")


def test_derived_operation_ids_follow_the_reference_style() -> None:
    assert derive_operation_id("get", "/Project/{p}/Prediction/{q}/WindStow") == "getPredictionWindStow"
    assert derive_operation_id("get", "/Project/{p}/Prediction/{q}/Clone") == "clonePrediction"
    assert derive_operation_id("put", "/Project/{id}") == "updateProject"


def _add_colliding_upstream_additions(live: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(live)
    schemas = changed["components"]["schemas"]
    # A second "Project" in another namespace, and a new operation returning it.
    schemas["PlantPredict.Entities.Archive.Project"] = {
        "type": "object",
        "properties": {"archived": {"type": "boolean"}},
    }
    changed["paths"]["/Archive/{id}"] = {
        "get": {
            "tags": ["Project"],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/PlantPredict.Entities.Archive.Project"}
                        }
                    },
                }
            },
        }
    }
    return changed


def test_an_upstream_addition_never_renames_an_existing_class_or_function(
    live_document: dict[str, Any], reference_document: dict[str, Any], lock_names: NameLock, overrides: Overrides
) -> None:
    before = normalize(live_document, reference_document, lock_names, overrides)
    after = normalize(_add_colliding_upstream_additions(live_document), reference_document, lock_names, overrides)
    for section, held in before.names.to_json().items():
        now = after.names.to_json()[section]
        assert {key: now[key] for key in held} == held, section
    assert after.names.schemas["live:PlantPredict.Entities.Archive.Project"] == "ArchiveProject"
    assert after.names.operations["GET /archive/{}"]["id"] == "get_archive"
    assert after.names.methods["GET /archive/{}"] == "archive"
    assert after.names.attributes["ArchiveProject.archived"] == "archived"
    assert after.figures["schema names newly derived"] == 1
    assert after.figures["operation names newly derived"] == 1
    assert after.figures["attribute names newly derived"] == 1
    assert after.figures["method names newly derived"] == 1


def test_the_lock_names_every_attribute_argument_enum_member_resource_and_method(normalized: Result) -> None:
    counts = normalized.names.count()
    assert counts["attributes"] >= 2818
    assert counts["parameters"] >= 254
    assert counts["enum_members"] >= 426
    assert counts["resources"] == 16
    assert counts["methods"] >= 160
    assert normalized.figures.get("attribute names newly derived", 0) == 0


def test_a_name_a_source_adds_later_does_not_rename_a_locked_member(
    live_document: dict[str, Any], reference_document: dict[str, Any], lock_names: NameLock, overrides: Overrides
) -> None:
    # The SDK names CompanyStatusEnum 0 and 1 tomorrow: the members keep the names the lock holds.
    later = copy.deepcopy(overrides)
    later.sdk_enums["CompanyStatusEnum"] = "Invented"
    later.sdk_enumerations["Invented"] = {0: "INACTIVE", 1: "ENABLED"}
    result = normalize(live_document, reference_document, lock_names, later)
    assert result.document["components"]["schemas"]["CompanyStatusEnum"]["x-enum-varnames"] == ["VALUE_0", "VALUE_1"]
    fresh = normalize(live_document, reference_document, NameLock(), later)
    assert fresh.document["components"]["schemas"]["CompanyStatusEnum"]["x-enum-varnames"] == ["INACTIVE", "ENABLED"]
