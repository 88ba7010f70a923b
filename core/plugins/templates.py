"""Declarative templates that plugins contribute: what every kind shares (id, version,
title, industries), validation, and the canonical hash. Each kind's own schema lives with
the area that runs it (core/checklists/templates.py, …) and reaches here through the
area's manifest.

A template is plain data (JSON-compatible). Its canonical JSON — keys sorted, no
whitespace, UTF-8 — is hashed with sha256; whatever is created from a template stores a
snapshot of that exact body (core.plugins.models.TemplateSnapshot), so upgrading or
removing the plugin never changes running or finished work.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import marshmallow as ma
from marshmallow import fields, validate

from core.errors import ValidationFailed
from core.schema import Schema, flatten
from tenants.models import INDUSTRIES

ID_RE = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
SEMVER_RE = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"


@dataclass(frozen=True)
class TemplateKind:
    """One kind of template, declared by the area that runs it (its manifest).

    schema: a TemplateBase subclass loading the body (defaults filled in).
    rules: body → [(path, message)] for what a schema cannot say (duplicate ids, …).
    references: (body, {kind: ids of the same plugin's templates}) → [(path, message)],
        for templates that name others (a campaign task names a checklist).
    """

    kind: str
    label: str
    schema: type
    rules: Callable[[dict], list[tuple[str, str]]] = lambda body: []
    references: Callable[[dict, dict[str, set[str]]], list[tuple[str, str]]] | None = None


Kinds = Mapping[str, TemplateKind]


def id_field(label: str, **kw) -> fields.String:
    return fields.String(required=True, metadata={"label": label}, validate=validate.Regexp(
        ID_RE, error=f"{label}只能由小写字母、数字、下划线和点组成，并以字母开头"), **kw)


def title_field(label: str, required: bool = True) -> fields.String:
    kw = {"required": True} if required else {"load_default": ""}
    return fields.String(metadata={"label": label}, validate=validate.Length(
        min=1 if required else 0, max=300, error=f"{label}长度应为1至300个字"), **kw)


class TemplateBase(Schema):
    kind = fields.String(required=True, metadata={"label": "模板类型"})
    id = id_field("模板编号")
    version = fields.String(required=True, metadata={"label": "版本号"}, validate=validate.Regexp(
        SEMVER_RE, error="版本号应为语义化版本，如 1.0.0"))
    title = title_field("模板名称")
    description = fields.String(load_default="", metadata={"label": "说明"})
    basis = fields.String(load_default="", metadata={"label": "依据文件"})
    industries = fields.List(fields.String(validate=validate.OneOf(list(INDUSTRIES), error="行业类别不在可选范围内")),
                             load_default=list, metadata={"label": "适用行业"})


def duplicates(items: list[tuple[str, str]], what: str) -> list[tuple[str, str]]:
    """(path, id) pairs → an error at the path of every repeat, naming the first use."""
    first: dict[str, str] = {}
    out = []
    for path, value in items:
        if value in first:
            out.append((path, f"{what}编号“{value}”重复（与 {first[value]} 相同）"))
        else:
            first[value] = path
    return out


def validate_template(data: object, kinds: Kinds, plugin: str | None = None) -> dict:
    """The normalised template (defaults filled in), or ValidationFailed naming the path of
    every problem, e.g. "sections.0.items.2.text". With `plugin`, the id must start with
    the plugin's name and a dot, so ids cannot clash across plugins."""
    if not isinstance(data, dict):
        raise ValidationFailed({"_": ["模板应为字典（JSON 对象）"]})
    kind = kinds.get(data.get("kind")) if isinstance(data.get("kind"), str) else None
    if kind is None:
        raise ValidationFailed({"kind": [f"模板类型只能是 {'、'.join(kinds)}"]})
    try:
        body = kind.schema().load(data)
    except ma.ValidationError as e:
        raise ValidationFailed(flatten(e.messages)) from None
    problems = kind.rules(body)
    if plugin is not None and not body["id"].startswith(f"{plugin}."):
        problems.insert(0, ("id", f"模板编号应以插件名加点开头，如“{plugin}.{body['id'].split('.')[-1]}”"))
    _raise(problems)
    return body


def _raise(problems: list[tuple[str, str]], prefix: str = "") -> None:
    errors: dict[str, list[str]] = {}
    for path, message in problems:
        errors.setdefault(prefix + path, []).append(message)
    if errors:
        raise ValidationFailed(errors)


def validate_templates(templates: list, kinds: Kinds, plugin: str) -> list[dict]:
    """All of one plugin's templates: each valid, and each reference to another template
    (a campaign task's checklist) names one of this plugin's. Errors are keyed
    "<template id>: <path>"."""
    bodies, errors = [], {}
    for t in templates:
        try:
            bodies.append(validate_template(t, kinds, plugin))
        except ValidationFailed as e:
            tid = t.get("id", "?") if isinstance(t, dict) else "?"
            errors.update({f"{tid}: {k}": v for k, v in e.errors.items()})
    ids: dict[str, set[str]] = {}
    for b in bodies:
        ids.setdefault(b["kind"], set()).add(b["id"])
    for b in bodies:
        check = kinds[b["kind"]].references
        for path, message in check(b, ids) if check else ():
            errors.setdefault(f"{b['id']}: {path}", []).append(message)
    if errors:
        raise ValidationFailed(errors)
    return bodies


def canonical_json(template: dict) -> str:
    return json.dumps(template, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def template_hash(template: dict) -> str:
    return hashlib.sha256(canonical_json(template).encode("utf-8")).hexdigest()


def version_key(version: str) -> tuple:
    """Sort key for semantic versions: 1.10.0 > 1.9.0, a release > its pre-release."""
    m = re.match(SEMVER_RE, version)
    major, minor, patch, pre = m.groups() if m else (0, 0, 0, None)
    return (int(major), int(minor), int(patch), pre is None, pre or "")
