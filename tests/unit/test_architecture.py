"""DESIGN.md §3's rules of the house, checked on the source: data flows one way.

blueprints -> services (domain packages -> services/kernel) -> engine / models. The kernel imports
nothing of ours but models and engine; services never import blueprints; no blueprint imports
another (except the shared helper modules); services have no import cycles; an import inside a
function says why on the line before (a ``# why:``-style comment).
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Helpers every blueprint may import: not blueprints themselves.
SHARED_BLUEPRINT_MODULES = {"blueprints.web", "blueprints.fields", "blueprints.registration"}
SERVICES = sorted((ROOT / "services").rglob("*.py"))
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.py"))


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def ids(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.name)
def test_a_blueprint_never_imports_another_blueprint(path):
    me = f"blueprints.{path.stem}"
    others = {name for name in imports_of(path)
              if name.startswith("blueprints.") and name.split(".")[1] != path.stem
              and ".".join(name.split(".")[:2]) not in SHARED_BLUEPRINT_MODULES}
    assert not others, f"{me} imports {sorted(others)}"


@pytest.mark.parametrize("path", SERVICES, ids=ids)
def test_services_never_import_blueprints(path):
    assert not {n for n in imports_of(path) if n.split(".")[0] in ("blueprints", "portal")}


@pytest.mark.parametrize("path", sorted((ROOT / "services" / "kernel").glob("*.py")), ids=ids)
def test_the_kernel_imports_nothing_of_ours_but_models_and_engine(path):
    ours = {n for n in imports_of(path) if n.split(".")[0] in ("services", "blueprints", "portal")}
    assert not {n for n in ours if not n.startswith("services.kernel")}, sorted(ours)


def test_models_import_nothing_of_ours():
    ours = ("blueprints", "services", "engine", "portal")
    assert not {n for n in imports_of(ROOT / "models.py") if n.split(".")[0] in ours}


@pytest.mark.parametrize("path", sorted((ROOT / "engine").glob("*.py")), ids=lambda p: p.name)
def test_engine_imports_neither_flask_nor_models_nor_services(path):
    banned = ("flask", "models", "services", "blueprints", "portal", "peewee")
    assert not {n for n in imports_of(path) if n.split(".")[0] in banned}


def service_graph():
    """services module -> the services modules it imports (``from services.x import y`` counts
    y when y is a module)."""
    modules = {module_name(p): p for p in SERVICES}
    graph = {}
    for name, path in modules.items():
        graph[name] = {n for n in imports_of(path) if n in modules and n != name}
    return graph


def test_services_have_no_import_cycles():
    graph = service_graph()
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_package_imports():
    # ``from services.cases import statutory`` is an edge to services.cases.statutory.
    assert "services.cases.statutory" in service_graph()["services.cases.caseload"]


def _local_imports_without_a_reason(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                before = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                same = lines[node.lineno - 1]
                if not before.startswith("#") and "#" not in same:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("path", SERVICES + BLUEPRINTS + [ROOT / "portal.py"], ids=ids)
def test_imports_inside_functions_say_why(path):
    assert not _local_imports_without_a_reason(path)
