"""Dates from the template (seed 004's own), the bureau's edits, and the 9月20日 note."""
from datetime import date

import pytest

from core.campaigns import service
from core.errors import ValidationFailed
from tests.campaigns.conftest import launch


def test_dates_follow_the_seed(ctx_for):
    ctx = ctx_for("wsq_admin")
    c = service.get_campaign(ctx, launch(ctx_for))
    assert c.status == "draft" and c.template_version == "2024.1.0"
    assert c.schedule["phases"] == {"mobilize": ["2024-09-01", "2024-09-05"], "rectify": ["2024-09-06", "2024-09-30"],
                                    "summarize": ["2024-09-20", "2024-10-15"]}
    assert (c.starts_on, c.ends_on) == (date(2024, 9, 1), date(2024, 10, 15))
    items = c.schedule["items"]
    assert items["warning_education"] == items["special_check"] == items["law_study"] == "2024-09-20"
    assert items["inspection"] == "2024-09-30"
    # The seed's 总结报告 is due 9月20日 although its phase runs to 10月15日: kept, and said.
    assert items["summary_report"] == "2024-09-20"
    note = service.item(ctx, c, "summary_report").body["due_note"]
    assert "9月20日" in note and "10月15日" in note


def test_a_date_outside_its_phase_asks_for_confirmation(ctx_for):
    cid = launch(ctx_for)
    ctx = ctx_for("wsq_admin")
    c = service.get_campaign(ctx, cid)
    with pytest.raises(ValidationFailed) as e:
        service.update_campaign(ctx, cid, {"schedule": {"items": {"warning_education": "2024-10-05"}}}, c.version)
    assert "confirm" in e.value.errors and "所属阶段" in e.value.errors["items.warning_education"][0]
    ctx.session.rollback()
    c = service.update_campaign(ctx, cid, {"schedule": {"items": {"warning_education": "2024-10-05"}}, "confirm": True},
                                service.get_campaign(ctx, cid).version)
    assert c.schedule["items"]["warning_education"] == "2024-10-05"
    # Moving the summary report within its own phase needs no confirmation.
    c = service.update_campaign(ctx, cid, {"schedule": {"items": {"summary_report": "2024-10-15"}}}, c.version)
    assert c.schedule["items"]["summary_report"] == "2024-10-15"


def test_a_phase_ending_before_it_starts_is_refused(ctx_for):
    cid = launch(ctx_for)
    ctx = ctx_for("wsq_admin")
    with pytest.raises(ValidationFailed) as e:
        service.update_campaign(ctx, cid, {"schedule": {"phases": {"rectify": ["2024-09-30", "2024-09-06"]}}},
                                service.get_campaign(ctx, cid).version)
    assert e.value.errors["phases.rectify"] == ["阶段“专项整治”的结束日期不能早于开始日期"]


def test_a_later_start_moves_every_date(ctx_for):
    ctx = ctx_for("wsq_admin")
    c = service.get_campaign(ctx, launch(ctx_for, starts_on="2025-09-01"))
    assert c.schedule["items"]["inspection"] == "2025-09-30" and c.ends_on == date(2025, 10, 15)


@pytest.mark.parametrize("data, field", [({"doc_no": " "}, "doc_no"), ({"starts_on": "九月"}, "starts_on"),
                                         ({"targets": {"industries": ["chemicals"]}}, "targets.industries"),
                                         ({"targets": {"enterprises": [999999]}}, "targets.enterprises")])
def test_bad_launch_input_names_the_field(ctx_for, data, field):
    with pytest.raises(ValidationFailed) as e:
        launch(ctx_for, **data)
    assert field in e.value.errors
