"""Two reviewers at once, and 备案编号 allocated from parallel transactions: one winner,
and numbers without gaps or duplicates."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.errors import Conflict
from core.filings.models import Filing, FilingCounter
from core.filings.review import service
from tests.filings.conftest import ENT2_USCC, submitted, tenant_id


def run_together(*jobs) -> list:  # noqa: ANN002
    """Run callables in threads released at the same moment; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):  # noqa: ANN001, ANN202
        barrier.wait()
        try:
            results[i] = job()
        except Exception as e:  # noqa: BLE001 — reported by the assertion that reads it
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_reviewers_accepting_at_once_one_wins(ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    a, b = ctx_for("wsq_reviewer"), ctx_for("wsq_admin")
    seen_a, seen_b = service.get_filing(a, fid), service.get_filing(b, fid)   # both saw version 2

    def accept(ctx, seen):  # noqa: ANN001, ANN202
        def go():  # noqa: ANN202
            try:
                service.transition(ctx, fid, "accept", seen.version, today=date(2026, 3, 25))
                ctx.session.commit()
                return "ok"
            except Conflict as e:
                ctx.session.rollback()
                return e.message
        return go

    results = run_together(accept(a, seen_a), accept(b, seen_b))
    assert results.count("ok") == 1, results
    assert "已被他人处理" in str(next(r for r in results if r != "ok")), results
    db.expire_all()
    filing = db.get(Filing, fid)
    assert (filing.status, filing.filing_no, filing.version) == ("accepted", "乌应急备〔2026〕第001号", 3)
    # The loser's number went back with its rollback: no gap.
    assert db.scalar(select(FilingCounter.last_seq)) == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "filing.accept")) == 1


def test_two_reviewers_accepting_at_once_over_the_api(api, ctx_for, db, store):
    # Received today: the API reads the filing as it stands today, within its review limit.
    fid = submitted(ctx_for, store, service.beijing_today())
    a, b = api("wsq_reviewer"), api("wsq_admin")
    version = a.get(f"/api/v1/filings/{fid}").json["version"]

    def accept(client):  # noqa: ANN001, ANN202
        return lambda: client.post(f"/api/v1/filings/{fid}/transitions",
                                   json={"action": "accept", "version": version})

    responses = run_together(accept(a), accept(b))
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json["code"] == "conflict" and loser.json["message"]
    db.expire_all()
    assert db.scalar(select(FilingCounter.last_seq)) == 1


def test_parallel_acceptances_get_consecutive_numbers(ctx_for, db, store):
    ids = [submitted(ctx_for, store, date(2026, 3, 23), title=f"预案{i}") for i in range(6)]
    # One more from a sibling enterprise of the same bureau: numbering is per bureau.
    officer2 = ctx_for("ent2_officer")
    from tests.filings.conftest import complete_draft
    other = complete_draft(officer2, store)
    service.transition(officer2, other.id, "submit", other.version, today=date(2026, 3, 23))
    officer2.session.commit()
    ids.append(other.id)

    def accept(fid, username):  # noqa: ANN001, ANN202
        ctx = ctx_for(username)

        def go():  # noqa: ANN202
            filing = service.get_filing(ctx, fid)
            service.transition(ctx, fid, "accept", filing.version, today=date(2026, 3, 25))
            ctx.session.commit()
            return filing.filing_seq
        return go

    # The filing bureau's reviewer (of the supervising section) and its admin act; the city only reads.
    seqs = run_together(*[accept(fid, ("wsq_reviewer", "wsq_admin")[i % 2]) for i, fid in enumerate(ids)])
    assert sorted(seqs) == list(range(1, len(ids) + 1))
    db.expire_all()
    numbers = db.scalars(select(Filing.filing_no).where(Filing.id.in_(ids))).all()
    assert sorted(numbers) == [f"乌应急备〔2026〕第{n:03d}号" for n in range(1, len(ids) + 1)]
    assert db.scalar(select(FilingCounter.last_seq).where(FilingCounter.year == 2026)) == len(ids)
    assert tenant_id(db, ENT2_USCC) in db.scalars(select(Filing.tenant_id).where(Filing.id.in_(ids))).all()
