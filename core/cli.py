"""The `anjian` command line. Commands call the same services as the pages and the API,
as the system actor, and commit once at the end."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from core import manifests
from core.app import create_app
from core.audit.service import (
    append_checkpoint,
    checkpoint_path,
    current_checkpoint,
    derive_key,
    sign_head,
    verify_anchored,
)
from core.auth import service as auth
from core.auth.models import User
from core.clitools import system_ctx
from core.campaigns.demo import load_demo_campaigns
from core.demo import DEMO_PASSWORD, USERS, load_demo
from core.filings.demo import load_demo_filings
from core.ledgers.demo import load_demo_ledgers
from core.jobs.runner import start_periodic_sweeps
from core.migrate import upgrade
from core.plugins.manager import build_registry
from core.plugins.web import registry
from tenants import service as tenants
from tenants.models import Tenant


def _create_app():  # noqa: ANN202
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """安监 Anjian：应急管理局与企业的安全生产合规平台。"""


# --- database and demo ---

@main.group("db")
def db_group() -> None:
    """数据库迁移。"""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations to ANJIAN_DATABASE_URL: the core's and every loaded plugin's."""
    upgrade(current_app.config["DATABASE_URL"], revision, registry(current_app).migration_locations())
    click.echo(f"数据库已升级到 {revision}")


@main.command("demo")
@with_appcontext
def demo() -> None:
    """Load the 鄂尔多斯 demo data (idempotent: running it again adds nothing)."""
    upgrade(current_app.config["DATABASE_URL"], plugin_locations=registry(current_app).migration_locations())
    with system_ctx("demo") as ctx:
        counts = load_demo(ctx)
    made = load_demo_filings(current_app.extensions["anjian.db"])
    ledgers = load_demo_ledgers(current_app.extensions["anjian.db"])
    campaigns = load_demo_campaigns(current_app.extensions["anjian.db"])
    click.echo(f"演示数据就绪：{counts['bureaus']} 个应急管理局，{counts['enterprises']} 家企业，"
               f"{counts['users']} 个账号（密码 {DEMO_PASSWORD}）：" + "、".join(u[0] for u in USERS)
               + (f"；新建演示备案 {made} 件" if made else "") + (f"；{ledgers} 家企业的演示隐患台账" if ledgers else "")
               + ("；演示专项整治：市级警示月及乌审旗转发落实" if campaigns else ""))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@with_appcontext
def serve(host: str, port: int, debug: bool) -> None:
    """Run the development web server (use gunicorn in production, see README)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    if start_periodic_sweeps(app):
        click.echo(f"未配置 Redis：定期检查（期限届满视为备案、提醒等）在本进程内运行，"
                   f"启动时一次，此后每 {app.config['SWEEP_MINUTES']} 分钟一次")
    click.echo(f"安监平台：http://{host}:{port}/ （Ctrl+C 停止）")
    run_simple(host, port, current_app._get_current_object(), use_debugger=debug, use_reloader=False,
               threaded=True)


# --- tenants ---

@main.group("tenants")
def tenants_group() -> None:
    """单位：应急管理局与企业。"""


def _bureau_by_code(session, code: str):  # noqa: ANN001, ANN202
    bureau = session.scalar(select(Tenant).where(Tenant.kind == "bureau", Tenant.region_code == code))
    if bureau is None:
        raise click.ClickException(f"没有行政区划代码为 {code} 的应急管理局")
    return bureau


@tenants_group.command("create")
@click.option("--kind", type=click.Choice(["bureau", "enterprise"]), required=True)
@click.option("--parent", "parent_code", help="上级应急管理局的行政区划代码；省略则新建顶级应急管理局")
@click.option("--name", required=True)
@click.option("--region", "region_code", required=True, help="行政区划代码（GB/T 2260）")
@click.option("--short-name")
@click.option("--uscc")
@click.option("--industry")
@click.option("--address")
@click.option("--principal")
@click.option("--phone")
@with_appcontext
def tenants_create(kind: str, parent_code: str | None, **fields) -> None:
    """Create a bureau or an enterprise."""
    with system_ctx() as ctx:
        data = {k: v for k, v in fields.items() if v is not None}
        if parent_code:
            data["parent_id"] = _bureau_by_code(ctx.session, parent_code).id
        elif kind == "enterprise":
            raise click.ClickException("企业必须指定 --parent（监管部门的行政区划代码）")
        if kind == "bureau":
            data.pop("uscc", None)
            tenant = tenants.create_bureau(ctx, data, root=not parent_code)
        else:
            tenant = tenants.create_enterprise(ctx, data)
        click.echo(f"已创建 {tenant.id} {tenant.name}")


@tenants_group.command("list")
@with_appcontext
def tenants_list() -> None:
    """Print the jurisdiction tree."""
    with system_ctx() as ctx:
        for t in tenants.list_tenants(ctx):
            extra = f"  {t.uscc}  {t.industry_label}" if t.uscc else ""
            click.echo(f"{'  ' * (t.depth - 1)}{t.id:>4}  {t.name}  [{t.kind}] {t.region_code}{extra}")


# --- users and tokens ---

@main.group("users")
def users_group() -> None:
    """用户。"""


def _user_by_name(session, username: str):  # noqa: ANN001, ANN202
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    return user


@users_group.command("create")
@click.argument("username")
@click.option("--tenant", "tenant_key", required=True, help="单位：行政区划代码（应急管理局）或统一社会信用代码（企业）")
@click.option("--role", type=click.Choice(["admin", "reviewer", "officer", "viewer"]), required=True)
@click.option("--name", "display_name", required=True)
@click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
@with_appcontext
def users_create(username: str, tenant_key: str, role: str, display_name: str, password: str) -> None:
    """Create a user in a bureau or an enterprise."""
    with system_ctx() as ctx:
        tenant = ctx.session.scalar(select(Tenant).where(Tenant.uscc == tenant_key)) or \
            _bureau_by_code(ctx.session, tenant_key)
        user = auth.create_user(ctx, {"username": username, "display_name": display_name, "password": password,
                                      "role": role, "tenant_id": tenant.id})
        click.echo(f"已创建用户 {user.username}（{tenant.name}，{user.role_label}）")


@users_group.command("list")
@with_appcontext
def users_list() -> None:
    with system_ctx() as ctx:
        for u in auth.list_users(ctx):
            click.echo(f"{u.username:<16} {u.role:<9} {'启用' if u.active else '停用'}  {u.display_name}  {u.tenant.name}")


@users_group.command("set-password")
@click.argument("username")
@click.password_option(prompt="新密码", confirmation_prompt="再次输入新密码")
@with_appcontext
def users_set_password(username: str, password: str) -> None:
    with system_ctx() as ctx:
        auth.set_password(ctx, _user_by_name(ctx.session, username).id, {"password": password})
        click.echo(f"已修改 {username} 的密码")


@main.group("tokens")
def tokens_group() -> None:
    """API 令牌。"""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="命令行创建", show_default=True)
@with_appcontext
def tokens_create(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it (shown only this once)."""
    with system_ctx() as ctx:
        _token, secret = auth.create_token(ctx, _user_by_name(ctx.session, username).id, {"name": name})
    click.echo(secret)


# --- audit ---

@main.group("audit")
def audit_group() -> None:
    """审计记录。"""


def _checkpoint_file(path: str | None):  # noqa: ANN202
    from pathlib import Path

    return Path(path) if path else checkpoint_path(current_app.config, current_app.instance_path)


def _verified(session, path):  # noqa: ANN001, ANN202
    return verify_anchored(session, derive_key(current_app.config["SECRET_KEY"]), path)


def _fail(report) -> None:  # noqa: ANN001
    for p in report.problems:
        click.echo(p, err=True)
    click.echo(f"审计链校验失败：{len(report.problems)} 个问题（共检查 {report.checked} 条）", err=True)
    sys.exit(1)


@audit_group.command("verify")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None,
              help="检查点文件（默认 AUDIT_CHECKPOINT_FILE 或 <instance>/audit-checkpoints.jsonl）")
@with_appcontext
def audit_verify(path: str | None) -> None:
    """Recompute the sha256 chain, check the head's signature and the latest checkpoint;
    exit status 1 when a row was edited or deleted."""
    with system_ctx() as ctx:
        report = _verified(ctx.session, _checkpoint_file(path))
    if not report.ok:
        _fail(report)
    click.echo(f"审计链完整：共 {report.checked} 条记录")


@audit_group.command("checkpoint")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None,
              help="检查点文件（默认 AUDIT_CHECKPOINT_FILE 或 <instance>/audit-checkpoints.jsonl）")
@with_appcontext
def audit_checkpoint(path: str | None) -> None:
    """Verify the chains, then append their signed heads (per chain: seq, hash, signature;
    and the UTC time) as one JSON line to the checkpoint file; for cron, and for copying to another host. A chain
    that fails verification is not checkpointed: that would anchor the damage."""
    target = _checkpoint_file(path)
    with system_ctx() as ctx:
        report = _verified(ctx.session, target)
        cp = current_checkpoint(ctx.session)
    if not report.ok:
        _fail(report)
    append_checkpoint(target, cp)
    click.echo(f"已写入检查点：{len(cp.heads)} 条审计链，共 {cp.events} 条审计记录 → {target}")


@audit_group.command("sign-head")
@with_appcontext
def audit_sign_head() -> None:
    """Sign every chain's head with this installation's key (after upgrading from a version
    without signatures, or once a reported head has been looked into); recorded as an event."""
    with system_ctx() as ctx:
        event = sign_head(ctx, derive_key(current_app.config["SECRET_KEY"]))
    click.echo(f"已签署审计链头：{event.summary}")


def _register_area_commands() -> None:
    """The areas' commands (their manifests), then those of installed plugins
    (anjian_cli_commands); core names win."""
    for m in manifests.CORE:
        for cmd in m.commands:
            main.add_command(cmd)
    extra = [p for p in os.environ.get("ANJIAN_PLUGINS_EXTRA", "").split(";") if p.strip()]
    for record in build_registry(extra, manifests.template_kinds()).loaded():
        for cmd in record.cli_commands:
            if cmd.name not in main.commands:
                main.add_command(cmd)


_register_area_commands()


if __name__ == "__main__":
    main()
