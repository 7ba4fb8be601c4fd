"""What the sweep sends: a library module and inverter (when the simulator has none), a prediction and
its power plant, with every field the API requires of them.

The client refuses to send a body that lacks a field PlantPredict's documents require
(``plantpredict_client.errors.MissingRequiredFields`` names each one): a DC field has 41 of them, a
module 45. The values below that the sweep does not vary are those of PlantPredict's own recorded
examples (a 2,750 kVA block of 560 W modules on single-axis trackers); take yours from the module's
and inverter's datasheets and the racking. Kept apart from batch_predictions.py (which imports it)
so each file reads on its own.
"""

from __future__ import annotations

import datetime as dt

from plantpredict_client.models import (
    Block,
    CellTechnologyTypeEnum,
    ConstructionTypeEnum,
    DCField,
    DCFieldBacktrackingType,
    DCFieldTrackingTypeEnum,
    FacialityEnum,
    Inverter,
    Module,
    ModuleShadingResponse,
    PowerPlant,
    PowerPlantArray,
    PowerPlantInverter,
    Prediction,
    PvModelType,
    SpectralResponseEnum,
)


def new_module() -> Module:
    """A 550 W mono PERC module (single-diode model parameters and thermal coefficients)."""
    return Module(
        name="Example 550 W module",
        manufacturer="Example",
        model="EX-550",
        stc_max_power=550.0,
        stc_efficiency=21.29,
        length=2278.0,
        width=1134.0,
        cell_technology_type=CellTechnologyTypeEnum.P_TYPE_MONO_C_SI_PERC,
        construction_type=ConstructionTypeEnum.GLASS_BACKSHEET,
        faciality=FacialityEnum.MONOFACIAL,
        pv_model=PvModelType.V_1_DIODE,
        spectral_response=SpectralResponseEnum.VALUE_0,
        module_shading_response=ModuleShadingResponse.LINEAR,
        stc_short_circuit_current=14.0,
        stc_open_circuit_voltage=49.6,
        stc_mpp_current=13.2,
        stc_mpp_voltage=41.7,
        stc_power_temp_coef=-0.35,
        stc_short_circuit_current_temp_coef=0.048,
        stc_open_circuit_voltage_temp_coef=-0.27,
        short_circuit_current_at_stc=14.0,
        saturation_current_at_stc=2.1e-11,
        series_resistance_at_stc=0.21,
        shunt_resistance_at_stc=600.0,
        dark_shunt_resistance=2400.0,
        diode_ideality_factor_at_stc=1.02,
        exponential_dependency_on_shunt_resistance=5.5,
        recombination_parameter=0.0,
        built_in_voltage=0.9,
        bandgap_voltage=1.12,
        linear_temp_dependence_on_gamma=-0.04,
        linear_temp_dependence_on_isc=0.048,
        reference_irradiance=1000.0,
        reference_temperature=25.0,
        ashrae_iam_b0=0.05,
        heat_absorption_coef_alpha_t=0.9,
        heat_balance_conductive_coef=29.0,
        heat_balance_convective_coef=0.0,
        sandia_conductive_coef=-3.56,
        sandia_convective_coef=-0.075,
        cell_to_module_temp_diff=3.0,
        light_induced_degradation=1.0,
        linear_degradation_rate=0.5,
        module_quality=0.0,
        module_mismatch_coefficient=0.5,
    )


def new_inverter() -> Inverter:
    """A 3.6 MW central inverter."""
    return Inverter(
        name="Example 3.6 MW inverter",
        manufacturer="Example",
        model="EX-3600",
        power_rated=3600.0,
        apparent_power=3600.0,
        min_dc_power_threshold=5.5,
        min_voltage=850.0,
        max_mpp_voltage=1300.0,
        max_absolute_voltage=1500.0,
        max_current=4300.0,
        output_voltage=630.0,
        max_elevation=1000.0,
    )


def prediction(name: str, weather_id: int) -> Prediction:
    """A year on the given weather file, with PlantPredict's default uncertainties (%) and
    degradation (%/year)."""
    return Prediction(
        name=name,
        weather_id=weather_id,
        start=dt.datetime(2023, 1, 1),
        end=dt.datetime(2023, 12, 31, 23),
        error_model_acc=2.9,
        error_sens_acc=5.0,
        error_int_ann_var=3.0,
        error_mon_acc=2.0,
        error_spa_var=2.0,
        linear_degradation_rate=0.5,
    )


def dc_field(module_id: int, module_w: float, modules_in_series: int, strings: int, tilt: float) -> DCField:
    """A fixed-tilt DC field of ``strings`` strings of ``modules_in_series`` modules."""
    return DCField(
        name=1,
        repeater=1,
        module_id=module_id,
        planned_module_rating=module_w,
        modules_wired_in_series=modules_in_series,
        number_of_series_strings_wired_in_parallel=float(strings),
        field_dc_power=strings * modules_in_series * module_w / 1000.0,
        tracking_type=DCFieldTrackingTypeEnum.FIXED_TILT,
        tracking_backtracking_type=DCFieldBacktrackingType.BACKTRACKING,
        module_tilt=tilt,
        module_azimuth=180.0,
        ground_coverage_ratio=0.4,
        minimum_tracking_limit_angle_deg=-60.0,
        maximum_tracking_limit_angle_deg=60.0,
        tracker_stow_angle=0.0,
        tracker_pitch_angle_deg=0.0,
        tracker_load_loss=0.0,
        modules_high=1,
        modules_wide=modules_in_series,
        number_of_rows=18.0,
        post_to_post_spacing=5.7,
        table_to_table_spacing=0.0,
        lateral_intermodule_gap=0.02,
        vertical_intermodule_gap=0.02,
        tables_removed_for_pcs=0.0,
        heat_balance_conductive_coef=29.0,
        heat_balance_convective_coef=0.0,
        sandia_conductive_coef=-3.56,
        sandia_convective_coef=-0.075,
        cell_to_module_temp_diff=3.0,
        module_quality=0.0,
        module_mismatch_coefficient=1.0,
        light_induced_degradation=1.5,
        dc_wiring_loss_at_stc=1.5,
        dc_health=0.0,
        # The UI's locks on the layout: an API client locks nothing.
        lock_backside_mismatch=False,
        lock_module_azimuth=False,
        lock_modules_high=False,
        lock_modules_wide=False,
        lock_modules_wired_in_series=False,
        lock_mw_ac=False,
        lock_number_of_rows=False,
        lock_number_of_series_strings_wired_in_parallel=False,
        lock_post_height=False,
        lock_post_to_post_spacing=False,
    )


def power_plant(field: DCField, inverter_id: int, inverter_kw: float, inverters: int) -> PowerPlant:
    """One block of ``inverters`` identical arrays, each an inverter with ``field`` on its own MV
    transformer."""
    inverter = PowerPlantInverter(
        name="1",
        repeater=1,
        inverter_id=inverter_id,
        setpoint_kw=inverter_kw,
        kva_rating=inverter_kw,
        design_derate=1.0,  # (its power factor is the plant's: the inverter's is read-only, computed)
        dc_fields=[field],
    )
    array = PowerPlantArray(
        name=1,
        repeater=inverters,
        inverters=[inverter],
        ac_collection_loss=1.0,
        das_load=800.0,
        cooling_load=0.0,
        transformer_kva_rating=inverter_kw,
        transformer_high_side_voltage=34.5,
        transformer_no_load_loss=0.2,
        transformer_full_load_loss=0.7,
    )
    return PowerPlant(blocks=[Block(name=1, repeater=1, arrays=[array])], power_factor=1.0, availability_loss=0.0)


__all__ = ["dc_field", "new_inverter", "new_module", "power_plant", "prediction"]
