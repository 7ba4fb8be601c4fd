"""The resource client type-checks as users write it: ``usage.py`` passes ``mypy --strict``, and
the mistakes a type checker exists to catch (a ``None`` that is never returned, an ``await`` on a
plain method, a method that does not exist) are caught."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

from tests.conftest import REPO

pytestmark = pytest.mark.slow

USAGE = Path(__file__).with_name("usage.py")

MISTAKES = """
from typing import assert_type
from plantpredict_auth import ConnectedClient, ConnectedSyncClient
from plantpredict_client.models import Project


async def mistakes(client: ConnectedClient, sync: ConnectedSyncClient) -> None:
    assert_type(await client.projects.get(1), Project | None)
    await sync.projects.get(1)
    print(client.projects.get(1).name)
    await client.projects.fetch(1)
    project_id: int = (await client.projects.list())[0].id
    client.with_options(retries=3)
"""


def _mypy(*paths: Path) -> tuple[str, int]:
    out, err, status = api.run(["--strict", "--config-file", str(REPO / "pyproject.toml"), *map(str, paths)])
    return out + err, status


def test_the_usage_file_passes_mypy_strict() -> None:
    output, status = _mypy(USAGE)
    assert status == 0, output
    assert "Success: no issues found in 1 source file" in output


def test_mypy_catches_the_mistakes_the_types_exist_for(tmp_path: Path) -> None:
    mistakes = tmp_path / "mistakes.py"
    mistakes.write_text(MISTAKES, encoding="utf-8")
    output, status = _mypy(mistakes)
    assert status == 1
    lines = {int(m[1]): m[2] for m in re.finditer(r"mistakes\.py:(\d+): error: (.*)", output)}
    assert 'Expression is of type "Project", not "Project | None"' in lines[8]
    assert 'Incompatible types in "await"' in lines[9]
    assert 'has no attribute "name"' in lines[10]
    assert '"AsyncProjects" has no attribute "fetch"' in lines[11]
    assert 'expression has type "int | Unset"' in lines[12]
    assert 'Unexpected keyword argument "retries"' in lines[13]
    assert len(lines) == 6
