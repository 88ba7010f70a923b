"""The workflow engine on a small example: a document that a bureau approves or returns."""
import threading

import pytest
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.audit.models import AuditEvent
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.workflow import Transition, Workflow
from tenants.models import Tenant, TenantOwned


class SampleBase(DeclarativeBase):
    pass


class Doc(TenantOwned, SampleBase):
    __tablename__ = "sample_docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column()  # no FK: this table lives outside the app schema
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


def not_empty(ctx, doc, data):
    return "附件不全" if data.get("missing") else None


FLOW = Workflow(
    name="doc", initial="draft",
    states={"draft": "草稿", "submitted": "已提交", "returned": "已退回", "accepted": "已接收"},
    transitions=(
        Transition("submit", ("draft", "returned"), "submitted", ("officer", "admin"), "提交", bureau=False,
                   guard=not_empty),
        Transition("return", ("submitted",), "returned", ("reviewer", "admin"), "退回", bureau=True,
                   requires={"comment": "退回意见"}),
        Transition("accept", ("submitted",), "accepted", ("reviewer", "admin"), "接收", bureau=True),
    ),
)


@pytest.fixture
def doc_id(app, db):
    engine = app.extensions["anjian.db"].engine
    SampleBase.metadata.create_all(engine)
    ent1 = db.scalar(select(Tenant).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    doc = Doc(tenant_id=ent1.id)
    db.add(doc)
    db.commit()
    return doc.id  # the table goes with the per-test database


def load(ctx, doc_id):
    return ctx.session.get(Doc, doc_id)


def test_happy_path_is_audited(ctx_for, db, doc_id):
    officer = ctx_for("ent1_officer")
    doc = load(officer, doc_id)
    FLOW.apply(officer, doc, "submit", version=1)
    officer.session.commit()
    reviewer = ctx_for("wsq_reviewer")
    doc = load(reviewer, doc_id)
    assert [t.name for t in FLOW.available(reviewer, doc)] == ["return", "accept"]
    FLOW.apply(reviewer, doc, "accept", version=doc.version)
    reviewer.session.commit()
    events = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "Doc")).all()
    assert [(e.action, e.actor_name) for e in events] == [("doc.submit", "ent1_officer"),
                                                           ("doc.accept", "wsq_reviewer")]
    assert "已提交 → 已接收" in events[1].summary


def test_rules(ctx_for, doc_id):
    officer = ctx_for("ent1_officer")
    doc = load(officer, doc_id)
    with pytest.raises(PermissionDenied):
        FLOW.apply(officer, doc, "accept", version=1)          # wrong side
    with pytest.raises(Conflict) as e:
        FLOW.apply(officer, doc, "submit", version=1, data={"missing": True})
    assert "附件不全" in e.value.message                      # guard
    with pytest.raises(Conflict):
        FLOW.apply(officer, doc, "submit", version=7)          # stale version
    with pytest.raises(ValidationFailed):
        FLOW.apply(officer, doc, "nonsense", version=1)
    FLOW.apply(officer, doc, "submit", version=1)
    officer.session.commit()
    reviewer = ctx_for("wsq_reviewer")
    doc = load(reviewer, doc_id)
    with pytest.raises(ValidationFailed) as e:
        FLOW.apply(reviewer, doc, "return", version=doc.version)
    assert e.value.errors == {"comment": ["退回意见不能为空"]}  # required field
    officer_doc = load(officer, doc_id)
    with pytest.raises(Conflict) as e:
        FLOW.apply(officer, officer_doc, "submit", version=officer_doc.version)
    assert "当前状态为“已提交”，不能执行“提交”" in e.value.message


def test_sibling_county_cannot_even_load_it(ctx_for, doc_id):
    assert load(ctx_for("yjhl_reviewer"), doc_id) is None


def test_two_reviewers_at_once_one_wins_one_conflicts(ctx_for, db, doc_id):
    officer = ctx_for("ent1_officer")
    FLOW.apply(officer, load(officer, doc_id), "submit", version=1)
    officer.session.commit()
    a, b = ctx_for("wsq_reviewer"), ctx_for("wsq_admin")
    doc_a, doc_b = load(a, doc_id), load(b, doc_id)   # both saw version 2
    results = {}
    barrier = threading.Barrier(2)

    def act(name, ctx, doc, action, data):
        barrier.wait()
        try:
            FLOW.apply(ctx, doc, action, version=2, data=data)
            ctx.session.commit()
            results[name] = "ok"
        except Conflict as e:
            ctx.session.rollback()
            results[name] = e.message

    threads = [threading.Thread(target=act, args=("a", a, doc_a, "accept", {})),
               threading.Thread(target=act, args=("b", b, doc_b, "return", {"comment": "缺少评审意见"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values(), key=len)[0] == "ok"
    assert list(results.values()).count("ok") == 1
    loser = next(v for v in results.values() if v != "ok")
    assert "已被他人处理" in loser
    db.expire_all()
    final = db.get(Doc, doc_id)
    assert final.version == 3 and final.status in ("accepted", "returned")
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.object_type == "Doc")).all()) == 2
