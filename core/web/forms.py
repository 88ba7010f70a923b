"""Helpers shared by the HTML views."""
from __future__ import annotations

from flask import render_template, request

from core.errors import ValidationFailed


def form_data(*, ints: tuple[str, ...] = (), bools: tuple[str, ...] = ()) -> dict:
    """The posted form as a dict for a schema: blank → absent, listed fields converted."""
    data = {k: v for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}
    for k in ints:
        if k in data:
            try:
                data[k] = int(data[k])
            except ValueError:
                pass  # the schema reports it in Chinese
    for k in bools:
        data[k] = request.form.get(k) in ("1", "on", "true", "y")
    return data


def rerender(template: str, error: ValidationFailed, **context):  # noqa: ANN201
    """Show the form again with the field messages, status 422."""
    return render_template(template, errors=error.errors, error_message=error.message,
                           form=request.form, **context), error.status


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects, no "//host")."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None
