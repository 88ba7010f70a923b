"""Emergency-plan filings over JSON. Another jurisdiction's filing answers 404 on every id
route, before its body is looked at."""
from __future__ import annotations

import io

from flask import current_app, request
from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body
from core.context import ServiceContext
from core.filings import rules, service
from core.filings.models import Filing
from core.filings.schemas import (FilingCreateIn, FilingDetailOut, FilingOut, FilingQuery, FilingTransitionIn,
                                  FilingUploadIn)
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
        actions=service.actions(ctx, filing),
    )


@blp.get("")
@blp.arguments(FilingQuery, location="query")
@blp.response(200, FilingOut(many=True))
def list_filings(args: dict):  # noqa: ANN201
    """可见的备案：应急管理局按审查期限排列（待审查的在前），企业看本企业的（新的在前）。
    查询参数 status、overdue、enterprise、limit、offset。"""
    ctx = api_ctx()
    filings = service.list_filings(ctx, args["status"], args["overdue"], args["enterprise"],
                                   limit=args["limit"], offset=args["offset"])
    return [_out(f) for f in filings]


@blp.post("")
@blp.doc(**body(FilingCreateIn))
@blp.response(201, FilingDetailOut)
def create():  # noqa: ANN201
    """创建备案草稿（企业管理员或安全员）：预案名称、公布日期"""
    ctx = api_ctx()
    filing = service.create_filing(ctx, json_body())
    req.commit()
    return _detail(ctx, filing)


@blp.get("/<int:filing_id>")
@blp.response(200, FilingDetailOut)
def get_filing(filing_id: int):  # noqa: ANN201
    """备案详情：材料、材料完整性、退回记录及当前用户可执行的操作"""
    ctx = api_ctx()
    return _detail(ctx, service.get_filing(ctx, filing_id))


@blp.post("/<int:filing_id>/files")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": FilingUploadIn}}})
@blp.response(201, FilingDetailOut)
def upload(filing_id: int):  # noqa: ANN201
    """上传备案材料（multipart/form-data：file、material、name；草稿或已退回时）。
    文件类型按内容识别，只收 PDF、DOCX、XLSX、JPG、PNG，其他返回 422，超过大小上限返回 413。"""
    ctx = api_ctx()
    sent = request.files.get("file")
    stream, filename = (sent.stream, sent.filename or "") if sent is not None else (io.BytesIO(), "")
    service.add_material(ctx, current_app.extensions["anjian.files"], filing_id, request.form.get("material"),
                         stream, filename, request.form.get("name"))
    filing = service.get_filing(ctx, filing_id)
    req.commit()
    return _detail(ctx, filing)


@blp.delete("/<int:filing_id>/files/<int:material_id>")
@blp.response(200, FilingDetailOut)
def remove(filing_id: int, material_id: int):  # noqa: ANN201
    """删除一份备案材料（草稿或已退回时；文件本身保留）"""
    ctx = api_ctx()
    filing = service.remove_material(ctx, filing_id, material_id)
    req.commit()
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
    req.commit()
    return _detail(ctx, filing)
