"""``make regenerate``: an upstream change regenerates exactly the files it changes, the changelog
lists it with its breaking changes marked, and the routine is all or nothing.

The upstream change is ``fixtures/four-upstream-changes.json``, a JSON Patch (RFC 6902) applied to a
temporary copy of the live document's mirror: one operation added, one field added to Project, one
field removed from Prediction, one member added to DCFieldTrackingTypeEnum.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from openapi._generate import tree_digest
from openapi._lock import Lock
from tests.conftest import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache")


def _patched(spec_path: Path, patch_name: str, target: Path, extra: list[dict[str, Any]] | None = None) -> Path:
    live = json.loads(spec_path.read_text(encoding="utf-8"))
    operations = json.loads((FIXTURES / patch_name).read_text(encoding="utf-8")) + (extra or [])
    target.write_text(json.dumps(jsonpatch.JsonPatch(operations).apply(live)), encoding="utf-8")
    return target


def _repo_digest(root: Path) -> dict[str, bytes]:
    """Every file the routine may write: the package, the lock, the surface, the changelog."""
    files = {f"plantpredict_client/{k}": v for k, v in tree_digest(root / "plantpredict_client").items()}
    for name in ("openapi/spec.lock.json", "openapi/api-surface.json", "CHANGELOG.md"):
        files[name] = (root / name).read_bytes()
    return files


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


@pytest.fixture
def whole_repo(tmp_path: Path) -> Path:
    """A copy of everything the routine reads, writes and tests (its code included: the routine runs
    the tests in this copy, against the package regenerated here)."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("openapi", "plantpredict_client"):
        shutil.copytree(REPO / name, root / name, ignore=IGNORED)
    (root / "tests").mkdir()
    shutil.copytree(REPO / "tests" / "buildstep", root / "tests" / "buildstep", ignore=IGNORED)
    for name in ("generator-config.yml", "pyproject.toml", "CHANGELOG.md", "tests/__init__.py", "tests/conftest.py"):
        shutil.copy(REPO / name, root / name)
    return root


def regenerate(root: Path, spec: Path, reference: Path, *args: str) -> subprocess.CompletedProcess[str]:
    sources = ["--spec-source", str(spec.resolve()), "--reference-source", str(reference.resolve())]
    return subprocess.run(
        [sys.executable, "-m", "openapi", *sources, "regenerate", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_four_upstream_changes_regenerate_only_the_files_they_change(
    whole_repo: Path, tmp_path: Path, spec_path: Path, reference_path: Path
) -> None:
    spec = _patched(spec_path, "four-upstream-changes.json", tmp_path / "current.json")
    before = _repo_digest(whole_repo)

    shown = regenerate(whole_repo, spec, reference_path)
    assert shown.returncode == 0, shown.stderr
    assert "4 change(s), 1 breaking" in shown.stdout
    assert "  BREAKING Prediction.use_leap_years: bool" in shown.stdout
    assert "make regenerate ACCEPT=1" in shown.stdout
    assert _repo_digest(whole_repo) == before, "without --accept nothing is written"

    names_before = Lock.read(whole_repo / "openapi" / "spec.lock.json")
    accepted = regenerate(whole_repo, spec, reference_path, "--accept")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "passed" in accepted.stdout
    after = _repo_digest(whole_repo)
    assert _changed(before, after) == {
        "plantpredict_client/api/predictions/get_prediction_tags.py",  # new
        "plantpredict_client/api/predictions/__init__.py",  # its resource method: client.predictions.tags
        "plantpredict_client/models/project.py",
        "plantpredict_client/models/prediction.py",
        "plantpredict_client/models/dc_field_tracking_type_enum.py",
        "plantpredict_client/_sources.py",  # the one place the sources' sha256 live
        "openapi/spec.lock.json",
        "openapi/api-surface.json",
        "CHANGELOG.md",
    }

    entry = (whole_repo / "CHANGELOG.md").read_text(encoding="utf-8").split("\n## ")[1]
    assert "**1 breaking change** of 4" in entry
    added = "- `get_prediction_tags`: GET /Project/{projectId}/Prediction/{predictionId}/Tags (module predictions)"
    assert f"### Operations added\n\n{added}" in entry
    assert "### Fields added\n\n- `Project.interconnection_limit`: float | None" in entry
    assert "### Fields removed\n\n- **Breaking:** `Prediction.use_leap_years`: bool" in entry
    assert "### Enum members added\n\n- `DCFieldTrackingTypeEnum.VALUE_3`: = 3" in entry
    assert "renamed" not in entry.lower()
    # No existing name moved: every name the lock held (classes, functions, attributes, arguments,
    # enum members, resources, methods) is still locked to the same name, and new ones were added.
    names_after = Lock.read(whole_repo / "openapi" / "spec.lock.json")
    assert names_before is not None
    assert names_after is not None
    for section, held in names_before.names.to_json().items():
        assert {k: v for k, v in names_after.names.to_json()[section].items() if k in held} == held, section
    assert names_after.names.methods["GET /project/{}/prediction/{}/tags"] == "tags"
    assert names_after.names.enum_members["DCFieldTrackingTypeEnum.3"] == "VALUE_3"
    assert names_after.names.attributes["Project.interconnectionLimit"] == "interconnection_limit"
    assert "(fetched from offline copy (current.json))" in entry

    again = regenerate(whole_repo, spec, reference_path, "--accept")
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    assert _repo_digest(whole_repo) == after, "a second regeneration from the same sources changes nothing"


@pytest.mark.slow
def test_a_failing_test_run_puts_everything_back(
    whole_repo: Path, tmp_path: Path, spec_path: Path, reference_path: Path
) -> None:
    # Upstream adds Project.carbonIntensity as a number: the round-trip test's server sends an object
    # there (a field this client did not know), so the regenerated client fails that test.
    collision = {
        "op": "add",
        "path": "/components/schemas/PlantPredict.Entities.Project/properties/carbonIntensity",
        "value": {"type": "number", "format": "double"},
    }
    spec = _patched(spec_path, "four-upstream-changes.json", tmp_path / "current.json", [collision])
    before = _repo_digest(whole_repo)
    result = regenerate(whole_repo, spec, reference_path, "--accept")
    assert result.returncode == 1
    assert result.stderr.startswith("error: the tests failed on the regenerated client")
    assert "test_round_trip.py" in result.stderr
    assert "nothing was changed" in result.stderr
    assert _repo_digest(whole_repo) == before
    leftovers = [p.name for p in whole_repo.iterdir() if p.name.startswith(".plantpredict_client")]
    assert leftovers == []


def test_every_generated_file_has_the_same_header_and_no_source_hash() -> None:
    lock = Lock.read(REPO / "openapi" / "spec.lock.json")
    assert lock is not None
    hashes = [source.sha256 for source in lock.sources.values()]
    headers = set()
    for path in sorted((REPO / "plantpredict_client").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        headers.add("".join(text.splitlines(keepends=True)[:2]))
        if path.name != "_sources.py":
            assert not any(h in text for h in hashes), path
    assert len(headers) == 1
    assert headers.pop().startswith("# Generated by openapi-python-client")


def test_the_package_records_the_locked_sources() -> None:
    import plantpredict_client

    lock = Lock.read(REPO / "openapi" / "spec.lock.json")
    assert lock is not None
    assert plantpredict_client.__sources__ == lock.package_sources()
    assert plantpredict_client.__sources__["reference"]["url"] == (
        "https://docs.plantpredict.com/api-docs/api-reference/plantpredict-api.yaml"
    )
