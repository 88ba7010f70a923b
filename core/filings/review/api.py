"""Emergency-plan filings over JSON. Another jurisdiction's filing answers 404 on every id
route, before its body is looked at."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body, pdf_download
from core.context import ServiceContext
from core.filings import rules
from core.filings.aftercare import service as aftercare
from core.filings.models import Filing, FilingEvaluation, RevisionTrigger
from core.filings.review import certificate as certificates
from core.filings.review import notice as notices
from core.filings.review import service
from core.filings.schemas import (
    EvaluationIn,
    EvaluationOut,
    FilingCreateIn,
    FilingDetailOut,
    FilingOut,
    FilingQuery,
    FilingTransitionIn,
    FilingUploadIn,
    RevisionIn,
    RevisionTriggerIn,
    RevisionTriggerOut,
    SettleIn,
)
from core.schema import PageQuery, page, page_list, page_of
from core.web import request as req

blp = Blueprint("api_filings", __name__, url_prefix="/filings",
                description="应急预案备案：企业上传备案材料并提交，应急管理局在5个工作日内准予备案（发放备案编号）"
                            "或一次性告知补正；逾期未处理的视为已经备案")

FILING_FIELDS = tuple(f for f in FilingOut._declared_fields if f != "overdue")


def _out(filing: Filing, **extra) -> dict:
    return {**{f: getattr(filing, f) for f in FILING_FIELDS},
            "overdue": filing.overdue(service.beijing_today()), **extra}


def _detail(ctx: ServiceContext, filing: Filing) -> dict:
    returns = service.returns_of(ctx, filing)
    names = service.people(ctx, {r.returned_by for r in returns})
    return _out(
        filing,
        materials=[{"id": m.id, "material": m.material, "material_label": rules.MATERIALS.get(m.material, m.material),
                    "name": m.name, "file": m.file, "uploaded_by": m.uploaded_by, "uploaded_at": m.uploaded_at}
                   for m in service.materials_of(ctx, filing)],
        completeness=service.completeness(ctx, filing),
        returns=[{"round": r.round, "returned_by": r.returned_by, "returned_by_name": names.get(r.returned_by, ""),
                  "returned_at": r.returned_at, "comment": r.comment,
                  "items": [{**i, "material_label": rules.MATERIALS.get(i["material"], i["material"])}
                            for i in r.items]} for r in returns],
        actions=service.actions(ctx, filing), next_step=service.next_step(ctx, filing),
        history=service.history(ctx, filing),
    )


@blp.get("")
@blp.arguments(FilingQuery, location="query")
@blp.response(200, page_of(FilingOut))
def list_filings(args: dict):  # noqa: ANN201
    """可见的备案：应急管理局按审查期限排列（待审查的在前），企业看本企业的（新的在前）。
    查询参数 status、overdue、enterprise、q、limit、offset。"""
    ctx = api_ctx()
    filters = (args["status"], args["overdue"], args["enterprise"])
    filings = service.list_filings(ctx, *filters, q=args["q"], limit=args["limit"], offset=args["offset"])
    return page([_out(f) for f in filings], service.count_filings(ctx, *filters, q=args["q"]), args)


@blp.post("")
@blp.doc(**body(FilingCreateIn))
@blp.response(201, FilingDetailOut)
def create():  # noqa: ANN201
    """创建备案草稿（企业管理员或安全员）：预案名称、公布日期"""
    ctx = api_ctx()
    filing = service.create_filing(ctx, json_body())
    return _detail(ctx, filing)


@blp.get("/<int:filing_id>")
@blp.response(200, FilingDetailOut)
def get_filing(filing_id: int):  # noqa: ANN201
    """备案详情：材料、材料完整性、退回记录及当前用户可执行的操作"""
    ctx = api_ctx()
    return _detail(ctx, service.read_filing(ctx, filing_id))


@blp.post("/<int:filing_id>/files")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": FilingUploadIn}}})
@blp.response(201, FilingDetailOut)
def upload(filing_id: int):  # noqa: ANN201
    """上传备案材料（multipart/form-data：file、material、name；草稿或已退回时）。
    文件类型按内容识别，只收 PDF、DOCX、XLSX、JPG、PNG，其他返回 422，超过大小上限返回 413。"""
    ctx = api_ctx()
    stream, filename = req.uploaded_file()
    service.add_material(ctx, filing_id, request.form.get("material"),
                         stream, filename, request.form.get("name"))
    filing = service.get_filing(ctx, filing_id)
    return _detail(ctx, filing)


@blp.delete("/<int:filing_id>/files/<int:material_id>")
@blp.response(200, FilingDetailOut)
def remove(filing_id: int, material_id: int):  # noqa: ANN201
    """删除一份备案材料（草稿或已退回时；文件本身保留）"""
    ctx = api_ctx()
    filing = service.remove_material(ctx, filing_id, material_id)
    return _detail(ctx, filing)


@blp.post("/<int:filing_id>/transitions")
@blp.doc(**body(FilingTransitionIn))
@blp.response(200, FilingDetailOut)
def transition(filing_id: int):  # noqa: ANN201
    """提交或补正后重新提交（企业，必备材料不全返回 409 并列出缺少的材料）、撤回（企业）、
    退回补正（应急管理局，须在 items 中至少列出一项需补正的材料，否则 422）、准予备案（应急管理局，发放备案编号）。
    version 已过期返回 409。"""
    ctx = api_ctx()
    data = json_body()
    filing = service.transition(ctx, filing_id, data.get("action"), data.get("version"), data.get("comment"),
                                data.get("items"))
    return _detail(ctx, filing)


@blp.get("/<int:filing_id>/certificate")
@blp.doc(**pdf_download("备案登记表 PDF（附件，文件名含备案编号）；首次生成后保存，此后提供同一份文件",
                        _409="该备案尚未取得备案编号"))
def certificate(filing_id: int):  # noqa: ANN201
    """备案登记表（PDF）：已取得备案编号的备案（准予备案、逾期视为备案，或已被新版本替代时注明已失效）。
    尚无备案编号返回 409。"""
    cert, stored = certificates.stored_pdf(api_ctx(), filing_id)
    return req.send_kept_document(stored, cert.download_name)


@blp.get("/<int:filing_id>/returns/<int:round>/notice")
@blp.doc(**pdf_download("补正告知书 PDF（一次性告知需补齐的材料及问题说明）；首次生成后保存，此后提供同一份文件",
                        _404="备案或该次退回不存在"))
def notice(filing_id: int, round: int):  # noqa: ANN201, A002
    """第 round 次退回的补正告知书（PDF）。"""
    n, stored = notices.stored_pdf(api_ctx(), filing_id, round)
    return req.send_kept_document(stored, n.download_name)


# ---------------------------------------------------------------------------- after filing

def _evaluation(row: FilingEvaluation) -> dict:
    return {f: getattr(row, f) for f in ("id", "filing_id", "evaluated_on", "conclusion", "conclusion_label", "summary",
                                         "file", "recorded_by", "recorded_at")}


def _trigger(row: RevisionTrigger) -> dict:
    return {**{f: getattr(row, f) for f in ("id", "filing_id", "trigger", "occurred_on", "description", "changes",
                                            "requires_refiling", "recorded_by", "recorded_at", "resolved_on",
                                            "resolution", "resolution_note", "resolved_filing_id")},
            "trigger_label": rules.REVISION_TRIGGERS.get(row.trigger, row.trigger),
            "change_labels": [rules.REFILING_CHANGES.get(c, c) for c in row.changes]}


@blp.post("/<int:filing_id>/evaluations")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": EvaluationIn}}})
@blp.response(201, EvaluationOut)
def record_evaluation(filing_id: int):  # noqa: ANN201
    """登记预案评估（第三十五条；企业管理员或安全员，已备案且未被替代的备案）。multipart/form-data：
    file（评估报告）、evaluated_on、conclusion（keep / revise）、summary；结论为 revise 时还须 trigger（修订情形），
    可重复的 changes（修订涉及的内容），同时登记该修订情形。下次评估期限从本次评估日期起算。"""
    ctx = api_ctx()
    service.get_filing(ctx, filing_id)
    stream, filename = req.uploaded_file()
    form = request.form
    row = aftercare.record_evaluation(
        ctx, filing_id,
        {"evaluated_on": form.get("evaluated_on"), "conclusion": form.get("conclusion"), "summary": form.get("summary"),
         "trigger": form.get("trigger") or None, "changes": form.getlist("changes")}, stream, filename)
    return _evaluation(row)


@blp.get("/<int:filing_id>/evaluations")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(EvaluationOut))
def list_evaluations(args: dict, filing_id: int):  # noqa: ANN201
    """备案的评估记录，新的在前（下次评估期限见备案的 evaluation_due）"""
    ctx = api_ctx()
    rows = aftercare.evaluations_of(ctx, service.get_filing(ctx, filing_id))
    return page_list([_evaluation(e) for e in rows], args)


@blp.post("/<int:filing_id>/revision-triggers")
@blp.doc(**body(RevisionTriggerIn))
@blp.response(201, RevisionTriggerOut)
def record_trigger(filing_id: int):  # noqa: ANN201
    """登记修订情形（第三十六条；企业）：备案显示“需修订”。changes 涉及组织指挥体系、处置程序、主要措施或
    响应分级任一项的，须重新备案（第三十七条，requires_refiling 为 true，并通知应急管理局）：
    用 POST …/revisions 创建修订版本备案；否则修订后用 …/settle 登记修订情况。"""
    ctx = api_ctx()
    service.get_filing(ctx, filing_id)
    row = aftercare.record_trigger(ctx, filing_id, json_body())
    return _trigger(row)


@blp.get("/<int:filing_id>/revision-triggers")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(RevisionTriggerOut))
def list_triggers(args: dict, filing_id: int):  # noqa: ANN201
    """备案的修订情形及办结情况，发生日期新的在前"""
    ctx = api_ctx()
    rows = aftercare.triggers_of(ctx, service.get_filing(ctx, filing_id))
    return page_list([_trigger(t) for t in rows], args)


@blp.post("/<int:filing_id>/revision-triggers/<int:trigger_id>/settle")
@blp.doc(**body(SettleIn))
@blp.response(200, RevisionTriggerOut)
def settle_trigger(filing_id: int, trigger_id: int):  # noqa: ANN201
    """登记修订完成（无需重新备案的修订）：note 说明如何修订。须重新备案的修订情形返回 409
    （由新版本备案办结），已办结的返回 409；不属于该备案的修订情形返回 404。"""
    ctx = api_ctx()
    service.get_filing(ctx, filing_id)
    row = aftercare.settle_trigger(ctx, trigger_id, json_body().get("note"), filing_id=filing_id)
    return _trigger(row)


@blp.post("/<int:filing_id>/revisions")
@blp.doc(**body(RevisionIn))
@blp.response(201, FilingDetailOut)
def start_revision(filing_id: int):  # noqa: ANN201
    """创建修订版本备案（第三十七条）：以本备案的材料为基础的新草稿（supersedes_id 指向本备案），
    替换修订过的材料后提交；新版本准予备案（或逾期视为备案）时本备案变为“已被新版本替代”。
    已有正在办理的修订版本时返回 409。"""
    ctx = api_ctx()
    service.get_filing(ctx, filing_id)
    new = aftercare.start_revision(ctx, filing_id, json_body())
    return _detail(ctx, new)
