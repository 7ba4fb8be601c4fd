"""Result documents of a finished run (ResultSummary, ResultDetails, NodalJson), shaped like the recorded
answers: camelCase summary with `years[].totalEnergy` (kWh), `summaryFactors[]` (`plantNetEnergy` in GWh,
`specificYieldDC` in kWh/kWp, `performanceRatio` in %), PascalCase details and nodal data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plantpredict_simulator import _energy
from plantpredict_simulator._http import BadRequest, NotFound
from plantpredict_simulator._reference import API_VERSION, definition_name

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

    def site(self) -> _energy.Site:
        return _energy.build_site(self.project, self.weather, self.prediction, self.seed)

    def designs(self) -> list[_energy.ArrayDesign]:
        latitude = float(self.project.get("latitude") or 0.0)
        return _energy.design_from_plant(self.plant, self.modules, self.inverters, latitude)

    def simulate(self, nodes: Sequence[tuple[Any, ...]] = ()) -> _energy.Simulation:
        availability = self.plant.get("availabilityLoss")
        loss = float(availability) if isinstance(availability, int | float) else 0.0
        return _energy.simulate(self.site(), self.designs(), loss, nodes)


def design_problems(plant: Mapping[str, Any], modules: Mapping[int, Any], inverters: Mapping[int, Any]) -> str | None:
    """Why a power plant cannot run (400 text/plain from Run), or None."""
    arrays = _energy.design_from_plant(plant, modules, inverters, 0.0)
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
    year_count = max(1, int(prediction.get("yearRepeater") or 1))
    degradation = _degradation_rate(prediction)
    first_year = _year_losses(sim)
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
        "timeOfPrediction": snapshot.finished.isoformat(),
        "elapsedTimeMinutes": (snapshot.finished - snapshot.started).total_seconds() / 60.0,
        "execDate": snapshot.finished.isoformat(),
        "toolName": "PlantPredict",
        "toolVersion": API_VERSION,
        "start": sim.weather.timestamps[0].isoformat(),
        "end": sim.weather.timestamps[-1].isoformat(),
        "decompositionModel": definition_name(
            "DiffuseDirectDecompModelType", prediction.get("diffuseDirectDecompModel")
        ),
        "transpositionModel": definition_name("TranspositionModelType", prediction.get("transpositionModel"), "Perez"),
        "perezCoefficients": "PlantPredict",
        "incModel": "Physical IAM",
        "airMassModel": definition_name("AirMassModelType", prediction.get("airMassModel"), "Bird-Hulstrom"),
        "moduleTemperatureModel": definition_name(
            "ModuleTemperatureModelType", prediction.get("modTempModel"), "Heat Balance"
        ),
        "degradationModel": definition_name("DegradationModel", prediction.get("degradationModel")),
        "circumsolarTreatment": "Diffuse",
        "directShadingModel": "Module File Defined Shading",
        "diffuseShadingModel": definition_name(
            "DiffuseShadingModel", prediction.get("diffuseShadingModel"), "Schaar-Panchula"
        ),
        "degradationRate": degradation,
        "nonLinearDegradationRates": None,
        "lightAndElevationTemperatureDegradationRates": None,
        "spectralShiftModel": definition_name("SpectralShiftModel", prediction.get("spectralShiftModel")),
        "useWeatherDNI": bool(prediction.get("useMeteoDni", False)),
        "useMeteoPOAI": bool(prediction.get("useMeteoPOAI", False)),
        "useBacksidePOAI": bool(prediction.get("useBacksidePOAI", False)),
        "soilingModel": definition_name("SoilingModelType", prediction.get("soilingModel"), "Constant Monthly"),
        **_uncertainty(prediction),
        "yearRepeater": year_count,
        "projectName": project.get("name") or "",
        "projectLocality": ", ".join(str(p) for p in (project.get("locality"), project.get("stateProvinceCode")) if p),
        "projectCountry": project.get("country") or "",
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


def _year_losses(sim: _energy.Simulation) -> dict[str, float]:
    """Loss figures in percent of the energy entering each stage, as the summary reports them."""

    def pct(loss: float, base: float) -> float:
        return loss / base * 100.0 if base > 0 else 0.0

    ghi = sum(sim.weather.ghi)
    poa = sum(sim.poa)
    after_collection = sim.inverter_out_kwh - sim.ac_collection_kwh
    return {
        "transpositionOnPlane": -pct(poa - ghi, ghi),
        "soilingLoss": pct(sim.dc_before_soiling_kwh - sim.dc_kwh, sim.dc_before_soiling_kwh),
        "iamFactorLoss": _energy.IAM_LOSS,
        "spectralLoss": _energy.SPECTRAL_LOSS,
        "moduleIrradianceLoss": _energy.IRRADIANCE_LOSS,
        "moduleTemperatureLoss": _energy.TEMPERATURE_LOSS,
        "inverterEfficiencyLoss": pct(sim.dc_kwh - sim.inverter_in_kwh, sim.dc_kwh),
        "inverterLimitationLoss": pct(sim.clipped_kwh, sim.inverter_in_kwh),
        "acCollectionLinesLoss": pct(sim.ac_collection_kwh, sim.inverter_out_kwh),
        "dataAcquisitionAuxLoss": pct(sim.aux_kwh, after_collection),
        "mvTransformersLoss": pct(sim.transformer_kwh, after_collection - sim.aux_kwh),
        "availabilityLoss": pct(sim.availability_kwh, sum(sim.output) + sim.availability_kwh),
        "nighttimeLosses": pct(sim.night_kwh, sum(sim.output)),
    }


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
        "farShadingLoss": 0,
        "nearShadingLoss": 0,
        "elecShadingLoss": 0,
        "moduleQualityLoss": 0,
        "lidLoss": 0,
        "moduleMismatchLoss": 0,
        "moduleBackMismatchLoss": 0,
        "biFacialityLoss": 0,
        "structureShadingLoss": 0,
        "backsideIrradiance": 0,
        "dcWiringLoss": 0,
        "dcHealthLoss": 0,
        "degradationLoss": (1 - factor) * 100.0,
        "leTIDLoss": 0,
        "inverterCoolingLoss": 0,
        "trackerMotorLoss": 0,
        **{key: value for key, value in losses.items() if key != "nighttimeLosses"},
        "transformerTransmissionLineLoss": [],
        "lgiaLimitationLoss": 0,
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
    arrays: Sequence[_energy.ArrayDesign],
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


def result_details(snapshot: RunSnapshot) -> dict[str, Any]:
    sim = snapshot.simulate()
    stamps = sim.weather.timestamps
    efficiency_loss = (sim.dc_kwh - sim.inverter_in_kwh) / sim.dc_kwh * 100.0 if sim.dc_kwh else 0.0

    def row(stamp: datetime.datetime, hours: Iterable[int]) -> dict[str, Any]:
        selected = list(hours)
        energy = sum(sim.output[h] for h in selected)
        poa = sum(sim.poa[h] for h in selected) / 1000.0
        yield_dc = energy / sim.dc_kw if sim.dc_kw else 0.0
        return {
            "TimeStamp": stamp.isoformat(),
            "POAI": poa,
            "EnergyGenerated": energy / 1000.0,
            "SpecificYieldDC": yield_dc,
            "PerformanceRatio": yield_dc / poa * 100.0 if poa > 0 else 0.0,
            "InverterLimitationLoss": 0.0,
            "ACCapacityFactor": energy / (sim.ac_kw * len(selected)) * 100.0 if sim.ac_kw and selected else 0.0,
            "ESSPVEnergy": 0,
            "ESSBatteryEnergy": 0,
            "NearShadingLoss": 0,
            "ModuleIrradianceLoss": _energy.IRRADIANCE_LOSS if poa > 0 else 0,
            "ModuleTemperatureLoss": _energy.TEMPERATURE_LOSS if poa > 0 else 0,
            "InverterEfficiencyLoss": efficiency_loss if poa > 0 else 0,
            "SpectralLoss": _energy.SPECTRAL_LOSS if poa > 0 else 0,
        }

    hours = range(len(stamps))
    days: dict[datetime.date, list[int]] = {}
    months: dict[tuple[int, int], list[int]] = {}
    for h in hours:
        days.setdefault(stamps[h].date(), []).append(h)
        months.setdefault((stamps[h].year, stamps[h].month), []).append(h)
    year_row = row(stamps[0], hours)
    year_row["InverterLimitationLoss"] = sim.clipped_kwh / sim.inverter_in_kwh * 100.0 if sim.inverter_in_kwh else 0.0
    total = dict(year_row, TimeStamp=(stamps[-1] + datetime.timedelta(hours=1)).isoformat())
    return {
        "StartDate": stamps[0].isoformat(),
        "EndDate": stamps[-1].isoformat(),
        "SubHourlyDetails": [],
        "HourlyDetails": [row(stamps[h], (h,)) for h in hours],
        "DailyDetails": [row(stamps[members[0]], members) for members in days.values()],
        "MonthlyDetails": [row(stamps[members[0]], members) for members in months.values()],
        "YearlyDetails": [year_row],
        "Total": total,
    }


def nodal_json(
    snapshot: RunSnapshot,
    block: int | None,
    array: int | None,
    inverter: str | None,
    dc_field: int | None,
    parameters: str | None,
) -> dict[str, Any]:
    """System, block, array, inverter or DC-field level, by which query parameters are given."""
    if (array is not None and block is None) or (inverter is not None and array is None):
        raise BadRequest("blockNumber, arrayNumber, inverterName and dcFieldNumber narrow the scope in that order.")
    if dc_field is not None and inverter is None:
        raise BadRequest("dcFieldNumber needs inverterName.")
    arrays = snapshot.designs()
    header: dict[str, Any] = {
        "ProjectName": snapshot.project.get("name") or "",
        "PredictionName": snapshot.prediction.get("name") or "",
    }
    if block is None:
        sim = snapshot.simulate()
        rows = [
            {"TimeStamp": _nodal_stamp(t), "PlantPower": sim.output[h] * 1000.0, "WeightedPOAI": sim.poa[h]}
            for h, t in enumerate(sim.weather.timestamps)
        ]
        return {**header, "SystemData": _filter(rows, parameters)}
    members = [a for a in arrays if a.block == block]
    if not members:
        raise NotFound("Block")
    header["BlockNumber"] = block
    if array is None:
        sim = snapshot.simulate()
        series = sim.blocks.get(block, [0.0] * len(sim.output))
        repeater = members[0].block_repeater
        rows = [
            {"TimeStamp": _nodal_stamp(t), "BlockPower": series[h] * 1000.0 / repeater, "WeightedPOAI": sim.poa[h]}
            for h, t in enumerate(sim.weather.timestamps)
        ]
        return {**header, "BlockData": _filter(rows, parameters)}
    target = next((a for a in members if a.name == array), None)
    if target is None:
        raise NotFound("Array")
    header.update({"ArrayNumber": array, "ArrayRepeater": target.repeater})
    if inverter is None:
        sim = snapshot.simulate([(block, array)])
        node = sim.nodes[(block, array)]
        rows = [_array_row(target, t, node.ac_kw[h]) for h, t in enumerate(sim.weather.timestamps)]
        return {**header, "ArrayData": _filter(rows, parameters)}
    unit = next((i for i in target.inverters if i.name.lower() == inverter.lower()), None)
    if unit is None:
        raise NotFound("Inverter")
    header.update({"InverterName": unit.name, "InverterRepeater": unit.repeater})
    if dc_field is None:
        sim = snapshot.simulate([(block, array, unit.name)])
        node = sim.nodes[(block, array, unit.name)]
        rows = [_inverter_row(unit, t, node.dc_kw[h], node.ac_kw[h]) for h, t in enumerate(sim.weather.timestamps)]
        return {**header, "InverterData": _filter(rows, parameters)}
    design = next((f for f in unit.fields if f.name == dc_field), None)
    if design is None:
        raise NotFound("DC field")
    sim = snapshot.simulate([(block, array, unit.name, dc_field)])
    node = sim.nodes[(block, array, unit.name, dc_field)]
    header.update({"DCFieldNumber": dc_field, "DCFieldRepeater": design.repeater})
    rows = [
        {
            "TimeStamp": _nodal_stamp(t),
            "SunZenithAngle": sim.weather.zenith[h],
            "SunAzimuthAngle": sim.weather.azimuth[h],
            "ModuleTiltAngle": design.tilt if design.tracking != 1 else 0.0,
            "POAI": node.poa[h],
            "DCPower": node.dc_kw[h] * 1000.0,
        }
        for h, t in enumerate(sim.weather.timestamps)
    ]
    return {**header, "DCFieldData": _filter(rows, parameters)}


def _array_row(array: _energy.ArrayDesign, stamp: datetime.datetime, ac_kw: float) -> dict[str, Any]:
    produced = ac_kw * 1000.0
    collection = produced * array.ac_collection_loss / 100.0
    into = produced - collection - array.das_load_w
    rating = array.transformer_kva * 1000.0
    load = abs(into) / rating if rating else 0.0
    transformer = (
        rating * (array.transformer_no_load / 100.0 + array.transformer_full_load / 100.0 * load * load)
        if array.transformer
        else 0.0
    )
    return {
        "TimeStamp": _nodal_stamp(stamp),
        "ACCollectionLoss": collection,
        "ACPowerOutput": produced - collection,
        "ShelterCoolingLoss": 0,
        "DataAcquisitionSystemLoss": array.das_load_w,
        "TrackerMotorLossAggregate": 0,
        "TotalACInverterPowerOutput": produced,
        "DegradationCoefficient": 1,
        "PowerAfterDegradation": produced - collection,
        "ACPowerIntoTransformer": into,
        "TransformerLosses": transformer,
        "TransformerOutputPower": into - transformer,
    }


def _inverter_row(
    inverter: _energy.InverterDesign, stamp: datetime.datetime, dc_kw: float, ac_kw: float
) -> dict[str, Any]:
    dc = dc_kw * 1000.0
    ac = ac_kw * 1000.0
    voltage = 1100.0 if dc > 0 else 0.0
    return {
        "TimeStamp": _nodal_stamp(stamp),
        "DCVoc": 1350.0 if dc > 0 else 0.0,
        "DCInitialVoltage": voltage,
        "DCInitialCurrent": dc / voltage if voltage else 0.0,
        "DCInitialPower": dc,
        "DCVoltage": voltage,
        "DCCurrent": ac / inverter.efficiency / voltage if voltage else 0.0,
        "DCPower": ac / inverter.efficiency if dc > 0 else 0.0,
        "Efficiency": inverter.efficiency * 100.0 if dc > 0 else 0.0,
        "OffMppPowerLoss": max(0.0, dc - ac / inverter.efficiency) if dc > 0 else 0.0,
        "ACPower": ac,
        "InverterRegion": 2 if dc * inverter.efficiency > ac + 1e-6 else 1,
        "ACPowerLimit": inverter.ac_kw * 1000.0,
    }


def _nodal_stamp(stamp: datetime.datetime) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def _filter(rows: list[dict[str, Any]], parameters: str | None) -> list[dict[str, Any]]:
    if not parameters:
        return rows
    wanted = {p.strip().lower() for p in parameters.split(",") if p.strip()}
    return [{k: v for k, v in row.items() if k == "TimeStamp" or k.lower() in wanted} for row in rows]
