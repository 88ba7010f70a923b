"""A third party ships a campaign: the sample package in tests/plugins/fireworks_campaign,
written from docs/plugins.md and core.plugin_api alone, is installed with pip, enabled for
乌审旗 only, launched by wsq_admin and worked by a fireworks shop there, and is invisible in
伊金霍洛旗. Upgraded to its next release (template 1.1.0), the running campaign stays on its
1.0.0 snapshot while a new launch gets 1.1.0."""
from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from core.auth import service as auth
from core.campaigns import service, tasks
from core.campaigns.models import CampaignTask
from core.demo import DEMO_PASSWORD
from core.errors import NotFound
from core.ledgers.models import Hazard
from core.plugins.service import set_enabled
from tenants import service as tenants
from tenants.codes import uscc_check_char, uscc_problem
from tenants.models import Section, Tenant
from tests.plugins.test_scaffold import _ctx, _new_app, pip_installed

PACKAGE = Path(__file__).parent / "fireworks_campaign"
NAME = "fireworks_campaign"
TEMPLATE = "fireworks_campaign.fireworks_season"


def _release(tmp_path: Path, version: str) -> Path:
    """A copy of the package to build (pip writes build/ and egg-info into the tree), as
    the next release when `version` is 1.1.0: its template swapped for upgrade/'s."""
    tree = tmp_path / f"fireworks-{version}"
    shutil.copytree(PACKAGE, tree, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    if version != "1.0.0":
        shutil.copy(tree / "upgrade" / "fireworks_season.json",
                    tree / "anjian_fireworks_campaign" / "templates" / "fireworks_season.json")
        toml = tree / "pyproject.toml"
        toml.write_text(re.sub(r'(?m)^version = "1\.0\.0"', f'version = "{version}"', toml.read_text("utf-8")), "utf-8")
    return tree


def _uscc(region: str) -> str:
    """A valid 统一社会信用代码 of `region` no demo enterprise holds."""
    for digits in itertools.product("0123456789", repeat=4):
        first17 = f"92{region}MA0F{''.join(digits)}X"[:17]
        code = first17 + uscc_check_char(first17)
        if uscc_problem(code) is None:
            return code
    raise AssertionError("no code")


def _shop(app) -> int:  # noqa: ANN001
    """A fireworks shop in 乌审旗 with its officer."""
    with _ctx(app) as ctx:
        county = ctx.session.scalar(select(Tenant).where(Tenant.kind == "bureau", Tenant.region_code == "150626"))
        section = ctx.session.scalar(select(Section.id).where(Section.tenant_id == county.id).order_by(Section.id))
        shop = tenants.create_enterprise(ctx, {
            "parent_id": county.id, "name": "乌审旗嘎鲁图烟花爆竹零售店", "uscc": _uscc("150626"), "industry": "fireworks_retail",
            "region_code": "150626", "address": "内蒙古鄂尔多斯市乌审旗嘎鲁图镇", "principal": "周平", "phone": "13904771234",
            "section_id": section})
        auth.create_user(ctx, {"username": "shop_officer", "display_name": "零售店负责人", "password": DEMO_PASSWORD,
                               "role": "officer", "tenant_id": shop.id})
        ctx.session.commit()
        return shop.id


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_third_party_campaign_installed_launched_worked_and_upgraded(app, tmp_path):  # noqa: ANN001
    apps = []
    with pip_installed(_release(tmp_path, "1.0.0"), NAME):
        apps.append(installed := _new_app(app))
        record = installed.extensions["anjian.plugins"].get(NAME)
        assert record is not None and record.loaded, record and record.error
        assert (record.distribution, record.version) == ("anjian-fireworks-campaign", "1.0.0")
        with _ctx(installed, "wsq_admin") as ctx:
            set_enabled(ctx, NAME, True)
            ctx.session.commit()
        shop_id = _shop(installed)
        with _ctx(installed, "yjhl_admin") as ctx:
            assert TEMPLATE not in {t["id"] for t in service.offered(ctx)}
        with _ctx(installed, "wsq_admin") as ctx:
            assert TEMPLATE in {t["id"] for t in service.offered(ctx)}
            c = service.launch_campaign(ctx, {"template_id": TEMPLATE, "starts_on": "2026-12-01",
                                              "doc_no": "乌应急发〔2026〕88号"})
            service.publish_campaign(ctx, c.id, c.version)
            ctx.session.commit()
            campaign_id = c.id
        # The shop fills its self-check: one item found wanting goes to its problem ledger.
        with _ctx(installed, "shop_officer") as ctx:
            [t] = ctx.session.scalars(select(CampaignTask).where(CampaignTask.campaign_id == campaign_id,
                                                                 CampaignTask.item_id == "self_check_items")).all()
            checks = next(f for f in tasks.view(ctx, t.id).item.fields if f["type"] == "checklist")
            answers = {str(i): {"answer": "yes"} for i in range(len(checks["items"]))}
            answers["0"] = {"answer": "no", "note": "仓库存药量超过核定量", "measures": "清退超量产品",
                            "owner": "周平", "due_on": "2099-01-10"}
            tasks.save_task(ctx, t.id, {checks["id"]: answers}, t.version)
            tasks.transition(ctx, t.id, "submit", tasks.get_task(ctx, t.id).version)
            ctx.session.commit()
            assert [h.owner for h in ctx.session.scalars(select(Hazard).where(Hazard.campaign_id == campaign_id))] == ["周平"]
            assert tasks.get_task(ctx, t.id).status == "submitted"
        with _ctx(installed, "wsq_reviewer") as ctx:
            assert tasks.transition(ctx, t.id, "accept", tasks.get_task(ctx, t.id).version).status == "accepted"
            ctx.session.commit()
        # Invisible in 伊金霍洛旗.
        with _ctx(installed, "yjhl_admin") as ctx, pytest.raises(NotFound):
            service.get_campaign(ctx, campaign_id)

        # The vendor's next release: template 1.1.0 with one more check.
        with pip_installed(_release(tmp_path, "1.1.0"), NAME):
            apps.append(upgraded := _new_app(app))
            assert upgraded.extensions["anjian.plugins"].get(NAME).version == "1.1.0"
            with _ctx(upgraded, "wsq_admin") as ctx:
                running = service.get_campaign(ctx, campaign_id)
                assert running.template_version == "1.0.0"
                kept = next(f for f in service.item(ctx, running, "self_check_items").fields if f["type"] == "checklist")
                assert kept["items"] == checks["items"]
                fresh = service.launch_campaign(ctx, {"template_id": TEMPLATE, "starts_on": "2027-01-01",
                                                      "doc_no": "乌应急发〔2027〕1号"})
                assert fresh.template_version == "1.1.0"
                newer = next(f for f in service.item(ctx, fresh, "self_check_items").fields if f["type"] == "checklist")
                assert len(newer["items"]) == len(checks["items"]) + 1
            with _ctx(upgraded, "shop_officer") as ctx:
                assert tasks.get_task(ctx, t.id).status == "accepted"
    for a in apps:
        a.extensions["anjian.db"].dispose()
    assert shop_id
