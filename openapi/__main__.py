"""The build step's command line: ``python -m openapi {spec,generate,check-generated,api-diff,normalize}``.

Each command prints what it did; on failure it prints one line starting with ``error:`` and exits 1,
and the committed ``plantpredict_client/`` is left exactly as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import _generate as generation
from ._documents import Document, SourceError, load
from ._lock import Lock, LockMismatch, SourceLock
from ._namer import NameLock, Overrides
from ._normalize import Result, normalize
from ._schema import NormalizationError
from ._surface import diff, report, surface

DEFAULT_SPEC_SOURCE = "https://api.plantpredict.com/swagger/docs/current"
# The docs site (https://docs.plantpredict.com/api-reference) renders this file; confirm when online.
DEFAULT_REFERENCE_SOURCE = "https://docs.plantpredict.com/openapi.yaml"
BUILD_DIR = Path(__file__).resolve().parent


@dataclass
class Paths:
    root: Path

    @property
    def package(self) -> Path:
        return self.root / generation.PACKAGE

    @property
    def lock(self) -> Path:
        return self.root / "openapi" / "spec.lock.json"

    @property
    def surface(self) -> Path:
        return self.root / "openapi" / "api-surface.json"

    @property
    def names(self) -> Path:
        return self.root / "openapi" / "names.yml"

    @property
    def templates(self) -> Path:
        return self.root / "openapi" / "templates"

    @property
    def config(self) -> Path:
        return self.root / "generator-config.yml"


class BuildError(Exception):
    pass


def _sources(args: argparse.Namespace) -> tuple[str, str]:
    return (
        args.spec_source or os.environ.get("SPEC_SOURCE") or DEFAULT_SPEC_SOURCE,
        args.reference_source or os.environ.get("REFERENCE_SOURCE") or DEFAULT_REFERENCE_SOURCE,
    )


def _load_both(args: argparse.Namespace) -> tuple[Document, Document]:
    primary, reference = _sources(args)
    return load(primary, "primary"), load(reference, "reference")


def _overrides(paths: Paths) -> Overrides:
    data = yaml.safe_load(paths.names.read_text(encoding="utf-8")) if paths.names.exists() else {}
    return Overrides.from_json(data or {})


def _normalize(paths: Paths, primary: Document, reference: Document, names: NameLock) -> Result:
    return normalize(primary.parsed, reference.parsed, names, _overrides(paths))


def _read_lock(paths: Paths) -> Lock:
    lock = Lock.read(paths.lock)
    if lock is None:
        raise BuildError(f"{paths.lock} does not exist: create it with `make spec UPDATE=1`")
    return lock


def _unlocked_names(result: Result) -> int:
    return result.figures.get("operation names newly derived", 0) + result.figures.get("schema names newly derived", 0)


def _stamp(primary: Document, reference: Document) -> str:
    return generation.header(primary.sha256, reference.sha256)


def _surface_text(result: Result) -> str:
    return json.dumps(surface(result.document), indent=1, ensure_ascii=False) + "\n"


def cmd_spec(args: argparse.Namespace, paths: Paths) -> None:
    primary, reference = _load_both(args)
    lock = Lock.read(paths.lock)
    version = generation.generator_version()
    if args.update:
        names = lock.names if lock else NameLock()
        result = _normalize(paths, primary, reference, names)
        new_lock = Lock(
            generator="openapi-python-client",
            generator_version=version,
            sources={"primary": SourceLock.of(primary), "reference": SourceLock.of(reference)},
            names=result.names,
        )
        new_lock.write(paths.lock)
        print(f"lock updated: {paths.lock.relative_to(paths.root)}")
        for document in (primary, reference):
            print(f"  {document.label}: sha256 {document.sha256} ({document.size:,} bytes) from {document.source}")
        print(
            f"  names locked: {len(result.names.operations)} operations, {len(result.names.schemas)} schemas "
            f"({_unlocked_names(result)} new)"
        )
        print("next: `make api-diff` shows what changes, `make generate` regenerates plantpredict_client/")
        return
    if lock is None:
        raise BuildError(f"{paths.lock} does not exist: create it with `make spec UPDATE=1`")
    lock.verify([primary, reference], version)
    for document in (primary, reference):
        print(f"verified {document.label}: sha256 {document.sha256} ({document.size:,} bytes) from {document.source}")


def _generate_into(args: argparse.Namespace, paths: Paths, scratch: Path) -> tuple[Result, Path]:
    primary, reference = _load_both(args)
    lock = _read_lock(paths)
    lock.verify([primary, reference], generation.generator_version())
    result = _normalize(paths, primary, reference, lock.names)
    missing = _unlocked_names(result)
    if missing:
        raise BuildError(f"the name lock lacks {missing} name(s) for these documents: run `make spec UPDATE=1`")
    package = generation.build(
        result.document,
        scratch,
        config=paths.config,
        templates=paths.templates,
        stamp=_stamp(primary, reference),
    )
    return result, package


def cmd_generate(args: argparse.Namespace, paths: Paths) -> None:
    previous = json.loads(paths.surface.read_text(encoding="utf-8")) if paths.surface.exists() else {}
    with generation.scratch_dir(paths.root) as scratch_name:
        result, package = _generate_into(args, paths, Path(scratch_name))
        surface_text = _surface_text(result)
        generation.swap_in(package, paths.package)
    tmp = paths.surface.with_suffix(".tmp")
    tmp.write_text(surface_text, encoding="utf-8")
    tmp.replace(paths.surface)
    figures = result.figures
    print(
        f"generated {paths.package.relative_to(paths.root)}/: {figures['operations']} operations, "
        f"{figures['schemas']} schemas, 0 generator warnings"
    )
    print(report(diff(previous, json.loads(surface_text))))


def cmd_check_generated(args: argparse.Namespace, paths: Paths) -> None:
    with generation.scratch_dir(paths.root) as scratch_name:
        result, package = _generate_into(args, paths, Path(scratch_name))
        fresh = generation.tree_digest(package)
        surface_text = _surface_text(result)
    committed = generation.tree_digest(paths.package) if paths.package.exists() else {}
    differing = sorted(k for k in set(fresh) | set(committed) if fresh.get(k) != committed.get(k))
    surface_ok = paths.surface.exists() and paths.surface.read_text(encoding="utf-8") == surface_text
    if differing or not surface_ok:
        shown = ", ".join(differing[:8]) + (f" and {len(differing) - 8} more" if len(differing) > 8 else "")
        what = f"{len(differing)} file(s) differ ({shown})" if differing else "openapi/api-surface.json differs"
        raise BuildError(f"plantpredict_client/ is not what `make generate` produces: {what}; run `make generate`")
    operations = result.figures["operations"]
    print(f"plantpredict_client/ matches a fresh regeneration ({len(fresh)} files, {operations} operations)")


def cmd_api_diff(args: argparse.Namespace, paths: Paths) -> None:
    primary, reference = _load_both(args)
    lock = Lock.read(paths.lock)
    result = _normalize(paths, primary, reference, lock.names if lock else NameLock())
    previous = json.loads(paths.surface.read_text(encoding="utf-8")) if paths.surface.exists() else {}
    changes = diff(previous, surface(result.document))
    if args.json:
        print(json.dumps([c.__dict__ for c in changes], indent=1))
    else:
        print(report(changes))


def cmd_normalize(args: argparse.Namespace, paths: Paths) -> None:
    primary, reference = _load_both(args)
    lock = Lock.read(paths.lock)
    result = _normalize(paths, primary, reference, lock.names if lock else NameLock())
    Path(args.out).write_text(json.dumps(result.document, indent=1) + "\n", encoding="utf-8")
    for key, value in result.figures.items():
        print(f"{value:6} {key}")
    for note in result.notes:
        print(f"note: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openapi", description=__doc__)
    parser.add_argument("--root", default=str(BUILD_DIR.parent), help="repository root (default: this checkout)")
    parser.add_argument("--spec-source", help="primary document URL or file (default: $SPEC_SOURCE, then the live API)")
    parser.add_argument("--reference-source", help="reference document URL or file (default: $REFERENCE_SOURCE)")
    sub = parser.add_subparsers(dest="command", required=True)
    spec = sub.add_parser("spec", help="fetch both documents and verify them against openapi/spec.lock.json")
    spec.add_argument("--update", action="store_true", help="accept the fetched documents: rewrite the lock")
    sub.add_parser("generate", help="normalize, generate, format, stamp and swap in plantpredict_client/")
    sub.add_parser("check-generated", help="fail if plantpredict_client/ differs from a fresh regeneration")
    api_diff = sub.add_parser("api-diff", help="what regenerating from the sources would change")
    api_diff.add_argument("--json", action="store_true")
    norm = sub.add_parser("normalize", help="write the normalized document and its figures")
    norm.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    paths = Paths(Path(args.root).resolve())
    commands: dict[str, Any] = {
        "spec": cmd_spec,
        "generate": cmd_generate,
        "check-generated": cmd_check_generated,
        "api-diff": cmd_api_diff,
        "normalize": cmd_normalize,
    }
    try:
        commands[args.command](args, paths)
    except (SourceError, LockMismatch, NormalizationError, generation.GenerationError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
