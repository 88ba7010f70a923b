"""Filling in and handing in tasks: the evidence rules of seed 004 (study ≥ one week, one
剖析材料 per employee), review with return and a concurrent 409, findings registered in the
problem ledger exactly once, reminders once each, and the section's inspection."""
import io
import uuid
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from core.campaigns import inspections, progress, tasks
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.ledgers.models import Hazard
from core.notifications.models import Notification
from tenants.models import Tenant
from tests.campaigns.conftest import ENT1_USCC, step, task_of
from tests.files.samples import pdf, png


def save(ctx_for, task_id, values, username="ent1_officer"):  # noqa: ANN001, ANN201
    ctx = ctx_for(username)
    t = tasks.save_task(ctx, task_id, values, tasks.get_task(ctx, task_id).version)
    ctx.session.commit()
    return t


def upload(ctx_for, task_id, field, n=1, username="ent1_officer", content=None):  # noqa: ANN001, ANN201
    ctx = ctx_for(username)
    for i in range(n):
        tasks.add_file(ctx, task_id, field, io.BytesIO(content or pdf(f"statement {uuid.uuid4()}")), f"材料{i + 1}.pdf")
    ctx.session.commit()


def headcount(ctx_for, n):  # noqa: ANN001, ANN201
    ctx = ctx_for()
    ctx.session.scalar(select(Tenant).where(Tenant.uscc == ENT1_USCC)).headcount = n
    ctx.session.commit()


EDUCATION = {"briefing_date": "2024-09-10", "attendance": 3, "cases": "观看“9·7”事故警示片",
             "group_discussion": "分三组研讨"}


def _education(ctx_for, published):  # noqa: ANN001, ANN202
    t = task_of(ctx_for, published, "warning_education")
    fields = {f["id"]: f["type"] for f in tasks.view(ctx_for("ent1_officer"), t.id).item.fields}
    values = {k: v for k, v in EDUCATION.items() if k in fields}
    assert len(values) == len(EDUCATION), fields  # the template's field ids
    return t, fields


def test_per_employee_statements_are_counted_against_the_headcount(ctx_for, published):
    headcount(ctx_for, None)
    t, fields = _education(ctx_for, published)
    save(ctx_for, t.id, {k: v for k, v in EDUCATION.items()})
    photos = next(k for k, v in fields.items() if v == "files")
    statements = next(k for k, v in fields.items() if v == "employee_files")
    upload(ctx_for, t.id, photos)
    with pytest.raises(ValidationFailed) as e:     # no headcount recorded yet
        step(ctx_for, "ent1_officer", t.id, "submit")
    assert "从业人员数" in e.value.errors[f"data.{statements}"][0]
    headcount(ctx_for, 3)
    upload(ctx_for, t.id, statements, 2, content=pdf("王建国的剖析材料"))   # one statement twice counts once
    with pytest.raises(ValidationFailed) as e:
        step(ctx_for, "ent1_officer", t.id, "submit")
    assert e.value.errors[f"data.{statements}"][0].endswith("已上传1份，从业人员数为3人")
    upload(ctx_for, t.id, statements, 1)
    with pytest.raises(ValidationFailed) as e:
        step(ctx_for, "ent1_officer", t.id, "submit")
    assert e.value.errors[f"data.{statements}"][0].endswith("已上传2份，从业人员数为3人")
    upload(ctx_for, t.id, statements, 1)
    assert step(ctx_for, "ent1_officer", t.id, "submit").status == "submitted"


def test_study_lasts_at_least_a_week(ctx_for, published):
    t = task_of(ctx_for, published, "law_study")
    period = next(f for f in tasks.view(ctx_for("ent1_officer"), t.id).item.fields if f["type"] == "period")
    with pytest.raises(ValidationFailed) as e:
        save(ctx_for, t.id, {period["id"]: {"start": "2024-09-06", "end": "2024-09-11"}})
    assert "不少于7天（现为6天）" in e.value.errors[f"data.{period['id']}"][0]
    with pytest.raises(ValidationFailed):
        save(ctx_for, t.id, {period["id"]: {"start": "2024-09-12", "end": "2024-09-06"}})
    assert save(ctx_for, t.id, {period["id"]: {"start": "2024-09-06", "end": "2024-09-12"}}).status == "in_progress"


def test_return_resubmit_accept_and_a_concurrent_review(ctx_for, published):
    t, fields = _education(ctx_for, published)
    headcount(ctx_for, 1)
    save(ctx_for, t.id, EDUCATION)
    for f, kind in fields.items():
        if kind in ("files", "employee_files"):
            upload(ctx_for, t.id, f)
    step(ctx_for, "ent1_officer", t.id, "submit")
    with pytest.raises(ValidationFailed):
        step(ctx_for, "wsq_reviewer", t.id, "return")            # a return needs its comment
    back = step(ctx_for, "wsq_reviewer", t.id, "return", "剖析材料缺少班子成员的")
    assert back.status == "returned" and back.comment == "剖析材料缺少班子成员的"
    told = ctx_for().session.scalars(select(Notification.title).where(Notification.link == f"/campaigns/tasks/{t.id}"))
    assert any("被退回" in x for x in told)
    step(ctx_for, "ent1_officer", t.id, "submit")
    # Two reviewers at once: one wins, the other is told the task moved on.
    a, b = ctx_for("wsq_reviewer"), ctx_for("wsq_admin")
    va, vb = tasks.get_task(a, t.id).version, tasks.get_task(b, t.id).version
    tasks.transition(a, t.id, "accept", va)
    a.session.commit()
    with pytest.raises(Conflict):
        tasks.transition(b, t.id, "return", vb, "再看看")
    assert tasks.get_task(ctx_for("ent1_officer"), t.id).status == "accepted"


def test_who_may_act(ctx_for, published):
    t = task_of(ctx_for, published, "mobilize_meeting")
    with pytest.raises(PermissionDenied):
        save(ctx_for, t.id, {}, username="wsq_reviewer")              # a bureau does not fill in an enterprise's task
    with pytest.raises(NotFound):
        tasks.get_task(ctx_for("ent2_officer"), t.id)                 # another enterprise's task
    with pytest.raises(NotFound):
        tasks.get_task(ctx_for("yjhl_admin"), t.id)                   # another county's
    with pytest.raises(ValidationFailed) as e:
        save(ctx_for, t.id, {"nonexistent": "x"})
    assert "data.nonexistent" in e.value.errors


def _special_check_findings(ctx_for, published):  # noqa: ANN001, ANN202
    t = task_of(ctx_for, published, "special_check")
    checks = [f for f in tasks.view(ctx_for("ent1_officer"), t.id).item.fields if f["type"] == "checklist"]
    values = {f["id"]: {str(i): {"answer": "yes"} for i in range(len(f["items"]))} for f in checks}
    values[checks[0]["id"]]["0"] = {"answer": "no", "note": "甲醇合成岗位规程缺少紧急停车步骤",
                                    "measures": "修订规程并培训", "owner": "张三", "due_on": "2099-10-10"}
    values[checks[2]["id"]]["1"] = {"answer": "no", "note": "动火作业票审批人与作业负责人为同一人",
                                    "measures": "严格审批分离", "owner": "李四", "due_on": "2099-10-15"}
    return t, values


def test_findings_become_problem_ledger_rows_exactly_once(ctx_for, published):
    t, values = _special_check_findings(ctx_for, published)
    bad = {k: dict(v) for k, v in values.items()}
    first = next(iter(bad))
    bad[first]["0"] = {"answer": "no", "note": "规程缺步骤"}                 # no measure, owner or deadline
    with pytest.raises(ValidationFailed) as e:
        save(ctx_for, t.id, bad)
    assert "整改措施" in e.value.errors[f"data.{first}"][0]
    save(ctx_for, t.id, values)
    step(ctx_for, "ent1_officer", t.id, "submit")

    def campaign_hazards():  # noqa: ANN202
        return ctx_for().session.scalars(select(Hazard).where(Hazard.campaign_id == published)).all()
    found = campaign_hazards()
    assert sorted(h.owner for h in found) == ["张三", "李四"]
    assert {h.source for h in found} == {"专项检查"} and all(h.status == "rectifying" for h in found)
    # Returned and handed in again: nothing is registered twice.
    step(ctx_for, "wsq_reviewer", t.id, "return", "请补充整改方案")
    step(ctx_for, "ent1_officer", t.id, "submit")
    assert len(campaign_hazards()) == 2
    # The hazard ledger filters by campaign; the summary counts them.
    s = progress.summary(ctx_for("wsq_admin"), published)
    assert (s.found, s.closed) == (2, 0)


def test_reminders_and_overdue_are_told_once(ctx_for, published):
    def sweep(day):  # noqa: ANN001, ANN202
        ctx = ctx_for()
        out = tasks.sweep_deadlines(ctx, day)
        ctx.session.commit()
        return out
    first = sweep(date(2024, 9, 18))
    assert "提醒" in first and not first.startswith("专项整治：提醒 0 项")
    assert sweep(date(2024, 9, 18)) == "专项整治：提醒 0 项即将到期，0 项已逾期"
    assert not sweep(date(2024, 9, 21)).endswith("，0 项已逾期")
    assert sweep(date(2024, 9, 21)).endswith("，0 项已逾期")


def test_a_phone_inspection_puts_two_findings_in_the_ledger(ctx_for, published):
    t = task_of(ctx_for, published, "inspection")
    ctx = ctx_for("wsq_reviewer")
    i = inspections.start_inspection(ctx, t.id)
    ctx.session.commit()
    assert i.answers and all(a["ok"] is None for a in i.answers)
    findings = [{"description": "罐区可燃气体报警器未定期校验", "location": "甲醇罐区", "measures": "立即校验并建立台账",
                 "owner": "王五", "due_on": "2099-10-08"},
                {"description": "特殊作业票证填写不全", "location": "合成车间", "measures": "规范票证管理",
                 "owner": "赵六", "due_on": "2099-10-12"}]
    ctx = ctx_for("wsq_reviewer")
    i = inspections.save_inspection(ctx, i.id, {"answers": {str(n): {"answer": "yes"} for n in range(len(i.answers))},
                                                 "findings": findings, "inspectors": "张检查、李检查"}, i.version)
    inspections.add_photo(ctx, i.id, io.BytesIO(png()), "现场.png", finding=0)
    ctx.session.commit()
    ctx = ctx_for("wsq_reviewer")
    done = inspections.complete_inspection(ctx, i.id, inspections.get_inspection(ctx, i.id).version)
    ctx.session.commit()
    assert len(done.hazard_ids) == 2
    with pytest.raises(Conflict):
        inspections.complete_inspection(ctx_for("wsq_reviewer"), i.id, done.version)
    ent = ctx_for("ent1_officer")
    rows = ent.session.scalars(select(Hazard).where(Hazard.campaign_id == published)).all()
    assert sorted(h.owner for h in rows) == ["王五", "赵六"] and {h.source for h in rows} == {"上级督查"}
    assert tasks.get_task(ent, t.id).status == "accepted"
    assert ent.session.scalar(select(func.count(Notification.id)).where(
        Notification.dedupe_key == f"inspection:{i.id}:findings")) == 1


class _GbkName(zipfile.ZipInfo):
    """An entry named as Chinese Windows archivers name them: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):  # noqa: N802, ANN202
        return self.filename.encode("gbk"), self.flag_bits


def _zip(entries: dict[str, bytes], utf8: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            info = (zipfile.ZipInfo if utf8 else _GbkName)(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def test_statements_in_one_zip_are_kept_and_counted_one_by_one(ctx_for, published):
    t, fields = _education(ctx_for, published)
    statements = next(k for k, v in fields.items() if v == "employee_files")
    archive = _zip({"剖析材料/王建国.pdf": pdf("a"), "剖析材料/李明.pdf": pdf("b"), "__MACOSX/._李明.pdf": b"x"}, utf8=False)
    ctx = ctx_for("ent1_officer")
    stored = tasks.add_file(ctx, t.id, statements, io.BytesIO(archive), "全体员工剖析材料.zip")
    ctx.session.commit()
    assert sorted(s.original_name for s in stored) == ["李明.pdf", "王建国.pdf"]   # GBK names read right
    assert len(tasks.get_task(ctx_for("ent1_officer"), t.id).data[statements]) == 2


@pytest.mark.parametrize("entries, message", [
    ({"a.pdf": b"\0" * (30 * 1024 * 1024)}, "压缩比异常"),     # a bomb: refused from its directory
    ({"run.exe": b"MZ" + b"\0" * 100}, "run.exe"),            # not a document: named
])
def test_a_bad_zip_stores_nothing(ctx_for, published, entries, message):
    t, fields = _education(ctx_for, published)
    statements = next(k for k, v in fields.items() if v == "employee_files")
    ctx = ctx_for("ent1_officer")
    with pytest.raises(ValidationFailed) as e:
        tasks.add_file(ctx, t.id, statements, io.BytesIO(_zip(entries)), "材料.zip")
    assert message in e.value.message
    ctx.session.rollback()
    assert not tasks.get_task(ctx_for("ent1_officer"), t.id).data.get(statements)
