"""The build step's code cites its documentation by anchor: every cited section must exist."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

CITATION = re.compile(r"docs/(?P<file>[\w-]+\.md)(?P<anchors>(?:#[\w-]+)(?:, #[\w-]+)*(?: and #[\w-]+)?)?")


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (lower case, punctuation dropped, spaces to -)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(document: Path) -> set[str]:
    anchors: set[str] = set()
    in_code = False
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif line.startswith("#") and not in_code:
            anchors.add(_slug(line.lstrip("#")))
    return anchors


def _sources() -> list[Path]:
    return [*(REPO / "openapi").rglob("*.py"), *(REPO / "openapi" / "templates").glob("*.jinja")]


def test_every_cited_section_of_the_docs_exists() -> None:
    cited = 0
    for source in _sources():
        for match in CITATION.finditer(source.read_text(encoding="utf-8")):
            document = REPO / "docs" / match["file"]
            assert document.is_file(), f"{source.name} cites {document.name}, which does not exist"
            for anchor in re.findall(r"#([\w-]+)", match["anchors"] or ""):
                cited += 1
                assert anchor in _anchors(document), f"{source.name} cites {document.name}#{anchor}"
    assert cited >= 20


def test_no_build_step_file_cites_documents_outside_the_repository() -> None:
    for source in [*_sources(), *(REPO / "tests" / "buildstep").glob("*.py")]:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"shared/(openapi/)?(NORMALIZATION|DESIGN|UPSTREAM)\.md", text), source.name


def test_the_slug_follows_markdown_renderers() -> None:
    assert _slug(" Response models require nothing") == "response-models-require-nothing"
    assert _slug("api-diff") == "api-diff"
