"""docs/security.md names, for each promise, the tests that hold it: those tests exist."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_the_security_document_names_exists():
    doc = (ROOT / "docs/security.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`…::(\w+)`", doc)
    assert len(named) > 40
    current = None
    for path, name, follow in named:
        if path:
            current = ROOT / path
            assert current.exists(), path
        test = name or follow
        if test:
            assert re.search(rf"^def {test}\(", current.read_text(encoding="utf-8"), re.M), f"{current.name}::{test}"
