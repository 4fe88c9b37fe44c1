"""The package layout follows the pipeline (docs/architecture.md): a module imports only the stages
to its left, and the public API (``import maestro_graph as mg``) stays as it is."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import maestro_graph as mg
from maestro_graph.support.version import VERSION

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "maestro_graph"

#: The stages in pipeline order; a module may import its own stage and those before it.
STAGES = (
    "support",
    "model",
    "catalog",
    "api",
    "engine",
    "decisions",
    "regression",
    "analysis",
    "io",
    "render",
    "testing",
    "cli",
    "__init__",
    "__main__",
)
#: Inside a stage whose modules form a pipeline of their own: the order they may import in.
INNER_ORDER = {
    "model": ("layers", "flows", "loading", "system"),
    "engine": (
        "risk",
        "threats",
        "propagation",
        "detection",
        "ranking",
        "patterns",
        "exposure",
        "matrix",
        "register",
        "lint",
        "rule_testing",
    ),
    "cli": ("app", "options", "models", "chains", "decisions", "outputs", "rules", "regression"),
}
#: Imports of a later stage made inside a function, each with its reason.
LAZY_EXCEPTIONS = {
    ("maestro_graph.analysis", "maestro_graph.render.figures"): (
        "Analysis.plot_*() draw with matplotlib, loaded only when a figure is asked for"
    ),
    ("maestro_graph.analysis", "maestro_graph.render.explorer"): (
        "Analysis.explore() writes the explorer page"
    ),
}
PUBLIC_API = [
    "Analysis", "Attacker", "Band", "Catalog", "Component", "Exposure", "Flow", "FlowKind",
    "Layer", "Limits", "MaestroInputError", "ModelWarning", "Problem", "RiskSettings",
    "SystemInfo", "SystemModel", "Trust", "__version__", "analyze", "example", "example_names",
    "example_path", "examples", "export", "import_model", "lint", "load_catalog", "load_model",
    "model_from_text",
]  # fmt: skip


@dataclass(frozen=True)
class Import:
    module: str
    imported: str
    line: int
    lazy: bool  # inside a function


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[Import]:
    """The package's own modules that ``path`` imports at run time (not for type checking)."""
    module = module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom) and child.module:
                names = (
                    [f"maestro_graph.{a.name}" for a in child.names]
                    if child.module == "maestro_graph"
                    else [child.module]
                )
                found.extend(Import(module, n, child.lineno, inner) for n in names)
            elif isinstance(child, ast.Import):
                found.extend(Import(module, a.name, child.lineno, inner) for a in child.names)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [i for i in found if i.imported.split(".")[0] == "maestro_graph"]


def stage_of(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def position(module: str) -> tuple[int, int]:
    """(stage, place inside the stage) of a module; place -1 where the stage has no order."""
    stage = stage_of(module)
    order = INNER_ORDER.get(stage, ())
    parts = module.split(".")
    inner = order.index(parts[2]) if len(parts) > 2 and parts[2] in order else -1
    return STAGES.index(stage), inner


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
ALL_IMPORTS = [i for path in MODULES for i in imports_of(path)]


def test_every_module_is_in_a_stage():
    assert {stage_of(module_name(p)) for p in MODULES} <= set(STAGES)


def test_a_module_imports_only_stages_to_its_left():
    backwards = []
    for item in ALL_IMPORTS:
        (stage, inner), (their_stage, their_inner) = position(item.module), position(item.imported)
        later = their_stage > stage or (
            their_stage == stage and -1 not in (inner, their_inner) and their_inner > inner
        )
        allowed = item.lazy and (item.module, item.imported) in LAZY_EXCEPTIONS
        if later and not allowed:
            backwards.append(f"{item.module}:{item.line} imports {item.imported}")
    assert backwards == []


@pytest.mark.parametrize("pair", sorted(LAZY_EXCEPTIONS))
def test_each_exception_is_still_needed(pair):
    assert any((i.module, i.imported) == pair and i.lazy for i in ALL_IMPORTS), pair


def test_the_public_api_is_unchanged():
    assert sorted(mg.__all__) == sorted(PUBLIC_API)
    assert all(hasattr(mg, name) for name in PUBLIC_API)


def test_the_version_is_the_projects():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert mg.__version__ == VERSION == project["project"]["version"]


def test_the_readme_layout_names_every_package_and_top_level_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[
        readme.index("## Layout") : readme.index("\n## ", readme.index("## Layout") + 3)
    ]
    packages = [p.parent.name for p in PACKAGE.glob("*/__init__.py")]
    modules = [p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("__")]
    missing = [name for name in packages if f"`maestro_graph/{name}/`" not in layout]
    missing += [name for name in modules if f"`maestro_graph/{name}`" not in layout]
    assert missing == []


def test_the_architecture_page_names_every_package():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = [p.parent.name for p in PACKAGE.glob("*/__init__.py")]
    assert [name for name in packages if f"`{name}/`" not in page] == []


#: Functions allowed over :data:`MAX_FUNCTION_LINES`, each with the reason its docstring gives.
LONG_FUNCTIONS = {
    "maestro_graph/model/loading.py:_read": "one loop per YAML event, its common cases inlined",
}
#: Most lines of code in a function, its docstring not counted.
MAX_FUNCTION_LINES = 80


def test_functions_are_short_enough_to_read_at_once():
    long = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = node.body[0]
            documented = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            start = first.end_lineno + 1 if documented else first.lineno
            assert node.end_lineno is not None and first.end_lineno is not None
            if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                long.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert sorted(set(long) - set(LONG_FUNCTIONS)) == []
    assert set(LONG_FUNCTIONS) <= set(long), "an allowed long function got short: drop it"
