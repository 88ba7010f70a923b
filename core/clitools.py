"""What every `anjian` command shares: a system context that commits on success."""
from __future__ import annotations

import contextlib

import click
from flask import current_app

from core.context import ServiceContext
from core.errors import DomainError


@contextlib.contextmanager
def system_ctx(name: str = "cli"):  # noqa: ANN201
    """A system ServiceContext on a fresh session; commits on success, and turns domain
    errors into their Chinese message (one line per field or row) and exit status 1."""
    s = current_app.extensions["anjian.db"].session()
    try:
        yield ServiceContext.system(s, name)
        s.commit()
    except DomainError as e:
        s.rollback()
        click.echo(f"错误：{e.message}", err=True)
        for key, msgs in e.errors.items():
            for m in msgs:
                if m != e.message:
                    click.echo(f"  {key}：{m}", err=True)
        raise SystemExit(1) from None
    finally:
        s.close()
