"""The job tests' apps know the sample job kinds (tests/jobs/sample_jobs.py)."""
import pytest

from tests.jobs.sample_jobs import SAMPLE


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(MANIFESTS_EXTRA=(SAMPLE,))
