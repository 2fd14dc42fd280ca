"""The architecture as the tree shows it: imports point one way, and no package imports itself
round in a circle.

``embeddings`` / ``store`` ← ``matcher`` (``language`` ← ``catalog``, ``search`` ← ``gaps``)
← ``jobs`` ← ``api``; ``seed`` loads the demo through ``matcher``. The shared helpers at
``matcher``'s top level (``clock``, ``errors``, ``settings``) use nothing above them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = {"matcher", "matcher.clock", "matcher.errors", "matcher.settings"}

# group → the groups it may import (besides itself); a group is a package or matcher's sub-package
ALLOWED: dict[str, set[str]] = {
    "embeddings": set(),
    "store": set(),
    "matcher.shared": set(),
    "matcher.language": {"matcher.shared", "embeddings", "store"},
    "matcher.catalog": {"matcher.shared", "matcher.language", "embeddings", "store"},
    "matcher.taxonomy": {"matcher.shared", "matcher.language", "embeddings", "store"},
    "matcher.search": {
        "matcher.shared",
        "matcher.language",
        "matcher.taxonomy",
        "embeddings",
        "store",
    },
    "matcher.gaps": {
        "matcher.shared",
        "matcher.language",
        "matcher.taxonomy",
        "matcher.catalog",
        "embeddings",
        "store",
    },
    "matcher.accounts": {"matcher.shared", "matcher.catalog", "store"},
    "matcher.answers": {"matcher.shared", "matcher.catalog", "matcher.accounts", "store"},
    "jobs": {
        "matcher.shared",
        "matcher.language",
        "matcher.catalog",
        "matcher.search",
        "matcher.gaps",
        "matcher.answers",
        "embeddings",
        "store",
    },  # fmt: skip
    "seed": {
        "matcher.shared",
        "matcher.catalog",
        "matcher.search",
        "matcher.accounts",
        "matcher.answers",
        "store",
    },
    "api": {
        "matcher.shared",
        "matcher.language",
        "matcher.catalog",
        "matcher.search",
        "matcher.gaps",
        "matcher.accounts",
        "matcher.answers",
        "matcher.taxonomy",
        "jobs",
        "seed",
        "embeddings",
        "store",
    },  # fmt: skip
}


def _group(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "matcher":
        if module in SHARED or len(parts) == 1:
            return "matcher.shared"
        if parts[1] in ("language", "catalog", "search", "gaps", "accounts", "answers", "taxonomy"):
            return f"matcher.{parts[1]}"
        return "matcher.shared"
    return parts[0] if parts[0] in ALLOWED else None


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside functions; relative ones resolved."""
    package = (
        _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_name(path)
    )
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def _sources() -> list[Path]:
    return [p for group in ("embeddings", "store", "matcher", "jobs", "seed", "api")
            for p in sorted((ROOT / group).rglob("*.py"))]  # fmt: skip


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_one_way(path: Path) -> None:
    own = _group(_module_name(path))
    assert own is not None
    for imported in _imports(path):
        group = _group(imported)
        if group is None or group == own:
            continue
        assert group in ALLOWED[own], f"{_module_name(path)} imports {imported} ({own} → {group})"


def test_matcher_top_level_holds_only_the_faces_and_shared_helpers() -> None:
    modules = {p.stem for p in (ROOT / "matcher").glob("*.py")}
    packages = {p.name for p in (ROOT / "matcher").iterdir() if (p / "__init__.py").exists()}
    assert modules == {"__init__", "clock", "errors", "settings"}
    assert packages == {"language", "catalog", "search", "gaps", "accounts", "answers", "taxonomy"}
