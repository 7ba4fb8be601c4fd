"""Names a PV engineer would write: no unit or acronym torn apart in an attribute or argument, and
every enum value a source names has its name (docs/normalization.md#attribute-names,
#enum-member-names)."""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from typing import Any

import attrs
import pytest

import plantpredict_client.models as models
from openapi import Result
from openapi._naming import attribute_name, generator_attribute_name

# Units and acronyms the documents use. A name is torn when one of them is spread over two words
# and ends a word (setpointk_w, k_va_rating, po_a_insolation, total_bo_s_loss, es_s_id); glued when
# two or more of them make one word (report_esshvac_loss, battery_dcrte), or one of them and a
# coefficient's symbol do (sandia_iamb0: Sandia's IAM coefficient b0).
UNITS_AND_ACRONYMS = [
    "kw",
    "kwh",
    "kwp",
    "mw",
    "mwh",
    "kva",
    "kvar",
    "var",
    "dc",
    "ac",
    "poa",
    "poai",
    "ghi",
    "dhi",
    "dni",
    "bos",
    "pv",
    "ess",
    "mv",
    "iam",
    "hvac",
    "rte",
    "uq",
    "api",
    "om",
    "stc",
    "gcr",
    "lgia",
    "letid",
    "mpp",
    "vmpp",
    "impp",
    "soc",
    "irr",
    "npv",
    "itc",
    "lcoe",
    "ashrae",
]
# Words that are legitimately two of them glued: the DC/AC ratio, as the API's own dcacRatio spells it.
GLUED_ON_PURPOSE = {"dcac"}
# Trailing one-letter words that are units, not symbols: AngleD is an angle in degrees.
UNIT_SUFFIXES = [r"_angle_d$"]


def torn(name: str) -> list[str]:
    """The ways ``name`` tears or glues the units and acronyms above (empty: a good name)."""
    words = name.split("_")
    problems = []
    for start in range(len(words)):
        for end in range(start + 2, len(words) + 1):
            joined = "".join(words[start:end])
            # The acronym spans word boundaries and ends where a word ends; its first part is a
            # word's tail (setpointk_w) or a whole word (k_va_rating).
            for acronym in UNITS_AND_ACRONYMS:
                if joined.endswith(acronym) and len(acronym) > len(words[end - 1]):
                    head = acronym[: len(acronym) - len("".join(words[start + 1 : end]))]
                    if head and words[start].endswith(head) and len(head) < len(acronym):
                        problems.append(f"{acronym} torn in {'_'.join(words[start:end])}")
    for word in words:
        if word in GLUED_ON_PURPOSE or word in UNITS_AND_ACRONYMS:
            continue
        for first in UNITS_AND_ACRONYMS:
            rest = word.removeprefix(first)
            if rest != word and any(rest == a or _glued(rest) for a in UNITS_AND_ACRONYMS):
                problems.append(f"{word} glues acronyms")
            if rest != word and re.fullmatch(r"[a-z]\d+", rest):
                problems.append(f"{word} glues {first} to a symbol")
    problems += [f"unit suffix {p}" for p in UNIT_SUFFIXES if re.search(p, name)]
    return sorted(set(problems))


def _glued(word: str) -> bool:
    return any(word.startswith(a) and (word == a or _glued(word[len(a) :])) for a in UNITS_AND_ACRONYMS)


def _model_attributes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, cls in inspect.getmembers(models, inspect.isclass):
        if attrs.has(cls):
            found[name] = [f.name for f in attrs.fields(cls) if f.name != "additional_properties"]
    return found


def _arguments() -> dict[str, list[str]]:
    from tests.buildstep.test_resource_client import _endpoint_modules

    return {
        name: [p for p in inspect.signature(module.sync).parameters if p not in ("client", "body")]
        for name, module in _endpoint_modules().items()
    }


@pytest.mark.parametrize(
    "name",
    [
        "setpointk_w",
        "k_va_rating",
        "solar_energy_m_wh",
        "po_a_insolation",
        "total_bo_s_loss",
        "p_v_exceeding_interconnect_6",
        "es_s_id",
        "tracker_pitch_angle_d",
        "usek_va_curves",
        "report_esshvac_loss",
        "battery_dcrte",
        "ac_le_tid_loss",
        "ashraeiam",
        "sandia_iamb0",
        "stcmpp_current",
    ],
)
def test_the_check_finds_the_names_the_generator_tore(name: str) -> None:
    assert torn(name)


def test_the_check_leaves_good_names_alone() -> None:
    good = ["setpoint_kw", "kva_rating", "poa_insolation", "dcac_ratio", "global_back_poai", "a_gamma", "is_sso"]
    assert [n for n in good if torn(n)] == []


def test_no_attribute_or_argument_tears_a_unit_or_acronym() -> None:
    attributes = _model_attributes()
    bad = {f"{cls}.{a}": torn(a) for cls, names in attributes.items() for a in names if torn(a)}
    assert bad == {}
    arguments = _arguments()
    assert {f"{op}({a})": torn(a) for op, names in arguments.items() for a in names if torn(a)} == {}
    assert sum(len(names) for names in attributes.values()) > 2800


def test_the_generators_own_names_tore_87_attributes(normalized: Result) -> None:
    """What the unit and acronym table changes, measured against the generator's own snake_case."""
    renamed = {
        (schema, key)
        for schema, node in normalized.document["components"]["schemas"].items()
        for key, name in (node.get("x-python-names") or {}).items()
        if name != generator_attribute_name(key)
    }
    assert len(renamed) == 87
    assert sum(1 for schema, key in renamed if torn(generator_attribute_name(key))) == 87
    assert normalized.figures["attributes named apart from the generator's snake_case"] == 87
    assert normalized.figures["arguments named apart from the generator's snake_case"] == 1


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("setpointkW", "setpoint_kw"),
        ("kVARating", "kva_rating"),
        ("solarEnergyMWh", "solar_energy_mwh"),
        ("poAInsolation", "poa_insolation"),
        ("totalBoSLoss", "total_bos_loss"),
        ("pV_exceeding_interconnect_6", "pv_exceeding_interconnect_6"),
        ("esS_Id", "ess_id"),
        ("trackerPitchAngleD", "tracker_pitch_angle_deg"),
        ("reportESSHVACLoss", "report_ess_hvac_loss"),
        ("sandiaIAMB0", "sandia_iam_b0"),
        ("desiredDCACRatio", "desired_dcac_ratio"),
        ("globalBackPOAI", "global_back_poai"),
        ("dcFieldPowerAt25CScaledfromGref", "dc_field_power_at_25c_scaledfrom_gref"),
        ("ASHRAEIAM", "ashrae_iam"),
        ("standardOffsetFromUTC", "standard_offset_from_utc"),
        ("class", "class_"),
    ],
)
def test_attribute_names_follow_the_table_and_else_the_generator(key: str, expected: str, overrides: Any) -> None:
    assert attribute_name(key, overrides.units, overrides.acronyms) == expected


def _enums() -> dict[str, type[enum.IntEnum]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(models, inspect.isclass)
        if issubclass(cls, enum.IntEnum) and cls.__module__.startswith("plantpredict_client.")
    }


def test_enum_members_named_value_n_are_those_no_source_names(normalized: Result) -> None:
    enums = _enums()
    unnamed = {f"{n}.{m.name}" for n, cls in enums.items() for m in cls if m.name.startswith("VALUE_")}
    assert len(enums) == 87
    assert sum(len(cls) for cls in enums.values()) == 426
    assert len(unnamed) == normalized.figures["enum members named VALUE_n"] == 164
    assert sum(1 for cls in enums.values() if all(m.name.startswith("VALUE_") for m in cls)) == 32
    # Each enum says so in its docstring, member by member.
    for name, cls in enums.items():
        missing = [m.name for m in cls if m.name.startswith("VALUE_")]
        doc = " ".join((cls.__doc__ or "").split())
        if missing:
            assert f"No document names {'this value' if len(missing) == 1 else 'these values'}: " in doc, name
            assert all(m in doc for m in missing), name


def test_enum_names_come_from_the_reference_the_descriptions_and_the_sdk(normalized: Result) -> None:
    figures = normalized.figures
    assert figures["enum values named by the reference"] == 237
    assert figures["enum values named by descriptions"] == 2
    assert figures["enum values named by the SDK"] == 23
    assert [m.name for m in models.WeatherPLevel] == ["P50", "P90", "NA", "P95", "P99", "P75"]
    assert models.ESSChargeAlgorithm(0).name == "LGIA_EXCESS"
    assert [m.name for m in models.UserStatusEnum][:2] == ["SYSTEM_ACCOUNT", "ACTIVE"]
    assert models.PredictionItemStatisticsTrackingTypeEnum(3).name == "VALUE_3"  # the SDK knows 0-2


def test_every_model_class_has_a_docstring() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(models, inspect.isclass)
        if cls.__module__.startswith("plantpredict_client.")
    ]
    assert len(classes) == 358
    assert [c.__name__ for c in classes if not (c.__doc__ or "").strip() or c.__doc__ is enum.IntEnum.__doc__] == []


def test_a_long_description_is_printed_once_per_module() -> None:
    module = importlib.import_module("plantpredict_client.api.inverters.list_inverters")
    text = inspect.getsource(module)
    assert text.count("Returns a list of all available Inverters in the system") == 1
    assert len(text.splitlines()) < 400  # was 749, 648 of them the description four times


def test_parameters_are_documented_under_their_own_name() -> None:
    from plantpredict_client.api.projects import get_project

    doc = get_project.sync.__doc__ or ""
    assert "project_id (int): The unique identifier of the project." in doc
    assert "`id`" not in inspect.getsource(get_project)
