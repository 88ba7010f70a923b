"""A sample plugin that owns a table: enterprises keep short notes (备忘). It ships its own
Alembic branch, a JSON API through flask-smorest, a page with a menu entry and an English
catalogue — written against core.plugin_api alone, as a vendor would."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import marshmallow as ma
from flask import Blueprint
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.plugin_api import (
    ApiBlueprint,
    Base,
    MenuItem,
    NotFound,
    PluginInfo,
    TenantOwned,
    catalogue,
    hookimpl,
    request_ctx,
    utcnow,
)

HERE = Path(__file__).parent
_ = catalogue(HERE / "translations")


class Note(TenantOwned, Base):
    """An enterprise's note: tenant data, so scoped like the core's tables."""

    __tablename__ = "notes_plugin_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoteIn(ma.Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200, error="备忘内容为1至200个字"))


class NoteOut(ma.Schema):
    id = ma.fields.Integer()
    tenant_id = ma.fields.Integer()
    text = ma.fields.String()


api = ApiBlueprint("notes_api", __name__, url_prefix="/ext/notes", description="企业备忘（示例插件）")


@api.get("")
@api.response(200, NoteOut(many=True))
def list_notes():  # noqa: ANN201
    """本单位及下级单位的备忘。"""
    return request_ctx().session.scalars(select(Note).order_by(Note.id)).all()


@api.post("")
@api.arguments(NoteIn)
@api.response(201, NoteOut)
def create_note(data: dict):  # noqa: ANN201
    """新建本企业的备忘。"""
    ctx = request_ctx()
    ctx.require("admin", "officer", bureau=False, message="只有企业用户可以记备忘")
    note = Note(tenant_id=ctx.actor.tenant_id, text=data["text"])
    ctx.session.add(note)
    ctx.session.flush()
    return note


@api.get("/<int:note_id>")
@api.response(200, NoteOut)
def get_note(note_id: int):  # noqa: ANN201
    """一条备忘；其他单位的备忘不存在。"""
    note = request_ctx().session.scalar(select(Note).where(Note.id == note_id))
    if note is None:
        raise NotFound("备忘不存在或无权访问")
    return note


pages = Blueprint("notes_pages", __name__, url_prefix="/ext/notes")


@pages.get("/")
def index():  # noqa: ANN201
    return _("企业备忘")


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="企业备忘", description="示例插件：企业自己的备忘")


@hookimpl
def anjian_blueprints() -> list:
    return [api, pages]


@hookimpl
def anjian_menu_items() -> list[MenuItem]:
    return [MenuItem(endpoint="notes_pages.index", label="企业备忘", tenant_kind="enterprise")]


@hookimpl
def anjian_migrations() -> Path:
    return HERE / "migrations"


@hookimpl
def anjian_translations() -> Path:
    return HERE / "translations"
