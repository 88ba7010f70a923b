"""Every action the code records has a Chinese name, and every name belongs to an action."""
import ast
from pathlib import Path

from core.audit import labels
from core.campaigns.tasks import FLOW as TASK_FLOW
from core.checklists.service import FLOW as CHECKLIST_FLOW
from core.filings.review.service import FLOW as FILING_FLOW
from core.ledgers.loop import FLOW as HAZARD_FLOW

ROOT = Path(__file__).resolve().parents[2]


def recorded() -> tuple[set[str], set[str]]:
    """(actions, object types) passed as literals to `audit.record(ctx, action, type, …)`,
    plus the workflows' `<name>.<transition>` and the plugin toggle's three actions."""
    actions, types = set(), set()
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("tenants/**/*.py"), *ROOT.glob("plugins/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # A helper that records for its callers takes the action as `action="…"`.
            if isinstance(node, ast.Call):
                actions |= {k.value.value for k in node.keywords
                            if k.arg == "action" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
                            and "." in k.value.value}
            # `audit.record(…)` from other modules, `record(…)` inside the audit service itself.
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None) if isinstance(node, ast.Call) else None
            if not (name == "record" and len(node.args) >= 3):
                continue
            action, obj_type = node.args[1], node.args[2]
            if isinstance(action, ast.JoinedStr):
                continue  # the workflow's f"{self.name}.{t.name}", taken from the flows below
            for n in ast.walk(action):  # literals, also inside a conditional expression
                if isinstance(n, ast.Constant) and isinstance(n.value, str):
                    actions.add(n.value)
            if isinstance(obj_type, ast.Constant):
                types.add(obj_type.value)
    for flow, obj_type in ((FILING_FLOW, "filing"), (CHECKLIST_FLOW, "checklist"), (HAZARD_FLOW, "hazard"),
                           (TASK_FLOW, "campaign_task")):
        actions |= {f"{flow.name}.{t.name}" for t in flow.transitions}
        types.add(obj_type)
    return actions, types


def test_every_recorded_action_and_object_type_has_a_name():
    actions, types = recorded()
    assert {"filing.accept", "checklist.return", "plugin.inherit", "tenant.update"} <= actions
    assert not actions - set(labels.ACTIONS), "add to core/audit/labels.py ACTIONS"
    assert not types - set(labels.OBJECT_TYPES), "add to core/audit/labels.py OBJECT_TYPES"


def test_every_name_is_of_an_action_the_code_records():
    actions, _ = recorded()
    assert not set(labels.ACTIONS) - actions


def test_every_action_falls_in_a_filter_group():
    grouped = [code for _, codes in labels.action_groups() for code in codes]
    assert sorted(grouped) == sorted(labels.ACTIONS)
    assert all(area in labels.OBJECT_TYPES for area, _ in labels.action_groups())
