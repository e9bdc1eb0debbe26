"""The documents stay honest: what ARCHITECTURE.md names exists, relative links resolve, the README stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = REPO / "docs" / "ARCHITECTURE.md"
DOCUMENTS = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
README_MAX_LINES = 250

PACKAGES = ("store", "precompute", "app", "notes", "frontend", "microscope")
# A file or folder path (`app/routes.py`, `precompute/optvis/`, `app/api/*.py`), or a file at the root (`README.md`).
PATH = re.compile(r"^\w[\w.*-]*(?:/[\w.*-]*)+$|^\w[\w-]*\.(?:py|md|toml|ya?ml|ini|sh|js|css|html)$")
# A dotted name in one of the packages (`store.refs.UnitRef`, `precompute.zoo.load_model(spec, …)`).
DOTTED = re.compile(rf"^((?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text without its fenced code blocks (a block's paths and names are examples, not claims)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def _code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", _prose(text))


def _defines(module: Path, name: str) -> bool:
    """Whether the module's source defines or imports `name` (a function, class, constant or attribute)."""
    definition = rf"^\s*(?:(?:async\s+)?def|class)\s+{name}\b|^\s*(?:self\.)?{name}\s*[:=]"
    pattern = rf"{definition}|\bimport\b.*\b{name}\b"
    return re.search(pattern, module.read_text(), flags=re.M) is not None


def _resolves(dotted: str) -> bool:
    """Whether a dotted name leads through packages and modules to a name the last module defines."""
    parts = dotted.split(".")
    here = REPO / parts[0]
    for i, part in enumerate(parts[1:], start=1):
        if here.is_dir() and (here / part).is_dir():
            here = here / part
        elif here.is_dir() and (here / f"{part}.py").is_file():
            here = here / f"{part}.py"
        else:
            module = here / "__init__.py" if here.is_dir() else here
            # The rest names attributes: the first must be defined in the module, the next ones in the same file
            # (a class's methods and fields).
            return module.is_file() and all(_defines(module, name) for name in parts[i:])
    return True


def _named_paths() -> list[str]:
    return sorted({span.rstrip(".,;:") for span in _code_spans(ARCHITECTURE.read_text()) if PATH.match(span)})


def _named_modules() -> list[str]:
    return sorted({m.group(1) for span in _code_spans(ARCHITECTURE.read_text()) if (m := DOTTED.match(span))})


def _links() -> list[tuple[Path, str]]:
    found = [(doc, target) for doc in DOCUMENTS if doc.exists() for target in LINK.findall(_prose(doc.read_text()))]
    return [(doc, target) for doc, target in found if not re.match(r"^[a-z][a-z+.-]*:", target)]


def _anchors(document: Path) -> set[str]:
    """GitHub's ids for the document's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", _prose(document.read_text()), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_architecture_names_paths_and_modules_at_all() -> None:
    # Guards the checks below against a pattern that silently matches nothing.
    assert {"app/routes.py", "precompute/pipeline.py", "store/kinds.py"} <= set(_named_paths())
    assert "store.refs.UnitRef" in _named_modules()


@pytest.mark.parametrize("path", _named_paths())
def test_every_path_the_architecture_names_exists(path: str) -> None:
    assert any(REPO.glob(path.rstrip("/"))), f"docs/ARCHITECTURE.md names {path}, which is not in the repository"


@pytest.mark.parametrize("dotted", _named_modules())
def test_every_module_and_name_the_architecture_names_exists(dotted: str) -> None:
    assert _resolves(dotted), f"docs/ARCHITECTURE.md names {dotted}, which the code does not define"


@pytest.mark.parametrize(("document", "target"), _links(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_relative_link_points_to_a_file_that_exists(document: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    linked = (document.parent / path).resolve() if path else document
    assert linked.is_file(), f"{document.relative_to(REPO)} links {target}, which is not a file"
    if anchor and linked.suffix == ".md":
        assert anchor in _anchors(linked), f"{document.relative_to(REPO)} links {target}: no such heading"


def test_the_readme_has_at_most_250_lines() -> None:
    lines = len((REPO / "README.md").read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move reference material to docs/"


def test_the_readme_shows_the_screenshot_and_links_every_docs_page() -> None:
    readme = (REPO / "README.md").read_text()
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    assert "docs/unit-page.png" in linked
    assert {f"docs/{page.name}" for page in (REPO / "docs").glob("*.md")} <= linked
