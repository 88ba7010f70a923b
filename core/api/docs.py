"""A local API documentation page rendered from the OpenAPI document (no external assets)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs_page", __name__)


@bp.get("/api/v1/docs")
def docs():  # noqa: ANN201
    spec = current_app.extensions["anjian.api"].spec.to_dict()
    return render_template("api_docs.html", spec=spec)
