"""The house: layers a newcomer can see, imports pointing one way, one module that knows the folders (``layout``).

Every import in ``junyun_lib`` — at module level and inside functions — is parsed; the graph of junyun
modules must have no cycle, and no module may import one of a higher layer.
"""
import ast
import re
from pathlib import Path

import pytest
from _source import docstring_ids

from junyun_lib.rules.rule_files import loads as toml_loads  # tomllib on 3.11+, tomli on 3.10

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "junyun_lib"

#: lowest first; a module may import from its own layer and the layers below
LAYERS = [
    ("base", ["junyun_lib.version", "junyun_lib.problems", "junyun_lib.synthetic", "junyun_lib.threads", "junyun_lib.memory",
              "junyun_lib.columns"]),
    ("rules", ["junyun_lib.rules"]),
    ("layout", ["junyun_lib.layout"]),
    ("measures", ["junyun_lib.measures"]),
    ("io", ["junyun_lib.io"]),
    ("evaluation", ["junyun_lib.evaluation"]),
    ("planning", ["junyun_lib.planning"]),
    ("report", ["junyun_lib.report"]),
    ("workspace", ["junyun_lib.workspace"]),
    ("runner", ["junyun_lib.runner"]),
    ("app", ["junyun_lib.app"]),
    ("cli", ["junyun_lib.cli"]),
    ("api", ["junyun_lib"]),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer_of(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} belongs to no layer"
    return best[0]


def _resolve(module: str, node: ast.ImportFrom) -> str:
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    base = package.split(".")
    if node.level:
        base = base[:len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module or ""


def imports_of(module: str) -> set[str]:
    """junyun modules imported anywhere in ``module`` (module level and inside functions)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:       # "junyun_lib.rules.compare" → the module that holds it
                name = name.rsplit(".", 1)[0] if "." in name else ""
            if name.startswith("junyun_lib") and name != module:
                found.add(name)
    if module == "junyun_lib":                       # the lazily loaded public names
        found |= set(re.findall(r'"(junyun_lib\.[\w.]+)"', MODULES[module].read_text(encoding="utf-8")))
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = layer_of(module)
    upward = [(target, LAYERS[layer_of(target)][0]) for target in GRAPH[module] if layer_of(target) > mine]
    assert not upward, f"{module} ({LAYERS[mine][0]}) imports from a higher layer: {upward}"


def test_no_import_cycles():
    """Depth-first search over the module graph (function-level imports included)."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if n == m or n not in GRAPH:
                continue
            if state.get(n) == "open":
                cycle = stack[stack.index(n):] + [n]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_the_checker_finds_a_cycle_and_an_upward_import():
    """The two checks above can fail: a planted cycle and a planted upward import are reported."""
    graph = {"a": {"b"}, "b": {"a"}}
    with pytest.raises(pytest.fail.Exception, match="cycle"):
        state = {}

        def visit(m, stack=()):
            state[m] = "open"
            for n in graph[m]:
                if state.get(n) == "open":
                    pytest.fail("import cycle")
                visit(n, stack + (m,))
        visit("a")
    assert layer_of("junyun_lib.report.text") > layer_of("junyun_lib.evaluation.evaluate")
    evaluate_imports = GRAPH["junyun_lib.evaluation.evaluate"]
    assert "junyun_lib.io.reader" in evaluate_imports and "junyun_lib.measures.cv" in evaluate_imports


def test_subpackages_are_the_architecture_and_all_are_packaged():
    packages = sorted({m for m, p in MODULES.items() if p.name == "__init__.py"})
    assert packages == ["junyun_lib", "junyun_lib.app", "junyun_lib.evaluation", "junyun_lib.io",
                        "junyun_lib.measures", "junyun_lib.planning", "junyun_lib.report", "junyun_lib.rules",
                        "junyun_lib.runner"]
    declared = toml_loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    assert sorted(declared) == sorted(packages + ["junyun_lib.notebooks"])


# ------------------------------------------------------------------------------------- folder names
FOLDER_WORDS = {"raw", "processed", "outputs", "data", "notebooks", "plans", "logs"}
PATHISH = re.compile(r"(^|/)(data|raw|processed|outputs)(/|$)")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
PATH_CALLS = {"Path", "PurePath", "joinpath", "join", "glob", "rglob"}


def _folder_literal(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in FOLDER_WORDS


def path_building(source: str) -> list[str]:
    """Places where code builds a data/outputs path: ``x / "processed"``, ``Path(..., "raw")``,
    ``.glob("outputs/*")``, or a path string such as ``"data/raw"`` or ``f"{d}/processed"`` (messages in
    Chinese and docstrings are not paths)."""
    tree = ast.parse(source)
    skip = docstring_ids(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            found += [f"line {node.lineno}: / {side.value!r}" for side in (node.left, node.right) if _folder_literal(side)]
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in PATH_CALLS:
                found += [f"line {node.lineno}: {name}({a.value!r})" for a in node.args if _folder_literal(a)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if "/" in node.value and PATHISH.search(node.value) and not CJK.search(node.value):
                found.append(f"line {node.lineno}: {node.value!r}")
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "junyun_lib.layout"))
def test_folder_paths_are_built_only_in_layout(module):
    """Paths under the data and outputs folders are built in :mod:`junyun_lib.layout` alone."""
    found = path_building(MODULES[module].read_text(encoding="utf-8"))
    assert not found, f"{module} builds data/outputs paths: {found}"


def test_layout_depends_on_rules_and_problems_only():
    """The folder layout knows the slug rule and located errors, nothing that reads or computes."""
    allowed = ("junyun_lib.rules", "junyun_lib.problems", "junyun_lib.version", "junyun_lib.synthetic")
    wider = [m for m in GRAPH["junyun_lib.layout"] if not any(m == a or m.startswith(a + ".") for a in allowed)]
    assert not wider, f"junyun_lib.layout imports {wider}"


def test_the_workspace_is_short():
    """The workspace loads and caches and calls pure functions; the folder layout, the data folder's reading and
    the domain assembly live elsewhere (issue 29)."""
    lines = (PACKAGE / "workspace.py").read_text(encoding="utf-8").count("\n")
    assert lines < 350, f"workspace.py has {lines} lines"


def test_the_folder_check_catches_a_path():
    source = ('p = base / "processed" / slug\nq = f"{d}/data/raw"\nr = Path(d, "outputs")\n'
              '"""doc: data/raw is fine here"""\nm = "请放到 data/raw 下"\nattrs = {"data", "raw"}\n')
    assert sorted(path_building(source)) == ["line 1: / 'processed'", "line 2: '/data/raw'",
                                             "line 3: Path('outputs')"]


def test_the_briefing_notebook_is_package_data():
    """``junyun batch`` finds the notebook as package data (``junyun_lib/notebooks/``, a folder without
    ``__init__.py``) or in the checkout's ``notebooks/``, not through a path built from ``__file__``."""
    from junyun_lib.runner.batch import briefing_notebook

    assert briefing_notebook().resolve() == (REPO / "notebooks" / "10_county_briefing.ipynb").resolve()
    setup = toml_loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setup["package-dir"]["junyun_lib.notebooks"] == "notebooks"
    assert "*.ipynb" in setup["package-data"]["junyun_lib.notebooks"]
    assert "templates/junyun_offline/*" in setup["package-data"]["junyun_lib.report"]
    assert "Path(__file__)" not in (PACKAGE / "runner" / "batch.py").read_text(encoding="utf-8")


def test_the_public_surface_is_small_and_documented():
    import junyun_lib as jy

    assert {"Workspace", "evaluate", "weighted_cv", "split_shares", "zh", "ValidationError"} <= set(dir(jy))
    for name in jy.__all__:
        obj = getattr(jy, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 40, name
    for name in ("evaluate", "weighted_cv", "split_shares"):
        doc = getattr(jy, name).__doc__
        assert ".. math::" in doc and "Examples" in doc and ">>>" in doc and "教督〔2017〕6号" in doc, name


# ------------------------------------------------------------------------------------- private names
def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


#: private modules (``_x.py``) read outside their package, each with why; anything else private stays home
PRIVATE_MODULES_SHARED: dict[str, str] = {}


def private_crossings(module: str, source: str | None = None) -> list[str]:
    """Every private name (``_x``, not ``__x__``) ``module`` takes from another junyun module: ``from m import _x``
    (module level or inside a function), ``m._x`` on an imported junyun module, and a private module imported
    from outside its package."""
    tree = ast.parse(source if source is not None else MODULES[module].read_text(encoding="utf-8"))
    found, bound = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if not target.startswith("junyun_lib"):
                continue
            segments = target.split(".")
            for i, segment in enumerate(segments):
                package = ".".join(segments[:i])
                if _private(segment) and not (module == package or module.startswith(package + ".")) \
                        and ".".join(segments[:i + 1]) not in PRIVATE_MODULES_SHARED:
                    found.append(f"line {node.lineno}: private module {'.'.join(segments[:i + 1])}")
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if full in MODULES:
                    bound[alias.asname or alias.name] = full
                if not _private(alias.name) or target == module:
                    continue
                if full not in MODULES:
                    found.append(f"line {node.lineno}: from {target} import {alias.name}")
                elif not module.startswith(target + ".") and full not in PRIVATE_MODULES_SHARED:
                    found.append(f"line {node.lineno}: private module {full}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("junyun_lib"):
                    bound[alias.asname or "junyun_lib"] = alias.name if alias.asname else "junyun_lib"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound \
                and _private(node.attr) and bound[node.value.id] != module:
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr} ({bound[node.value.id]})")
    return found


def test_no_private_names_cross_modules():
    """A name with a leading underscore is its module's own: no junyun module imports one from another, or reaches
    one through an imported module (``kernel._WARM``); what is shared is public, with a docstring."""
    crossings = {m: private_crossings(m) for m in sorted(MODULES)}
    crossings = {m: c for m, c in crossings.items() if c}
    assert not crossings, "private names used across modules:\n" + "\n".join(
        f"{m}: {c}" for m, items in crossings.items() for c in items)


def test_the_private_name_check_finds_each_kind():
    source = ("from .cheapest import _Model\n"
              "from . import optimiser\n"
              "def f():\n"
              "    from .cheapest import _rule_step\n"
              "    return optimiser._solve, optimiser.__doc__\n")
    found = private_crossings("junyun_lib.planning.roadmap", source)
    assert [f.split(": ", 1)[1] for f in found] == [
        "from junyun_lib.planning.cheapest import _Model", "from junyun_lib.planning.cheapest import _rule_step",
        "optimiser._solve (junyun_lib.planning.optimiser)"]
