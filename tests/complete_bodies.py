"""Request bodies the API accepts, for tests that care about something else.

The client refuses to send a body that lacks a field the API's documents require
(``plantpredict_client.errors.MissingRequiredFields``): a DC field has 41 of them, a prediction its
six uncertainties and degradation rate. A test that sends a plant to exercise retries or polling
names what it is about (tilt, strings, ids) and passes the body through ``complete``, which gives
every field the check still names the value PlantPredict's own recorded answers have for it (the
reference document's recorded power plant, prediction, inverter and the simulator's library module).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

import attrs

from plantpredict_client import errors
from plantpredict_client.types import Unset
from plantpredict_simulator import _library

Body = TypeVar("Body")

#: JSON key -> value, from the reference's recorded ``GET .../PowerPlant``, ``GET .../Prediction/{id}``
#: and ``GET /Inverter/{id}`` answers, and the simulator's library module and inverter (themselves
#: recorded values), which a plant's own values override.
RECORDED: dict[str, Any] = {
    **_library.MODULE,
    **_library.INVERTER,
    # Prediction
    "errorIntAnnVar": 3,
    "errorModelAcc": 2.9,
    "errorMonAcc": 2,
    "errorSensAcc": 5,
    "errorSpaVar": 2,
    "linearDegradationRate": 0.5,
    # Project (the site's; the recorded project's)
    "elevation": 178.5,
    "standardOffsetFromUTC": -5,
    # PowerPlant, Block, PowerPlantArray, PowerPlantInverter
    "powerFactor": 0.95,
    "repeater": 1,
    "acCollectionLoss": 1,
    "coolingLoad": 0,
    "dasLoad": 800,
    "transformerFullLoadLoss": 0.7,
    "transformerHighSideVoltage": 34.5,
    "transformerNoLoadLoss": 0.2,
    "transformerkVARating": 2750,
    "designDerate": 0.95,
    "kVARating": 2750,
    "setpointkW": 2612.5,
    # DCField
    "cellToModuleTempDiff": 3,
    "dcHealth": 0,
    "dcWiringLossAtSTC": 1.5,
    "fieldDcPower": 3135.0,
    "heatBalanceConductiveCoef": 29,
    "heatBalanceConvectiveCoef": 0,
    "lateralIntermoduleGap": 0.02,
    "lightInducedDegradation": 1.5,
    "lockBacksideMismatch": False,
    "lockModuleAzimuth": False,
    "lockModulesHigh": False,
    "lockModulesWide": False,
    "lockModulesWiredInSeries": False,
    "lockMwAc": False,
    "lockNumberOfRows": False,
    "lockNumberOfSeriesStringsWiredInParallel": False,
    "lockPostHeight": False,
    "lockPostToPostSpacing": False,
    "maximumTrackingLimitAngleD": 60,
    "minimumTrackingLimitAngleD": -60,
    "moduleAzimuth": 180,
    "moduleMismatchCoefficient": 1,
    "moduleQuality": 0,
    "modulesHigh": 1,
    "modulesWide": 26,
    "modulesWiredInSeries": 26,
    "numberOfRows": 18,
    "numberOfSeriesStringsWiredInParallel": 215.3,
    "plannedModuleRating": 560,
    "postToPostSpacing": 5.695,
    "sandiaConductiveCoef": -3.56,
    "sandiaConvectiveCoef": -0.075,
    "tableToTableSpacing": 0,
    "tablesRemovedForPCS": 0,
    "trackerLoadLoss": 2.028,
    "trackerPitchAngleD": 0,
    "trackerStowAngle": 0,
    "trackingBacktrackingType": 1,
    "trackingType": 1,
    "verticalIntermoduleGap": 0.02,
}
#: What the recorded answers do not hold: names and texts, a site (the simulator's Toledo), the id and
#: status of a status change, the first hour of a weather file.
NAMED: dict[str, Any] = {
    "name": "Test",
    "manufacturer": "Test",
    "model": "Test",
    "contents": "A note",
    "latitude": 41.65,
    "longitude": -83.54,
    "id": 1,
    "status": 0,
    "index": 0,
    "timeStamp": "2005-01-01T00:00:00",
    "adjustedTimeStamp": "2005-01-01T00:00:00",
}
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def walk_to(body: Any, path: str, attribute_of: Callable[[Any, str], str]) -> tuple[Any, str]:
    """The model holding the field at ``path`` (``body.powerPlant.blocks[0].repeater``, as the
    client's check names it) and the field's JSON key; ``attribute_of(model, key)`` names the
    attribute of a key."""
    steps = _STEP.findall(path.removeprefix("body"))
    target = body
    for key, index in steps[:-1]:
        target = target[int(index)] if index else getattr(target, attribute_of(target, key))
    key, index = steps[-1]
    if index:
        raise AssertionError(f"the check names a list item as missing: {path}")
    return target, key


def _attribute(model: Any, key: str) -> str:
    """The attribute a JSON key is parsed into (the model's own ``from_dict`` says)."""
    parsed = type(model).from_dict({key: RECORDED.get(key, NAMED.get(key))})
    for field in attrs.fields(type(parsed)):
        if field.name != "additional_properties" and not isinstance(getattr(parsed, field.name), Unset):
            return field.name
    raise KeyError(f"{type(model).__name__} has no field {key}")


def _set(model: Any, key: str) -> None:
    value = RECORDED[key] if key in RECORDED else NAMED[key]
    attribute = _attribute(model, key)
    # The model parses the recorded JSON value into the attribute's type (an enum, a float).
    setattr(model, attribute, getattr(type(model).from_dict({key: value}), attribute))


def complete(body: Body) -> Body:
    """``body`` (changed in place) with every field the client's check before sending names as
    missing set to its recorded value; the fields the caller set are left as they are."""
    for path in errors.missing_fields(body):
        _set(*walk_to(body, path, _attribute))
    return body


def complete_request(module: ModuleType, arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` of a generated operation, their body completed with what this operation's
    requests must carry too (the reference requires a project's ``name`` of ``create_project``)."""
    for _ in range(10):
        try:
            module._get_kwargs(**arguments)
        except errors.MissingRequiredFields as missing:
            for path in missing.missing:
                _set(*walk_to(arguments["body"], path, _attribute))
        else:
            return arguments
    raise AssertionError(f"{module.__name__}: the body is still incomplete")


__all__ = ["NAMED", "RECORDED", "complete", "complete_request", "walk_to"]
