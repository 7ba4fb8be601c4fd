"""What ``make api-diff`` and the changelog say about a change of the API surface."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openapi import diff, report
from openapi._changelog import HEADER, MARKER, ChangelogError, entry, heading, with_entry
from openapi._lock import SourceLock

OLD: dict[str, Any] = {
    "operations": {
        "get_project": {
            "module": "projects",
            "method": "GET",
            "path": "/Project/{projectId}",
            "parameters": {"path:projectId": "int"},
            "request": None,
            "responses": {"200": "Project (application/json)"},
        }
    },
    "schemas": {
        "Project": {"type": "object", "fields": {"name": "str | None", "latitude": "float"}},
        "Status": {"enum": {"ACTIVE": 0, "ARCHIVED": 1}},
    },
}


def _changed(**edits: Any) -> dict[str, Any]:
    new = copy.deepcopy(OLD)
    for path, value in edits.items():
        node = new
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return new


def _kinds(new: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(c.kind, c.subject, c.breaking) for c in diff(OLD, new)]


def test_an_operation_under_a_new_name_is_a_breaking_rename() -> None:
    new = copy.deepcopy(OLD)
    new["operations"]["fetch_project"] = new["operations"].pop("get_project")
    assert _kinds(new) == [("operation renamed", "get_project -> fetch_project", True)]


def test_an_optional_parameter_added_is_not_breaking_and_a_required_one_is() -> None:
    optional, required = copy.deepcopy(OLD), copy.deepcopy(OLD)
    optional["operations"]["get_project"]["parameters"]["query:verbose"] = "bool (optional)"
    required["operations"]["get_project"]["parameters"]["query:verbose"] = "bool"
    assert _kinds(optional) == [("operation changed", "get_project", False)]
    assert _kinds(required) == [("operation changed", "get_project", True)]


def test_a_new_response_is_not_breaking_and_a_retyped_one_is() -> None:
    added = _changed(operations__get_project__responses__201="Project (application/json)")
    retyped = _changed(operations__get_project__responses__200="dict (application/json)")
    assert _kinds(added) == [("operation changed", "get_project", False)]
    assert _kinds(retyped) == [("operation changed", "get_project", True)]


def test_fields_added_removed_and_retyped() -> None:
    new = _changed(schemas__Project__fields__elevation="float", schemas__Project__fields__latitude="str")
    del new["schemas"]["Project"]["fields"]["name"]
    assert _kinds(new) == [
        ("field added", "Project.elevation", False),
        ("field retyped", "Project.latitude", True),
        ("field removed", "Project.name", True),
    ]


def test_enum_members_added_and_renamed() -> None:
    new = _changed(schemas__Status__enum={"ACTIVE": 0, "RETIRED": 1, "DRAFT": 2})
    assert _kinds(new) == [
        ("enum member renamed", "Status.ARCHIVED -> RETIRED", True),
        ("enum member added", "Status.DRAFT", False),
    ]


def test_a_schema_under_a_new_name_is_a_breaking_rename() -> None:
    new = copy.deepcopy(OLD)
    new["schemas"]["ProjectStatus"] = new["schemas"].pop("Status")
    assert _kinds(new) == [("schema renamed", "Status -> ProjectStatus", True)]


def test_the_report_counts_and_marks_breaking_changes() -> None:
    new = _changed(schemas__Project__fields__elevation="float")
    del new["schemas"]["Project"]["fields"]["name"]
    assert report(diff(OLD, new)).splitlines() == [
        "2 change(s), 1 breaking: 1 field added, 1 field removed",
        "Field added (1):",
        "  Project.elevation: float",
        "Field removed (1):",
        "  BREAKING Project.name: str | None",
    ]
    assert report([]) == "No changes: a regeneration would produce the same API."


SOURCES = {
    "primary": SourceLock("https://example.invalid/a", "offline copy (a.json)", "ab" * 32, 10, "2026-01-01T00:00:00Z")
}


def test_a_changelog_entry_lists_each_change_under_its_kind_and_marks_breaking_ones() -> None:
    new = _changed(schemas__Project__fields__elevation="float")
    del new["schemas"]["Project"]["fields"]["name"]
    text = entry(diff(OLD, new), date="2026-01-02", api_version="v1+reference.2", sources=SOURCES)
    assert text.startswith("## 2026-01-02: PlantPredict API v1+reference.2\n")
    assert "- primary document: sha256 `abababababab`, 10 bytes, https://example.invalid/a" in text
    assert "**1 breaking change** of 2" in text
    assert "### Fields added\n\n- `Project.elevation`: float\n" in text
    assert "### Fields removed\n\n- **Breaking:** `Project.name`: str | None\n" in text
    assert heading("enum member renamed") == "Enum members renamed"


def test_new_entries_go_first_below_the_marker() -> None:
    first = with_entry(HEADER, "## one\n")
    second = with_entry(first, "## two\n")
    assert second.index(MARKER) < second.index("## two") < second.index("## one")
    with pytest.raises(ChangelogError, match="has no line"):
        with_entry("# Changelog\n", "## three\n")


def test_a_field_under_a_new_python_name_is_a_breaking_rename() -> None:
    old = {"schemas": {"PowerPlantInverter": {"type": "object", "fields": {"setpointkW": "setpointk_w: float"}}}}
    new = {"schemas": {"PowerPlantInverter": {"type": "object", "fields": {"setpointkW": "setpoint_kw: float"}}}}
    assert [(c.kind, c.subject, c.detail, c.breaking) for c in diff(old, new)] == [
        ("field renamed", "PowerPlantInverter.setpointk_w -> setpoint_kw", "setpointkW", True)
    ]


def test_a_surface_without_python_names_had_the_generators_own() -> None:
    # Surfaces written before Python names were recorded hold only the type.
    old = {"schemas": {"Summary": {"type": "object", "fields": {"totalBoSLoss": "float", "year": "int"}}}}
    new = {
        "schemas": {
            "Summary": {"type": "object", "fields": {"totalBoSLoss": "total_bos_loss: float", "year": "year: int"}}
        }
    }
    assert [(c.kind, c.subject) for c in diff(old, new)] == [
        ("field renamed", "Summary.total_bo_s_loss -> total_bos_loss")
    ]


def test_an_argument_under_a_new_python_name_breaks_its_operation() -> None:
    old = _changed(
        operations__get_project__parameters={
            "path:projectId": "project_id: int",
            "query:ASHRAEIAM": "ashraeiam: str (optional)",
        }
    )
    new = copy.deepcopy(old)
    new["operations"]["get_project"]["parameters"]["query:ASHRAEIAM"] = "ashrae_iam: str (optional)"
    (change,) = diff(old, new)
    assert (change.kind, change.breaking) == ("operation changed", True)
    assert change.detail == "argument renamed ashraeiam -> ashrae_iam query:ASHRAEIAM"


def test_a_new_resource_method_is_not_breaking_and_a_moved_one_is() -> None:
    added = _changed(operations__get_project__resource="projects.get")
    moved = copy.deepcopy(added)
    moved["operations"]["get_project"]["resource"] = "projects.fetch"
    assert _kinds(added) == [("operation changed", "get_project", False)]
    assert [(c.kind, c.breaking) for c in diff(added, moved)] == [("operation changed", True)]
