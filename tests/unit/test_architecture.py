"""DESIGN.md §3's rules of the house, checked on the source: data flows one way."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_BLUEPRINT_MODULES = {"blueprints.web", "blueprints.fields",
                            "blueprints.registration"}  # helpers, not blueprints


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


@pytest.mark.parametrize("path", sorted((ROOT / "blueprints").glob("*.py")), ids=lambda p: p.name)
def test_a_blueprint_never_imports_another_blueprint(path):
    me = f"blueprints.{path.stem}"
    others = {name for name in imports_of(path)
              if name.startswith("blueprints.") and name.split(".")[1] != path.stem
              and ".".join(name.split(".")[:2]) not in SHARED_BLUEPRINT_MODULES}
    assert not others, f"{me} imports {sorted(others)}"


@pytest.mark.parametrize("path", sorted((ROOT / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_never_import_blueprints(path):
    assert not {n for n in imports_of(path) if n.startswith("blueprints")}


def test_models_import_nothing_of_ours():
    ours = ("blueprints", "services", "engine", "portal")
    assert not {n for n in imports_of(ROOT / "models.py") if n.split(".")[0] in ours}


@pytest.mark.parametrize("path", sorted((ROOT / "engine").glob("*.py")), ids=lambda p: p.name)
def test_engine_imports_neither_flask_nor_models_nor_services(path):
    banned = ("flask", "models", "services", "blueprints", "portal", "peewee")
    assert not {n for n in imports_of(path) if n.split(".")[0] in banned}
