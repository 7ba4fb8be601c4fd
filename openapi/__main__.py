"""The build step's command line: ``python -m openapi {spec,generate,check-generated,api-diff,regenerate,normalize}``.

Each command prints what it did; on failure it prints one line starting with ``error:`` and exits 1,
and the committed ``plantpredict_client/`` is left exactly as it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import _generate as generation
from ._changelog import ChangelogError
from ._documents import UPSTREAM, Document, SourceError, load
from ._lock import Lock, LockMismatch
from ._namer import DERIVED, NameLock, Overrides
from ._normalize import Result, normalize
from ._paths import BuildError, Paths
from ._regenerate import new_lock, regenerate, surface_text
from ._schema import NormalizationError
from ._surface import diff, report, surface

BUILD_DIR = Path(__file__).resolve().parent


def _sources(args: argparse.Namespace) -> tuple[str, str]:
    return (
        args.spec_source or os.environ.get("SPEC_SOURCE") or UPSTREAM["primary"].url,
        args.reference_source or os.environ.get("REFERENCE_SOURCE") or UPSTREAM["reference"].url,
    )


def _load_both(args: argparse.Namespace) -> tuple[Document, Document]:
    primary, reference = _sources(args)
    return load(primary, "primary"), load(reference, "reference")


def _normalize(paths: Paths, primary: Document, reference: Document, names: NameLock) -> Result:
    return normalize(primary.parsed, reference.parsed, names, Overrides.read(paths.names))


def _read_lock(paths: Paths) -> Lock:
    lock = Lock.read(paths.lock)
    if lock is None:
        raise BuildError(f"{paths.lock} does not exist: create it with `make spec UPDATE=1`")
    return lock


def _unlocked_names(result: Result) -> int:
    return sum(result.figures.get(kind, 0) for kind in DERIVED)


def cmd_spec(args: argparse.Namespace, paths: Paths) -> None:
    primary, reference = _load_both(args)
    lock = Lock.read(paths.lock)
    if args.update:
        result = _normalize(paths, primary, reference, lock.names if lock else NameLock())
        accepted = new_lock(primary, reference, lock, result.names)
        accepted.write(paths.lock)
        print(f"lock updated: {paths.lock.relative_to(paths.root)}")
        for label, source in sorted(accepted.sources.items()):
            print(
                f"  {label}: sha256 {source.sha256} ({source.size:,} bytes), {source.url}, from {source.fetched_from}"
            )
        counts = ", ".join(f"{n} {section.replace('_', ' ')}" for section, n in result.names.count().items())
        print(f"  names locked: {counts} ({_unlocked_names(result)} new)")
        print("next: `make api-diff` shows what changes, `make generate` regenerates plantpredict_client/")
        return
    if lock is None:
        raise BuildError(f"{paths.lock} does not exist: create it with `make spec UPDATE=1`")
    lock.verify([primary, reference], generation.generator_version())
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
        result.document, scratch, config=paths.config, templates=paths.templates, sources=lock.package_sources()
    )
    return result, package


def cmd_generate(args: argparse.Namespace, paths: Paths) -> None:
    previous = json.loads(paths.surface.read_text(encoding="utf-8")) if paths.surface.exists() else {}
    with generation.scratch_dir(paths.root) as scratch_name:
        result, package = _generate_into(args, paths, Path(scratch_name))
        text = surface_text(result)
        generation.swap_in(package, paths.package)
    tmp = paths.surface.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(paths.surface)
    figures = result.figures
    print(
        f"generated {paths.package.relative_to(paths.root)}/: {figures['operations']} operations, "
        f"{figures['schemas']} schemas, 0 generator warnings"
    )
    print(report(diff(previous, json.loads(text))))


def cmd_check_generated(args: argparse.Namespace, paths: Paths) -> None:
    with generation.scratch_dir(paths.root) as scratch_name:
        result, package = _generate_into(args, paths, Path(scratch_name))
        fresh = generation.tree_digest(package)
        text = surface_text(result)
    committed = generation.tree_digest(paths.package) if paths.package.exists() else {}
    differing = sorted(k for k in set(fresh) | set(committed) if fresh.get(k) != committed.get(k))
    surface_ok = paths.surface.exists() and paths.surface.read_text(encoding="utf-8") == text
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
        print(json.dumps([dataclasses.asdict(c) for c in changes], indent=1))
    else:
        print(report(changes))


def cmd_regenerate(args: argparse.Namespace, paths: Paths) -> None:
    primary, reference = _load_both(args)
    regenerate(paths, primary, reference, accept=args.accept)


def cmd_normalize(args: argparse.Namespace, paths: Paths) -> None:
    primary, reference = _load_both(args)
    lock = Lock.read(paths.lock)
    result = _normalize(paths, primary, reference, lock.names if lock else NameLock())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
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
    regen = sub.add_parser(
        "regenerate", help="fetch, show the api-diff; with --accept also lock, regenerate, test, write CHANGELOG.md"
    )
    regen.add_argument("--accept", action="store_true", help="accept the fetched documents (all or nothing)")
    norm = sub.add_parser("normalize", help="write the normalized document and its figures")
    norm.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    paths = Paths(Path(args.root).resolve())
    commands: dict[str, Any] = {
        "spec": cmd_spec,
        "generate": cmd_generate,
        "check-generated": cmd_check_generated,
        "api-diff": cmd_api_diff,
        "regenerate": cmd_regenerate,
        "normalize": cmd_normalize,
    }
    try:
        commands[args.command](args, paths)
    except (
        SourceError,
        LockMismatch,
        NormalizationError,
        generation.GenerationError,
        BuildError,
        ChangelogError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
