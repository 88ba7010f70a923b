"""Hostile inputs on every route, read from the URL map and the OpenAPI document, so a new
endpoint is covered before anyone remembers it: ids beyond what the database stores, huge
offsets and pages, NUL bytes, unpaired surrogates, direction overrides and bodies that are
not JSON all answer 4xx with the common error shape, and nothing is stored."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from core.audit.models import AuditEvent

HUGE = ("2147483648", "99999999999999999999")
BAD_TEXT = {"NUL": "预案\x00名称", "surrogate": "预案\ud800x", "bidi": "预案\u202etxt.exe", "control": "预案\x07"}


def id_routes(app):  # noqa: ANN001, ANN201
    for rule in app.url_map.iter_rules():
        ints = [a for a, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method, ints


def operations(client):  # noqa: ANN001, ANN201
    spec = client.get("/api/v1/openapi.json").json
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def events(db) -> int:  # noqa: ANN001
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEvent))


def test_ids_beyond_the_database_are_not_found(app, api, as_user):
    token, browser = api("wsq_admin"), as_user("wsq_admin")
    routes = list(id_routes(app))
    assert len(routes) >= 30
    for rule, method, args in routes:
        for big in HUGE:
            path = rule.rule
            for a in args:
                path = path.replace(f"<int:{a}>", big)
            if path.startswith("/api/"):
                resp = getattr(token, method.lower())(path, json={})
                assert resp.status_code == 404 and resp.json["code"] == "not_found", (method, path, resp.status_code)
            else:
                resp = browser.open(path, method=method, data={"csrf_token": browser.csrf})
                assert resp.status_code == 404, (method, path, resp.status_code)


def test_query_filters_and_offsets(client, api):
    token = api("wsq_admin")
    checked = 0
    for path, method, op in operations(client):
        if method != "get" or "{" in path:
            continue
        for param in op.get("parameters", []):
            if param.get("in") != "query" or param.get("schema", {}).get("type") != "integer":
                continue
            name = param["name"]
            for big in HUGE:
                resp = token.get(f"{path}?{name}={big}")
                if name == "offset":   # past the end: an empty page
                    assert resp.status_code == 200, (path, name, resp.status_code, resp.get_data(as_text=True))
                else:                  # a filter no row can match is a mistake the client should hear of
                    assert resp.status_code == 422, (path, name, resp.status_code)
                    assert resp.json["code"] == "validation_failed" and name in resp.json["errors"]
                checked += 1
    assert checked >= 10


def test_list_pages_survive_any_page_and_id_filter(as_user):
    browser = as_user("wsq_admin")
    for path in ("/filings", "/drills", "/enterprises", "/checklists", "/files", "/jobs", "/users", "/audit", "/inbox",
                 "/filings/overview/filings"):
        for query in ("page=99999999999999999999", "page=-3", "page=abc", "enterprise=99999999999999999999",
                      "bureau=99999999999999999999", "tenant_id=abc"):
            resp = browser.get(f"{path}?{query}")
            assert resp.status_code in (200, 422), (path, query, resp.status_code)


@pytest.mark.parametrize("kind", sorted(BAD_TEXT))
def test_bad_text_is_refused_everywhere_and_nothing_is_stored(client, api, as_user, db, kind):
    token, browser = api("wsq_admin"), as_user("wsq_admin")
    before = events(db)
    text = BAD_TEXT[kind]
    writes = [(p, m) for p, m, _ in operations(client) if m in ("post", "put", "patch", "delete")]
    assert len(writes) >= 10
    for path, method in writes:
        path = path.replace("{", "").replace("}", "")
        for name in ("filing_id", "tenant_id", "trigger_id", "notification_id", "run_id", "job_id", "token_id",
                     "material_id", "file_id", "user_id", "round", "name"):
            path = path.replace(name, "1")
        resp = getattr(token, method)(path, json={"title": text, "name": text, "comment": text})
        assert resp.status_code == 422, (kind, method, path, resp.status_code)
        body = resp.json
        assert body["code"] == "validation_failed" and body["errors"] and "“" in body["message"]
    # Query strings and form posts of the pages as well (a lone surrogate cannot even be
    # put in a URL or a form: it has no UTF-8 encoding).
    if kind != "surrogate":
        assert token.get(f"/api/v1/filings?q={text}").status_code == 422
        resp = browser.post("/filings/settings", data={"csrf_token": browser.csrf, "number_format": text})
        assert resp.status_code == 422 and "含有" in resp.get_data(as_text=True)
    assert events(db) == before


def test_a_body_that_is_not_json(client, api, db):
    token = api("wsq_admin")
    before = events(db)
    for path, method, _ in operations(client):
        if method not in ("post", "put"):
            continue
        path = path.replace("{filing_id}", "1").replace("{tenant_id}", "1").replace("{trigger_id}", "1") \
            .replace("{notification_id}", "1").replace("{run_id}", "1").replace("{job_id}", "1") \
            .replace("{token_id}", "1").replace("{round}", "1").replace("{name}", "x")
        resp = getattr(token.client, method)(path, data="{bad", content_type="application/json",
                                             headers=token.headers)
        assert resp.status_code == 400, (method, path, resp.status_code)
        assert resp.json["code"] == "bad_request" and resp.json["message"].startswith("请求体不是有效的 JSON")
    # Even where no token is needed (logging in for one).
    resp = client.post("/api/v1/tokens", data="{bad", content_type="application/json")
    assert resp.status_code == 400 and "请求体不是有效的 JSON" in resp.json["message"]
    assert events(db) == before


def test_zero_width_characters_leave_names(api, db):
    from tenants.models import Tenant
    resp = api("city_admin").post("/api/v1/tenants/bureaus", json={
        "name": "\u200b达拉特旗\u200d应急管理局\ufeff", "region_code": "150621", "short_name": "达应急"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert db.get(Tenant, resp.json["id"]).name == "达拉特旗应急管理局"
    resp = api("city_admin").post("/api/v1/tenants/bureaus", json={"name": "达拉特旗\n应急管理局", "region_code": "150621"})
    assert resp.status_code == 422 and resp.json["errors"] == {"name": ["名称不能包含换行"]}
    assert json.loads(json.dumps(resp.json))  # the error shape survives a round trip
