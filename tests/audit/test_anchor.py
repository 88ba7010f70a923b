"""The chain anchored outside the database: a signed head and checkpoints. Each attack is
what someone with write access to the database (but not the secret key) can do."""
import itertools
import json

from sqlalchemy import select, text

from core.audit import service as audit
from core.audit.models import AuditEvent, AuditHead
from core.cli import main as cli
from core.db import AUDIT_KEY, side_session
from tenants import service as tenants
from tenants.scoping import Scope


def key(app):
    return audit.derive_key(app.config["SECRET_KEY"])


def checkpoint_file(app):
    return audit.checkpoint_path(app.config, app.instance_path)


def verify(app, checkpoint=None, with_key=True):
    with app.extensions["anjian.db"].session(Scope.system()) as s:
        return audit.verify(s, key=key(app) if with_key else None, checkpoint=checkpoint)


NAMES = itertools.count()


def write_events(ctx_for, n=5):
    """Events written through a service, as pages and jobs write them: on 乌审旗's chain.
    Returns that chain's last seq."""
    ctx = ctx_for("wsq_admin")
    for _ in range(n):
        tenants.create_section(ctx, {"name": f"锚定测试股室{next(NAMES)}"})
    ctx.session.commit()
    return ctx.session.scalar(select(AuditHead.seq).where(AuditHead.id == ctx.actor.tenant_id))


def wsq(db):
    """乌审旗's chain id and how verify names it."""
    from core.auth.models import User
    chain = db.scalar(select(User.tenant_id).where(User.username == "wsq_admin"))
    return chain, audit.chain_label(chain, audit._chain_names(db))


def checkpoint_now(app):
    with app.extensions["anjian.db"].session(Scope.system()) as s:
        cp = audit.current_checkpoint(s)
    audit.append_checkpoint(checkpoint_file(app), cp)
    return cp


def drop_tail(db, keep: int) -> None:
    """Delete every event of 乌审旗's chain after `keep` and rewind its head onto it,
    signature untouched."""
    chain, _ = wsq(db)
    db.execute(text("DELETE FROM audit_events WHERE chain = :c AND seq > :keep"), {"c": chain, "keep": keep})
    last = db.scalar(select(AuditEvent.hash).where(AuditEvent.chain == chain, AuditEvent.seq == keep))
    db.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = :c"),
               {"seq": keep, "hash": last, "c": chain})
    db.commit()


def test_app_sessions_carry_the_key_and_sign_the_head(app, ctx_for, db):
    assert db.info[AUDIT_KEY] == key(app)
    assert side_session(db).info[AUDIT_KEY] == key(app)
    seq = write_events(ctx_for, 2)
    chain, _ = wsq(db)
    head = db.get(AuditHead, chain)
    assert head.seq == seq and head.signature == audit.head_signature(key(app), chain, seq, head.hash)
    # Every chain's head is signed, the demo's (written by the system) too.
    heads = db.scalars(select(AuditHead)).all()
    assert len(heads) >= 2 and all(audit._signed(key(app), h.id, h.seq, h.hash, h.signature) for h in heads)
    assert audit.derive_key("test") != b"test" and len(head.signature) == 64


def test_untouched_chain_verifies(app, ctx_for):
    write_events(ctx_for)
    cp = checkpoint_now(app)
    write_events(ctx_for, 2)  # the chain grows past the checkpoint
    report = verify(app, audit.latest_checkpoint(checkpoint_file(app)))
    assert report.ok, report.problems
    assert audit.latest_checkpoint(checkpoint_file(app)) == cp


def test_deleted_tail_with_rewound_head_is_detected(app, ctx_for, db):
    last = write_events(ctx_for)
    drop_tail(db, last - 3)
    # The chain and the head agree with each other: without the key this is the attack
    # that used to pass.
    assert verify(app, with_key=False).ok
    report = verify(app)
    assert not report.ok
    _, label = wsq(db)
    assert report.problems == [f"{label}链头签名不符（第{last - 3}号）：链头记录可能被改写或审计记录被删除"]
    # Later writes through the app do not sign over the rewound head.
    write_events(ctx_for, 1)
    assert any("链头签名不符" in p for p in verify(app).problems)


def test_head_signed_with_another_key_or_unsigned_is_detected(app, ctx_for, db):
    last = write_events(ctx_for)
    drop_tail(db, last - 3)
    chain, label = wsq(db)
    head = db.get(AuditHead, chain)
    forged = audit.head_signature(audit.derive_key("a guessed secret"), chain, head.seq, head.hash)
    db.execute(text("UPDATE audit_head SET signature = :sig WHERE id = :c"), {"sig": forged, "c": chain})
    db.commit()
    assert verify(app).problems == [f"{label}链头签名不符（第{last - 3}号）：链头记录可能被改写或审计记录被删除"]
    db.execute(text("UPDATE audit_head SET signature = NULL WHERE id = :c"), {"c": chain})
    db.commit()
    assert [p for p in verify(app).problems if f"链头（第{last - 3}号）未签名" in p]


def test_emptied_chain_is_detected(app, ctx_for, db):
    last = write_events(ctx_for)
    cp = checkpoint_now(app)
    chain, label = wsq(db)
    db.execute(text("DELETE FROM audit_events WHERE chain = :c"), {"c": chain})
    db.commit()
    # The head row left behind no longer matches its signature once rewound to nothing.
    db.execute(text("UPDATE audit_head SET seq = 0, hash = :g WHERE id = :c"), {"g": audit.GENESIS, "c": chain})
    db.commit()
    assert verify(app).problems == [f"{label}链头签名不符（第0号）：链头记录可能被改写或审计记录被删除"]
    # With the head row gone too only the checkpoint knows there were events.
    db.execute(text("DELETE FROM audit_head WHERE id = :c"), {"c": chain})
    db.commit()
    assert verify(app).ok  # nothing in the database says otherwise
    report = verify(app, audit.latest_checkpoint(checkpoint_file(app)))
    assert report.problems == [f"检查点（{cp.describe()}）中{label}的第{last}号审计记录"
                               f"（哈希 {cp.heads[chain].hash[:12]}…）已不在链中：整条链已被删除"]
    # Every chain emptied, heads and all: the checkpoint names each.
    db.execute(text("DELETE FROM audit_events"))
    db.execute(text("DELETE FROM audit_head"))
    db.commit()
    report = verify(app, audit.latest_checkpoint(checkpoint_file(app)))
    assert report.checked == 0 and len(report.problems) == len(cp.heads)


def test_tail_deleted_past_the_checkpoint_is_detected(app, ctx_for, db):
    last = write_events(ctx_for)
    checkpoint_now(app)
    drop_tail(db, last - 2)
    chain, label = wsq(db)
    head = db.get(AuditHead, chain)
    # Even a head signed with the right key (someone who also has the secret) leaves the
    # checkpoint behind.
    db.execute(text("UPDATE audit_head SET signature = :sig WHERE id = :c"),
               {"sig": audit.head_signature(key(app), chain, head.seq, head.hash), "c": chain})
    db.commit()
    problems = verify(app, audit.latest_checkpoint(checkpoint_file(app))).problems
    assert len(problems) == 1
    assert f"{label}的第{last}号审计记录" in problems[0] and f"第{last - 1}至{last}号记录缺失" in problems[0]


def test_rebuilt_chain_is_detected(app, ctx_for, db):
    last = write_events(ctx_for)
    checkpoint_now(app)
    # An event of the checkpoint's number exists, but it is not the one checkpointed.
    chain, label = wsq(db)
    db.execute(text("UPDATE audit_events SET hash = :h WHERE chain = :c AND seq = :seq"),
               {"h": "f" * 64, "seq": last, "c": chain})
    db.commit()
    problems = verify(app, audit.latest_checkpoint(checkpoint_file(app))).problems
    assert any(f"{label}的第{last}号审计记录" in p and "哈希不同" in p for p in problems)


def test_cli_checkpoint_and_verify(app, ctx_for, db, runner):
    last = write_events(ctx_for)
    made = runner.invoke(cli, ["audit", "checkpoint"])
    assert made.exit_code == 0, made.output
    chain, label = wsq(db)
    assert "已写入检查点：" in made.output and "条审计链" in made.output
    lines = checkpoint_file(app).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    mine = line["heads"][str(chain)]
    assert mine["seq"] == last and mine["signature"] == audit.head_signature(key(app), chain, last, mine["hash"])
    assert line["at"].endswith("Z")
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "审计链完整" in ok.output

    drop_tail(db, last - 3)
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"{label}链头签名不符（第{last - 3}号）" in bad.output
    assert f"{label}的第{last}号审计记录" in bad.output and f"第{last - 2}至{last}号记录缺失" in bad.output
    assert "审计链校验失败：2 个问题" in bad.output
    # A damaged chain is not checkpointed: that would anchor the damage.
    refused = runner.invoke(cli, ["audit", "checkpoint"])
    assert refused.exit_code == 1
    assert len(checkpoint_file(app).read_text(encoding="utf-8").splitlines()) == 1


def test_cli_checkpoint_file_option_and_unreadable_file(app, ctx_for, runner, tmp_path):
    write_events(ctx_for, 1)
    other = tmp_path / "shipped" / "cp.jsonl"
    assert runner.invoke(cli, ["audit", "checkpoint", "--file", str(other)]).exit_code == 0
    assert len(other.read_text(encoding="utf-8").splitlines()) == 1
    assert not checkpoint_file(app).exists()
    other.write_text(other.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    bad = runner.invoke(cli, ["audit", "verify", "--file", str(other)])
    assert bad.exit_code == 1 and "第2行无法解析" in bad.output


def test_verify_job_uses_the_key_and_checkpoint(app, ctx_for, db):
    from core.jobs import service as jobs
    from core.jobs.models import Job

    last = write_events(ctx_for)
    checkpoint_now(app)
    drop_tail(db, last - 3)
    ctx = ctx_for("city_admin")
    job = jobs.enqueue(ctx, "audit.verify", {})
    ctx.session.commit()
    db.expire_all()
    result = db.get(Job, job.id).result
    assert result["ok"] is False
    # The job's own enqueue event extended the chain, but not the rewound head's signature.
    assert any("链头签名不符" in p for p in result["problems"])
    _, label = wsq(db)
    assert any(f"{label}的第{last}号审计记录" in p for p in result["problems"])


def test_a_blanked_signature_is_not_signed_over(app, db, ctx_for, runner):  # noqa: ANN001
    """Blanking the signature along with a rewind must not be laundered by the next write:
    the head stays unsigned until an admin signs it, which the chain then records."""
    from sqlalchemy import update

    from core.audit.models import AuditHead
    from tenants import service as tenants
    write_events(ctx_for, 1)
    chain, _ = wsq(db)
    db.execute(update(AuditHead).where(AuditHead.id == chain).values(signature=None))
    db.commit()
    admin = ctx_for("wsq_admin")
    tenants.create_section(admin, {"name": "值班室"})
    admin.session.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1 and "未签名" in result.output
    result = runner.invoke(cli, ["audit", "sign-head"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
    from core.audit.models import AuditEvent
    db.expire_all()
    assert db.query(AuditEvent).filter(AuditEvent.action == "audit.sign_head").count() == 1


def test_checkpoint_from_before_chains_were_split_is_the_system_chain(app, db, tmp_path):
    """A line written by the single-chain version ({seq, hash, signature}) still anchors."""
    from core.context import ServiceContext
    with app.extensions["anjian.db"].session() as s:
        audit.record(ServiceContext.system(s), "test.write", "thing", 1, "系统写入")
        s.commit()
    head = db.get(AuditHead, audit.SYSTEM_CHAIN)
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps({"seq": head.seq, "hash": head.hash, "signature": head.signature,
                               "at": "2026-11-30T00:00:00Z"}) + "\n", encoding="utf-8")
    cp = audit.latest_checkpoint(old)
    assert set(cp.heads) == {audit.SYSTEM_CHAIN} and verify(app, cp).ok
    db.execute(text("UPDATE audit_events SET hash = :h WHERE chain = 0 AND seq = :s"), {"h": "e" * 64, "s": head.seq})
    db.commit()
    assert any("系统审计链的第" in p and "哈希不同" in p for p in verify(app, cp).problems)
