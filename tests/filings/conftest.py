"""Filings fixtures: demo tenants, a file store, and helpers that build filings through the
services."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from core.auth.models import User
from core.filings.models import Filing, FilingMaterial
from core.filings.review import service
from core.notifications.models import Notification
from tenants.models import Tenant
from tests.files import samples

ENT1_USCC = "91150626MA0N1H2K6K"   # 乌审旗宏达甲醇 (hazchem_production: 评审意见 required)
ENT2_USCC = "91150626MA0N3B7Q1R"   # 鄂尔多斯市苏力格合成氨化工 (乌审旗)
YJHL_ENT_USCC = "91150627MA0R2F6NX4"
# What a hazardous-chemical producer must file (第二十七条 with 第二十一条).
REQUIRED = ("application_form", "comprehensive_plan", "onsite_plans", "review_opinion", "risk_assessment",
            "resource_survey")



@pytest.fixture
def store(app):  # noqa: ANN001, ANN201
    return app.extensions["anjian.files"]


def tenant_id(db, uscc: str = ENT1_USCC) -> int:  # noqa: ANN001
    return db.scalar(select(Tenant.id).where(Tenant.uscc == uscc))


def draft(ctx, title: str = "乌审旗宏达甲醇有限责任公司生产安全事故应急预案",  # noqa: ANN001
          published_on: date = date(2026, 3, 2)) -> Filing:
    return service.create_filing(ctx, {"title": title, "published_on": published_on.isoformat()})


def upload(ctx, store, filing: Filing, material: str, name: str | None = None):  # noqa: ANN001, ANN201
    return service.add_material(ctx, filing.id, material, io.BytesIO(samples.pdf(material)),
                                f"{material}.pdf", name)


def complete_draft(ctx, store, **kw) -> Filing:  # noqa: ANN001
    """A draft with every required material uploaded (committed)."""
    filing = draft(ctx, **kw)
    for material in REQUIRED:
        upload(ctx, store, filing, material)
    ctx.session.commit()
    return filing


def submitted(ctx_for, store, received_on: date, **kw) -> int:  # noqa: ANN001
    """Id of a complete filing of ent1 submitted on `received_on`."""
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store, **kw)
    service.transition(officer, filing.id, "submit", filing.version, today=received_on)
    officer.session.commit()
    return filing.id


def accepted(ctx_for, store, received_on: date, accepted_on: date | None = None, **kw) -> int:  # noqa: ANN001
    """Id of a filing of ent1 submitted on `received_on` and accepted by wsq_reviewer."""
    fid = submitted(ctx_for, store, received_on, **kw)
    reviewer = ctx_for("wsq_reviewer")
    filing = service.get_filing(reviewer, fid)
    service.transition(reviewer, fid, "accept", filing.version, today=accepted_on or received_on)
    reviewer.session.commit()
    return fid


def inbox(db, username: str) -> list[str]:  # noqa: ANN001
    """Titles of a user's notifications, oldest first."""
    db.expire_all()
    uid = db.scalar(select(User.id).where(User.username == username))
    return db.scalars(select(Notification.title).where(Notification.user_id == uid)
                      .order_by(Notification.id)).all()


ONSITE = ("甲醇储罐泄漏现场处置方案", "液氨泄漏现场处置方案")


def filed_plan(ctx_for, store) -> int:  # noqa: ANN001
    """ent1's plan set, published 2026-03-02, received Mon 23 March, accepted 24 March, with
    two named on-site disposal plans (each to be drilled every half year)."""
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    upload(officer, store, filing, "onsite_plans", ONSITE[1])
    officer.session.query(FilingMaterial).filter_by(filing_id=filing.id, material="onsite_plans",
                                                    name=None).update({"name": ONSITE[0]})
    officer.session.commit()
    service.transition(officer, filing.id, "submit", filing.version, today=date(2026, 3, 23))
    officer.session.commit()
    reviewer = ctx_for("wsq_reviewer")
    seen = service.get_filing(reviewer, filing.id)
    service.transition(reviewer, filing.id, "accept", seen.version, today=date(2026, 3, 24))
    reviewer.session.commit()
    return filing.id
