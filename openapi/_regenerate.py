"""``make regenerate``: a maintainer's whole routine in one command (docs/build-step.md#the-routine).

Without ``accept`` it fetches both documents and shows what a regeneration would change. With it,
it also locks the new documents, regenerates ``plantpredict_client/``, runs a fast subset of the
tests against the new client and the new documents, and writes the changes into ``CHANGELOG.md``.
All or nothing: when a step fails, the lock, the API surface, the changelog and the package are put
back exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from . import _changelog as changelog
from . import _generate as generation
from ._documents import Document
from ._lock import Lock, SourceLock
from ._namer import NameLock, Overrides
from ._normalize import Result, normalize
from ._paths import BuildError, Paths
from ._surface import Change, diff, report, surface

# The tests that hold for any upstream documents and exercise the regenerated client: every recorded
# answer parses and round-trips, GET-modify-PUT keeps unknown fields, names stay locked. The rest of
# tests/buildstep pins figures of the committed mirrors, and make test runs it.
TEST_SUBSET = (
    "tests/buildstep/test_conformance.py",
    "tests/buildstep/test_round_trip.py",
    "tests/buildstep/test_naming.py",
)


class Transaction:
    """Files and the package, put back as they were unless the ``with`` block completes."""

    def __init__(self, files: list[Path], package: Path) -> None:
        self.saved: dict[Path, bytes | None] = {}
        self.files = files
        self.package = package
        self.backup = package.with_name(f".{package.name}.before-regenerate")
        self.swapped = False

    def __enter__(self) -> Transaction:
        self.saved = {path: path.read_bytes() if path.exists() else None for path in self.files}
        return self

    def replace_package(self, new_package: Path) -> None:
        if self.backup.exists():
            shutil.rmtree(self.backup)
        self.package.rename(self.backup)
        self.swapped = True
        new_package.rename(self.package)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            if self.swapped:
                shutil.rmtree(self.backup)
            return
        for path, content in self.saved.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        if self.swapped:
            if self.package.exists():
                shutil.rmtree(self.package)
            self.backup.rename(self.package)


def new_lock(primary: Document, reference: Document, previous: Lock | None, names: NameLock) -> Lock:
    before = previous.sources if previous else {}
    return Lock(
        generator=generation.GENERATOR,
        generator_version=generation.generator_version(),
        sources={d.label: SourceLock.of(d, before.get(d.label)) for d in (primary, reference)},
        names=names,
    )


def surface_text(result: Result) -> str:
    return json.dumps(surface(result.document), indent=1, ensure_ascii=False) + "\n"


def run_tests(root: Path, sources: dict[str, Path]) -> str:
    """Run ``TEST_SUBSET`` against the package in ``root`` and the given documents; its summary."""
    env = {**os.environ, "SPEC_SOURCE": str(sources["primary"]), "REFERENCE_SOURCE": str(sources["reference"])}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *TEST_SUBSET],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else completed.stderr.strip()[-300:]
    if completed.returncode != 0:
        failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))][:3]
        raise BuildError(
            f"the tests failed on the regenerated client ({summary}): {' | '.join(failed)}; "
            "nothing was changed. Run the same tests after `make spec UPDATE=1 && make generate` to see why"
        )
    return summary


def regenerate(paths: Paths, primary: Document, reference: Document, *, accept: bool) -> None:
    for document in (primary, reference):
        print(f"fetched {document.label}: sha256 {document.sha256} ({document.size:,} bytes) from {document.source}")
    lock = Lock.read(paths.lock)
    result = normalize(
        primary.parsed, reference.parsed, lock.names if lock else NameLock(), Overrides.read(paths.names)
    )
    previous = json.loads(paths.surface.read_text(encoding="utf-8")) if paths.surface.exists() else {}
    changes = diff(previous, surface(result.document))
    print(report(changes))
    locked = lock is not None and lock.matches([primary, reference], generation.generator_version())
    if locked and not changes:
        print("up to date: the lock already holds these documents and the client already has this API")
        return
    if not accept:
        print("to accept: `make regenerate ACCEPT=1` (locks, regenerates, tests, writes CHANGELOG.md)")
        return
    accepted = new_lock(primary, reference, lock, result.names)
    summary = _accept(paths, result, accepted, changes, {"primary": primary, "reference": reference})
    breaking = sum(1 for c in changes if c.breaking)
    print(f"tests ({', '.join(Path(t).name for t in TEST_SUBSET)}): {summary}")
    print(
        f"accepted: {paths.lock.relative_to(paths.root)}, {paths.package.relative_to(paths.root)}/, "
        f"{paths.surface.relative_to(paths.root)} and {paths.changelog.relative_to(paths.root)} updated "
        f"({len(changes)} change(s), {breaking} breaking)"
    )


def _accept(paths: Paths, result: Result, lock: Lock, changes: list[Change], documents: dict[str, Document]) -> str:
    api_version = str(result.document["info"]["version"])
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    with generation.scratch_dir(paths.root) as scratch_name:
        scratch = Path(scratch_name)
        package = generation.build(
            result.document, scratch, config=paths.config, templates=paths.templates, sources=lock.package_sources()
        )
        # The tests read the documents as files: the accepted bytes, whatever the sources were.
        sources: dict[str, Path] = {}
        for label, document in documents.items():
            sources[label] = scratch / f"{label}-document"
            sources[label].write_bytes(document.raw)
        with Transaction([paths.lock, paths.surface, paths.changelog], paths.package) as transaction:
            lock.write(paths.lock)
            paths.surface.write_text(surface_text(result), encoding="utf-8")
            entry = changelog.entry(changes, date=today, api_version=api_version, sources=lock.sources)
            changelog.add_entry(paths.changelog, entry)
            transaction.replace_package(package)
            return run_tests(paths.root, sources)


__all__ = ["TEST_SUBSET", "Transaction", "new_lock", "regenerate", "run_tests", "surface_text"]
