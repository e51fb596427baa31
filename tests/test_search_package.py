"""experiences.search is a package without import cycles: its types module is imported by the others,
never the reverse, and the engines never import the query side."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "experiences" / "search"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package's own modules this file imports, anywhere in it (functions included)."""
    here = _module(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)]
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [f"{target}.{alias.name}" for alias in node.names]
            # ``from . import sibling`` names the sibling module, not the package it sits in.
            candidates = names if node.module is None else [target, *names]
            found.update(n for n in candidates if (PACKAGE.parent / (n.replace(".", "/") + ".py")).exists()
                         or (PACKAGE.parent / n.replace(".", "/") / "__init__.py").exists())  # fmt: skip
    return {name for name in found if name.startswith("search")}


def test_the_search_package_has_no_import_cycle():
    graph = {_module(p): _imports(p) - {_module(p)} for p in PACKAGE.rglob("*.py")}
    graph = {m: {d for d in deps if d != "search"} for m, deps in graph.items() if m != "search"}
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", f"import cycle: {' → '.join([*trail, module])}"
        state[module] = "open"
        for dependency in sorted(graph.get(module, ())):
            visit(dependency, [*trail, module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert graph["search.types"] <= set(), graph["search.types"]
    assert not any(d.startswith("search.querying") for d in graph["search.engines.base"])


def test_every_search_module_imports_on_its_own():
    """Each module imported first, alone, in a fresh interpreter: a cycle would fail half-initialised."""
    modules = sorted(f"experiences.{_module(p)}" for p in PACKAGE.rglob("*.py"))
    code = (
        "import django, os, importlib, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'kbase.settings');"
        "os.environ.setdefault('DEBUG', '1'); django.setup(); importlib.import_module(sys.argv[1])"
    )
    for module in modules:
        result = subprocess.run([sys.executable, "-c", code, module], capture_output=True, text=True,
                                cwd=PACKAGE.parent.parent)  # fmt: skip
        assert result.returncode == 0, (module, result.stderr[-800:])
