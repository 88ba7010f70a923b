"""Interfaces sit side by side: a JSON API module never imports a page module (views), so
what both need lives in a module of its own (core/audit/query.py, core/files/download.py)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def api_modules():
    for base in ("core", "tenants", "plugins"):
        for path in sorted((ROOT / base).rglob("*.py")):
            if (path.name == "api.py" or path.name.endswith("_api.py")) and path.name != "plugin_api.py":
                yield path


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_api_modules_never_import_views():
    modules = list(api_modules())
    assert len(modules) > 10
    found = {str(p.relative_to(ROOT)): sorted(n for n in imported(p) if n.rsplit(".", 1)[-1].endswith("views"))
             for p in modules}
    assert {p: n for p, n in found.items() if n} == {}
