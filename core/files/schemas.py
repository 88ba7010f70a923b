from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.files.sniff import KINDS
from core.schema import DateTime, PageQuery, Schema, page_of


class FileOut(Schema):
    id = fields.Integer()
    tenant_id = fields.Integer(metadata={"description": "所属单位"})
    tenant_name = fields.String(metadata={"description": "所属单位名称"})
    original_name = fields.String(metadata={"description": "上传时的文件名"})
    kind = fields.String(metadata={"description": "类型：" + "、".join(KINDS)})
    kind_label = fields.String(metadata={"description": "类型名称"})
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "字节数"})
    sha256 = fields.String()
    uploaded_by = fields.Integer(allow_none=True, metadata={"description": "上传人用户编号"})
    uploaded_by_name = fields.String(metadata={"description": "上传人"})
    created_at = DateTime(metadata={"description": "上传时间（UTC）"})
    content_url = fields.Function(lambda f: f"/api/v1/files/{f.id}/content",
                                  metadata={"description": "下载地址"})


FileListOut = page_of(FileOut)


class FileQuery(PageQuery):
    class Meta:
        unknown = ma.EXCLUDE

    kind = fields.String(load_default=None, metadata={"label": "类型"},
                         validate=validate.OneOf(list(KINDS), error="类型不在可选范围内"))
    tenant_id = fields.Integer(load_default=None, metadata={"label": "所属单位"})
    q = fields.String(load_default=None, metadata={"label": "文件名"},
                      validate=validate.Length(max=100, error="文件名关键词不超过100个字"))


class UploadIn(Schema):
    """One multipart/form-data body: the file and, optionally, the unit it belongs to."""

    class Meta:
        unknown = ma.EXCLUDE

    file = Upload(required=True, metadata={"label": "文件",
                                           "description": "PDF、Word(DOCX)、Excel(XLSX)、JPG 或 PNG"})
    tenant_id = fields.Integer(load_default=None, metadata={
        "label": "所属单位", "description": "默认为上传人所在单位；应急管理局用户可指定辖区内的企业"})


class ContentQuery(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    inline = fields.Boolean(load_default=False, metadata={
        "label": "在线查看", "description": "PDF 与图片以 inline 方式返回，便于浏览器直接显示"})
