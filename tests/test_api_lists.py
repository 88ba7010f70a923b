"""Every list the JSON API answers pages the same way: `?limit=&offset=` in, `{items, total,
limit, offset}` out, `limit` bounded.

The routes are read from the URL map: a GET route under /api/v1 whose path ends in a fixed
word (a collection, not one object by id) is a list, and fails here until it takes the
paging arguments and answers the envelope — or is named in NOT_LISTS with its reason.
"""
from __future__ import annotations

import re

import pytest

from core.campaigns import service as campaigns
from core.filings.review import service as filings
from core.schema import MAX_LIMIT

# Collection-shaped GET routes that answer one object or a document, not a list.
NOT_LISTS = {
    "/api/v1/me": "the caller: one user, their unit and roles",
    "/api/v1/filing-overview": "the jurisdiction's filing figures: one summary",
    "/api/v1/openapi.json": "the OpenAPI document",
    "/api/v1/docs": "the HTML page of the OpenAPI document",
    "/api/v1/files/{file_id}/content": "a file's bytes",
    "/api/v1/filings/{filing_id}/certificate": "the 备案登记表 PDF",
    "/api/v1/filings/{filing_id}/returns/{round}/notice": "the 补正告知书 PDF",
    "/api/v1/ledger-types/{type_id}/template": "a ledger type's xlsx template",
    "/api/v1/imports/{import_id}/errors.xlsx": "the annotated copy of a refused upload",
    "/api/v1/hazards/export": "the visible ledger as a file",
    "/api/v1/ledger-types/{type_id}/export": "a ledger type's visible rows as a file",
    "/api/v1/stats/hazards": "the jurisdiction's hazard figures: one summary with its breakdowns",
    "/api/v1/campaigns/{campaign_id}/export": "a campaign's matrix and problem ledgers as a file",
    "/api/v1/campaigns/{campaign_id}/matrix": "a campaign's progress: one matrix with its tallies",
}
ENVELOPE = {"items", "total", "limit", "offset"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _list_routes(app) -> list[str]:  # noqa: ANN001
    out = []
    for rule in app.url_map.iter_rules():
        path = _openapi_path(rule.rule)
        if "GET" not in rule.methods or not path.startswith("/api/v1/") or path in NOT_LISTS:
            continue
        if not path.rstrip("/").rsplit("/", 1)[-1].startswith("{"):
            out.append(path)
    return sorted(set(out))


def _json_schema(spec: dict, operation: dict) -> dict:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.fixture
def path_values(ctx_for) -> dict[str, int | str]:  # noqa: ANN001
    """A value, visible to wsq_admin, for each path parameter a list route may take."""
    ctx = ctx_for("ent1_officer")
    filing = filings.create_filing(ctx, {"title": "宏达甲醇生产安全事故应急预案", "published_on": "2026-11-02"})
    ctx.session.commit()
    admin = ctx_for("wsq_admin")
    campaign = campaigns.launch_campaign(admin, {"template_id": "hazchem_warning_month.warning_month",
                                                 "starts_on": "2024-09-01", "doc_no": "乌应急发〔2024〕56号"})
    admin.session.commit()
    return {"tenant_id": admin.actor.tenant_id, "filing_id": filing.id, "type_id": "risk_points",
            "campaign_id": campaign.id}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_list_pages_with_the_same_envelope(app, api, path_values):  # noqa: ANN001
    spec = app.test_client().get("/api/v1/openapi.json").json
    routes = _list_routes(app)
    assert {"/api/v1/tenants", "/api/v1/users", "/api/v1/audit", "/api/v1/drills", "/api/v1/drills/obligations",
            "/api/v1/plugins", "/api/v1/notifications", "/api/v1/filings", "/api/v1/files", "/api/v1/jobs",
            "/api/v1/checklists"} <= set(routes)
    admin = api("wsq_admin")
    for path in routes:
        assert path in spec["paths"], f"{path}: not in the OpenAPI document"
        op = spec["paths"][path]["get"]
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        assert {"limit", "offset"} <= params.keys(), f"{path}: documents no limit/offset"
        assert params["limit"]["schema"].get("maximum") == MAX_LIMIT, f"{path}: limit is not bounded in the document"
        assert ENVELOPE <= _json_schema(spec, op).get("properties", {}).keys(), f"{path}: documents no page envelope"

        url = re.sub(r"\{([a-z_]+)\}", lambda m: str(path_values[m.group(1)]), path)
        whole = admin.get(url)
        assert whole.status_code == 200, (path, whole.json)
        body = whole.json
        assert ENVELOPE <= body.keys() and (body["limit"], body["offset"]) == (50, 0), path
        assert isinstance(body["items"], list) and len(body["items"]) == min(body["total"], 50), path

        first = admin.get(url, query_string={"limit": 1}).json
        assert len(first["items"]) == min(body["total"], 1) and first["total"] == body["total"], path
        if body["total"] >= 2:
            second = admin.get(url, query_string={"limit": 1, "offset": 1}).json
            assert second["items"] == body["items"][1:2] != first["items"], path
        past = admin.get(url, query_string={"offset": body["total"]}).json
        assert past["items"] == [] and past["total"] == body["total"], path

        for bad in ({"limit": MAX_LIMIT + 1}, {"limit": 0}, {"limit": "x"}, {"offset": -1}):
            r = admin.get(url, query_string=bad)
            field = next(iter(bad))
            assert r.status_code == 422 and field in r.json["errors"], (path, bad, r.json)
            assert r.json["message"].startswith("条数" if field == "limit" else "偏移"), (path, r.json)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_no_operation_answers_a_bare_array(app):  # noqa: ANN001
    spec = app.test_client().get("/api/v1/openapi.json").json
    bare = [f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method, op in ops.items()
            if method != "parameters" and "200" in op.get("responses", {}) and "application/json" in op["responses"]["200"].get("content", {})
            and _json_schema(spec, op).get("type") == "array"]
    assert bare == []
