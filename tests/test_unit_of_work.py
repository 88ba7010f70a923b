"""One unit of work per request: views and API functions never commit; the request
commits once when it succeeds and keeps nothing when it fails."""
import ast
from pathlib import Path

import pytest
from flask import Blueprint, jsonify
from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.web import request as req
from tenants import service as tenants
from tenants.models import Section

ROOT = Path(__file__).resolve().parent.parent


def interface_modules():
    """Every module that holds pages or API functions (core, tenants, built-in plugins)."""
    for base in ("core", "tenants", "plugins"):
        for path in sorted((ROOT / base).rglob("*.py")):
            name = path.name
            if name == "plugin_api.py":
                continue  # the plugins' public module: its test helpers open their own units
            if name in ("views.py", "api.py", "web.py") or name.endswith(("_views.py", "_api.py")):
                yield path


def test_interfaces_never_commit():
    found = []
    for path in interface_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("commit", "rollback"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(list(interface_modules())) > 20
    assert found == [], "the request commits, not the view: " + ", ".join(found)


def sections(db, name: str) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Section.id)).where(Section.name == name))


@pytest.fixture
def probe(app):
    """Routes that write through a service and then answer in each way a view can."""
    bp = Blueprint("uow_probe", __name__, url_prefix="/api/v1/_probe")

    def write(name: str):
        return tenants.create_section(req.ctx(), {"name": name})

    @bp.post("/ok")
    def ok():
        write("请求提交的股室")
        return jsonify({"ok": True})

    @bp.post("/refused")
    def refused():
        write("被拒绝请求写入的股室")
        raise ValidationFailed({"name": "测试拒绝"})

    @bp.post("/added")
    def added():
        # Added and never flushed: the pending object is committed all the same.
        req.db().add(Section(tenant_id=req.ctx().actor.tenant_id, name="只添加未写出的股室"))
        return jsonify({"ok": True})

    @bp.post("/doomed")
    def doomed():
        write("重定向但作废的股室")
        req.doom()
        return jsonify({"ok": True})

    @bp.post("/commit-fails")
    def commit_fails():
        write("提交失败请求中的股室")
        req.db().add(Section(tenant_id=2**31 - 1, name="不存在的单位的股室"))  # FK fails at commit
        return jsonify({"ok": True})

    app.register_blueprint(bp)
    return app


def test_a_successful_request_commits_without_being_told(probe, api, db):
    r = api("wsq_admin").post("/api/v1/_probe/ok")
    assert r.status_code == 200
    assert sections(db, "请求提交的股室") == 1


def test_an_object_only_added_is_committed(probe, api, db):
    assert api("wsq_admin").post("/api/v1/_probe/added").status_code == 200
    assert sections(db, "只添加未写出的股室") == 1


def test_a_refused_request_keeps_nothing(probe, api, db):
    r = api("wsq_admin").post("/api/v1/_probe/refused")
    assert r.status_code == 422 and r.get_json()["errors"] == {"name": "测试拒绝"}
    assert sections(db, "被拒绝请求写入的股室") == 0


def test_a_doomed_request_keeps_nothing(probe, api, db):
    assert api("wsq_admin").post("/api/v1/_probe/doomed").status_code == 200
    assert sections(db, "重定向但作废的股室") == 0


def test_a_failed_commit_answers_409_and_keeps_nothing(probe, api, db):
    r = api("wsq_admin").post("/api/v1/_probe/commit-fails")
    assert r.status_code == 409 and r.get_json()["code"] == "conflict"
    assert sections(db, "提交失败请求中的股室") == 0


def test_a_refused_login_keeps_its_count_and_event(client, db):
    """The one write a refused request keeps, in a unit of work of its own."""
    from core.audit.models import AuditEvent
    from core.auth.models import User
    before = db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.login_failed"))
    r = client.post("/api/v1/tokens", json={"username": "wsq_admin", "password": "wrong"})
    assert r.status_code == 401
    db.expire_all()
    assert db.scalar(select(User.failed_logins).where(User.username == "wsq_admin")) == 1
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.login_failed")) == before + 1
