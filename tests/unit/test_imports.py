"""The layer rules and the absence of import cycles, read from the source with `ast` (no import is run).

Every import counts, wherever it stands: at the top, inside a function (the usual way to hide a circle) or
under `if TYPE_CHECKING:`. The rules are ARCHITECTURE.md's: core is the ground floor, and data flows
file → ingest → vectorstore → assistant → web/app; no layer reaches up or sideways past its neighbours.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ingest", "vectorstore", "assistant", "web", "bench", "eval")
TOP_MODULES = ("app", "settings", "errors")

# package → the project packages and top-level modules it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "core": frozenset({"ingest", "vectorstore", "assistant", "web", "app", "bench", "eval", "settings"}),
    "ingest": frozenset({"vectorstore", "assistant", "web", "app", "bench", "eval"}),
    "vectorstore": frozenset({"ingest", "assistant", "web", "app", "bench", "eval"}),
    "assistant": frozenset({"web", "app", "bench", "eval"}),
    "web": frozenset({"app", "bench", "eval"}),
    "settings": frozenset({"core", "ingest", "vectorstore", "assistant", "web", "app", "bench", "eval"}),
    "errors": frozenset({"core", "ingest", "vectorstore", "assistant", "web", "app", "bench", "eval"}),
}


# Entry points wire the layers together, as app.py does: `python -m ingest` opens the store it writes into.
ENTRY_POINTS: dict[str, frozenset[str]] = {"ingest.cli": frozenset({"vectorstore"})}


def module_files() -> dict[str, Path]:
    out = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imported_modules(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """Project modules `module` imports, with the line of each import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _resolve(alias.name, known, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in known else base
                yield from _resolve(target, known, node.lineno)


def _resolve(name: str, known: set[str], line: int) -> Iterator[tuple[str, int]]:
    while name and name not in known:
        name = name.rpartition(".")[0]
    if name:
        yield name, line


def import_graph() -> dict[str, dict[str, int]]:
    files = module_files()
    known = set(files)
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges = graph.setdefault(module, {})
        for target, line in imported_modules(module, path, known):
            if target != module:
                edges.setdefault(target, line)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _package(module: str) -> str:
    return module.split(".")[0]


def test_no_import_cycle_between_modules() -> None:
    graph = import_graph()
    # A package's __init__ re-exporting its own modules is not a circle a reader trips over.
    internal = {
        m: {t: line for t, line in edges.items() if not (_package(t) == _package(m) and "." not in t)}
        for m, edges in graph.items()
    }
    assert cycles(internal) == []


def test_no_import_cycle_between_packages() -> None:
    packages: dict[str, dict[str, int]] = {}
    for module, edges in import_graph().items():
        outgoing = packages.setdefault(_package(module), {})
        for target, line in edges.items():
            if _package(target) != _package(module):
                outgoing.setdefault(_package(target), line)
    assert cycles(packages) == []


def test_every_layer_keeps_to_its_imports() -> None:
    files = module_files()
    violations = [
        f"{files[module].relative_to(ROOT)}:{line} imports {target}"
        for module, edges in import_graph().items()
        for target, line in edges.items()
        if _package(target) in FORBIDDEN.get(_package(module), frozenset())
        and _package(target) not in ENTRY_POINTS.get(module, frozenset())
    ]
    assert violations == []


LONG_MODULE_LINES = 400
LAYERS = ("core", "ingest", "vectorstore", "assistant", "web")
LONG_REASON = "Long because"  # a module over the limit says why in its docstring, in these words


def test_long_modules_say_why() -> None:
    unexplained = []
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > LONG_MODULE_LINES and LONG_REASON not in (
                ast.get_docstring(ast.parse(text)) or ""
            ):
                unexplained.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
    assert unexplained == []


def test_no_store_imports_langchain() -> None:
    """Only the bench's naive pipeline and the generative answerer speak LangChain."""
    offenders = []
    for package in ("core", "ingest", "vectorstore"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                offenders += [
                    f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.startswith("langchain")
                ]
    assert offenders == []


def test_the_checker_sees_hidden_imports(tmp_path: Path) -> None:
    """The rules above can fail: an import inside a function, a relative one and a circle are all seen."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from pkg.b import g\n    return g\n")
    (tmp_path / "pkg" / "b.py").write_text("from . import a\n")
    known = {"pkg", "pkg.a", "pkg.b"}
    graph = {
        m: dict(imported_modules(m, tmp_path / (m.replace(".", "/") + ".py"), known))
        for m in ("pkg.a", "pkg.b")
    }
    assert graph == {"pkg.a": {"pkg.b": 2}, "pkg.b": {"pkg.a": 1}}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
