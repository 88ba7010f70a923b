"""`anjian calendar …`: seed from the chinese_calendar package, load a year's notice,
list loaded years and compute a working-day date."""
from __future__ import annotations

import re
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from core.calendar import service as calendar
from core.clitools import system_ctx
from core.web.filters import local_time


def _parse_date(_ctx, _param, value: str) -> date:  # noqa: ANN001
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise click.BadParameter(f"日期格式不正确：“{value}”，应为YYYY-MM-DD")


@click.group("calendar")
def calendar_cli() -> None:
    """工作日历：节假日与调休。"""


@calendar_cli.command("seed")
@with_appcontext
def seed() -> None:
    """导入 chinese-calendar 包中尚未导入的年份。"""
    with system_ctx() as ctx:
        added = calendar.ensure_seeded(ctx)
    click.echo(f"已导入{added}个年份的节假日安排" if added else "节假日安排已是最新，无需导入")


@calendar_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, required=True, help="年份，如 2027")
@click.option("--source", default="", help="来源，如“国办发明电〔2026〕X号”")
@with_appcontext
def load(file: str, year: int, source: str) -> None:
    """从文件导入一年的节假日安排（每行“日期,休或班,名称”）。"""
    with open(file, encoding="utf-8-sig") as f:
        text = f.read()
    with system_ctx() as ctx:
        loaded = calendar.load_year(ctx, year, text, source)
    verb = "已替换" if loaded.replaced else "已导入"
    click.echo(f"{verb}{loaded.year}年节假日安排：工作日放假{loaded.days_off}天，"
               f"调休上班{loaded.make_up_days}天（{loaded.source}）")
    for message, params in loaded.followups:
        click.echo(message % params)


@calendar_cli.command("add-days")
@click.argument("start", callback=_parse_date)
@click.argument("n", type=int)
@with_appcontext
def add_days(start: date, n: int) -> None:
    """START 之后第 N 个工作日的日期（START 当天不计）。"""
    with current_app.extensions["anjian.db"].session() as s:
        result = calendar.add_working_days(s, start, n)
    click.echo(result.date.isoformat())
    if result.estimated:
        click.echo(f"注意：{result.note}")


@calendar_cli.command("years")
@with_appcontext
def years() -> None:
    """列出已导入节假日安排的年份。"""
    with system_ctx() as ctx:
        infos = calendar.list_years(ctx)
    if not infos:
        click.echo("尚未导入任何年份的节假日安排")
        return
    for y in sorted(infos, key=lambda i: i.year):
        click.echo(f"{y.year}\t放假{y.days_off}天\t调休上班{y.make_up_days}天\t{y.source}\t"
                   f"{local_time(y.loaded_at)}\t{y.loaded_by}")
