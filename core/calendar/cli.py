import click


@click.group("calendar")
def calendar_cli() -> None:
    """工作日历：节假日与调休。"""
