"""Writing, browsing and verifying the audit trail.

An event is written in the same transaction as the change it records, so the two commit
or roll back together.

The chain alone cannot show that its newest events were deleted when the head row was
rewound with them: everything in the database can be rewritten consistently. Two anchors
sit outside a database editor's reach: the head is signed with a key derived from the
app's secret key (carried on the session, see core.db.AUDIT_KEY), and checkpoints (the
signed head at a moment, appended to a file or shipped to another host) must still be
found in the chain later.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.audit.models import AuditEvent, AuditHead
from core.auth.models import User
from core.context import ServiceContext
from core.db import AUDIT_KEY, transaction_info, utcnow
from tenants.models import Tenant
from tenants.scoping import ANCESTORS

GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-checkpoints.jsonl"  # in the instance folder unless configured


def derive_key(secret: str | bytes) -> bytes:
    """The head-signing key, derived rather than the secret itself: the secret that signs
    session cookies is then never a second purpose's key, and "v1" leaves room to change it."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"anjian audit head v1", hashlib.sha256).digest()


SYSTEM_CHAIN = 0


def head_signature(key: bytes, chain: int, seq: int, hash_: str) -> str:
    # The system chain signs what it signed when it was the only chain, so heads signed
    # then still verify; other chains sign their id too, so heads cannot be swapped.
    body = [seq, hash_] if chain == SYSTEM_CHAIN else [chain, seq, hash_]
    return hmac.new(key, canonical(body).encode(), hashlib.sha256).hexdigest()


def _signed(key: bytes, chain: int, seq: int, hash_: str, signature: str | None) -> bool:
    return signature is not None and hmac.compare_digest(signature, head_signature(key, chain, seq, hash_))


def canonical(payload) -> str:  # noqa: ANN001
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(payload) -> str:  # noqa: ANN001
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def _event_hash(prev_hash: str, seq: int, e: AuditEvent) -> str:
    body = canonical([seq, prev_hash, e.tenant_id, e.actor_id, e.actor_name, e.action,
                      e.object_type, e.object_id, e.summary, e.payload_digest,
                      e.created_at.isoformat(timespec="microseconds")])
    return hashlib.sha256(body.encode()).hexdigest()


_CHAIN = "audit_chain"  # transaction_info key: the chain this transaction appends to


def record(ctx: ServiceContext, action: str, obj_type: str, obj_id, summary: str,  # noqa: ANN001
           payload=None, tenant_id: int | None = None) -> AuditEvent:
    """Append one event. `tenant_id` defaults to the actor's tenant."""
    s = ctx.session
    stored = _jsonable(payload or {})
    tenant_id = tenant_id if tenant_id is not None else ctx.actor.tenant_id
    s.flush()  # the object's id and state must exist before we describe them
    tx = transaction_info(s)
    chain = tx.setdefault(_CHAIN, tenant_id or SYSTEM_CHAIN)
    key = s.info.get(AUDIT_KEY)
    # Lock the tip first: concurrent writers to this chain queue here instead of forking it.
    row = _advance(s, chain)
    if row is None:
        _create_head(s, chain, key)
        row = _advance(s, chain)
    seq, prev, old_signature = row
    # Only a head that carries a valid signature is signed on: signing over a wrong or
    # missing one would bless a head an editor rewound (and blanked) at the next write.
    # Such a head keeps failing verify until an admin runs `anjian audit sign-head`.
    extend = key is not None and _signed(key, chain, seq - 1, prev, old_signature)
    event = AuditEvent(
        chain=chain, seq=seq, tenant_id=tenant_id,
        actor_id=ctx.actor.user_id, actor_name=ctx.actor.username, action=action,
        object_type=obj_type, object_id=None if obj_id is None else str(obj_id),
        # The digest of the payload as stored (JSON turns int keys into strings), so verify
        # recomputes the same value from the stored payload.
        summary=summary, payload_digest=digest(stored), payload=stored, prev_hash=prev,
        created_at=utcnow(),
    )
    event.hash = _event_hash(prev, seq, event)
    s.add(event)
    head = {"hash": event.hash}
    if extend:
        head["signature"] = head_signature(key, chain, seq, event.hash)
    s.execute(update(AuditHead).where(AuditHead.id == chain).values(**head))
    return event


def _advance(s, chain: int):  # noqa: ANN001, ANN202
    return s.execute(update(AuditHead).where(AuditHead.id == chain)
                     .values(seq=AuditHead.seq + 1)
                     .returning(AuditHead.seq, AuditHead.hash, AuditHead.signature)).first()


def _create_head(s, chain: int, key: bytes | None) -> None:  # noqa: ANN001
    """A new chain's head at genesis, signed when there is a key. Two transactions opening
    the same chain at once: the second waits for the first's row and then finds it."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    signature = None if key is None else head_signature(key, chain, 0, GENESIS)
    s.execute(insert(AuditHead).values(id=chain, seq=0, hash=GENESIS, signature=signature)
              .on_conflict_do_nothing(index_elements=["id"]))


def sign_head(ctx: ServiceContext, key: bytes) -> AuditEvent:
    """Start (or restart) signing: after an upgrade from a version without signatures, or
    once an admin has looked into a head verify reports. Every head whose signature is
    missing or wrong is signed as it stands; recorded as an event on the system chain,
    which is then under a valid signature, so the chain shows when signing was restarted."""
    heads = list(ctx.session.scalars(select(AuditHead).order_by(AuditHead.id)))
    resigned = [h for h in heads if not _signed(key, h.id, h.seq, h.hash, h.signature)]
    for h in resigned:
        ctx.session.execute(update(AuditHead).where(AuditHead.id == h.id)
                            .values(signature=head_signature(key, h.id, h.seq, h.hash)))
        ctx.session.expire(h)
    unsigned = sum(1 for h in resigned if h.signature is None)
    was = f"{unsigned} 条未签名，{len(resigned) - unsigned} 条签名不符" if resigned else "均已签名"
    return record(ctx, "audit.sign_head", "audit_head", SYSTEM_CHAIN,
                  f"重新签署审计链头（此前 {len(heads)} 条链头中{was}）",
                  payload={"previous": was, "chains": [h.id for h in resigned]}, tenant_id=None)


def _jsonable(payload):  # noqa: ANN001, ANN202
    """The payload as stored: what canonical() digests, read back as JSON."""
    return json.loads(canonical(payload))


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    actor: str | None = None
    tenant_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None  # text within the summary (names, titles, numbers)


def list_events(ctx: ServiceContext, flt: AuditFilter, limit: int = 50, offset: int = 0):
    """Events of the caller's jurisdiction, newest first. Bureau admins only."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以查看审计记录")
    q = _filtered(ctx, select(AuditEvent), flt)
    return list(ctx.session.scalars(q.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)))


def count_events(ctx: ServiceContext, flt: AuditFilter) -> int:
    """How many events list_events would page through."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以查看审计记录")
    return ctx.session.scalar(_filtered(ctx, select(func.count(AuditEvent.id)), flt)) or 0


def _filtered(ctx: ServiceContext, q, flt: AuditFilter):  # noqa: ANN001, ANN202
    if flt.action:
        q = q.where(AuditEvent.action == flt.action)
    if flt.object_type:
        q = q.where(AuditEvent.object_type == flt.object_type)
    if flt.actor:
        # The username kept in the chain, or the display name the page shows.
        q = q.where((AuditEvent.actor_name == flt.actor)
                    | AuditEvent.actor_id.in_(select(User.id).where(User.display_name == flt.actor)))
    if flt.tenant_id:
        q = q.where(AuditEvent.tenant_id == flt.tenant_id)
    if flt.since:
        q = q.where(AuditEvent.created_at >= flt.since)
    if flt.until:
        q = q.where(AuditEvent.created_at < flt.until)
    if flt.q:
        q = q.where(AuditEvent.summary.contains(flt.q, autoescape=True))
    return q


@dataclass(frozen=True)
class EventNames:
    """What a page needs to show events by name rather than by number."""

    actors: dict[int, str]  # actor_id → display name
    users: set[int]  # user ids the caller can open
    objects: dict[tuple[str, str], str]  # (object_type, object_id) → name; visible objects only


def event_names(ctx: ServiceContext, events: list[AuditEvent]) -> EventNames:
    """Names for the actors and objects of `events`: one query per object type, through the
    caller's scope, so an object the caller cannot see gets no name (the page shows its type
    and number). Actors are named even outside the scope, as job requesters and uploaders
    are: a county admin reads which city reviewer acted in its jurisdiction."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.object_id and e.object_id.isdigit():
            wanted.setdefault(e.object_type, set()).add(int(e.object_id))
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    user_ids = wanted.pop("user", set()) | actor_ids

    def rows(stmt):  # noqa: ANN001, ANN202
        return ctx.session.execute(stmt).all()

    objects: dict[tuple[str, str], str] = {}
    users = dict(rows(select(User.id, User.display_name).where(User.id.in_(user_ids)))) if user_ids else {}
    objects.update((("user", str(i)), name) for i, name in users.items())
    unseen = actor_ids - users.keys()
    actors = {i: users[i] for i in actor_ids & users.keys()}
    if unseen:
        actors.update(rows(select(User.id, User.display_name).where(User.id.in_(unseen))
                           .execution_options(**{ANCESTORS: True})))
    names = ctx.house.object_names  # each area names its objects (its manifest)
    for obj_type, ids in wanted.items():
        if obj_type in names:
            objects.update(((obj_type, str(i)), name) for i, name in names[obj_type](ctx.session, ids))
    return EventNames(actors, set(users), objects)


def history(ctx: ServiceContext, object_type: str, object_id, tenant_id: int, limit: int = 500) -> list[AuditEvent]:  # noqa: ANN001
    """The events recorded against one object, oldest first. The caller has already shown
    the object is visible (its service's get_…); the events are those of its own tenant."""
    q = (select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id),
                                  AuditEvent.tenant_id == tenant_id)
         .order_by(AuditEvent.id).limit(limit))
    return list(ctx.session.scalars(q))


# Account events (users, passwords, tokens) are for admins, who see the whole audit trail.
ACCOUNT_ACTIONS = ("user.", "token.")


def tenant_history(ctx: ServiceContext, tenant_id: int, limit: int = 20) -> list[AuditEvent]:
    """The latest events recorded against one tenant, newest first (a visible tenant: the
    caller's service has checked that); without account events unless the caller is an admin."""
    q = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if not ctx.actor.has_role("admin"):
        for prefix in ACCOUNT_ACTIONS:
            q = q.where(AuditEvent.action.not_like(prefix + "%"))
    return list(ctx.session.scalars(q.order_by(AuditEvent.id.desc()).limit(limit)))


@dataclass
class VerifyReport:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class HeadState:
    seq: int
    hash: str
    signature: str | None


@dataclass(frozen=True)
class Checkpoint:
    """Every chain's head at one moment, kept outside the database (one JSON line each)."""

    heads: dict[int, HeadState]
    at: str  # UTC, ISO 8601

    @property
    def events(self) -> int:
        return sum(h.seq for h in self.heads.values())

    def describe(self) -> str:
        return f"{self.at} 记录"


def checkpoint_path(config, instance_path: str) -> Path:  # noqa: ANN001
    """Where checkpoints go: AUDIT_CHECKPOINT_FILE from the app's config, else the instance
    folder (takes the config mapping, so this module stays free of Flask)."""
    return Path(config.get("AUDIT_CHECKPOINT_FILE") or Path(instance_path) / CHECKPOINT_FILE)


def current_checkpoint(session) -> Checkpoint:  # noqa: ANN001
    at = utcnow().isoformat(timespec="seconds") + "Z"
    heads = {h.id: HeadState(h.seq, h.hash, h.signature) for h in session.scalars(select(AuditHead))}
    return Checkpoint(heads, at)


def append_checkpoint(path: Path, cp: Checkpoint) -> None:
    """Append-only, one line per checkpoint: a later verify reads the last one, and earlier
    lines stay as a history another host can compare."""
    path.parent.mkdir(parents=True, exist_ok=True)
    heads = {str(c): {"seq": h.seq, "hash": h.hash, "signature": h.signature} for c, h in sorted(cp.heads.items())}
    line = json.dumps({"at": cp.at, "heads": heads}, ensure_ascii=False)
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()


def latest_checkpoint(path: Path) -> Checkpoint | None:
    """The last checkpoint in `path`, None without the file. ValueError (in Chinese) when the
    last line is not a checkpoint: falling back to an earlier line would quietly check less.
    A line from before chains were split ({"seq", "hash", "signature"}) is the system chain's."""
    if not path.exists():
        return None
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not lines:
        return None
    try:
        d = json.loads(lines[-1])
        raw = d["heads"] if "heads" in d else {str(SYSTEM_CHAIN): d}
        heads = {int(c): HeadState(int(h["seq"]), str(h["hash"]), h.get("signature")) for c, h in raw.items()}
        return Checkpoint(heads, str(d.get("at", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(f"检查点文件 {path} 第{len(lines)}行无法解析") from None


def _chain_names(session) -> dict[int, str]:  # noqa: ANN001
    return dict(session.execute(select(Tenant.id, Tenant.name)).all())


def chain_label(chain: int, names: dict[int, str]) -> str:
    if chain == SYSTEM_CHAIN:
        return "系统审计链"
    return f"「{names.get(chain, f'租户{chain}')}」审计链"


def verify(session, progress=None, every: int = 500, key: bytes | None = None,  # noqa: ANN001
           checkpoint: Checkpoint | None = None) -> VerifyReport:
    """Recompute every chain. Reports edited rows (hash mismatch), deleted rows (a gap in
    seq or a broken link) and a deleted tail (the head is ahead of the last row); each
    problem names its chain and the position in it.
    With `key` (derive_key of the app's secret key) each head's signature must match: a
    tail deleted together with a rewound head shows there. With `checkpoint` every chain
    must still hold the event the checkpoint saw at its head: an emptied, dropped or rebuilt
    chain shows there.
    `progress(done, total, message)` is called every `every` rows when given (jobs)."""
    total = session.scalar(select(func.count()).select_from(AuditEvent)) if progress else 0
    names = _chain_names(session)
    heads = {h.id: h for h in session.scalars(select(AuditHead))}
    problems: list[str] = []
    tips: dict[int, tuple[int, str]] = {}  # chain → (last seq, its hash) as found
    wanted = {c: h.seq for c, h in (checkpoint.heads.items() if checkpoint else ()) if h.seq > 0}
    found: dict[int, str] = {}  # chain → stored hash of the event at the checkpoint's seq
    chain, prev_hash, expected_seq, n = None, GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)
                           .execution_options(yield_per=1000))
    for (e,) in rows:
        n += 1
        if e.chain != chain:
            if chain is not None:
                tips[chain] = (expected_seq - 1, prev_hash)
            chain, prev_hash, expected_seq = e.chain, GENESIS, 1
            label = chain_label(chain, names)
        if e.seq != expected_seq:
            problems.append(f"{label}第{expected_seq}至{e.seq - 1}号审计记录缺失（被删除）")
        elif e.prev_hash != prev_hash:
            problems.append(f"{label}第{e.seq}号审计记录与前一条的链接断开")
        if _event_hash(e.prev_hash, e.seq, e) != e.hash:
            problems.append(f"{label}第{e.seq}号审计记录内容被篡改（id={e.id}）")
        elif e.payload is not None and digest(e.payload) != e.payload_digest:
            problems.append(f"{label}第{e.seq}号审计记录的附带内容被篡改（id={e.id}）")
        if wanted.get(chain) == e.seq:
            found[chain] = e.hash
        prev_hash, expected_seq = e.hash, e.seq + 1
        if progress and n % every == 0:
            progress(n, total, f"已校验 {n} / {total} 条审计记录")
    if chain is not None:
        tips[chain] = (expected_seq - 1, prev_hash)
    for c in sorted(tips.keys() | heads.keys()):
        problems += _head_problems(chain_label(c, names), tips.get(c), heads.get(c), key)
    if checkpoint is not None:
        for c, cp_head in sorted(checkpoint.heads.items()):
            if cp_head.seq > 0:
                problems += _checkpoint_problems(chain_label(c, names), c, cp_head, checkpoint,
                                                 found.get(c), tips.get(c, (0, GENESIS))[0], key)
    return VerifyReport(n, problems)


def _head_problems(label: str, tip: tuple[int, str] | None, head: AuditHead | None,  # noqa: PLR0911
                   key: bytes | None) -> list[str]:
    last, last_hash = tip or (0, GENESIS)
    if head is None:
        return [f"{label}链头记录缺失（共 {last} 条审计记录，最后为第{last}号）：链头被删除"]
    if head.seq != last:
        return [f"{label}链尾第{last + 1}至{head.seq}号审计记录缺失（被删除）"]
    if head.hash != last_hash:
        return [f"{label}链尾哈希与记录不一致"]
    if key is None:
        return []
    if head.signature is None:
        return [f"{label}链头（第{head.seq}号）未签名：由没有密钥的程序写入，或签名被清除；"
                "链头记录可能被改写或审计记录被删除"]
    if not _signed(key, head.id, head.seq, head.hash, head.signature):
        return [f"{label}链头签名不符（第{head.seq}号）：链头记录可能被改写或审计记录被删除"]
    return []


def verify_anchored(session, key: bytes, checkpoint_file: Path, progress=None) -> VerifyReport:  # noqa: ANN001
    """verify() against the signed heads and the latest checkpoint in `checkpoint_file`, as
    `anjian audit verify` and the 校验审计链 job run it; an unreadable file is a problem."""
    try:
        checkpoint = latest_checkpoint(checkpoint_file)
    except ValueError as e:
        return VerifyReport(0, [str(e)])
    return verify(session, progress, key=key, checkpoint=checkpoint)


def _checkpoint_problems(label: str, chain: int, cp: HeadState, at: Checkpoint,  # noqa: PLR0913
                         found: str | None, last: int, key: bytes | None) -> list[str]:
    problems = []
    if key is not None and cp.signature is not None and not _signed(key, chain, cp.seq, cp.hash, cp.signature):
        problems.append(f"检查点（{at.describe()}）中{label}第{cp.seq}号的签名不符：检查点文件被改写或密钥已更换")
    gone = f"检查点（{at.describe()}）中{label}的第{cp.seq}号审计记录（哈希 {cp.hash[:12]}…）已不在链中："
    if found is None and last < cp.seq:
        problems.append(gone + (f"第{last + 1}至{cp.seq}号记录缺失（被删除）" if last else "整条链已被删除"))
    elif found is None:
        problems.append(gone + f"第{cp.seq}号记录缺失（被删除）")
    elif found != cp.hash:
        problems.append(gone + f"现有第{cp.seq}号记录的哈希不同，第{cp.seq}号及之前的记录被改写或链被重建")
    return problems
