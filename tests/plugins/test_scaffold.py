"""`anjian plugins new` and the proof that a plugin is a real pip package: scaffolded,
installed with pip into this environment, found through its entry point by a new app,
enabled for one banner, used by an enterprise, uninstalled — and the record it created
still renders from its snapshot."""
from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.app import create_app
from core.context import ServiceContext
from core.errors import NotFound, ValidationFailed
from core.plugin_api import validate_template
from core.plugins.scaffold import names, new_command, scaffold
from core.plugins.templates import template_hash

PIP_TIMEOUT = 300
YJHL_ENTERPRISE_USCC = "91150627MA0R2F6NX4"   # 伊金霍洛旗札萨克煤化工有限公司


# --- the package as written -----------------------------------------------------------

def test_scaffold_writes_an_installable_plugin_package(tmp_path: Path):
    pkg = scaffold("confined_space", tmp_path, title="有限空间作业专项检查")
    assert pkg == tmp_path / "anjian-confined-space"
    assert {p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if p.is_file()} == {
        "pyproject.toml", "README.md", ".gitignore", "anjian_confined_space/__init__.py",
        "anjian_confined_space/templates/sample_check.json", "tests/test_plugin.py"}

    pyproject = tomllib.loads((pkg / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"
    project = pyproject["project"]
    assert project["name"] == "anjian-confined-space"
    assert project["version"] == "0.1.0"
    assert project["requires-python"] == ">=3.11"
    assert project["dependencies"] == []
    assert project["entry-points"] == {"anjian": {"confined_space": "anjian_confined_space"}}
    # The JSON templates go into the wheel with the module.
    assert pyproject["tool"]["setuptools"]["package-data"] == {"anjian_confined_space": ["templates/*.json"]}

    source = (pkg / "anjian_confined_space" / "__init__.py").read_text(encoding="utf-8")
    assert "from core.plugin_api import PluginInfo, hookimpl" in source
    module = _load_package(pkg, "anjian_confined_space")
    assert module.anjian_plugin_info().title == "有限空间作业专项检查"
    [template] = module.anjian_templates()
    checked = validate_template(template)
    assert checked["kind"] == "checklist" and checked["id"] == "confined_space.sample_check"
    assert checked["version"] == "0.1.0" and checked["industries"] == []
    assert len(checked["sections"]) == 2 and all(s["items"] for s in checked["sections"])
    # The event hook only logs: it accepts any event and returns nothing.
    assert module.anjian_on_event(event=_FakeEvent()) is None

    readme = (pkg / "README.md").read_text(encoding="utf-8")
    assert readme.index("## 中文") < readme.index("## English")
    for text in ("pip install .", "anjian plugins enable confined_space --tenant", "docs/plugins.md"):
        assert text in readme


class _FakeEvent:
    id, name, tenant_id = 1, "workflow.transition", 2


def _load_package(pkg: Path, package: str):  # noqa: ANN202
    """Import the scaffolded package under a name of its own (it stays in sys.modules: its
    templates are read as resources of that package)."""
    name = f"{package}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, pkg / package / "__init__.py",
                                                  submodule_search_locations=[str(pkg / package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_scaffolded_package_has_passing_tests_that_can_fail(tmp_path: Path):
    pkg = scaffold("dust_check", tmp_path)
    ok = _run_package_tests(pkg)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "4 passed" in ok.stdout

    # A duplicated item id makes the package's own template test fail …
    template = pkg / "anjian_dust_check" / "templates" / "sample_check.json"
    good = template.read_text(encoding="utf-8")
    template.write_text(good.replace('"id": "1.2"', '"id": "1.1"'), encoding="utf-8")
    broken = _run_package_tests(pkg)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "检查项编号“1.1”重复" in broken.stdout
    template.write_text(good, encoding="utf-8")

    # … and so does a misspelt hook, while a plugin implementing fewer hooks passes.
    module = pkg / "anjian_dust_check" / "__init__.py"
    source = module.read_text(encoding="utf-8")
    module.write_text(source.replace("def anjian_on_event(", "def anjian_on_events("), encoding="utf-8")
    misspelt = _run_package_tests(pkg)
    assert misspelt.returncode == 1 and "anjian_on_events" in misspelt.stdout
    module.write_text(source.replace("@hookimpl\ndef anjian_on_event(", "def anjian_on_event("), encoding="utf-8")
    fewer = _run_package_tests(pkg)
    assert fewer.returncode == 0, fewer.stdout + fewer.stderr


def _run_package_tests(pkg: Path) -> subprocess.CompletedProcess:
    """Bare `pytest` in the package's directory, as its README says (not `python -m pytest`,
    which would put the directory on sys.path by itself)."""
    return subprocess.run([str(Path(sys.executable).parent / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=pkg,
                          capture_output=True, text=True, timeout=PIP_TIMEOUT,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


@pytest.mark.parametrize("name", ["a", "Hazchem", "1check", "_check", "dust-check", "粉尘", "x" * 42, "ab cd"])
def test_name_must_be_a_lower_case_identifier(tmp_path: Path, name: str):
    with pytest.raises(ValidationFailed) as e:
        scaffold(name, tmp_path)
    assert "插件名" in e.value.errors["name"][0]
    assert not any(tmp_path.iterdir())


def test_title_is_checked(tmp_path: Path):
    with pytest.raises(ValidationFailed) as e:
        scaffold("dust_check", tmp_path, title="  ")
    assert e.value.errors["title"] == ["插件名称长度应为1至300个字"]
    with pytest.raises(ValidationFailed):
        scaffold("dust_check", tmp_path, title="第一行\n第二行")


def test_title_with_quotes_still_gives_valid_files(tmp_path: Path):
    title = '粉尘"涉爆"\\检查\'"""'
    pkg = scaffold("dust_check", tmp_path, title=title)
    project = tomllib.loads((pkg / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["description"] == f"安监插件：{title}"
    assert _load_package(pkg, "anjian_dust_check").anjian_plugin_info().title == title


def test_refuses_a_non_empty_target_but_fills_an_empty_one(tmp_path: Path):
    target = tmp_path / "anjian-dust-check"
    target.mkdir()
    scaffold("dust_check", tmp_path)                         # an empty directory is fine
    before = (target / "anjian_dust_check" / "__init__.py").read_text(encoding="utf-8")
    (target / "anjian_dust_check" / "__init__.py").write_text("# my work\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as e:
        scaffold("dust_check", tmp_path)
    assert "已存在且不为空" in e.value.errors["dir"][0]
    assert (target / "anjian_dust_check" / "__init__.py").read_text(encoding="utf-8") == "# my work\n" != before


def test_new_command_creates_the_package_and_reports_errors_in_chinese(tmp_path: Path):
    runner = CliRunner()
    result = runner.invoke(new_command, ["dust_check", "--dir", str(tmp_path), "--title", "粉尘涉爆专项检查"])
    assert result.exit_code == 0, result.output
    assert "已创建插件包 anjian-dust-check" in result.output
    assert "anjian plugins enable dust_check --tenant" in result.output
    assert (tmp_path / "anjian-dust-check" / "anjian_dust_check" / "__init__.py").is_file()

    again = runner.invoke(new_command, ["dust_check", "--dir", str(tmp_path)])
    assert again.exit_code == 1
    assert "错误：" in again.output and "已存在且不为空" in again.output
    bad = runner.invoke(new_command, ["Dust", "--dir", str(tmp_path)])
    assert bad.exit_code == 1 and "插件名" in bad.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anjian-dust-check"]


# --- the proof: pip install, discover, enable, use, uninstall -------------------------

def _pip(*args: str) -> subprocess.CompletedProcess:
    # --no-index / --no-build-isolation: nothing is fetched; the build uses this venv's setuptools.
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                            timeout=PIP_TIMEOUT, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                                                      "PIP_NO_INPUT": "1"})
    assert result.returncode == 0, f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@contextlib.contextmanager
def pip_installed(pkg: Path, name: str):  # noqa: ANN201
    """Install the package for the block; it is uninstalled afterwards whatever happens,
    so a failing test never leaves a plugin in the environment. Yields `uninstall`."""
    dist, package = names(name)

    def uninstall() -> None:
        _pip("uninstall", "-y", "-q", dist)
        sys.modules.pop(package, None)
        importlib.invalidate_caches()

    try:
        _pip("install", "--no-deps", "--no-build-isolation", "--no-index", "-q", str(pkg))
        importlib.invalidate_caches()
        yield uninstall
    finally:
        uninstall()


def _new_app(app):  # noqa: ANN001, ANN202
    """Another app on the same database: its registry re-reads the installed entry points."""
    importlib.invalidate_caches()
    return create_app({"TESTING": True, "REDIS_URL": None,
                       **{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "FILES_DIR")}})


@contextlib.contextmanager
def _ctx(app, username: str | None = None):  # noqa: ANN001, ANN201
    from core.auth.models import User
    s = app.extensions["anjian.db"].session()
    try:
        ctx = ServiceContext.system(s)
        if username is not None:
            ctx = ServiceContext.for_user(s, s.scalar(select(User).where(User.username == username)))
        yield ctx
    finally:
        s.close()


def _offered_ids(app, username: str) -> set[str]:  # noqa: ANN001
    from core.plugins.service import offered_templates
    with _ctx(app, username) as ctx:
        return {t["id"] for t in offered_templates(ctx)}


def _rendered(body: object) -> str:
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)


def test_installed_plugin_is_found_enabled_used_and_removed(app, backend, tmp_path: Path):  # noqa: ANN001
    from core.auth import service as auth
    from core.checklists.service import checklist_body, get_checklist, start_checklist
    from core.demo import DEMO_PASSWORD
    from core.plugins.models import TemplateSnapshot
    from core.plugins.service import set_enabled
    from tenants.models import Tenant

    name = f"proof{os.getpid()}_{backend[:2]}"       # unique: parallel runs never share a package
    dist, package = names(name)
    template_id = f"{name}.sample_check"
    pkg = scaffold(name, tmp_path / "src", title="安装验证插件")
    assert app.extensions["anjian.plugins"].get(name) is None   # this app was built before the install

    apps = []
    try:
        with pip_installed(pkg, name) as uninstall:
            apps.append(installed := _new_app(app))
            reg = installed.extensions["anjian.plugins"]
            record = reg.get(name)
            assert record is not None and record.loaded, record and record.error
            assert (record.distribution, record.version, record.target) == (dist, "0.1.0", package)
            assert record.title == "安装验证插件"
            assert record.hooks == ["anjian_on_event", "anjian_plugin_info", "anjian_templates"]
            [template] = record.templates
            assert template["id"] == template_id and template["industries"] == []
            item_texts = [i["text"] for s in template["sections"] for i in s["items"]]

            # Installed is not enabled: nobody is offered the template yet.
            assert template_id not in _offered_ids(installed, "ent1_officer")
            with _ctx(installed, "wsq_admin") as ctx:
                set_enabled(ctx, name, True)
                ctx.session.commit()
            with _ctx(installed) as ctx:
                yjhl_ent = ctx.session.scalar(select(Tenant).where(Tenant.uscc == YJHL_ENTERPRISE_USCC))
                auth.create_user(ctx, {"username": "yjhl_ent_officer", "display_name": "札萨克煤化工安全员",
                                       "password": DEMO_PASSWORD, "role": "officer", "tenant_id": yjhl_ent.id})
                ctx.session.commit()
            assert template_id in _offered_ids(installed, "ent1_officer")        # 乌审旗 hazchem enterprise
            assert template_id in _offered_ids(installed, "wsq_reviewer")
            assert template_id not in _offered_ids(installed, "yjhl_ent_officer")  # 伊金霍洛旗
            assert template_id not in _offered_ids(installed, "yjhl_admin")

            with _ctx(installed, "ent1_officer") as ctx:
                run = start_checklist(ctx, template_id)
                ctx.session.commit()
                run_id = run.id
            with _ctx(installed, "yjhl_ent_officer") as ctx, pytest.raises(NotFound):
                start_checklist(ctx, template_id)

            uninstall()

        apps.append(after := _new_app(app))
        assert after.extensions["anjian.plugins"].get(name) is None
        assert not any(ep.name == name for ep in importlib.metadata.entry_points(group="anjian"))
        assert template_id not in _offered_ids(after, "ent1_officer")
        with _ctx(after, "ent1_officer") as ctx:
            run = get_checklist(ctx, run_id)
            assert (run.template_id, run.template_version) == (template_id, "0.1.0")
            snap = ctx.session.scalar(select(TemplateSnapshot).where(TemplateSnapshot.id == run.snapshot_id))
            assert snap.sha256 == template_hash(template) and snap.plugin == name
            rendered = _rendered(checklist_body(ctx, run))
            for text in item_texts:
                assert text in rendered
        # The page renders from the snapshot too, with the plugin gone.
        page = _logged_in(after, "ent1_officer").get(f"/checklists/{run_id}")
        assert page.status_code == 200
        assert item_texts[0] in page.get_data(as_text=True)
    finally:
        for a in apps:
            a.extensions["anjian.db"].dispose()
    assert not any(ep.name == name for ep in importlib.metadata.entry_points(group="anjian"))


def _logged_in(app, username: str):  # noqa: ANN001, ANN202
    from core.auth.models import User
    with _ctx(app) as ctx:
        user = ctx.session.scalar(select(User).where(User.username == username))
        uid, epoch = user.id, user.session_epoch
    c = app.test_client()
    with c.session_transaction() as sess:
        sess["uid"], sess["epoch"], sess["csrf"] = uid, epoch, "test-csrf"
    return c
