"""`anjian plugins …`: list, enable, disable, scaffold."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.clitools import system_ctx
from core.plugins import service
from core.plugins.scaffold import new_command
from core.plugins.web import registry
from tenants.models import Tenant


@click.group("plugins")
def plugins_cli() -> None:
    """插件：列出、启用、停用、新建。"""


@plugins_cli.command("list")
@with_appcontext
def list_plugins() -> None:
    """Name, distribution, version, state and what each plugin contributes; exits with
    status 1 when a plugin failed, so a deployment check notices."""
    records = sorted(registry(current_app).records.values(), key=lambda r: r.name)
    for r in records:
        adds = ", ".join(f"{k}×{n}" for k, n in r.contributions().items()) or "-"
        dist = f"{r.distribution} {r.version}" if r.distribution else "(未安装的开发模块)"
        click.echo(f"{r.name:<28} {dist:<32} {r.state:<7} {adds}  {r.title}")
        if r.error:
            click.echo(f"{'':<28} 错误：{r.error}")
    failed = [r.name for r in records if not r.loaded]
    if failed:
        click.echo(f"{len(failed)} 个插件加载失败：{'、'.join(failed)}", err=True)
        raise SystemExit(1)


def _set(name: str, tenant_code: str, enabled: bool | None) -> None:
    with system_ctx() as ctx:
        tenant = ctx.session.scalar(select(Tenant).where(Tenant.kind == "bureau", Tenant.region_code == tenant_code))
        if tenant is None:
            raise click.ClickException(f"没有行政区划代码为 {tenant_code} 的应急管理局")
        service.set_enabled(ctx, name, enabled, tenant.id)
        word = {True: "启用", False: "停用", None: "恢复继承"}[enabled]
        click.echo(f"已为{tenant.name}及其下级{word}插件 {name}")


@plugins_cli.command("enable")
@click.argument("name")
@click.option("--tenant", "tenant_code", required=True, help="应急管理局的行政区划代码，如 150626")
@with_appcontext
def enable(name: str, tenant_code: str) -> None:
    """Enable NAME for a bureau and everything below it."""
    _set(name, tenant_code, True)


@plugins_cli.command("disable")
@click.argument("name")
@click.option("--tenant", "tenant_code", required=True, help="应急管理局的行政区划代码")
@click.option("--inherit", is_flag=True, help="删除本级设置，恢复继承上级")
@with_appcontext
def disable(name: str, tenant_code: str, inherit: bool) -> None:
    """Disable NAME for a bureau and everything below it (or, with --inherit, follow the parent)."""
    _set(name, tenant_code, None if inherit else False)


plugins_cli.add_command(new_command)
