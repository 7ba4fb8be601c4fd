"""``CHANGELOG.md``: the API changes of each accepted regeneration, newest first, so the client's
release notes follow the API's own changes (docs/build-step.md#the-changelog)."""

from __future__ import annotations

from pathlib import Path

from ._lock import SourceLock
from ._surface import Change, grouped

MARKER = "<!-- `make regenerate ACCEPT=1` adds each new entry below this line, newest first. -->"


HEADER = f"""# Changelog

What changed in the client's API at each regeneration from new upstream documents: operations,
fields and enum members added, removed, retyped or renamed, with breaking changes marked. Written
by `make regenerate ACCEPT=1` (docs/build-step.md); edit the prose freely, keep the marker line.

{MARKER}
"""


class ChangelogError(Exception):
    """CHANGELOG.md cannot take a new entry as it is."""


def heading(kind: str) -> str:
    """``enum member added`` -> ``Enum members added``."""
    noun, verb = kind.rsplit(" ", 1)
    return f"{noun[0].upper()}{noun[1:]}s {verb}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def entry(changes: list[Change], *, date: str, api_version: str, sources: dict[str, SourceLock]) -> str:
    breaking = sum(1 for c in changes if c.breaking)
    lines = [f"## {date}: PlantPredict API {api_version}", ""]
    for label, source in sorted(sources.items()):
        lines.append(
            f"- {label} document: sha256 `{source.sha256[:12]}`, {source.size:,} bytes, {source.url} "
            f"(fetched from {source.fetched_from})"
        )
    lines.append("")
    if not changes:
        lines.append("No change to the client's API: the documents changed only where the client does not show it.")
    elif breaking:
        lines.append(
            f"**{_count(breaking, 'breaking change')}** of {len(changes)}: code written against the previous "
            "client may need changes where marked."
        )
    else:
        lines.append(f"{_count(len(changes), 'change')}, none breaking.")
    for kind, group in grouped(changes):
        lines += ["", f"### {heading(kind)}", ""]
        for change in group:
            mark = "**Breaking:** " if change.breaking else ""
            lines.append(f"- {mark}`{change.subject}`{': ' + change.detail if change.detail else ''}")
    return "\n".join(lines) + "\n"


def with_entry(current: str, new_entry: str) -> str:
    """``current`` (the changelog's text) with ``new_entry`` first below the marker."""
    if MARKER not in current:
        raise ChangelogError(f"CHANGELOG.md has no line {MARKER!r}: put it back above the newest entry")
    return current.replace(MARKER, f"{MARKER}\n\n{new_entry.rstrip()}", 1)


def add_entry(path: Path, new_entry: str) -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else HEADER
    text = with_entry(current, new_entry)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


__all__ = ["HEADER", "MARKER", "ChangelogError", "add_entry", "entry", "heading", "with_entry"]
