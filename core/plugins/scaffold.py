"""`anjian plugins new NAME`: a pip-installable plugin package to start from.

The package registers itself in the `anjian` entry-point group, contributes one valid
sample checklist (a JSON file shipped as package data) and logs the events it receives;
its own tests (bare `pytest`) validate the templates and check the hooks are known ones.
It imports `core.plugin_api` at run time, so it is installed into the environment Anjian
runs in.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import click

from core.errors import ValidationFailed

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
VERSION = "0.1.0"


def names(name: str) -> tuple[str, str]:
    """(distribution, package) for a plugin name: "dust_explosion" → ("anjian-dust-explosion",
    "anjian_dust_explosion")."""
    return f"anjian-{name.replace('_', '-')}", f"anjian_{name}"


def scaffold(name: str, dest: Path, *, title: str | None = None) -> Path:
    """Write the package `anjian-<name>` into `dest/anjian-<name>` and return that directory."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValidationFailed({"name": ["插件名须以小写字母开头，只含小写字母、数字和下划线，长2至41个字符"]})
    if title is not None:
        title = title.strip()
        if not title or len(title) > 300:
            raise ValidationFailed({"title": ["插件名称长度应为1至300个字"]})
        if any(ord(c) < 32 for c in title):
            raise ValidationFailed({"title": ["插件名称不能包含换行等控制字符"]})
    dist, package = names(name)
    title = title or f"{name} 插件"
    target = Path(dest) / dist
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ValidationFailed({"dir": [f"目标目录“{target}”已存在且不为空，请换一个目录或插件名"]})
    values = {"name": name, "dist": dist, "package": package, "title": title, "version": VERSION,
              "description": f"安监插件：{title}",
              # The module docstring cannot hold quotes or backslashes verbatim.
              "doc_title": title.replace("\\", "/").replace('"', "'")}
    files = {
        "pyproject.toml": _fill(PYPROJECT, values),
        "README.md": _fill(README, values),
        ".gitignore": _fill(GITIGNORE, values),
        f"{package}/__init__.py": _fill(PLUGIN, values),
        f"{package}/templates/sample_check.json": json.dumps(sample_check(name), ensure_ascii=False, indent=2) + "\n",
        "tests/test_plugin.py": _fill(TEST, values),
    }
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def sample_check(name: str) -> dict:
    """The package's one template, a JSON file beside the module (package data)."""
    return {
        "kind": "checklist",
        "id": f"{name}.sample_check",
        "version": "0.1.0",
        "title": "有限空间作业安全检查表（示例）",
        "description": "企业自查用的示例检查表，可按本插件的需要修改或替换。",
        "basis": "《工贸企业有限空间作业安全规定》（应急管理部令第13号）",
        "industries": [],
        "sections": [
            {"title": "作业审批与培训", "items": [
                {"id": "1.1", "text": "是否建立有限空间作业审批制度，作业前经负责人审批", "points": 5},
                {"id": "1.2", "text": "是否对作业负责人、监护人员和作业人员开展专项安全培训", "points": 5,
                 "evidence": True},
            ]},
            {"title": "现场安全管控", "items": [
                {"id": "2.1", "text": "是否坚持“先通风、再检测、后作业”，检测结果是否记录", "points": 5,
                 "evidence": True},
                {"id": "2.2", "text": "作业全过程是否设专人监护，现场配备哪些应急救援装备", "answer": "text"},
            ]},
        ],
    }


def _fill(text: str, values: dict[str, str]) -> str:
    """Substitute {{key}}, {{key!r}} (a Python literal) and {{key!j}} (a JSON string, which is
    also a TOML basic string); other braces stay as they are."""
    def sub(m: re.Match) -> str:
        value, form = values[m.group(1)], m.group(2)
        if form == "!r":
            return repr(value)
        return json.dumps(value, ensure_ascii=False) if form == "!j" else value
    return re.sub(r"\{\{(\w+)(![rj])?\}\}", sub, textwrap.dedent(text).lstrip("\n"))


@click.command("new")
@click.argument("name")
@click.option("--dir", "dest", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="在此目录下创建插件包目录")
@click.option("--title", default=None, help="插件的中文名称，如“有限空间作业专项检查”")
def new_command(name: str, dest: Path, title: str | None) -> None:
    """Create a plugin package NAME (lower-case letters, digits, underscores) to start from."""
    try:
        target = scaffold(name, dest, title=title)
    except ValidationFailed as e:
        click.echo(f"错误：{e.message}", err=True)
        raise SystemExit(1) from None
    dist, package = names(name)
    click.echo(f"已创建插件包 {dist}：{target}")
    click.echo("下一步：")
    click.echo(f"  cd {target}")
    click.echo("  pytest                               # 校验示例模板和钩子")
    click.echo("  pip install .                        # 安装到运行安监的同一 Python 环境")
    click.echo(f"  anjian plugins enable {name} --tenant <行政区划代码>")
    click.echo(f"编写说明见 docs/plugins.md；模块 {package}/__init__.py 是起点。")


PYPROJECT = '''
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "{{dist}}"
version = "{{version}}"
description = {{description!j}}
readme = "README.md"
requires-python = ">=3.11"
# Runs inside an Anjian installation, which provides `core`; nothing else is required.
dependencies = []

# How Anjian finds the plugin: the name on the left is the plugin name bureaus enable.
[project.entry-points.anjian]
{{name}} = "{{package}}"

[tool.setuptools]
packages = ["{{package}}"]

# The templates are JSON files inside the package: shipped with it, read with importlib.resources.
[tool.setuptools.package-data]
{{package}} = ["templates/*.json"]

# Bare `pytest` in this directory finds the package without installing it; `core` comes from
# the Anjian installation of this Python environment.
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
'''

GITIGNORE = '''
build/
dist/
*.egg-info/
__pycache__/
'''

PLUGIN = '''
"""{{doc_title}}: an Anjian plugin.

It imports from core.plugin_api only; Anjian's docs/plugins.md explains each hook. Its
templates are the JSON files in templates/. Change a template's `version` whenever its
content changes: records already created keep the snapshot of the version they were
started with.
"""
from __future__ import annotations

import json
import logging
from importlib.resources import files

from core.plugin_api import PluginInfo, hookimpl

log = logging.getLogger(__name__)


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title={{title!r}}, description="由 anjian plugins new 生成的插件。")


@hookimpl
def anjian_templates() -> list[dict]:
    folder = files(__package__) / "templates"
    return [json.loads(f.read_text(encoding="utf-8"))
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]


@hookimpl
def anjian_on_event(event) -> None:  # noqa: ANN001
    # Delivery is at least once: anything written here should be keyed by event.id.
    log.info("{{name}}: 收到事件 %s（编号 %s，单位 %s）", event.name, event.id, event.tenant_id)
'''

TEST = '''
"""Run `pytest` in this directory, inside the Anjian environment."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import {{package}} as plugin
from core.plugin_api import HOOKS, ValidationFailed, load_plugin, validate_templates

ROOT = Path(__file__).resolve().parents[1]


def test_templates_are_valid():
    templates = plugin.anjian_templates()
    assert templates, "the plugin contributes no template"
    try:
        validate_templates(templates, "{{name}}")
    except ValidationFailed as e:
        pytest.fail(f"invalid templates: {e.errors}")
    versions = [(t["id"], t["version"]) for t in templates]
    assert len(set(versions)) == len(versions), "the same template id and version twice"


def test_entry_point_names_this_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["anjian"] == {"{{name}}": "{{package}}"}
    assert project["name"] == "{{dist}}"


def test_hooks_are_marked_and_known():
    marked = {n for n in dir(plugin) if hasattr(getattr(plugin, n), "anjian_impl")}
    assert marked, "no function is marked with @hookimpl"
    assert marked <= set(HOOKS), f"not Anjian hooks (misspelt?): {sorted(marked - set(HOOKS))}"
    assert plugin.anjian_plugin_info().title


def test_anjian_loads_the_plugin():
    record = load_plugin("{{name}} = {{package}}")
    assert record.loaded, record.error
'''

README = '''
# {{dist}}

## 中文

安监（Anjian）插件：**{{title}}**。插件名 `{{name}}`，版本 {{version}}。

本插件在安监平台内部运行（导入安监的 `core` 包），须安装在运行安监的同一 Python 环境中，
因此 `dependencies` 为空。

- 安装：在本目录执行 `pip install .`，然后重启安监的 Web 进程和任务进程（worker）。
- 查看：`anjian plugins list` 应列出 `{{name}}`，状态为 loaded。
- 启用：应急管理局管理员在“插件”页面启用，或执行
  `anjian plugins enable {{name}} --tenant <行政区划代码>`（例如 150626），
  本局及所有下级单位和企业即可使用本插件提供的模板。
- 测试：在本目录执行 `pytest`（校验模板、入口点和钩子）。
- 开发时无须安装：设置环境变量 `ANJIAN_PLUGINS_EXTRA="{{name}} = {{package}}"`，
  并让本目录位于 `PYTHONPATH` 中。
- 编写说明：安监源码中的 `docs/plugins.md`（插件开发指南），钩子定义见 `core/hookspecs.py`；插件只从 `core.plugin_api` 导入。
- 修改模板内容时必须提高模板的 `version`；已创建的记录保留其创建时的模板快照。

## English

An Anjian plugin: **{{title}}** (plugin name `{{name}}`, version {{version}}).

The plugin runs inside an Anjian installation (it imports Anjian's `core` package), so it
is installed into the same Python environment as Anjian and declares no dependencies.

- Install: `pip install .` in this directory, then restart Anjian's web and worker processes.
- Check: `anjian plugins list` shows `{{name}}` as loaded.
- Enable: a bureau admin enables it on the plugins page, or run
  `anjian plugins enable {{name}} --tenant <region code>` (e.g. 150626); the bureau and
  everything below it are then offered this plugin's templates.
- Test: `pytest` in this directory (validates the templates, the entry point and the hooks).
- Develop without installing: set `ANJIAN_PLUGINS_EXTRA="{{name}} = {{package}}"` with this
  directory on `PYTHONPATH`.
- Read `docs/plugins.md` in Anjian's source (the plugin author's guide); the hooks are
  declared in `core/hookspecs.py`; a plugin imports from `core.plugin_api` only.
- Raise a template's `version` whenever its content changes; records already created keep
  the snapshot of the version they were started with.
'''
