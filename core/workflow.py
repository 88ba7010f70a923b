"""A small declarative state machine shared by filings, hazards and campaign tasks.

A workflow names its states and transitions; `apply` checks state, role, guard, required
fields and the caller's version, changes the state, and audits the step in the same
transaction. The model's `version` column (SQLAlchemy version_id_col) makes the final UPDATE
conditional, so of two reviewers acting at once one wins and the other gets Conflict (409).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm.exc import StaleDataError

from core.audit import service as audit
from core.context import ServiceContext
from core.errors import Conflict, PermissionDenied, ValidationFailed

STALE_MESSAGE = "该记录已被他人处理或修改，请刷新页面查看最新状态后再操作"

# A guard returns None when the step may happen, or a Chinese message saying why not.
Guard = Callable[[ServiceContext, Any, dict], "str | None"]
Authority = Callable[[ServiceContext, Any], "str | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str
    # bureau=True: only bureau users; False: only the object's own enterprise; None: either.
    bureau: bool | None = None
    guard: Guard | None = None
    # Fields the caller must supply, each with the Chinese name used in the error message.
    requires: dict[str, str] = field(default_factory=dict)
    # Authority by relation, beyond the role: None when the actor may act on this object,
    # else why not (e.g. "only the section the filing is routed to"). Asked for the buttons
    # and again for the step itself, so the two never disagree.
    authority: "Authority | None" = None


@dataclass(frozen=True)
class Workflow:
    name: str
    states: dict[str, str]  # state → Chinese label
    transitions: tuple[Transition, ...]
    initial: str
    state_attr: str = "status"

    def __post_init__(self) -> None:
        for t in self.transitions:
            unknown = {*t.source, t.target} - self.states.keys()
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {unknown}")

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise ValidationFailed({"action": [f"未知操作“{name}”"]})

    def available(self, ctx: ServiceContext, obj) -> list[Transition]:  # noqa: ANN001
        """Transitions the actor may take from the object's current state (for buttons)."""
        state = getattr(obj, self.state_attr)
        return [t for t in self.transitions if state in t.source and _role_ok(ctx, t)
                and _authority_problem(ctx, t, obj) is None]

    def label(self, state: str) -> str:
        return self.states.get(state, state)

    def check(self, ctx: ServiceContext, obj, action: str, *, version: int | None,  # noqa: ANN001
              data: dict | None = None) -> Transition:
        """Every check `apply` makes, without changing anything: a service calls it first
        when the step has effects of its own (a number to issue) that must not happen
        for a step that would be refused."""
        data = data or {}
        t = self.transition(action)
        if not _role_ok(ctx, t):
            raise PermissionDenied(f"当前角色无权执行“{t.label}”")
        problem = _authority_problem(ctx, t, obj)
        if problem:
            raise PermissionDenied(problem)
        if version is None and not ctx.actor.is_system:
            raise ValidationFailed({"version": ["缺少版本号"]})
        if version is not None and version != obj.version:
            raise Conflict(STALE_MESSAGE)
        state = getattr(obj, self.state_attr)
        if state not in t.source:
            raise Conflict(f"当前状态为“{self.label(state)}”，不能执行“{t.label}”")
        missing = {f: [f"{label}不能为空"] for f, label in t.requires.items() if not data.get(f)}
        if missing:
            raise ValidationFailed(missing)
        if t.guard is not None:
            problem = t.guard(ctx, obj, data)
            if problem:
                raise Conflict(problem)
        return t

    def apply(self, ctx: ServiceContext, obj, action: str, *, version: int | None,  # noqa: ANN001
              data: dict | None = None, obj_type: str | None = None, summary: str | None = None):
        """Take transition `action` on `obj`. `version` is the version the caller saw;
        None is only allowed for system actors (sweeps)."""
        data = data or {}
        t = self.check(ctx, obj, action, version=version, data=data)
        state = getattr(obj, self.state_attr)
        setattr(obj, self.state_attr, t.target)
        try:
            ctx.session.flush()  # the conditional UPDATE: a concurrent winner makes it match no row
        except StaleDataError:
            raise Conflict(STALE_MESSAGE) from None
        audit.record(
            ctx, f"{self.name}.{t.name}", obj_type or type(obj).__name__, obj.id,
            summary or f"{t.label}：{self.label(state)} → {self.label(t.target)}",
            payload={"from": state, "to": t.target, **{k: v for k, v in data.items() if k != "version"}},
            tenant_id=getattr(obj, "tenant_id", None),
        )
        from core.plugins.events import emit  # plugins hear about it after the commit
        emit(ctx, "workflow.transition", tenant_id=getattr(obj, "tenant_id", None),
             object_type=obj_type or type(obj).__name__, object_id=obj.id,
             payload={"workflow": self.name, "action": t.name, "from": state, "to": t.target,
                      **({"comment": data["comment"]} if data.get("comment") else {})})
        return t


def check_version(version: Any) -> int:
    """The version a client sent for optimistic locking: present and an integer."""
    if version is None or version == "":
        raise ValidationFailed({"version": ["缺少版本号"]})
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationFailed({"version": ["版本号应为整数"]})
    return version


def _authority_problem(ctx: ServiceContext, t: Transition, obj) -> str | None:  # noqa: ANN001
    if ctx.actor.is_system or t.authority is None:
        return None
    return t.authority(ctx, obj)


def _role_ok(ctx: ServiceContext, t: Transition) -> bool:
    if ctx.actor.is_system:
        return True
    if t.bureau is not None and ctx.actor.is_bureau != t.bureau:
        return False
    return ctx.actor.role in t.roles
