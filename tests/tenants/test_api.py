from sqlalchemy import func, select

from tenants.models import Tenant

NEW = {"name": "乌审旗新能化工有限公司", "uscc": "914403001922038216", "industry": "hazchem_use",
       "region_code": "150626", "address": "乌审旗图克工业园区", "principal": "周强", "phone": "13904771234"}


def test_list_shape(api):
    rows = api("wsq_reviewer").get("/api/v1/tenants").json["items"]
    assert len(rows) == 6
    ent = next(r for r in rows if r["kind"] == "enterprise")
    assert {"id", "name", "kind", "parent_id", "uscc", "region_code"} <= set(ent)
    assert rows[0]["kind"] == "bureau" and rows[0]["uscc"] is None


def test_a_city_pages_through_its_tenants(api, ctx_for):
    """A city of thousands of units answers one page at a time, with the total to page by."""
    from tenants import service as tenants
    from tenants.codes import org_code_check_char, uscc_check_char
    ctx = ctx_for("wsq_admin")
    for n in range(25):
        body = f"7{n:07d}"
        first17 = "91150626" + body + org_code_check_char(body)
        tenants.create_enterprise(ctx, {**NEW, "name": f"乌审旗测试企业{n:02d}", "uscc": first17 + uscc_check_char(first17)})
    ctx.session.commit()
    city = api("city_admin")
    whole = city.get("/api/v1/tenants?limit=200").json
    assert whole["total"] == len(whole["items"]) > 30
    first = city.get("/api/v1/tenants?limit=20").json
    assert len(first["items"]) == 20 and first["total"] == whole["total"]
    rest = city.get(f"/api/v1/tenants?limit=20&offset={whole['total'] - 5}").json
    assert [t["id"] for t in first["items"] + rest["items"]] == \
        [t["id"] for t in whole["items"][:20] + whole["items"][-5:]]
    assert city.get("/api/v1/tenants?kind=enterprise&limit=1").json["total"] == \
        sum(t["kind"] == "enterprise" for t in whole["items"])


def test_get_other_county_is_404(api):
    yjhl_ent = api("yjhl_reviewer").get("/api/v1/tenants?kind=enterprise").json["items"][0]
    resp = api("wsq_reviewer").get(f"/api/v1/tenants/{yjhl_ent['id']}")
    assert resp.status_code == 404
    assert resp.json == {"code": "not_found", "message": "单位不存在或无权访问", "errors": {}}


def test_invalid_uscc_422_and_nothing_stored(api, db):
    before = db.scalar(select(func.count()).select_from(Tenant))
    resp = api("wsq_admin").post("/api/v1/tenants/enterprises", json={**NEW, "uscc": "914403001922038217"})
    assert resp.status_code == 422
    assert resp.json["code"] == "validation_failed"
    assert "校验位" in resp.json["message"] and "uscc" in resp.json["errors"]
    assert db.scalar(select(func.count()).select_from(Tenant)) == before


def test_unknown_field_and_not_json(api):
    resp = api("wsq_admin").post("/api/v1/tenants/enterprises", json={**NEW, "colour": "red"})
    assert resp.status_code == 422 and resp.json["errors"]["colour"] == ["未知字段"]


def test_create_and_update_with_version(api):
    a = api("wsq_admin")
    ent = a.post("/api/v1/tenants/enterprises", json=NEW).json
    body = {**NEW, "principal": "周志强", "version": ent["version"]}
    ok = a.put(f"/api/v1/tenants/{ent['id']}", json=body)
    assert ok.status_code == 200 and ok.json["principal"] == "周志强"
    stale = a.put(f"/api/v1/tenants/{ent['id']}", json=body)
    assert stale.status_code == 409


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["info"]["title"].startswith("安监")
    for path in ("/api/v1/tenants", "/api/v1/tenants/{tenant_id}", "/api/v1/me", "/api/v1/tokens",
                 "/api/v1/jobs/{job_id}", "/api/v1/files", "/api/v1/audit", "/api/v1/users"):
        assert path in spec["paths"], path


def test_update_keeps_what_it_leaves_out(api, db):
    """A PUT that sends only the phone number keeps the supervising section and every other
    field; a field sent empty is cleared; the audit names only what changed."""
    from core.audit.models import AuditEvent
    from tenants.models import SectionAssignment
    a = api("wsq_admin")
    ent = next(t for t in a.get("/api/v1/tenants?kind=enterprise").json["items"] if t["fax"])

    def section() -> int | None:  # noqa: ANN202
        db.expire_all()
        return db.scalar(select(SectionAssignment.section_id).where(SectionAssignment.tenant_id == ent["id"]))
    supervising = section()
    assert supervising is not None
    r = a.put(f"/api/v1/tenants/{ent['id']}", json={"phone": "0477-7510000", "version": ent["version"]})
    assert r.status_code == 200, r.json
    after = r.json
    assert after["phone"] == "0477-7510000"
    kept = ("fax", "principal", "industry", "size_class", "legal_representative", "postal_code")
    assert {k: after[k] for k in kept} == {k: ent[k] for k in kept}
    assert section() == supervising
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.update")
                       .order_by(AuditEvent.id.desc())).first()
    assert set(event.payload) == {"phone"}
    cleared = a.put(f"/api/v1/tenants/{ent['id']}", json={"fax": None, "version": after["version"]})
    assert cleared.status_code == 200 and cleared.json["fax"] is None and section() == supervising
    required = a.put(f"/api/v1/tenants/{ent['id']}", json={"principal": "", "version": cleared.json["version"]})
    assert required.status_code == 422 and "principal" in required.json["errors"]


def test_update_does_not_move_an_enterprise(api):
    a = api("wsq_admin")
    ent = a.get("/api/v1/tenants?kind=enterprise").json["items"][0]
    city = a.get(f"/api/v1/tenants/{ent['parent_id']}").json["parent_id"]
    moved = a.put(f"/api/v1/tenants/{ent['id']}", json={"parent_id": city or 1, "version": ent["version"]})
    assert moved.status_code == 422 and "监管部门" in moved.json["errors"]["parent_id"][0]
    assert a.get(f"/api/v1/tenants/{ent['id']}").json["parent_id"] == ent["parent_id"]
    same = a.put(f"/api/v1/tenants/{ent['id']}", json={"parent_id": ent["parent_id"], "version": ent["version"]})
    assert same.status_code == 200   # sending back what was read is not a move
