"""Result documents of a finished run (ResultSummary, ResultDetails, NodalJson), shaped like the recorded
answers: camelCase summary with `years[].totalEnergy` (kWh), `summaryFactors[]` (`plantNetEnergy` in GWh,
`specificYieldDC` in kWh/kWp, `performanceRatio` in %), PascalCase details and nodal data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plantpredict_simulator import _plant
from plantpredict_simulator._reference import definition_name
from plantpredict_simulator._shape import UTC

if TYPE_CHECKING:
    from plantpredict_simulator import _energy

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class RunSnapshot:
    """Everything a run reads, copied when it starts: later edits do not change a finished run's results."""

    project: dict[str, Any]
    prediction: dict[str, Any]
    plant: dict[str, Any]
    weather: dict[str, Any]
    modules: dict[int, dict[str, Any]]
    inverters: dict[int, dict[str, Any]]
    seed: int
    started: datetime.datetime
    finished: datetime.datetime
    run_by: str
    summary_id: int
    cached_summary: dict[str, Any] | None = field(default=None, repr=False)

    def site(self) -> _plant.Site:
        return _plant.build_site(self.project, self.weather, self.prediction, self.seed)

    def designs(self) -> list[_plant.ArrayDesign]:
        latitude = float(self.project.get("latitude") or 0.0)
        return _plant.design_from_plant(self.plant, self.modules, self.inverters, latitude)

    def simulate(self, nodes: Sequence[tuple[Any, ...]] = ()) -> _energy.Simulation:
        availability = self.plant.get("availabilityLoss")
        loss = float(availability) if isinstance(availability, int | float) else 0.0
        # pvlib and pandas load here, on the first run: importing the simulator stays light.
        from plantpredict_simulator import _energy

        return _energy.simulate(self.site(), self.designs(), loss, nodes)


def design_problems(plant: Mapping[str, Any], modules: Mapping[int, Any], inverters: Mapping[int, Any]) -> str | None:
    """Why a power plant cannot run (400 text/plain from Run), or None."""
    arrays = _plant.design_from_plant(plant, modules, inverters, 0.0)
    dc = sum(i.dc_kw * i.repeater * a.repeater * a.block_repeater for a in arrays for i in a.inverters)
    ac = sum(i.ac_kw * i.repeater * a.repeater * a.block_repeater for a in arrays for i in a.inverters)
    if dc <= 0:
        return "The power plant has no DC capacity: add a DC field with a module and strings."
    if ac <= 0:
        return "The power plant has no AC capacity: add an inverter with a set point or kVA rating."
    return None


def result_summary(snapshot: RunSnapshot, next_id: Callable[[], int]) -> dict[str, Any]:
    if snapshot.cached_summary is not None:
        return snapshot.cached_summary
    sim = snapshot.simulate()
    project, prediction, weather = snapshot.project, snapshot.prediction, snapshot.weather
    arrays = snapshot.designs()
    site = snapshot.site()
    year_count = max(1, int(prediction.get("yearRepeater") or 1))
    degradation = _degradation_rate(prediction)
    first_year = _year_losses(sim, arrays)
    years = []
    for index in range(year_count):
        factor = (1 - degradation) ** index
        years.append(_summary_year(snapshot, sim, first_year, index, factor, next_id))
    fields = [f for a in arrays for i in a.inverters for f in i.fields]
    tracking = {f.tracking for f in fields}
    tracking_name = (
        definition_name("DCFieldTrackingTypeEnum", tracking.pop(), "Fixed Tilt") if len(tracking) == 1 else "Mixed"
    )
    dc_weight = sum(f.dc_kw * f.repeater for f in fields) or 1.0
    avg_tilt = sum((0.0 if f.tracking == 1 else f.tilt) * f.dc_kw * f.repeater for f in fields) / dc_weight
    avg_azimuth = sum(f.azimuth * f.dc_kw * f.repeater for f in fields) / dc_weight
    rot_min = min((f.rotation_min for f in fields if f.tracking == 1), default=0.0)
    rot_max = max((f.rotation_max for f in fields if f.tracking == 1), default=0.0)
    total_arrays = sum(a.repeater * a.block_repeater for a in arrays)
    summary = {
        "id": snapshot.summary_id,
        "predictionName": prediction.get("name") or "",
        "runBy": snapshot.run_by,
        # Server instants are UTC; the run's own hours are the site's wall-clock (shaped with its offset).
        "timeOfPrediction": snapshot.finished.isoformat() + UTC,
        "elapsedTimeMinutes": (snapshot.finished - snapshot.started).total_seconds() / 60.0,
        "execDate": snapshot.finished.isoformat() + UTC,
        # The numbers come from pvlib: the summary names the library and the models it ran.
        "toolName": "PlantPredict sim",
        "toolVersion": _plant.MODELS["tool"],
        "start": sim.weather.timestamps[0].isoformat(),
        "end": sim.weather.timestamps[-1].isoformat(),
        "decompositionModel": _model("decomposition", site.sky.decomposition, "Erbs"),
        "transpositionModel": _model("transposition", site.transposition, "Perez"),
        "perezCoefficients": "pvlib (Perez 1990)",
        "incModel": _plant.MODELS["iam"],
        "airMassModel": _plant.MODELS["airMass"],
        "moduleTemperatureModel": _plant.MODELS["temperature"],
        "degradationModel": definition_name("DegradationModel", prediction.get("degradationModel")),
        "circumsolarTreatment": "Diffuse",
        "directShadingModel": "Module File Defined Shading",
        "diffuseShadingModel": definition_name(
            "DiffuseShadingModel", prediction.get("diffuseShadingModel"), "Schaar-Panchula"
        ),
        "degradationRate": degradation,
        "nonLinearDegradationRates": None,
        "lightAndElevationTemperatureDegradationRates": None,
        "spectralShiftModel": _plant.MODELS["spectral"],
        "useWeatherDNI": bool(prediction.get("useMeteoDni", False)),
        "useMeteoPOAI": bool(prediction.get("useMeteoPOAI", False)),
        "useBacksidePOAI": bool(prediction.get("useBacksidePOAI", False)),
        "soilingModel": definition_name("SoilingModelType", prediction.get("soilingModel"), "Constant Monthly"),
        **_uncertainty(prediction),
        "yearRepeater": year_count,
        "projectName": project.get("name") or "",
        # Null when the project has none, as PlantPredict sends (the live document wants a string).
        "projectLocality": ", ".join(str(p) for p in (project.get("locality"), project.get("stateProvinceCode")) if p)
        or None,
        "projectCountry": project.get("country") or None,
        "projectLat": project.get("latitude"),
        "projectLon": project.get("longitude"),
        "projectLatLon": f"{project.get('latitude', 0):.2f}/{project.get('longitude', 0):.2f}",
        "projectElev": project.get("elevation"),
        "timeZone": project.get("standardOffsetFromUTC"),
        "weatherName": weather.get("name") or "",
        "weatherGHI": sum(sim.weather.ghi) / 1000.0,
        "weatherDHI": sum(sim.weather.dhi) / 1000.0,
        "weatherDNI": sum(sim.weather.dni) / 1000.0,
        "weatherPOA": None,
        "weatherLat": weather.get("latitude", project.get("latitude")),
        "weatherLon": weather.get("longitude", project.get("longitude")),
        "weatherLatLon": f"{weather.get('latitude', 0) or 0:.2f}/{weather.get('longitude', 0) or 0:.2f}",
        "weatherDataProvider": definition_name("WeatherDataProvider", weather.get("dataProvider"), "Other"),
        "inverterResultSummaries": _inverter_summaries(snapshot, next_id),
        "moduleResultSummaries": _module_summaries(snapshot, next_id),
        "exclEnvironmentIrrDesc": None,
        "exclEnvironmentIrrVal": None,
        "blockResultSummaries": _block_summaries(sim, arrays, tracking_name, first_year, next_id),
        "acSize": sim.ac_kw / 1000.0,
        "dcSize": sim.dc_kw / 1000.0,
        "numArrays": total_arrays,
        "dcacRatio": sim.dc_kw / sim.ac_kw if sim.ac_kw else 0.0,
        "gridVoltage": 34.5,
        "trackingType": tracking_name,
        "backTrackingType": "Backtracking" if 1 in {f.tracking for f in fields} else "True-Tracking",
        "avgTiltAngle": avg_tilt,
        "avgTiltAngleString": f"{avg_tilt:.2f}" if avg_tilt else "-",
        "avgAzimuth": avg_azimuth,
        "avgRowSpacing": 0,
        "avgGCR": 0,
        "avgRotationalMin": rot_min,
        "avgRotationalMax": rot_max,
        "avgPostHeight": 1.5,
        "avgRotationalLimits": f"{rot_min:.2f} / {rot_max:.2f}",
        "avgDCArraySize": sim.dc_kw / 1000.0 / max(1, total_arrays),
        "avgACArraySize": sim.ac_kw / 1000.0 / max(1, total_arrays),
        "powerFactor": snapshot.plant.get("powerFactor", 1),
        "lgiaLimitation": "Off",
        "availabilityLoss": first_year["availabilityLoss"],
        "years": years,
        "logicVersion": f"Version {prediction.get('logicVersion') or 12}",
        "predictionHasESS": False,
        "essPowerCapacity": 0,
        "essEnergyCapacity": 0,
        "hasBifacial": False,
        "useLeapYears": bool(prediction.get("useLeapYears", False)),
        "useLeTID": bool(prediction.get("enableLeTID", False)),
        "isDraft": False,
        "predictionYearSummary": None,
        "reportESSPowerCapacity": " - ",
        "reportESSEnergyCapacity": " - ",
        "reportTitle": None,
        "predictionStatus": None,
        "reportShowMonthlySums": False,
        "leTIDRates": None,
    }
    snapshot.cached_summary = summary
    return summary


def _model(kind: str, value: int, fallback: str) -> str:
    names = _plant.MODELS[kind]
    assert isinstance(names, dict)
    return str(names.get(value, fallback))


def _degradation_rate(prediction: Mapping[str, Any]) -> float:
    # Degradation model 0 is "None": the rate is reported but not applied, as in the recorded summary.
    if not prediction.get("degradationModel"):
        return 0.0
    rate = prediction.get("linearDegradationRate")
    return float(rate) / 100.0 if isinstance(rate, int | float) else 0.005


def _uncertainty(prediction: Mapping[str, Any]) -> dict[str, float]:
    def pct(name: str, default: float) -> float:
        value = prediction.get(name)
        return float(value) / 100.0 if isinstance(value, int | float) else default / 100.0

    spatial, interannual = pct("errorSpaVar", 2.0), pct("errorIntAnnVar", 3.0)
    sensor, monitoring, model = pct("errorSensAcc", 5.0), pct("errorMonAcc", 2.0), pct("errorModelAcc", 2.9)
    irradiance = (spatial**2 + interannual**2 + sensor**2 + monitoring**2) ** 0.5
    return {
        "errorIrrAcc": irradiance,
        "spatialVariability": spatial,
        "interannualVariability": interannual,
        "irradianceMeasurementAccuracy": sensor,
        "monitoringPeriodRepresentativeness": monitoring,
        "modelingAccuracy": model,
        "errorTotal": (irradiance**2 + model**2) ** 0.5,
    }


# Every loss field of the live document's summary years, with what this model computes or 0 where it does
# not model the effect (shading, bifacial, ESS, LeTID, tracker motors, SunSolve, LGIA limitation).
UNMODELLED_LOSSES = (
    "farShadingLoss",
    "nearShadingLoss",
    "elecShadingLoss",
    "moduleBackMismatchLoss",
    "biFacialityLoss",
    "structureShadingLoss",
    "sunSolveTransmissionGainLoss",
    "leTIDLoss",
    "inverterCoolingLoss",
    "trackerMotorLoss",
    "lgiaLimitationLoss",
)
_DC_LOSS_FIELDS = {
    "mismatch": "moduleMismatchLoss",
    "quality": "moduleQualityLoss",
    "lid": "lidLoss",
    "wiring": "dcWiringLoss",
    "health": "dcHealthLoss",
}


def _year_losses(sim: _energy.Simulation, arrays: Sequence[_plant.ArrayDesign]) -> dict[str, float]:
    """Loss figures in percent of the energy entering each stage, as the summary reports them."""

    def pct(loss: float, base: float) -> float:
        return loss / base * 100.0 if base > 0 else 0.0

    ghi = sum(sim.weather.ghi)
    poa = sum(sim.poa)
    after_collection = sim.inverter_out_kwh - sim.ac_collection_kwh
    transposition = -pct(poa - ghi, ghi)
    return {
        "transpositionOnPlane": transposition,
        # No horizon or ground correction here: the corrected figure is the plain one.
        "correctedTranspositionOnPlane": transposition,
        "soilingLoss": pct(sim.dc_before_soiling_kwh - sim.dc_kwh, sim.dc_before_soiling_kwh),
        "iamFactorLoss": sim.losses["iam"],
        "spectralLoss": sim.losses["spectral"],
        "moduleIrradianceLoss": 0.0,  # PVWatts DC is linear in irradiance: no low-light loss
        "moduleTemperatureLoss": sim.losses["temperature"],
        **_dc_losses(arrays),
        **dict.fromkeys(UNMODELLED_LOSSES, 0.0),
        "backsideIrradiance": 0.0,
        "inverterEfficiencyLoss": pct(sim.dc_kwh - sim.inverter_in_kwh, sim.dc_kwh),
        "inverterLimitationLoss": pct(sim.clipped_kwh, sim.inverter_in_kwh),
        "acCollectionLinesLoss": pct(sim.ac_collection_kwh, sim.inverter_out_kwh),
        "dataAcquisitionAuxLoss": pct(sim.aux_kwh, after_collection),
        "mvTransformersLoss": pct(sim.transformer_kwh, after_collection - sim.aux_kwh),
        "availabilityLoss": pct(sim.availability_kwh, sum(sim.output) + sim.availability_kwh),
        "nighttimeLosses": pct(sim.night_kwh, sum(sim.output)),
    }


def _dc_losses(arrays: Sequence[_plant.ArrayDesign]) -> dict[str, float]:
    """The DC fields' constant losses, weighted by DC size."""
    totals = dict.fromkeys(_DC_LOSS_FIELDS.values(), 0.0)
    weight = 0.0
    for array in arrays:
        for inverter in array.inverters:
            for f in inverter.fields:
                size = f.dc_kw * f.repeater * inverter.repeater * array.repeater * array.block_repeater
                weight += size
                for name, value in f.dc_loss_parts:
                    totals[_DC_LOSS_FIELDS[name]] += value * size
    return {name: value / weight if weight else 0.0 for name, value in totals.items()}


def _summary_year(
    snapshot: RunSnapshot,
    sim: _energy.Simulation,
    losses: Mapping[str, float],
    index: int,
    factor: float,
    next_id: Callable[[], int],
) -> dict[str, Any]:
    energy = sum(sim.output) * factor
    monthly_energy = [0.0] * 12
    monthly_ghi = [0.0] * 12
    for h, value in enumerate(sim.output):
        month = sim.weather.month[h] - 1
        monthly_energy[month] += value * factor / 1000.0
        monthly_ghi[month] += sim.weather.ghi[h]
    site = snapshot.site()
    year = sim.weather.timestamps[0].year + index
    return {
        "id": next_id(),
        "year": year,
        "yearIndex": index + 1,
        "totalEnergy": energy,
        "monthlyFactors": [
            {
                "id": next_id(),
                "month": m + 1,
                "monthName": MONTHS[m],
                "soilingLoss": site.soiling[m],
                "albedo": site.albedo[m],
                "spectralShift": 0,
            }
            for m in range(12)
        ],
        "summaryFactors": [_summary_factor(sim, energy, next_id)],
        **{key: value for key, value in losses.items() if key != "nighttimeLosses"},
        "degradationLoss": (1 - factor) * 100.0,
        "transformerTransmissionLineLoss": [],
        "monthlySums": {
            "id": next_id(),
            "energySums": [{"id": next_id(), "month": m + 1, "sum": monthly_energy[m]} for m in range(12)],
            "ghiSums": [{"id": next_id(), "month": m + 1, "sum": monthly_ghi[m]} for m in range(12)],
        },
        "hasESSSystem": False,
        "essInverterEfficiencyLoss": 0,
        "essmvTransformersLoss": 0,
        "esshvacLoss": 0,
        "essdcRoundtripEfficiencyLoss": 0,
        "esspvEnergy": 0,
        "essBatteryEnergy": 0,
        "backsideEffPOA": 0,
        "reportESSDCRoundtripEfficiencyLoss": " - ",
        "reportESSHVACLoss": " - ",
        "reportESSInverterEfficiencyLoss": " - ",
        "reportESSMVTransformersLoss": " - ",
    }


def _summary_factor(sim: _energy.Simulation, energy: float, next_id: Callable[[], int]) -> dict[str, Any]:
    poa = sum(sim.poa) / 1000.0
    dc, ac = sim.dc_kw, sim.ac_kw
    yield_dc = energy / dc if dc else 0.0
    arrays = max(1, len(sim.blocks))
    return {
        "id": next_id(),
        "pValue": 50,
        "pValueString": "P50",
        "ghiSum": sum(sim.weather.ghi) / 1000.0,
        "poAInsolation": poa,
        "specificYieldDC": yield_dc,
        "specificYieldAC": energy / ac if ac else 0.0,
        "performanceRatio": yield_dc / poa * 100.0 if poa else 0.0,
        "acCapacityFactor": energy / (ac * len(sim.output)) * 100.0 if ac else 0.0,
        "max3hrShortCircuitCurrent": None,
        "arrayNetEnergy": energy / 1e6 / arrays,
        "plantNetEnergy": energy / 1e6,
        "plantGrossEnergy": (energy + sim.night_kwh) / 1e6,
        "totalBoSLoss": (sim.ac_collection_kwh + sim.transformer_kwh + sim.aux_kwh)
        / max(sim.inverter_out_kwh, 1e-9)
        * 100,
        "nighttimeLosses": sim.night_kwh / energy * 100.0 if energy else 0.0,
        "todFactor": -1,
        "hasESSSystem": False,
        "esspvEnergy": 0,
        "essBatteryEnergy": 0,
        "essAuxLoss": 0,
    }


def _block_summaries(
    sim: _energy.Simulation,
    arrays: Sequence[_plant.ArrayDesign],
    tracking_name: str,
    losses: Mapping[str, float],
    next_id: Callable[[], int],
) -> list[dict[str, Any]]:
    out = []
    for block in sorted({a.block for a in arrays}):
        members = [a for a in arrays if a.block == block]
        dc = sum(i.dc_kw * i.repeater * a.repeater * a.block_repeater for a in members for i in a.inverters)
        ac = sum(i.ac_kw * i.repeater * a.repeater * a.block_repeater for a in members for i in a.inverters)
        energy = sum(sim.blocks.get(block, []))
        poa = sum(sim.poa) / 1000.0
        out.append(
            {
                "id": next_id(),
                "name": block,
                "acSize": ac / 1000.0,
                "dcSize": dc / 1000.0,
                "numArrays": sum(a.repeater for a in members),
                "dcacRatio": dc / ac if ac else 0.0,
                "trackingType": tracking_name,
                "backTrackingType": "Backtracking",
                "avgTiltAngle": 0,
                "avgRotationalMax": 0,
                "avgRotationalMin": 0,
                "avgRotationalLimits": None,
                "avgAzimuth": 180,
                "avgRowSpacing": 0,
                "avgGCR": 0,
                "energizationDate": sim.weather.timestamps[0].isoformat(),
                "resultDetails": [],
                "years": [
                    {
                        "id": next_id(),
                        "year": sim.weather.timestamps[0].year,
                        "yearIndex": 1,
                        "totalEnergy": energy,
                        **{k: v for k, v in losses.items() if k not in ("availabilityLoss", "nighttimeLosses")},
                        "backSideIrradiance": 0,
                        "backsideEffPOA": 0,
                        "summaryFactors": [
                            {
                                "id": next_id(),
                                "blockName": block,
                                "pValue": 50,
                                "pValueString": "P50",
                                "ghiSum": sum(sim.weather.ghi) / 1000.0,
                                "poAInsolation": poa,
                                "specificYieldDC": energy / dc if dc else 0.0,
                                "specificYieldAC": energy / ac if ac else 0.0,
                                "performanceRatio": energy / dc / poa * 100.0 if dc and poa else 0.0,
                                "acCapacityFactor": energy / (ac * len(sim.output)) * 100.0 if ac else 0.0,
                                "arrayNetEnergy": energy / 1e6 / max(1, len(members)),
                                "blockNetEnergy": energy / 1e6,
                                "totalBoSLoss": 0,
                                "nighttimeLosses": losses["nighttimeLosses"],
                                "todFactor": -1,
                            }
                        ],
                    }
                ],
            }
        )
    return out


def _inverter_summaries(snapshot: RunSnapshot, next_id: Callable[[], int]) -> list[dict[str, Any]]:
    out = []
    for inverter_id, inverter in sorted(snapshot.inverters.items()):
        out.append(
            {
                "id": next_id(),
                "name": f"{inverter.get('manufacturer') or ''} {inverter.get('model') or inverter_id}".strip(),
                "kVARating": inverter.get("apparentPower", 0),
                "powerFactor": 1,
                "kWRating": inverter.get("powerRated", 0),
                "usedDerateTimeSeries": False,
                "inverterEfficiencyModel": 2,
            }
        )
    return out


def _module_summaries(snapshot: RunSnapshot, next_id: Callable[[], int]) -> list[dict[str, Any]]:
    out = []
    for module_id, module in sorted(snapshot.modules.items()):
        out.append(
            {
                "id": next_id(),
                "name": module.get("name") or str(module_id),
                "wattage": module.get("stcMaxPower", 0),
                "cellTechnologyType": definition_name(
                    "CellTechnologyTypeEnum", module.get("cellTechnologyType"), "Mixed"
                ),
                "efficiency": module.get("stcEfficiency", 0),
                "manufacturer": module.get("manufacturer"),
                "faciality": definition_name("FacialityEnum", module.get("faciality"), "Monofacial"),
                "bifacialityFactor": module.get("bifacialityFactor") or 0,
                "transmissionFactor": module.get("transmissionFactor") or 0,
            }
        )
    return out
