"""Request-body validation: the rules come from the live document; binding behaves like ASP.NET's."""

from __future__ import annotations

from typing import Any

import pytest

from plantpredict_client import models
from plantpredict_simulator._constraints import REQUIRED, rules
from plantpredict_simulator._models import fields_of, validate

SCHEMAS = {
    "Project": "PlantPredict.Entities.Project",
    "Prediction": "PlantPredict.Entities.Prediction",
    "PowerPlant": "PlantPredict.Entities.PowerPlants.PVPlant",
    "Block": "PlantPredict.Entities.PowerPlants.PVBlock",
    "PowerPlantArray": "PlantPredict.Entities.PowerPlants.PVArray",
    "PowerPlantInverter": "PlantPredict.Entities.PowerPlants.PVInverter",
    "DCField": "PlantPredict.Entities.PowerPlants.PVDCField",
    "Module": "PlantPredict.Entities.Module",
    "Inverter": "PlantPredict.Entities.Inverter",
    "Weather": "PlantPredict.Entities.Weather",
}


@pytest.mark.parametrize("model", sorted(SCHEMAS))
def test_rules_are_the_live_documents_ranges_and_lengths(live_document: dict[str, Any], model: str) -> None:
    schema = live_document["components"]["schemas"][SCHEMAS[model]]
    expected = {}
    for name, prop in schema["properties"].items():
        rule = {k: prop[k] for k in ("minimum", "maximum", "maxLength") if k in prop}
        if rule:
            expected[name] = rule
    actual = {
        name: {
            k: v
            for k, v in (("minimum", r.minimum), ("maximum", r.maximum), ("maxLength", r.max_length))
            if v is not None
        }
        for name, r in rules(model).items()
        if (r.minimum, r.maximum, r.max_length) != (None, None, None)
    }
    assert actual == expected
    required = {name for name, r in rules(model).items() if r.required}
    assert required == set(REQUIRED.get(model, ()))
    assert required <= set(schema.get("required", []))
    # Every constrained name is a JSON field the generated model knows.
    known = {spec.key for spec in fields_of(getattr(models, model)).values()}
    assert set(rules(model)) <= known


def test_official_sdk_style_keys_bind_case_insensitively() -> None:
    # plantpredict 1.0.24 converts snake_case to camelCase its own way: setpoint_kw -> setpointKw.
    body = {
        "blocks": [
            {
                "name": 1,
                "use_energization_date": False,
                "energizationDate": "",
                "arrays": [{"name": 1, "inverters": [{"setpointKw": "2500", "kvaRating": 2750, "dcFields": []}]}],
            }
        ],
        "powerFactor": 1,
        "createUrlSuffix": "/Project/1/Prediction/2/PowerPlant",
    }
    data, errors = validate(models.PowerPlant, body, "powerPlant")
    assert errors == {}
    assert data is not None
    inverter = data["blocks"][0]["arrays"][0]["inverters"][0]
    assert (inverter["setpointkW"], inverter["kVARating"]) == (2500.0, 2750)
    assert data["blocks"][0]["energizationDate"] is None
    assert "createUrlSuffix" not in data


def test_numbers_in_strings_are_coerced_and_nonsense_is_named() -> None:
    data, errors = validate(
        models.Project, {"latitude": "12.5", "longitude": 3, "elevation": 1, "standardOffsetFromUTC": "x"}, "project"
    )
    assert data is None
    assert errors == {"project.StandardOffsetFromUTC": ["Error converting value \"x\" to type 'System.Double'."]}
    data, errors = validate(
        models.Project, {"latitude": "12.5", "longitude": 3, "elevation": 1, "standardOffsetFromUTC": 0}, "project"
    )
    assert errors == {}
    assert data is not None
    assert data["latitude"] == 12.5


def test_lists_and_nested_objects_of_the_wrong_shape_are_errors() -> None:
    _, errors = validate(models.PowerPlant, {"powerFactor": 1, "blocks": {"name": 1}}, "powerPlant")
    assert list(errors) == ["powerPlant.Blocks"]
    _, errors = validate(models.PowerPlant, {"powerFactor": 1, "blocks": [1]}, "powerPlant")
    assert list(errors) == ["powerPlant.Blocks[0]"]
    _, errors = validate(models.Project, [1, 2], "project")
    assert list(errors) == ["project"]


def test_unknown_enum_values_survive_like_the_generated_client_lets_them() -> None:
    data, errors = validate(models.Prediction, {"processingStep": 38, "status": 12}, "prediction")
    assert errors == {}
    assert data is not None
    assert (data["processingStep"], data["status"]) == (38, 12)
