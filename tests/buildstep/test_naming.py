"""Names the generator will see: readable, deterministic, and never moved by an upstream addition."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openapi import NameLock, Overrides, normalize
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
    for key, name in before.names.schemas.items():
        assert after.names.schemas[key] == name
    for key, names in before.names.operations.items():
        assert after.names.operations[key] == names
    assert after.names.schemas["live:PlantPredict.Entities.Archive.Project"] == "ArchiveProject"
    assert after.names.operations["GET /archive/{}"]["id"] == "get_archive"
    assert after.figures["schema names newly derived"] == 1
    assert after.figures["operation names newly derived"] == 1
