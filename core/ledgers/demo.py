"""Demo ledgers: every demo enterprise keeps its 安全风险分级管控清单 (red to blue points), its
应急物资台账 (one instrument past its calibration date, protective suits expiring soon) and a
hazard ledger in every state of the loop — closed
on time and late, in rectification (one overdue), awaiting verification, found back by the
bureau's 回头看, and 重大 hazards: one just registered (its 治理方案 still to write), one
under 挂牌督办 with an extension request pending, one awaiting the bureau's verification or
closed by it. The rows come in the way an enterprise's do — an xlsx uploaded through the
import — and then take their steps through the loop's services. Dates are relative to
`today`.

Idempotent: an enterprise that already has hazards is left alone. Loaded by `anjian demo`
only (the test suite's demo database has no hazards)."""
from __future__ import annotations

import io
import struct
import zlib
from datetime import date, timedelta

from sqlalchemy import select

from core.calendar.service import beijing_today
from core.context import ServiceContext
from core.ledgers import evidence, loop, service, supervision, xlsx
from core.ledgers.models import Hazard
from core.ledgers.service import HAZARDS, RISKS
from tenants.models import Section, Tenant
from tenants.scoping import Scope

# (部位/装置, 隐患描述, 类别, 整改措施)
FINDINGS = [
    ("甲醇储罐区", "储罐防静电接地装置接地电阻超标", "现场管理类", "更换接地极并检测接地电阻"),
    ("合成装置", "可燃气体检测报警器未按期检定", "现场管理类", "送检报警器，建立检定台账"),
    ("装卸站台", "鹤管静电夹失效，装车无人监护", "现场管理类", "更换静电夹，落实装卸车监护制度"),
    ("中控室", "DCS报警未分级管理，报警频繁被屏蔽", "基础管理类", "开展报警合理化，修订报警管理制度"),
    ("动火作业", "动火作业票未进行气体分析即签发", "基础管理类", "修订作业许可制度，开展特殊作业培训"),
    ("消防泵房", "消防水泵未定期试运行，无记录", "现场管理类", "每周试泵并记录"),
    ("安全管理", "新员工三级安全教育记录不全", "基础管理类", "补齐培训记录，完善教育档案"),
    ("罐区围堰", "围堰排水阀常开，未上锁管理", "现场管理类", "关闭排水阀并上锁挂牌"),
    ("配电室", "配电室挡鼠板缺失，电缆沟未封堵", "现场管理类", "加装挡鼠板，封堵电缆沟"),
    ("应急管理", "现场处置方案未张贴到岗位", "基础管理类", "岗位张贴应急处置卡并组织演练"),
]
SOURCES = ("日常排查", "专项检查", "上级督查", "举报", "日常排查")
MAJORS = [
    ("甲醇储罐区", "可燃和有毒气体泄漏检测报警装置未投用", "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第十二项"),
    ("合成装置", "涉及重点监管危险化工工艺的装置紧急停车系统未投入使用", "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第四项"),
    ("液氨罐区", "构成一级重大危险源的罐区未实现紧急切断功能", "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第五项"),
]
# (风险点编号, 风险点, 风险描述, 可能导致的事故类型, 风险等级, 管控措施, 管控层级)
RISK_POINTS = [
    ("FX-001", "甲醇储罐区", "甲醇储存量构成重大危险源，泄漏遇点火源", "火灾、爆炸", "重大风险",
     "紧急切断、可燃气体检测报警、防雷防静电、双人巡检", "公司级"),
    ("FX-002", "甲醇合成装置", "高温高压反应，超温超压", "火灾、爆炸、中毒", "较大风险", "DCS联锁、安全阀定期校验", "车间级"),
    ("FX-003", "装卸站台", "装车时静电积聚、溢罐", "火灾、爆炸", "较大风险", "静电接地报警、定量装车、专人监护", "车间级"),
    ("FX-004", "受限空间作业", "罐内检修时缺氧、有毒气体", "中毒和窒息", "一般风险", "作业审批、气体检测、专人监护", "班组级"),
    ("FX-005", "配电室", "电气设备老化、小动物进入", "触电、火灾", "一般风险", "挡鼠板、定期巡检", "班组级"),
    ("FX-006", "办公区", "电动车违规充电", "火灾", "低风险", "集中充电区、日常检查", "岗位级"),
]
SUPPLIES = "emergency_system_check.supplies"
# (物资编号, 物资名称, 规格型号, 数量, 存放地点, 保管人; days since checked, calibration due in, expiry in)
STOCK = [
    ("WZ-001", "正压式空气呼吸器", "RHZKF6.8/30", 6, "中控室应急柜", "赵刚", 12, None, None),
    ("WZ-002", "便携式可燃气体检测仪", "GT-903", 4, "罐区值班室", "赵刚", 12, -5, None),       # calibration overdue
    ("WZ-003", "防化服", "重型", 4, "应急物资库", "孙丽", 12, None, 20),                  # expires soon
    ("WZ-004", "急救药箱", "标准型", 2, "中控室", "孙丽", 12, None, 200),
    ("WZ-005", "干粉灭火器", "MFZ/ABC8", 40, "罐区、装置区", "赵刚", 12, None, 300),
]
PLAN = {"goal": "消除报警装置失效导致泄漏不能及时发现的风险", "methods": "更换并标定报警探头，接入DCS并设声光报警",
        "funding": "12万元；探头24台，备品6台", "people": "设备部负责实施，安全环保部监督验收",
        "timeline": "30日内完成安装与标定", "safety": "作业期间便携式检测仪连续监测，动火作业执行作业票",
        "contingency": "罐区泄漏现场处置方案；配备空气呼吸器4套"}


def _photo(width: int = 48, height: int = 32) -> bytes:
    """A small real PNG standing for a site photo (a green field: the work done)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes((40, 160, 90)) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _row(code: str, n: int, today: date, *, found: int, due: int, level: str = "一般",
         done: int | None = None, verified: int | None = None, major: tuple | None = None) -> dict:
    place, what, category, measures = FINDINGS[n % len(FINDINGS)]
    basis = None
    if major:
        place, what, basis = major
        category, measures = "现场管理类", "按治理方案实施整改"
    day = lambda offset: today - timedelta(days=offset)  # noqa: E731
    return {"code": code, "source": SOURCES[n % len(SOURCES)], "found_on": day(found), "found_by": "王强",
            "department": "生产部" if n % 2 else "设备部", "location": place, "description": what,
            "category": category, "level": level, "basis": basis, "measures": measures,
            "owner": "李明", "due_on": day(due), "funds": round(0.5 + n * 0.3, 1),
            "interim": "设置警示标识，加强巡检" if level == "重大" else None,
            "completed_on": day(done) if done is not None else None, "verified_by": "赵刚" if verified is not None else None,
            "verified_on": day(verified) if verified is not None else None,
            "verdict": "整改到位，同意销号" if verified is not None else None,
            "risk_point": RISK_POINTS[n % len(RISK_POINTS)][0] if n % 3 == 0 else None}


def _ledger(i: int, today: date) -> list[dict]:
    """An enterprise's rows: `i` varies how many are closed, so the statistics differ."""
    rows = [
        _row("YH-001", i, today, found=60, due=40, done=45, verified=44),          # closed on time
        _row("YH-002", i + 1, today, found=50, due=35, done=30, verified=29),      # closed late
        _row("YH-003", i + 2, today, found=20, due=-15),                           # rectifying
        _row("YH-004", i + 3, today, found=25, due=5),                             # rectifying, overdue
        _row("YH-005", i + 4, today, found=15, due=-5, done=2),                    # awaiting verification
        _row("YH-006", i + 5, today, found=90, due=70, done=72, verified=71),      # closed, then 回头看
        _row("YH-007", i, today, found=3, due=-30, level="重大", major=MAJORS[0]),  # registered: plan to write
        _row("YH-008", i, today, found=40, due=-20, level="重大", major=MAJORS[1]),  # plan, rectified, verified
    ]
    if i < 2:
        rows.append(_row("YH-009", i, today, found=30, due=-10, level="重大", major=MAJORS[2]))   # 挂牌督办
    rows += [_row(f"YH-1{k:02d}", i + k, today, found=80 + k, due=60 + k, done=62, verified=61)
             for k in range(i % 4)]
    return rows


def load_demo_ledgers(db, today: date | None = None) -> int:  # noqa: ANN001
    """Give every demo enterprise without hazards its ledger; returns how many were made."""
    today = today or beijing_today()
    opened = []

    def unit(tenant: Tenant, role: str) -> ServiceContext:
        s = db.session(Scope.system())
        opened.append(s)
        return ServiceContext.acting_for(s, s.get(Tenant, tenant.id), role)

    made = 0
    try:
        s = db.session(Scope.system())
        opened.append(s)
        have = set(s.scalars(select(Hazard.tenant_id).distinct()))
        enterprises = [t for t in s.scalars(select(Tenant).where(Tenant.kind == "enterprise").order_by(Tenant.id))
                       if t.id not in have]
        for i, ent in enumerate(enterprises):
            officer, bureau = unit(ent, "officer"), unit(s.get(Tenant, ent.parent_id), "reviewer")
            risks = xlsx.export(RISKS, ([*p, "张伟" if k % 2 else "刘洋"] for k, p in enumerate(RISK_POINTS)), ())
            service.import_ledger(officer, RISKS.id, risks, f"{ent.name}{RISKS.title}.xlsx")
            if any(t.id == SUPPLIES for t in service.ledger_types(officer)):   # the plugin enabled for it
                day = lambda n: None if n is None else today + timedelta(days=n)  # noqa: E731
                stock = xlsx.export(service.ledger_type(officer, SUPPLIES),
                                    ([*item[:6], day(-item[6]), day(item[7]), day(item[8]), None] for item in STOCK), ())
                service.import_ledger(officer, SUPPLIES, stock, f"{ent.name}应急物资台账.xlsx")
            columns = [c.id for c in HAZARDS.columns]
            data = xlsx.export(HAZARDS, ([r[c] for c in columns] for r in _ledger(i, today)), ())
            service.import_ledger(officer, HAZARDS.id, data, f"{ent.name}隐患排查治理台账.xlsx")
            officer.session.commit()
            _steps(officer, bureau, ent, i, today)
            made += 1
        return made
    finally:
        for session in opened:
            session.close()


def _steps(officer: ServiceContext, bureau: ServiceContext, ent: Tenant, i: int, today: date) -> None:
    by_code = dict(officer.session.execute(select(Hazard.code, Hazard.id).where(Hazard.tenant_id == ent.id)).all())

    def step(ctx: ServiceContext, code: str, action: str, **data) -> None:
        hazard = loop.get_hazard(ctx, by_code[code])
        loop.transition(ctx, hazard.id, action, hazard.version, data)
        ctx.session.commit()

    def planned(code: str) -> None:
        hazard = loop.get_hazard(officer, by_code[code])
        loop.set_plan(officer, hazard.id, hazard.version, PLAN)
        officer.session.commit()
        step(officer, code, "start")

    # 回头看: the bureau finds a closed hazard back.
    step(bureau, "YH-006", "reopen", comment="回头看发现：整改后又出现同类问题，整改不彻底")
    # A 重大 hazard planned, rectified and verified by the enterprise: 待验收, reported to the
    # bureau, whose verification closes it.
    planned("YH-008")
    evidence.add_evidence(officer, by_code["YH-008"], "rectified", io.BytesIO(_photo()), "报警探头更换后.png",
                          "新装探头已接入DCS")
    officer.session.commit()
    step(officer, "YH-008", "complete", completed_on=(today - timedelta(days=6)).isoformat())
    step(officer, "YH-008", "report", verified_by="赵刚", verified_on=(today - timedelta(days=5)).isoformat(),
         verdict="经本单位技术人员和专家评估，治理完成，报请核查")
    if i % 2:
        step(bureau, "YH-008", "bureau_verify", comment="现场核查：报警装置已投用，同意销号")
    if "YH-009" in by_code:
        planned("YH-009")
        section = bureau.session.scalar(select(Section.id).where(Section.tenant_id == ent.parent_id)
                                        .order_by(Section.id))
        hazard = loop.get_hazard(bureau, by_code["YH-009"])
        supervision.supervise(bureau, hazard.id, hazard.version, {
            "doc_no": f"{bureau.session.get(Tenant, ent.parent_id).short_name or ''}督〔{today.year}〕{i + 1}号",
            "due_on": (today + timedelta(days=20)).isoformat(), "section_id": section})
        bureau.session.commit()
        supervision.request_extension(officer, hazard.id, {
            "due_on": (today + timedelta(days=40)).isoformat(), "reason": "紧急切断阀订货周期约30天，厂家已出具供货证明"})
        officer.session.commit()
