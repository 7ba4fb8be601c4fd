"""The generated resource client: every operation is reachable exactly once, from the async
``Client`` and from the ``SyncClient``, and every operation has its four functions, all with the
same honest return type."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import typing
from collections import Counter
from types import ModuleType
from typing import Any

import pytest

from plantpredict_client import Client, SyncClient
from plantpredict_client.types import Response
from tests.conftest import REPO

FUNCTIONS = ("asyncio", "asyncio_detailed", "sync", "sync_detailed")


def _endpoint_modules() -> dict[str, ModuleType]:
    """Every generated operation module, found on disk (not through the resources under test)."""
    modules = {}
    for path in sorted((REPO / "plantpredict_client" / "api").glob("*/*.py")):
        if path.name != "__init__.py":
            name = f"plantpredict_client.api.{path.parent.name}.{path.stem}"
            modules[name] = importlib.import_module(name)
    return modules


def _resource_properties(cls: type) -> dict[str, property]:
    return {n: p for n, p in vars(cls).items() if isinstance(p, property) and not n.startswith("_")}


def _walk(client: Client | SyncClient, function: str, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Call every public method of every resource of ``client`` with stand-in arguments, with each
    operation's ``function`` replaced by a recorder; return which operations were called, how often.
    The recorder also checks that every argument reaches the operation under its own name."""
    called: Counter[str] = Counter()
    last: dict[str, Any] = {}

    def record(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        called[name] += 1
        last.update(args=args, kwargs=kwargs)

    for name, module in _endpoint_modules().items():

        def recorder(*args: Any, __name: str = name, **kwargs: Any) -> None:
            record(__name, args, kwargs)

        async def async_recorder(*args: Any, __name: str = name, **kwargs: Any) -> None:
            record(__name, args, kwargs)

        monkeypatch.setattr(module, function, async_recorder if function == "asyncio" else recorder)
    for attribute in _resource_properties(type(client)):
        resource = getattr(client, attribute)
        for method_name, method in inspect.getmembers(resource, inspect.ismethod):
            if method_name.startswith("_"):
                continue
            parameters = list(inspect.signature(method).parameters.values())
            values = {p.name: object() for p in parameters}
            positional = [values[p.name] for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
            keywords = {p.name: values[p.name] for p in parameters if p.kind is p.KEYWORD_ONLY}
            before = sum(called.values())
            result = method(*positional, **keywords)
            if inspect.iscoroutine(result):
                asyncio.run(result)
            assert sum(called.values()) == before + 1, f"{attribute}.{method_name} calls one operation"
            args, kwargs = last["args"], last["kwargs"]
            assert kwargs["client"] is client
            passed = [*args, *(v for k, v in kwargs.items() if k != "client")]
            assert sorted(map(id, passed)) == sorted(map(id, values.values())), f"{attribute}.{method_name}"
    return called


def test_every_operation_is_reachable_exactly_once_from_the_async_client(monkeypatch: pytest.MonkeyPatch) -> None:
    called = _walk(Client(base_url="https://example.invalid"), "asyncio", monkeypatch)
    assert set(called) == set(_endpoint_modules())
    assert len(called) == 160
    assert set(called.values()) == {1}


def test_every_operation_is_reachable_exactly_once_from_the_sync_client(monkeypatch: pytest.MonkeyPatch) -> None:
    called = _walk(SyncClient(base_url="https://example.invalid"), "sync", monkeypatch)
    assert set(called) == set(_endpoint_modules())
    assert len(called) == 160
    assert set(called.values()) == {1}


def test_both_clients_have_the_same_resources_and_method_names() -> None:
    client, sync_client = Client(base_url="https://x.invalid"), SyncClient(base_url="https://x.invalid")
    resources = sorted(_resource_properties(Client))
    assert resources == sorted(_resource_properties(SyncClient))
    assert len(resources) == 16
    for name in resources:
        a = {n for n, _ in inspect.getmembers(getattr(client, name), inspect.ismethod) if not n.startswith("_")}
        s = {n for n, _ in inspect.getmembers(getattr(sync_client, name), inspect.ismethod) if not n.startswith("_")}
        assert a == s, name
    assert {"projects", "predictions", "power_plants", "results", "modules", "inverters", "weather"} <= set(resources)


def test_the_methods_named_in_the_issue_exist() -> None:
    client = Client(base_url="https://x.invalid")
    for resource, method in [
        ("projects", "get"),
        ("projects", "create"),
        ("predictions", "create"),
        ("predictions", "run"),
        ("power_plants", "create"),
        ("results", "summary"),
        ("modules", "list"),
        ("weather", "search"),
    ]:
        assert inspect.iscoroutinefunction(getattr(getattr(client, resource), method)), f"{resource}.{method}"


def test_every_operation_has_its_four_functions_with_one_return_type() -> None:
    modules = _endpoint_modules()
    assert len(modules) == 160
    for name, module in modules.items():
        assert all(callable(getattr(module, f, None)) for f in FUNCTIONS), name
        hints = {f: typing.get_type_hints(getattr(module, f))["return"] for f in FUNCTIONS}
        assert hints["asyncio"] == hints["sync"], name
        assert hints["asyncio_detailed"] == hints["sync_detailed"]
        assert typing.get_origin(hints["sync_detailed"]) is Response
        assert typing.get_args(hints["sync_detailed"]) == (hints["sync"],), name


def test_resource_methods_return_what_their_operation_returns() -> None:
    client, sync_client = Client(base_url="https://x.invalid"), SyncClient(base_url="https://x.invalid")
    checked = 0
    for attribute in _resource_properties(Client):
        for method_name, method in inspect.getmembers(getattr(client, attribute), inspect.ismethod):
            if method_name.startswith("_"):
                continue
            source = inspect.getsource(method)
            module_name = source.split("return await ")[-1].split("await ")[-1].split(".asyncio(")[0].strip()
            module = importlib.import_module(f"{type(getattr(client, attribute)).__module__}.{module_name}")
            expected = typing.get_type_hints(module.asyncio)["return"]
            assert typing.get_type_hints(method)["return"] == expected, f"{attribute}.{method_name}"
            sync_method = getattr(getattr(sync_client, attribute), method_name)
            assert typing.get_type_hints(sync_method)["return"] == expected, f"{attribute}.{method_name}"
            checked += 1
    assert checked == 160


def test_typed_answers_are_never_none_unless_the_api_documents_an_empty_answer(api_surface: dict[str, Any]) -> None:
    """``Project``, not ``Project | None``: None only where the API documents an answer without a
    body (204 "not yet", 302, or a 200 the live document declares without one), and whole answers
    without a body are typed ``None``."""
    optional: list[str] = []
    may_be_empty: list[str] = []
    empty: list[str] = []
    decoded: list[str] = []
    for name, operation in api_surface["operations"].items():
        module = importlib.import_module(f"plantpredict_client.api.{operation['module']}.{name}")
        hint = typing.get_type_hints(module.asyncio)["return"]
        answers = operation["responses"].values()
        if all(a == "no body" for a in answers):
            assert hint is type(None), name
            empty.append(name)
        elif any(a.startswith("Any ") for a in answers):
            assert hint is Any, name
            decoded.append(name)
        elif any(a == "no body" or a.endswith(" or no body") for a in answers):
            assert type(None) in typing.get_args(hint), name
            (optional if any(a == "no body" for a in answers) else may_be_empty).append(name)
        else:
            assert type(None) not in typing.get_args(hint), name
            assert hint is not type(None), name
    assert len(empty) == 24
    assert len(decoded) == 30
    assert sorted(optional) == [
        "get_power_plant",
        "get_report_url",
        "get_result_summary",
        "get_shade_processing_status",
        "get_tabt_processing_status",
    ]
    assert sorted(may_be_empty) == [
        "cancel_prediction",
        "create_shade_scene",
        "get_plant_block_details",
        "get_prediction_albedo_data",
        "get_shade_scene_properties",
        "get_time_series_details",
        "list_time_series",
        "update_shade_scene_properties",
    ]
