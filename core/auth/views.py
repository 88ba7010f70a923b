"""Login, logout, the user's own page (password, API tokens) and user management."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from core.auth import service as auth
from core.auth.models import ROLES
from core.errors import DomainError, ValidationFailed
from core.web import request as req
from core.web.forms import form_data, local_path, rerender
from core.web.paging import id_of, page_of, query_of
from tenants import service as tenants

bp = Blueprint("auth", __name__, template_folder="templates")
users_bp = Blueprint("users", __name__, url_prefix="/users")
PAGE = 50


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    if request.method == "GET":
        if req.current_user() is not None:
            return redirect(url_for("main.dashboard"))
        return render_template("auth/login.html", form={}, errors={})
    s = req.db()
    try:
        user = auth.authenticate(s, request.form.get("username", ""), request.form.get("password", ""),
                                 max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                                 lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
                                 via="page", remote_addr=request.remote_addr)
    except DomainError as e:
        return render_template("auth/login.html", form=request.form, errors={}, error_message=e.message), e.status
    csrf = session.get("csrf")
    session.clear()
    session.update(uid=user.id, epoch=user.session_epoch)
    if csrf:
        session["csrf"] = csrf
    session.permanent = False
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():  # noqa: ANN201
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("您已安全退出"))
    return redirect(url_for("auth.login"))


@bp.get("/me")
def me():  # noqa: ANN201
    ctx = req.ctx()
    return render_template("auth/me.html", tokens=auth.list_tokens(ctx, ctx.actor.user_id),
                           new_secret=session.pop("new_token", None), errors={}, form={})


@bp.post("/me/password")
def change_password():  # noqa: ANN201
    ctx = req.ctx()
    try:
        user = auth.set_password(ctx, ctx.actor.user_id, form_data())
    except ValidationFailed as e:
        return rerender("auth/me.html", e, tokens=auth.list_tokens(ctx, ctx.actor.user_id), new_secret=None)
    session["epoch"] = user.session_epoch  # stay logged in here, end other sessions
    flash(_("密码已修改，其他设备上的登录已失效"))
    return redirect(url_for("auth.me"))


@bp.post("/me/tokens")
def create_token():  # noqa: ANN201
    ctx = req.ctx()
    _token, secret = auth.create_token(ctx, ctx.actor.user_id, form_data())
    session["new_token"] = secret  # shown once on the next page, then gone
    return redirect(url_for("auth.me"))


@bp.post("/me/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):  # noqa: ANN201
    auth.revoke_token(req.ctx(), token_id)
    flash(_("令牌已吊销"))
    return redirect(request.referrer if request.referrer and "/users/" in request.referrer else url_for("auth.me"))


# --- user management (admins) ---

def _user_form_context(ctx):  # noqa: ANN001, ANN202
    units = tenants.list_tenants(ctx)
    sections = tenants.list_sections(ctx) if ctx.actor.is_bureau else []
    return {"units": units, "roles": ROLES,
            "section_options": [(s.id, f"{s.name}") for s in sections]}


@users_bp.get("")
def list_users():  # noqa: ANN201
    ctx = req.ctx()
    ctx.require("admin")
    tenant_id, q = id_of(request.args, "tenant_id"), query_of(request.args)
    paging = page_of(request.args, PAGE)
    return render_template("auth/users.html", users=auth.list_users(ctx, tenant_id, q=q, limit=paging.limit,
                                                                    offset=paging.offset),
                           total=auth.count_users(ctx, tenant_id, q=q), paging=paging, q=q, args=request.args,
                           tenant_id=tenant_id, **_user_form_context(ctx))


@users_bp.route("/new", methods=["GET", "POST"])
def new_user():  # noqa: ANN201
    ctx = req.ctx()
    ctx.require("admin")
    if request.method == "GET":
        return render_template("auth/user_form.html", user=None, form=request.args, errors={},
                               **_user_form_context(ctx))
    try:
        user = auth.create_user(ctx, form_data(ints=("tenant_id", "section_id")))
    except ValidationFailed as e:
        return rerender("auth/user_form.html", e, user=None, **_user_form_context(ctx))
    flash(_("已创建用户 %(name)s", name=user.username))
    return redirect(url_for("users.list_users"))


@users_bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):  # noqa: ANN201
    ctx = req.ctx()
    user = auth.get_user(ctx, user_id)
    ctx.require("admin")
    if request.method == "GET":
        form = {"display_name": user.display_name, "role": user.role, "section_id": user.section_id or "",
                "phone": user.phone or "", "active": user.active, "version": user.version}
        return render_template("auth/user_form.html", user=user, form=form, errors={},
                               tokens=auth.list_tokens(ctx, user.id), **_user_form_context(ctx))
    try:
        auth.update_user(ctx, user_id, form_data(ints=("section_id", "version"), bools=("active",)))
    except ValidationFailed as e:
        return rerender("auth/user_form.html", e, user=user, tokens=auth.list_tokens(ctx, user.id),
                        **_user_form_context(ctx))
    flash(_("已保存"))
    return redirect(url_for("users.list_users"))


@users_bp.post("/<int:user_id>/password")
def reset_password(user_id: int):  # noqa: ANN201
    ctx = req.ctx()
    try:
        user = auth.set_password(ctx, user_id, form_data())
    except ValidationFailed as e:
        req.doom()
        flash(e.message, "error")
        return redirect(url_for("users.edit_user", user_id=user_id)), 303
    flash(_("已重置 %(name)s 的密码", name=user.username))
    return redirect(url_for("users.edit_user", user_id=user_id))
