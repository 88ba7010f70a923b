"""The event outbox: core changes emit events in their own transaction; plugins receive
them after commit, each in its own transaction, so a failing plugin can neither lose nor
roll back core data. Each event is leased before delivery, so concurrent deliverers do
not both deliver it; a deliverer that dies mid-way leaves the lease to run out and the
event is delivered again (at least once): hooks should use `event.id` to be idempotent."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select, update

from core.context import Actor, ServiceContext
from core.db import utcnow
from core.hookspecs import Event
from core.jobs.executor import run_task_after_commit
from core.jobs.runner import app_context
from core.plugins.manager import describe_failure
from core.plugins.models import OutboxEvent, PluginFailure
from core.plugins.service import enabled_jurisdictions
from tenants.models import Tenant
from tenants.scoping import Scope

log = logging.getLogger(__name__)
# The names an app emits are those its manifests declare (House.events); docs/plugins.md
# lists each with its payload, and a test compares the two and the emit call sites.
BATCH = 200
LEASE = timedelta(minutes=5)


def emit(ctx: ServiceContext, name: str, *, tenant_id: int | None, object_type: str | None = None,
         object_id=None, payload: dict | None = None) -> OutboxEvent:  # noqa: ANN001
    if name not in ctx.house.events:
        raise ValueError(f"undeclared event name {name!r}: declare it in its area's manifest and docs/plugins.md")
    event = OutboxEvent(name=name, tenant_id=tenant_id, object_type=object_type,
                        object_id=None if object_id is None else str(object_id), payload=payload or {})
    ctx.session.add(event)
    run_task_after_commit(ctx.session, "core.plugins.events:deliver_pending")
    return event


def sweep_events(ctx: ServiceContext) -> str:
    """The sweep: deliver events whose after-commit delivery failed or was lost."""
    n = _deliver(ctx.house)
    return f"补投递 {n} 个事件" if n else "没有待投递的事件"


def deliver_pending(app) -> int:  # noqa: ANN001
    """Deliver every undelivered event (oldest first) to the plugins enabled for its
    tenant. Runs after commit (inline or on an rq worker) and from `anjian sweep`."""
    with app_context(app):
        return _deliver(app.extensions["anjian"])


def _deliver(house) -> int:  # noqa: ANN001
    db, registry = house.db, house.plugins
    receivers = {r.name for r in registry.loaded() if "anjian_on_event" in r.hooks}
    order = registry.call_order("anjian_on_event", receivers)
    delivered = 0
    while True:
        with db.session(Scope.system()) as s:
            batch = s.scalars(select(OutboxEvent).where(_claimable()).order_by(OutboxEvent.id)
                              .limit(BATCH)).all()
            # Each handler acts in the jurisdiction whose bureau enabled its plugin for the
            # event's tenant: it reads and writes that subtree, never the whole system.
            targets: dict[int, list[tuple[str, int]]] = {}
            for e in batch:
                enabled = enabled_jurisdictions(s, e.tenant_id, registry)
                targets[e.id] = [(n, enabled[n]) for n in order if n in enabled]
            wanted = {by for t in targets.values() for _, by in t}
            paths = dict(s.execute(select(Tenant.id, Tenant.path).where(Tenant.id.in_(wanted))).all()) if wanted else {}
        if not batch:
            return delivered
        for ev in batch:
            if not _claim(db, ev.id):
                continue  # another deliverer has it
            failures = [f for name, by in targets[ev.id]
                        if (f := _deliver_one(db, registry, name, ev, Scope(paths[by])))]
            with db.session(Scope.system()) as s:
                s.execute(update(OutboxEvent).where(OutboxEvent.id == ev.id).values(delivered_at=utcnow()))
                s.add_all(failures)
                s.commit()
            delivered += 1


def _deliver_one(db, registry, plugin: str, ev: OutboxEvent, scope: Scope) -> PluginFailure | None:  # noqa: ANN001
    with db.session(scope) as s:
        ctx = ServiceContext(s, Actor.system(f"plugin:{plugin}"))
        event = Event(id=ev.id, name=ev.name, tenant_id=ev.tenant_id, object_type=ev.object_type,
                      object_id=ev.object_id, payload=dict(ev.payload or {}), occurred_at=ev.created_at, ctx=ctx)
        try:
            registry.call(plugin, "anjian_on_event", event=event)
            s.commit()
            return None
        except Exception as e:  # noqa: BLE001 - a plugin's failure is recorded, never raised
            s.rollback()
            log.warning("plugin %s failed on event %s: %s", plugin, ev.id, e)
            return PluginFailure(plugin=plugin, hook="anjian_on_event", event_id=ev.id, tenant_id=ev.tenant_id,
                                 error=describe_failure(e))


def _claimable():  # noqa: ANN202
    return (OutboxEvent.delivered_at.is_(None)) & or_(OutboxEvent.claimed_until.is_(None),
                                                      OutboxEvent.claimed_until < utcnow())


def _claim(db, event_id: int) -> bool:  # noqa: ANN001
    """Lease one event with a conditional UPDATE; False when someone else holds it."""
    with db.session(Scope.system()) as s:
        taken = s.execute(update(OutboxEvent).where(OutboxEvent.id == event_id, _claimable())
                          .values(claimed_until=utcnow() + LEASE)
                          .execution_options(synchronize_session=False)).rowcount
        s.commit()
    return taken == 1
