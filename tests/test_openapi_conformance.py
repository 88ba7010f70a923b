"""The OpenAPI document describes what the API does: schemathesis sends 50 generated
requests per operation, as a bureau reviewer and as an enterprise officer, against the
demo database, and every answer must be a non-5xx status the document declares, with a
body that matches the declared schema (error shape, timestamps with their offset …).

Run on SQLite only: what it checks is the document against the code, not the database."""
from __future__ import annotations

import collections

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance]
EXAMPLES = 50


# schemathesis's WSGI transport leaves a downloaded file's handle to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("who", ["wsq_reviewer", "ent1_officer"])
def test_the_document_is_true(app, api, who):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = api(who).headers
    failures: dict[str, str] = {}
    statuses: collections.Counter = collections.Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    for op in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):  # noqa: ANN001, ANN202
            try:
                statuses[case.call_and_validate(headers=headers, checks=CHECKS).status_code] += 1
            except Exception as e:  # noqa: BLE001 - collected and reported all at once below
                failures.setdefault(f"{op.method.upper()} {op.path}", "\n".join(str(e).splitlines()[:8]))
        run()
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
    assert statuses[200] > 100 and not any(code >= 500 for code in statuses)
