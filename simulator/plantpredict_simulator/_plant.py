"""From PlantPredict's JSON (a stored PowerPlant, its project, prediction and weather file) to the
designs the energy model (`_energy`) simulates. No physics here: only reading, defaults and units."""

from __future__ import annotations

import datetime
import importlib.metadata
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HOURS = 8760
DEFAULT_SOILING = 2.0
DEFAULT_ALBEDO = 0.2
DEFAULT_TEMPERATURE_COEFFICIENT = -0.35  # %/degC, a crystalline module's
# Resistive DC wiring loss scales with current squared: over a year it is about 2/3 of the STC figure.
WIRING_ANNUAL_FRACTION = 0.65

# The pvlib models the energy model (`_energy`) chains, as the result summary names them. Here rather than
# there: naming them must not import pvlib and pandas, which load only when a run is first simulated.
MODELS = {
    "solarPosition": "NREL SPA (pvlib)",
    "clearSky": "Ineichen (pvlib)",
    "decomposition": {0: "Erbs", 2: "DIRINT"},
    "transposition": {0: "Hay-Davies", 1: "Perez"},
    "iam": "Physical IAM",
    "spectral": "First Solar (pvlib)",
    "temperature": "SAPM cell (pvlib)",
    "dc": "PVWatts DC (pvlib)",
    "inverter": "PVWatts inv. (pvlib)",
    "airMass": "Kasten-Young (pvlib)",
    "tool": f"pvlib {importlib.metadata.version('pvlib')}",
}

# (tracking, tilt, azimuth, rotation min, rotation max, ground coverage ratio)
Orientation = tuple[int, float, float, float, float, float]


@dataclass(frozen=True)
class FieldDesign:
    name: int
    repeater: int
    dc_kw: float
    tracking: int  # 0 fixed tilt, 1 horizontal single-axis tracker, 2 seasonal tilt (treated as fixed)
    tilt: float
    azimuth: float
    rotation_min: float
    rotation_max: float
    gcr: float
    backtracking: bool
    dc_loss_factor: float  # mismatch, quality, LID, wiring, health (soiling varies by month: the site's)
    dc_loss_parts: tuple[tuple[str, float], ...]  # those losses by name, percent
    temperature_coefficient: float  # %/degC of DC power
    module_watts: float

    @property
    def orientation(self) -> Orientation:
        if self.tracking == 1:
            return (1, 0.0, 180.0, self.rotation_min, self.rotation_max, self.gcr if self.backtracking else 0.0)
        return (0, self.tilt, self.azimuth, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class InverterDesign:
    name: str
    repeater: int
    ac_kw: float
    efficiency: float
    fields: tuple[FieldDesign, ...]

    @property
    def dc_kw(self) -> float:
        return sum(f.dc_kw * f.repeater for f in self.fields)


@dataclass(frozen=True)
class ArrayDesign:
    block: int
    block_repeater: int
    name: int
    repeater: int
    ac_collection_loss: float
    das_load_w: float
    transformer: bool
    transformer_kva: float
    transformer_no_load: float
    transformer_full_load: float
    inverters: tuple[InverterDesign, ...]


@dataclass(frozen=True)
class Sky:
    """What the synthetic weather year depends on (hashable: the year is cached per sky)."""

    latitude: float
    longitude: float
    elevation: float
    time_zone: float
    annual_ghi: float  # kWh/m2
    year: int
    weather_key: str  # seeds the daily clearness, so one weather file always gives the same year
    decomposition: int  # DiffuseDirectDecompModelType: 0 Erbs, 1 Reindl, 2 DIRINT, 3 None
    mean_temperature: float  # degC, the weather file's average air temperature


@dataclass(frozen=True)
class Site:
    sky: Sky
    albedo: tuple[float, ...]  # by month
    soiling: tuple[float, ...]  # percent, by month
    transposition: int  # TranspositionModelType: 0 Hay, 1 Perez


def build_site(
    project: Mapping[str, Any], weather: Mapping[str, Any], prediction: Mapping[str, Any], seed: int
) -> Site:
    latitude = number(project.get("latitude"), 0.0)
    albedo = [DEFAULT_ALBEDO] * 12
    soiling = [DEFAULT_SOILING] * 12
    for factor in prediction.get("monthlyFactors") or []:
        month = int(factor.get("month") or 0)
        if 1 <= month <= 12:
            albedo[month - 1] = number(factor.get("albedo"), DEFAULT_ALBEDO)
            soiling[month - 1] = number(factor.get("soilingLoss"), DEFAULT_SOILING)
    sky = Sky(
        latitude=latitude,
        longitude=number(project.get("longitude"), 0.0),
        elevation=number(project.get("elevation"), 0.0),
        time_zone=number(project.get("standardOffsetFromUTC"), 0.0),
        annual_ghi=annual_ghi(weather, latitude),
        year=year_of(weather.get("startDate")),
        weather_key=f"{seed}:weather:{weather.get('id')}",
        decomposition=int(number(prediction.get("diffuseDirectDecompModel"), 0.0)),
        # Without the file's figure: warmer towards the equator (the simulator's own assumption).
        mean_temperature=number(weather.get("averageAirTemperature"), 28.0 - 0.45 * abs(latitude)),
    )
    return Site(
        sky=sky,
        albedo=tuple(albedo),
        soiling=tuple(soiling),
        transposition=int(number(prediction.get("transpositionModel"), 1.0)),
    )


def annual_ghi(weather: Mapping[str, Any], latitude: float) -> float:
    """The weather file's GHI scaled to a year, or a latitude-based estimate when it has none."""
    total = number(weather.get("globalHorizontalIrradianceSum"), 0.0)
    hours = _period_hours(weather.get("startDate"), weather.get("endDate"))
    if total > 0 and hours >= 24:
        yearly = total * HOURS / hours
        if 300 <= yearly <= 3000:
            return yearly
    return min(2400.0, max(700.0, 2350.0 - 22.0 * abs(latitude)))


def design_from_plant(
    plant: Mapping[str, Any],
    modules: Mapping[int, Mapping[str, Any]],
    inverters: Mapping[int, Mapping[str, Any]],
    latitude: float,
) -> list[ArrayDesign]:
    """Read a stored PowerPlant (camelCase JSON) into the model's designs."""
    arrays: list[ArrayDesign] = []
    default_azimuth = 180.0 if latitude >= 0 else 0.0
    for b_index, block in enumerate(plant.get("blocks") or [], start=1):
        block_name = int(number(block.get("name"), b_index))
        for a_index, array in enumerate(block.get("arrays") or [], start=1):
            designed: list[InverterDesign] = []
            for i_index, inverter in enumerate(array.get("inverters") or []):
                library_inverter = inverters.get(int(number(inverter.get("inverterId"), -1)), {})
                fields: list[FieldDesign] = []
                for f_index, dc_field in enumerate(inverter.get("dcFields") or [], start=1):
                    module = modules.get(int(number(dc_field.get("moduleId"), -1)), {})
                    fields.append(_field_design(dc_field, module, f_index, default_azimuth))
                designed.append(
                    InverterDesign(
                        name=str(inverter.get("name") or chr(ord("A") + i_index)),
                        repeater=max(1, int(number(inverter.get("repeater"), 1))),
                        ac_kw=_inverter_ac_kw(inverter, library_inverter),
                        efficiency=_efficiency(library_inverter),
                        fields=tuple(fields),
                    )
                )
            kva = sum(
                number(i.get("kVARating"), 0.0) * max(1, int(number(i.get("repeater"), 1)))
                for i in array.get("inverters") or []
            )
            arrays.append(
                ArrayDesign(
                    block=block_name,
                    block_repeater=max(1, int(number(block.get("repeater"), 1))),
                    name=int(number(array.get("name"), a_index)),
                    repeater=max(1, int(number(array.get("repeater"), 1))),
                    ac_collection_loss=number(array.get("acCollectionLoss"), 1.0),
                    das_load_w=number(array.get("dasLoad"), 0.0),
                    transformer=bool(array.get("transformerEnabled", True)),
                    transformer_kva=number(array.get("transformerkVARating"), 0.0) or kva,
                    transformer_no_load=number(array.get("transformerNoLoadLoss"), 0.2),
                    transformer_full_load=number(array.get("transformerFullLoadLoss"), 0.7),
                    inverters=tuple(designed),
                )
            )
    return arrays


def dc_losses(dc_field: Mapping[str, Any], module: Mapping[str, Any]) -> dict[str, float]:
    """The DC field's constant losses in percent (the field's own figure, else its module's)."""
    return {
        "mismatch": number(
            dc_field.get("moduleMismatchCoefficient"), number(module.get("moduleMismatchCoefficient"), 0.5)
        ),
        "quality": number(dc_field.get("moduleQuality"), number(module.get("moduleQuality"), 0.0)),
        "lid": number(dc_field.get("lightInducedDegradation"), number(module.get("lightInducedDegradation"), 1.0)),
        "wiring": number(dc_field.get("dcWiringLossAtSTC"), 1.5) * WIRING_ANNUAL_FRACTION,
        "health": number(dc_field.get("dcHealth"), 1.0),
    }


def _field_design(
    dc_field: Mapping[str, Any], module: Mapping[str, Any], index: int, default_azimuth: float
) -> FieldDesign:
    module_watts = number(module.get("stcMaxPower"), 0.0) or number(dc_field.get("plannedModuleRating"), 0.0)
    strings = number(dc_field.get("numberOfSeriesStringsWiredInParallel"), 0.0)
    series = number(dc_field.get("modulesWiredInSeries"), 0.0)
    # The physical count decides when it is there; fieldDcPower (kW) is the UI's derived figure.
    dc_kw = strings * series * module_watts / 1000.0 if strings > 0 and series > 0 and module_watts > 0 else 0.0
    dc_kw = dc_kw or number(dc_field.get("fieldDcPower"), 0.0)
    parts = dc_losses(dc_field, module)
    factor = 1.0
    for loss in parts.values():
        factor *= 1 - loss / 100.0
    tracking = int(number(dc_field.get("trackingType"), 0))
    return FieldDesign(
        name=int(number(dc_field.get("name"), index)),
        repeater=max(1, int(number(dc_field.get("repeater"), 1))),
        dc_kw=max(0.0, dc_kw),
        tracking=tracking,
        tilt=number(dc_field.get("moduleTilt"), 25.0),
        azimuth=number(dc_field.get("moduleAzimuth"), default_azimuth),
        rotation_min=number(dc_field.get("minimumTrackingLimitAngleD"), -60.0),
        rotation_max=number(dc_field.get("maximumTrackingLimitAngleD"), 60.0),
        gcr=min(0.95, max(0.05, number(dc_field.get("groundCoverageRatio"), 0.4))),
        backtracking=int(number(dc_field.get("trackingBacktrackingType"), 1)) == 1,
        dc_loss_factor=max(0.0, factor),
        dc_loss_parts=tuple(parts.items()),
        temperature_coefficient=number(module.get("stcPowerTempCoef"), DEFAULT_TEMPERATURE_COEFFICIENT),
        module_watts=module_watts,
    )


def _inverter_ac_kw(inverter: Mapping[str, Any], library: Mapping[str, Any]) -> float:
    setpoint = number(inverter.get("setpointkW"), 0.0)
    if setpoint > 0:
        return setpoint
    kva = number(inverter.get("kVARating"), 0.0) or number(library.get("apparentPower"), 0.0)
    factor = number(inverter.get("powerFactor"), 0.0) or number(inverter.get("designDerate"), 1.0)
    return kva * factor or number(library.get("powerRated"), 0.0)


def _efficiency(library: Mapping[str, Any]) -> float:
    """The inverter's nominal efficiency: the mean of its library efficiency curve points, else 98 %."""
    points = [
        number(point.get("efficiency"), 0.0)
        for curve in library.get("efficiencyCurves") or []
        for point in curve.get("efficiencyPoints") or []
    ]
    points = [p for p in points if 50 < p <= 100]
    return (sum(points) / len(points) if points else 98.0) / 100.0


def number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return float(value)


def year_of(start: Any) -> int:
    if isinstance(start, str) and len(start) >= 4 and start[:4].isdigit():
        return int(start[:4])
    return 2005


def _period_hours(start: Any, end: Any) -> float:
    try:
        first = datetime.datetime.fromisoformat(str(start)).replace(tzinfo=None)
        last = datetime.datetime.fromisoformat(str(end)).replace(tzinfo=None)
    except ValueError:
        return float(HOURS)
    return (last - first).total_seconds() / 3600.0 + 1
