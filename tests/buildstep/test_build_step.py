"""The build step end to end, through its command line, in a scratch copy of the repository.

Every bad input must end with one clear ``error:`` line, a non-zero exit, and the committed
``plantpredict_client/`` byte-for-byte as it was.
"""

from __future__ import annotations

import copy
import functools
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openapi._generate import tree_digest
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def run_build(root: Path, *args: str, spec: Path | str, reference: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi",
            "--root",
            str(root),
            "--spec-source",
            str(spec),
            "--reference-source",
            str(reference),
            *args,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def digest(package: Path) -> dict[str, bytes]:
    return tree_digest(package)


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "openapi").mkdir(parents=True)
    for name in ("spec.lock.json", "api-surface.json", "names.yml"):
        shutil.copy(REPO / "openapi" / name, root / "openapi" / name)
    shutil.copytree(REPO / "openapi" / "templates", root / "openapi" / "templates")
    shutil.copy(REPO / "generator-config.yml", root / "generator-config.yml")
    shutil.copytree(
        REPO / "plantpredict_client", root / "plantpredict_client", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on loopback serving a folder (for the download paths)."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_refused(result: subprocess.CompletedProcess[str], *, says: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0], lines[0]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "is an HTML page"),
        (b'{"openapi": "3.0.1", "paths": {"/x": {', "is not valid JSON"),
        (b"openapi: 3.0.1\npaths: [unclosed\n", "neither JSON nor valid YAML"),
        (b'{"swagger": "2.0", "paths": {"/x": {}}}', "is Swagger 2.0, not OpenAPI 3"),
        (b"", "is empty"),
        (b'{"title": "not an api"}', "no 'openapi: 3.x' field"),
    ],
    ids=["html", "truncated-json", "invalid-yaml", "swagger2", "empty", "not-openapi"],
)
def test_a_bad_document_leaves_the_client_untouched(
    scratch_repo: Path, tmp_path: Path, reference_path: Path, content: bytes, says: str
) -> None:
    bad = tmp_path / "bad-document"
    bad.write_bytes(content)
    before = digest(scratch_repo / "plantpredict_client")
    result = run_build(scratch_repo, "generate", spec=bad, reference=reference_path)
    _assert_refused(result, says=says)
    assert digest(scratch_repo / "plantpredict_client") == before


def test_a_failed_download_leaves_the_client_untouched(
    scratch_repo: Path, served: tuple[str, Path], spec_path: Path, reference_path: Path
) -> None:
    base, folder = served
    before = digest(scratch_repo / "plantpredict_client")
    not_found = run_build(scratch_repo, "generate", spec=f"{base}/swagger/docs/current", reference=reference_path)
    _assert_refused(not_found, says="HTTP 404")
    assert "if the document has moved, set SPEC_SOURCE to its new address" in not_found.stderr
    moved = run_build(
        scratch_repo, "generate", spec=spec_path, reference=f"{base}/api-docs/api-reference/plantpredict-api.yaml"
    )
    _assert_refused(moved, says="could not download the reference document")
    assert "set REFERENCE_SOURCE to its new address (the index of https://docs.plantpredict.com names" in moved.stderr
    _assert_refused(
        run_build(scratch_repo, "generate", spec=f"http://127.0.0.1:{_closed_port()}/x", reference=reference_path),
        says="could not download the primary document",
    )
    (folder / "gateway.html").write_text("<html><body>Sign in</body></html>")
    _assert_refused(
        run_build(scratch_repo, "generate", spec=f"{base}/gateway.html", reference=reference_path),
        says="is an HTML page",
    )
    assert digest(scratch_repo / "plantpredict_client") == before


def test_downloaded_documents_verify_against_the_lock(
    scratch_repo: Path, served: tuple[str, Path], spec_path: Path, reference_path: Path
) -> None:
    base, folder = served
    shutil.copy(spec_path, folder / "current.json")
    result = run_build(scratch_repo, "spec", spec=f"{base}/current.json", reference=reference_path)
    assert result.returncode == 0, result.stderr
    assert "verified primary: sha256 34fa0949b105" in result.stdout


def test_accepting_the_locked_documents_again_leaves_the_lock_untouched(
    scratch_repo: Path, spec_path: Path, reference_path: Path
) -> None:
    before = (scratch_repo / "openapi" / "spec.lock.json").read_bytes()
    result = run_build(scratch_repo, "spec", "--update", spec=spec_path, reference=reference_path)
    assert result.returncode == 0, result.stderr
    assert (scratch_repo / "openapi" / "spec.lock.json").read_bytes() == before


def test_the_lock_records_the_canonical_address_and_where_the_bytes_came_from(
    scratch_repo: Path, served: tuple[str, Path], tmp_path: Path, spec_path: Path, reference_path: Path
) -> None:
    base, folder = served
    live = json.loads(spec_path.read_text(encoding="utf-8"))
    live["info"]["description"] = "served over HTTP"  # other bytes than the locked ones
    (folder / "current.json").write_text(json.dumps(live))
    offline = tmp_path / "reference-copy.yaml"
    offline.write_bytes(reference_path.read_bytes() + b"\n# another copy\n")
    result = run_build(scratch_repo, "spec", "--update", spec=f"{base}/current.json", reference=offline)
    assert result.returncode == 0, result.stderr
    sources = json.loads((scratch_repo / "openapi" / "spec.lock.json").read_text(encoding="utf-8"))["sources"]
    assert sources["primary"]["url"] == "https://api.plantpredict.com/swagger/docs/current"
    assert sources["primary"]["fetched_from"] == f"{base}/current.json"
    assert sources["reference"]["url"] == "https://docs.plantpredict.com/api-docs/api-reference/plantpredict-api.yaml"
    assert sources["reference"]["fetched_from"] == "offline copy (reference-copy.yaml)"


def _modified_live(spec_path: Path) -> dict[str, Any]:
    live = json.loads(spec_path.read_text(encoding="utf-8"))
    changed = copy.deepcopy(live)
    del changed["paths"]["/Project/{id}"]["put"]  # one operation removed (only the live document has it)
    project = changed["components"]["schemas"]["PlantPredict.Entities.Project"]
    project["properties"]["elevation"] = {"type": "string"}  # one field retyped
    status = changed["components"]["schemas"]["PlantPredict.Entities.Enums.ProjectStatusEnum"]
    status["enum"] = [*status["enum"], 3]  # one enum member added
    return changed


def test_a_changed_document_is_refused_until_the_lock_is_updated(
    scratch_repo: Path, tmp_path: Path, spec_path: Path, reference_path: Path
) -> None:
    modified = tmp_path / "current.json"
    modified.write_text(json.dumps(_modified_live(spec_path)))
    before = digest(scratch_repo / "plantpredict_client")
    result = run_build(scratch_repo, "generate", spec=modified, reference=reference_path)
    _assert_refused(result, says="the primary document changed: sha256 34fa0949b105")
    assert "make spec UPDATE=1" in result.stderr
    assert digest(scratch_repo / "plantpredict_client") == before


def test_api_diff_reports_exactly_what_changed_upstream(tmp_path: Path, spec_path: Path, reference_path: Path) -> None:
    modified = tmp_path / "current.json"
    modified.write_text(json.dumps(_modified_live(spec_path)))
    result = run_build(REPO, "api-diff", "--json", spec=modified, reference=reference_path)
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)
    assert [(c["kind"], c["subject"]) for c in changes] == [
        ("operation removed", "update_project"),
        ("field retyped", "Project.elevation"),
        ("enum member added", "ProjectStatusEnum.VALUE_3"),
    ]
    assert [c["breaking"] for c in changes] == [True, True, False]
    readable = run_build(REPO, "api-diff", spec=modified, reference=reference_path).stdout.splitlines()
    assert readable[0] == "3 change(s), 2 breaking: 1 operation removed, 1 field retyped, 1 enum member added"
    assert "  BREAKING update_project: PUT /Project/{projectId}" in readable
    assert "  BREAKING Project.elevation: float (required in requests) -> str (required in requests)" in readable
    assert "  ProjectStatusEnum.VALUE_3: = 3" in readable


def test_api_diff_of_the_locked_documents_is_empty(spec_path: Path, reference_path: Path) -> None:
    result = run_build(REPO, "api-diff", spec=spec_path, reference=reference_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No changes: a regeneration would produce the same API."


def test_a_generator_failure_leaves_the_client_untouched(
    scratch_repo: Path, tmp_path: Path, spec_path: Path, reference_path: Path
) -> None:
    live = json.loads(spec_path.read_text(encoding="utf-8"))
    # A path parameter the operation never declares: openapi-python-client refuses the endpoint,
    # and --fail-on-warning turns that into a failed generation.
    live["paths"]["/Broken/{thing}"] = {"get": {"tags": ["System"], "responses": {"200": {"description": "OK"}}}}
    broken = tmp_path / "current.json"
    broken.write_text(json.dumps(live))
    accepted = run_build(scratch_repo, "spec", "--update", spec=broken, reference=reference_path)
    assert accepted.returncode == 0, accepted.stderr
    before = digest(scratch_repo / "plantpredict_client")
    result = run_build(scratch_repo, "generate", spec=broken, reference=reference_path)
    _assert_refused(result, says="openapi-python-client")
    assert digest(scratch_repo / "plantpredict_client") == before
    assert not list((scratch_repo / ".build").glob("generate-*")), "the scratch directory is cleaned up"
