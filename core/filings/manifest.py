"""应急预案备案: filing and review, aftercare (evaluations, drills) and the bureau's overview."""
from sqlalchemy import select

from core.filings.aftercare import api as aftercare_api
from core.filings.aftercare import views as aftercare_views
from core.filings.models import DRILL_KINDS, Drill, Filing
from core.filings.overview import api as overview_api
from core.filings.overview import views as overview_views
from core.filings.review import api as review_api
from core.filings.review import views as review_views
from core.filings.review.service import recount_on_calendar_change
from core.house import Manifest, named_by
from core.jobs.registry import Sweep


def _drill_names(session, ids: set[int]):  # noqa: ANN001, ANN202
    rows = session.execute(select(Drill.id, Drill.kind, Drill.held_on).where(Drill.id.in_(ids))).all()
    return [(i, f"{DRILL_KINDS.get(kind, kind)}（{held_on.isoformat()}）") for i, kind, held_on in rows]


MANIFEST = Manifest(
    "filings",
    pages=(review_views.bp, aftercare_views.bp, overview_views.bp),
    api=(review_api.blp, aftercare_api.blp, overview_api.blp),
    sweeps=(Sweep("filings.deadlines", "core.filings.review.service:sweep_deadlines"),
            Sweep("filings.aftercare", "core.filings.aftercare.service:sweep_aftercare")),
    object_names={"filing": named_by(Filing.id, Filing.title), "drill": _drill_names},
    listeners={"calendar.changed": (recount_on_calendar_change,)},
)
