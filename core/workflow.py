"""A small declarative state machine shared by filings, hazards and campaign tasks.

A workflow names its states and transitions; `apply` checks role, relation, version, state,
required fields, guard and the transition's own checks, then runs its on-enter effects (a
number to issue, dates to stamp: only now, so nothing is written for a refused step), changes
the state with the stamps in one conditional UPDATE, and audits the step in the same
transaction. The model's `version` column (SQLAlchemy version_id_col) makes that UPDATE
conditional, so of two reviewers acting at once one wins and the other gets Conflict (409).
A refused step raises before anything is written; the unit of work rolls back the rest.

A state may declare a Deadline: how long an object may stay in it (working or calendar
days from a date on the object) and what happens when that passes — a step the system
takes (视为备案), or only messages (overdue is derived, never stored). `Workflow.sweep`
reads these declarations; the area supplies the objects and its messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.audit import service as audit
from core.calendar.service import WorkdayResult, add_working_days
from core.context import ServiceContext
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.plugins.events import emit
from core.plugins.models import OutboxEvent

STALE_MESSAGE = "该记录已被他人处理或修改，请刷新页面查看最新状态后再操作"

# A guard returns None when the step may happen, or a Chinese message saying why not.
Guard = Callable[[ServiceContext, Any, dict], "str | None"]
Authority = Callable[[ServiceContext, Any], "str | None"]
# A check raises the DomainError that fits (ValidationFailed naming a field, Conflict), and
# may return cleaned input to keep in the step's data (a list as it will be stored).
Check = Callable[[ServiceContext, Any, dict], "dict[str, Any] | None"]
# An on-enter effect returns attributes to set with the state change (same UPDATE), or None.
Effect = Callable[[ServiceContext, Any, dict], "dict[str, Any] | None"]


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
    # Further checks, after the engine's own and the guard, before any effect.
    checks: tuple[Check, ...] = ()
    # Effects on entering the target, in order, after every check; their stamps are written
    # with the state. `records` names the stamps kept in the audit payload (a number issued).
    on_enter: tuple[Effect, ...] = ()
    records: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """A step taken: the transition, the state it left and what its effects stamped."""

    transition: Transition
    source: str
    stamps: dict[str, Any]
    data: dict[str, Any]  # the step's data as checked and cleaned


# Authority by relation: the usual ones, for transitions to name (`authority=own_enterprise`).
def own_enterprise(ctx: ServiceContext, obj) -> str | None:  # noqa: ANN001
    """Only the object's own enterprise (not a bureau above it) takes the step."""
    return None if ctx.actor.tenant_id == obj.tenant_id else "只有该企业本身可以办理"


def assigning_bureau(attr: str) -> Authority:
    """Only the bureau named in `attr` (the one that assigned or received the object)."""
    def authority(ctx: ServiceContext, obj) -> str | None:  # noqa: ANN001
        return None if ctx.actor.tenant_id == getattr(obj, attr) else "只有交办（受理）该事项的应急管理局可以办理"
    return authority


def named_section(attr: str, *, admins: bool = True) -> Authority:
    """Only a member of the section named in `attr` (when one is named); the bureau's
    admins too unless `admins=False`."""
    def authority(ctx: ServiceContext, obj) -> str | None:  # noqa: ANN001
        section = getattr(obj, attr)
        if section is None or ctx.actor.section_id == section or (admins and ctx.actor.role == "admin"):
            return None
        return "该事项由指定股室办理，本股室不能办理"
    return authority


def all_of(*authorities: Authority) -> Authority:
    """Every relation must hold; the first that does not says why."""
    def authority(ctx: ServiceContext, obj) -> str | None:  # noqa: ANN001
        return next((p for a in authorities if (p := a(ctx, obj))), None)
    return authority


# Where a limit stands on a given day.
OPEN = "open"                # still running
PASSED = "passed"            # certainly passed
UNCONFIRMED = "unconfirmed"  # passed on a Monday–Friday estimate (a year without a holiday notice)
# The moments a deadline tells its area about (Deadline.then_tell).
REMIND = "remind"


@dataclass(frozen=True)
class Limit:
    """A time limit counted from a start day: `days` working days on the national calendar
    (the start day not counted) or calendar days; `remind_at` the day of the count on which
    the responsible are reminded (None: no reminder)."""

    days: int
    working: bool = True
    remind_at: int | None = None

    def _count(self, session: Session, start: date, n: int) -> WorkdayResult:
        return add_working_days(session, start, n) if self.working else WorkdayResult(start + timedelta(days=n))

    def due(self, session: Session, start: date) -> WorkdayResult:
        """The last day of the limit (estimated when the count reaches an unknown year)."""
        return self._count(session, start, self.days)

    def reminder(self, session: Session, start: date) -> date | None:
        return None if self.remind_at is None else self._count(session, start, self.remind_at).date

    def state(self, session: Session, start: date, today: date) -> str:
        """OPEN through the last day; then PASSED, or UNCONFIRMED when counted on an
        estimate: an irreversible step is never taken on a guess."""
        due = self.due(session, start)
        if today <= due.date:
            return OPEN
        return UNCONFIRMED if due.estimated else PASSED


@dataclass(frozen=True)
class Deadline:
    """How long an object may stay in a state, and what happens when that passes.

    limit: the Limit, counted from the date in attribute `start` (e.g. "received_on").
    then: the transition the system takes when the limit has certainly passed ("deem"), or
        None when passing only makes the object overdue (derived from the limit, not stored).
    what: names the deadline in the `deadline.passed` event ("filing.review").
    tell: (ctx, obj, moment) → how many were told, the area's messages and follow-ups at
        REMIND, PASSED (after `then`) and UNCONFIRMED (passed on an estimate: it waits).
    summary: the audit summary of `then`, as for Workflow.apply.
    """

    limit: Limit
    start: str
    then: str | None = None
    what: str = ""
    tell: Callable[[ServiceContext, Any, str], "int | None"] | None = None
    summary: "Callable[[Any, Step], str] | None" = None


@dataclass(frozen=True)
class DeadlineSweep:
    passed: int = 0
    reminded: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class Workflow:
    name: str
    states: dict[str, str]  # state → Chinese label
    transitions: tuple[Transition, ...]
    initial: str
    state_attr: str = "status"
    # state → its Deadline; the object type the audit trail and events name
    deadlines: dict[str, Deadline] = field(default_factory=dict)
    obj_type: str | None = None

    def __post_init__(self) -> None:
        for t in self.transitions:
            unknown = {*t.source, t.target} - self.states.keys()
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {unknown}")
        for state, d in self.deadlines.items():
            if state not in self.states:
                raise ValueError(f"{self.name}: a deadline on unknown state {state!r}")
            if d.then is not None and state not in self.transition(d.then).source:
                raise ValueError(f"{self.name}: deadline of {state!r} takes {d.then!r}, which cannot leave it")

    # --- deadlines ---

    def deadline_state(self, ctx: ServiceContext, obj, today: date) -> str | None:  # noqa: ANN001
        """Where the deadline of the object's state stands today; None without one."""
        d = self.deadlines.get(getattr(obj, self.state_attr))
        start = getattr(obj, d.start, None) if d else None
        return None if start is None else d.limit.state(ctx.session, start, today)

    def pass_deadline(self, ctx: ServiceContext, obj) -> bool:  # noqa: ANN001
        """The deadline of the object's state has passed: the system takes its step (if
        any), `deadline.passed` is announced, and the area is told. False when that was
        done already (an overdue-only deadline is announced once per limit). Raises
        Conflict when someone acted on the object meanwhile."""
        state = getattr(obj, self.state_attr)
        d = self.deadlines[state]
        obj_type = self.obj_type or type(obj).__name__
        payload = {"deadline": d.limit.due(ctx.session, getattr(obj, d.start)).date.isoformat(),
                   "what": d.what, "state": state}
        if d.then:
            self.apply(ctx, obj, d.then, version=None, obj_type=self.obj_type, summary=d.summary)
        elif payload in ctx.session.scalars(select(OutboxEvent.payload).where(
                OutboxEvent.name == "deadline.passed", OutboxEvent.object_type == obj_type,
                OutboxEvent.object_id == str(obj.id))).all():
            return False
        emit(ctx, "deadline.passed", tenant_id=getattr(obj, "tenant_id", None), object_type=obj_type,
             object_id=obj.id, payload=payload)
        if d.tell:
            d.tell(ctx, obj, PASSED)
        return True

    def sweep(self, ctx: ServiceContext, objs, today: date) -> DeadlineSweep:  # noqa: ANN001
        """Every object's deadline on `today`: passed ones take their step, unconfirmed ones
        wait (and the area says why), running ones are reminded once their day comes. The
        area's `tell` keeps reminders idempotent (dedupe keys)."""
        passed = reminded = waiting = 0
        for obj in objs:
            d = self.deadlines.get(getattr(obj, self.state_attr))
            start = getattr(obj, d.start, None) if d else None
            if start is None:
                continue
            state = d.limit.state(ctx.session, start, today)
            if state == PASSED:
                passed += self.pass_deadline(ctx, obj)
            elif state == UNCONFIRMED:
                waiting += 1
                if d.tell:
                    d.tell(ctx, obj, UNCONFIRMED)
            elif state == OPEN and d.tell:
                day = d.limit.reminder(ctx.session, start)
                if day is not None and today >= day:
                    reminded += (d.tell(ctx, obj, REMIND) or 0) > 0
        return DeadlineSweep(passed, reminded, waiting)

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
        """Every check `apply` makes, without changing anything (the engine's own, the
        guard, the transition's checks)."""
        data = data if data is not None else {}
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
        for extra in t.checks:
            data.update(extra(ctx, obj, data) or {})
        return t

    def apply(self, ctx: ServiceContext, obj, action: str, *, version: int | None,  # noqa: ANN001
              data: dict | None = None, obj_type: str | None = None,
              summary: "str | Callable[[Any, Step], str] | None" = None) -> Step:
        """Take transition `action` on `obj`. `version` is the version the caller saw;
        None is only allowed for system actors (sweeps). `summary` may be a function of the
        object and the step, for a summary that names what an effect stamped."""
        return self.apply_many(ctx, [obj], action, versions={obj.id: version}, data=data,
                               obj_type=obj_type, summary=summary)[0]

    def apply_many(self, ctx: ServiceContext, objs: list, action: str, *,  # noqa: ANN001
                   versions: dict[int, int] | None = None, data: dict | None = None,
                   obj_type: str | None = None, summary: "str | Callable[[Any, Step], str] | None" = None,
                   ) -> list[Step]:
        """Take `action` on many objects at once (a campaign's tasks published together):
        every object is checked before any changes, all changes go out in one flush, and each
        step is audited and announced as `apply` would. `versions` maps id → the version the
        caller saw (None for the system). All or nothing: one refusal refuses them all."""
        versions = versions or {}
        # Each step checks and cleans its own copy of the data; the checks' queries must not
        # write an object early (no autoflush), so its stamps ride on its one UPDATE.
        with ctx.session.no_autoflush:
            checked = [(o, d, self.check(ctx, o, action, version=versions.get(o.id), data=d))
                       for o in objs for d in [dict(data or {})]]
            steps = [self._enter(ctx, o, t, d) for o, d, t in checked]
        flush_or_conflict(ctx.session)  # the conditional UPDATEs: a concurrent winner makes one match no row
        for o, step in zip(objs, steps):
            self._record(ctx, o, step, step.data, obj_type, summary)
        return steps

    def _enter(self, ctx: ServiceContext, obj, t: Transition, data: dict) -> Step:  # noqa: ANN001
        stamps: dict[str, Any] = {}
        for effect in t.on_enter:
            stamps.update(effect(ctx, obj, data) or {})
        source = getattr(obj, self.state_attr)
        for k, v in stamps.items():
            setattr(obj, k, v)
        setattr(obj, self.state_attr, t.target)
        return Step(t, source, stamps, data)

    def _record(self, ctx: ServiceContext, obj, step: Step, data: dict, obj_type: str | None,  # noqa: ANN001
                summary) -> None:  # noqa: ANN001
        t, state = step.transition, step.source
        obj_type = obj_type or self.obj_type
        if callable(summary):
            summary = summary(obj, step)
        # Keys starting with "_" are for checks and effects (the step's day), not the record.
        payload = {"from": state, "to": t.target,
                   **{k: v for k, v in data.items() if k != "version" and not k.startswith("_")},
                   **{k: step.stamps[k] for k in t.records if k in step.stamps}}
        audit.record(
            ctx, f"{self.name}.{t.name}", obj_type or type(obj).__name__, obj.id,
            summary or f"{t.label}：{self.label(state)} → {self.label(t.target)}",
            payload=payload, tenant_id=getattr(obj, "tenant_id", None),
        )
        emit(ctx, "workflow.transition", tenant_id=getattr(obj, "tenant_id", None),
             object_type=obj_type or type(obj).__name__, object_id=obj.id,
             payload={"workflow": self.name, "action": t.name, "from": state, "to": t.target,
                      **({"comment": data["comment"]} if data.get("comment") else {})})


def flush_or_conflict(session: Session) -> None:
    """Write what changed; a versioned row someone changed since it was read (its
    conditional UPDATE matching no row) is a Conflict (409), not a server error."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(STALE_MESSAGE) from None


def step_comment(comment: Any, limit: int = 2000) -> str | None:
    """A step's optional comment as a client sent it: text, trimmed, at most `limit`
    characters; None when blank (a transition that requires one says so itself)."""
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed({"comment": ["意见应为文字"]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > limit:
        raise ValidationFailed({"comment": [f"意见不能超过{limit}字"]})
    return comment


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
