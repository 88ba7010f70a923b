"""JSON API of ledgers: the types and their templates, imports (all or nothing, with a dry
run and the errors as a list and as an annotated xlsx), and the hazard ledger."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from core.api.auth import MultipartParser, api_ctx, body, json_body, xlsx_download
from core.errors import NotFound
from core.files.download import send_stored, store
from core.files.models import StoredFile
from core.ledgers import evidence, loop, service, supervision, xlsx
from core.ledgers import stats as ledger_stats
from core.ledgers.schemas import (
    DecisionIn,
    EvidenceIn,
    EvidenceOut,
    ExportQuery,
    ExtensionIn,
    ExtensionOut,
    HazardDetailOut,
    HazardIn,
    HazardOut,
    HazardQuery,
    ImportIn,
    ImportOut,
    LedgerTypeOut,
    PlanIn,
    QueuedOut,
    RejectedOut,
    RowExportQuery,
    RowOut,
    RowQuery,
    StatsOut,
    StatsQuery,
    SuperviseIn,
    TransitionIn,
    evidence_out,
    hazard_filter,
    stats_out,
)
from core.schema import PageQuery, page, page_list, page_of
from core.web.request import send_export, uploaded_file

blp = Blueprint("api_ledgers", __name__, url_prefix="", description="台账：隐患排查治理台账的模板、导入与查询")
blp.ARGUMENTS_PARSER = MultipartParser()


@blp.route("/ledger-types", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(LedgerTypeOut))
def list_types(args: dict):  # noqa: ANN201
    """可用的台账类型及其列（列标题、类型、必填、可选值、填写要求）"""
    return page_list(service.ledger_types(api_ctx()), args)


@blp.route("/ledger-types/<type_id>/template", methods=["GET"])
@blp.doc(**xlsx_download("按台账类型生成的 Excel 模板：冻结的中文表头、下拉选项、日期校验与填写说明"))
def template(type_id: str):  # noqa: ANN201
    """下载台账模板（.xlsx）"""
    content, filename = service.template_file(api_ctx(), type_id)
    return send_export(content, filename, xlsx.XLSX_TYPE)


@blp.route("/ledger-types/<type_id>/rows", methods=["GET"])
@blp.arguments(RowQuery, location="query")
@blp.response(200, page_of(RowOut))
def list_rows(args: dict, type_id: str):  # noqa: ANN201
    """隐患台账以外的台账类型（安全风险分级管控清单、插件提供的台账）的记录；隐患见 /hazards"""
    ctx = api_ctx()
    if type_id == service.HAZARDS.id:
        raise NotFound("隐患台账的记录见 /api/v1/hazards")
    lt = service.ledger_type(ctx, type_id)
    where = {"enterprise_id": args.get("enterprise_id"), "q": args.get("q")}
    rows = service.list_rows(ctx, lt, **where, limit=args["limit"], offset=args["offset"])
    return page(rows, service.count_rows(ctx, lt, **where), args)


@blp.route("/ledger-types/<type_id>/export", methods=["GET"])
@blp.arguments(RowExportQuery, location="query")
@blp.doc(**xlsx_download("该台账类型的可见记录：与模板相同的列（可直接重新导入），应急管理局另附企业"))
def export_rows(args: dict, type_id: str):  # noqa: ANN201
    """导出台账（.xlsx）；隐患台账见 /hazards/export"""
    ctx = api_ctx()
    if type_id == service.HAZARDS.id:
        return send_export(*service.export_hazards(ctx, args["format"]))
    return send_export(*service.export_rows(ctx, service.ledger_type(ctx, type_id), args["format"],
                                            enterprise_id=args.get("enterprise_id")))


@blp.route("/ledger-types/<type_id>/imports", methods=["POST"])
@blp.arguments(ImportIn, location="files")
@blp.response(201, ImportOut)
@blp.alt_response(200, schema=ImportOut, description="预检（dry_run=true）：给出新增、更新、未变的条数，未保存")
@blp.alt_response(422, schema=RejectedOut, description="未通过校验：一条也未保存，errors 列出每处错误（行号、列、说明）")
@blp.alt_response(202, schema=QueuedOut, description="文件较大（超过 ANJIAN_LEDGER_INLINE_KB）：转为后台任务导入，轮询任务获取结果")
def import_file(args: dict, type_id: str):  # noqa: ANN201
    """导入台账（multipart/form-data：file，可选 dry_run）

    全部行通过校验才保存，否则一条也不保存并列出每处错误；按“编号列”更新已有记录，重复导入同一文件不产生变化。
    较大的文件转为后台任务（202），任务页面与 /api/v1/jobs/<id> 显示读取、校验、保存的进度。
    """
    ctx = api_ctx()
    sent = args["file"]
    with sent.stream:  # a large upload is spooled to a temporary file: let it go at once
        data = sent.stream.read(ctx.house.files.max_bytes + 1)
    if service.runs_as_job(ctx, len(data)):
        job = service.start_import(ctx, type_id, data, sent.filename or "", dry_run=args["dry_run"])
        return jsonify(QueuedOut().dump({"status": "queued", "job": job})), 202
    result = service.import_ledger(ctx, type_id, data, sent.filename or "", dry_run=args["dry_run"])
    if result.status == "rejected":
        return jsonify(_rejected(result)), 422
    return result.record, 201 if result.status == "stored" else 200


def _rejected(result: service.ImportResult) -> dict:
    """The common error envelope, errors keyed by row and column, with the import's record."""
    record = result.record
    errors: dict[str, list[str]] = {}
    for e in record.errors:
        errors.setdefault(f"第{e['row']}行 {e['column']}".strip(), []).append(e["message"])
    message = record.message or f"共 {record.error_count} 处错误，未保存任何数据；请按错误说明修改后重新上传"
    return {"code": "validation_failed", "message": message, "errors": errors or {"file": [message]},
            "import": ImportOut().dump(record)}


@blp.route("/imports/<int:import_id>", methods=["GET"])
@blp.response(200, ImportOut)
def get_import(import_id: int):  # noqa: ANN201
    """一次导入的结果"""
    return service.get_import(api_ctx(), import_id)


@blp.route("/imports/<int:import_id>/errors.xlsx", methods=["GET"])
@blp.doc(**xlsx_download("用户上传的文件副本：出错的单元格标红，末列为错误说明；修改后可直接重新上传"))
def import_errors(import_id: int):  # noqa: ANN201
    """下载标出错误的文件副本"""
    ctx = api_ctx()
    record = service.get_import(ctx, import_id)
    if record.error_file_id is None:
        raise NotFound("该导入没有错误文件")
    f, path = store().open_blob(ctx, record.error_file_id)
    return send_stored(f, path)


def _hazard(ctx, hazard) -> dict:  # noqa: ANN001
    out = {c: getattr(hazard, c) for c in HazardDetailOut._declared_fields
           if c not in ("actions", "extensions", "evidence")}
    return out | {"actions": supervision.actions(ctx, hazard), "extensions": supervision.extensions_of(ctx, hazard),
                  "evidence": [evidence_out(*pair) for pair in evidence.evidence_of(ctx, hazard)]}


@blp.route("/hazards/export", methods=["GET"])
@blp.arguments(ExportQuery, location="query")
@blp.doc(**xlsx_download("可见隐患的 Excel：与模板相同的列（可直接重新导入），另附状态、逾期与企业"))
def export_hazards(args: dict):  # noqa: ANN201
    """导出隐患台账（默认 .xlsx；format 可选插件提供的其他格式；筛选条件同列表）"""
    return send_export(*service.export_hazards(api_ctx(), args["format"], hazard_filter(args)))


@blp.route("/hazards/<int:hazard_id>", methods=["GET"])
@blp.response(200, HazardDetailOut)
def get_hazard(hazard_id: int):  # noqa: ANN201
    """一项隐患，及当前用户可执行的操作"""
    ctx = api_ctx()
    return _hazard(ctx, loop.get_hazard(ctx, hazard_id))


@blp.route("/hazards/<int:hazard_id>/transitions", methods=["POST"])
@blp.doc(**body(TransitionIn))
@blp.response(200, HazardDetailOut)
def transition(hazard_id: int):  # noqa: ANN201
    """整改闭环的一步：start 开始整改、complete 整改完成（completed_on）、verify 验收销号（verified_by、
    verified_on、verdict；一般隐患）、report 验收并报请核查（同 verify 的字段；重大隐患，仍为待验收）、reject 验收不通过（comment）、bureau_verify
    应急管理局核查销号（重大隐患，企业报请核查后，comment）、reopen 回头看重新整改（comment）。version 为读取时的版本号，已被他人修改时 409。"""
    ctx = api_ctx()
    data = json_body()
    hazard = loop.transition(ctx, hazard_id, data.get("action"), data.get("version"), data)
    return _hazard(ctx, hazard)


@blp.route("/hazards/<int:hazard_id>/plan", methods=["PUT"])
@blp.doc(**body(PlanIn))
@blp.response(200, HazardDetailOut)
def set_plan(hazard_id: int):  # noqa: ANN201
    """重大事故隐患的治理方案（七项均须填写），开始整改前制定"""
    ctx = api_ctx()
    data = json_body()
    return _hazard(ctx, loop.set_plan(ctx, hazard_id, data.get("version"), data.get("plan")))


@blp.route("/hazards", methods=["GET"])
@blp.arguments(HazardQuery, location="query")
@blp.response(200, page_of(HazardOut))
def list_hazards(args: dict):  # noqa: ANN201
    """可见的隐患（企业看本企业的，应急管理局看辖区的），逾期的在前"""
    ctx = api_ctx()
    where = hazard_filter(args)
    rows = service.list_hazards(ctx, where, limit=args["limit"], offset=args["offset"])
    return page(rows, service.count_hazards(ctx, where), args)


@blp.route("/hazards", methods=["POST"])
@blp.doc(**body(HazardIn))
@blp.response(201, HazardDetailOut)
def register():  # noqa: ANN201
    """登记一项隐患（列 id 见 /ledger-types；校验同导入）；重大事故隐患即时报告监管部门"""
    ctx = api_ctx()
    return _hazard(ctx, service.register_hazard(ctx, json_body()))


@blp.route("/hazards/<int:hazard_id>/supervision", methods=["PUT"])
@blp.doc(**body(SuperviseIn))
@blp.response(200, HazardDetailOut)
def supervise(hazard_id: int):  # noqa: ANN201
    """挂牌督办重大事故隐患（督办文号、督办期限、督办股室）；企业即时收到通知"""
    ctx = api_ctx()
    data = json_body()
    return _hazard(ctx, supervision.supervise(ctx, hazard_id, data.get("version"), data))


@blp.route("/hazards/<int:hazard_id>/evidence", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": EvidenceIn}}})
@blp.response(201, EvidenceOut)
def add_evidence(hazard_id: int):  # noqa: ANN201
    """上传隐患的照片或资料（multipart/form-data：file、stage、可选 note）；重大事故隐患须有整改后资料才能登记整改完成"""
    ctx = api_ctx()
    loop.get_hazard(ctx, hazard_id)   # another tenant's hazard: 404 before the body is looked at
    stream, filename = uploaded_file()
    item = evidence.add_evidence(ctx, hazard_id, request.form.get("stage", ""), stream, filename,
                                 request.form.get("note"))
    return evidence_out(item, ctx.session.get(StoredFile, item.file_id))


@blp.route("/hazards/<int:hazard_id>/extensions", methods=["POST"])
@blp.doc(**body(ExtensionIn))
@blp.response(201, ExtensionOut)
def request_extension(hazard_id: int):  # noqa: ANN201
    """企业申请延长重大事故隐患的整改期限（一次一项待审批）"""
    return supervision.request_extension(api_ctx(), hazard_id, json_body())


@blp.route("/extensions/<int:extension_id>/decision", methods=["POST"])
@blp.doc(**body(DecisionIn))
@blp.response(200, ExtensionOut)
def decide_extension(extension_id: int):  # noqa: ANN201
    """应急管理局审批延期申请：同意则整改期限改为申请的日期；不同意须写明理由"""
    data = json_body()
    return supervision.decide_extension(api_ctx(), extension_id, data.get("approve"), data)


@blp.route("/stats/hazards", methods=["GET"])
@blp.arguments(StatsQuery, location="query")
@blp.response(200, StatsOut)
def stats(args: dict):  # noqa: ANN201
    """隐患统计：总数、销号、整改率、按期整改率、逾期、重大未销号、挂牌督办、回头看反弹；按企业、下级单位或股室分组，
    另附按类别、来源的分布与近12个月趋势（均为数据库汇总）"""
    return stats_out(ledger_stats.hazard_stats(api_ctx(), args["group"], hazard_filter(args)))
