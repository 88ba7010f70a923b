"""Fixtures: the app against SQLite and PostgreSQL (each test gets a fresh copy of a
migrated database holding the demo data), clients logged in as demo users, real Redis.

PostgreSQL is used when ANJIAN_TEST_DATABASE_URL is set or a server answers on
127.0.0.1:5432; under CI=true it is mandatory.
"""
from __future__ import annotations

import itertools
import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text

from core.app import create_app
from core.context import ServiceContext
from core.migrate import upgrade

CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("ANJIAN_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ANJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(e).__name__}"


PG_PROBLEM = _pg_available()
if CI and PG_PROBLEM:
    raise RuntimeError(f"CI requires PostgreSQL: {PG_PROBLEM}")
BACKENDS = ["sqlite"] + ([] if PG_PROBLEM else ["postgresql"])


def load_demo_into(url: str) -> None:
    import tempfile

    from core.demo import load_demo
    files_dir = tempfile.mkdtemp(prefix="anjian-demo-files-")  # the demo stores no file
    upgrade(url)
    # Through an app signing with the tests' key (SECRET_KEY "test"), as `anjian demo` does.
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "FILES_DIR": files_dir,
                      "REDIS_URL": None})
    db = app.extensions["anjian.db"]
    with db.session() as s:
        load_demo(ServiceContext.system(s, "demo"))
        s.commit()
    db.dispose()


class PgDatabases:
    """Template database with the demo loaded once; each test clones it (fast, isolated)."""

    def __init__(self) -> None:
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.tag = uuid.uuid4().hex[:8]
        self.template = f"anjian_tpl_{self.tag}"
        self.counter = itertools.count()
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def _exec(self, sql: str) -> None:
        with self.admin.connect() as c:
            c.execute(text(sql))

    def build_template(self) -> None:
        self._exec(f'CREATE DATABASE "{self.template}"')
        self.created.append(self.template)
        load_demo_into(self.url(self.template))

    def clone(self) -> str:
        name = f"anjian_t_{self.tag}_{next(self.counter)}"
        self._exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def empty(self) -> str:
        name = f"anjian_e_{self.tag}_{next(self.counter)}"
        self._exec(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        self._exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self.created:
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory):  # noqa: ANN001, ANN201
    """backend → a callable returning a fresh database URL holding the demo data."""
    built: dict = {}
    pg = None

    def fresh(backend: str) -> tuple[str, callable]:
        nonlocal pg
        if backend == "sqlite":
            if "sqlite" not in built:
                path = tmp_path_factory.mktemp("tpl") / "template.db"
                load_demo_into(f"sqlite:///{path}")
                built["sqlite"] = path
            dest = tmp_path_factory.mktemp("db") / "anjian.db"
            shutil.copy(built["sqlite"], dest)
            return f"sqlite:///{dest}", lambda: None
        if pg is None:
            pg = PgDatabases()
            pg.build_template()
        name = pg.clone()
        return pg.url(name), lambda: pg.drop(name)

    yield fresh
    if pg is not None:
        pg.close()


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory):  # noqa: ANN001, ANN201
    """backend → (url, cleanup) of an empty database (for migration tests)."""
    pgs: list[PgDatabases] = []

    def make(backend: str):  # noqa: ANN202
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('empty') / 'e.db'}", lambda: None
        pg = PgDatabases()
        pgs.append(pg)
        name = pg.empty()
        return pg.url(name), lambda: pg.drop(name)

    yield make
    for pg in pgs:
        pg.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:  # noqa: ANN001
    return request.param


@pytest.fixture
def database_url(backend, templates):  # noqa: ANN001, ANN201
    """A fresh database holding the demo data, for this test only."""
    url, cleanup = templates(backend)
    yield url
    cleanup()


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """make_app(**config) → an app on this test's database; call it again to get another
    process's view of the same data (e.g. after a plugin was installed or removed)."""
    monkeypatch.setenv("ANJIAN_INSTANCE_PATH", str(tmp_path / "instance"))
    for var in ("ANJIAN_REDIS_URL", "ANJIAN_DATABASE_URL", "ANJIAN_FILES_DIR", "ANJIAN_PLUGINS_EXTRA"):
        monkeypatch.delenv(var, raising=False)
    made = []

    def make(**config):  # noqa: ANN202
        application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                                  "FILES_DIR": str(tmp_path / "files"), "REDIS_URL": None, **config})
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["anjian.db"].dispose()


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app()


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture
def runner(app):  # noqa: ANN001, ANN201
    return app.test_cli_runner()


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    """A system-scoped session for arranging and checking data directly."""
    s = app.extensions["anjian.db"].session()
    ServiceContext.system(s)
    yield s
    s.close()


def _user(app, username: str):  # noqa: ANN001, ANN202
    from sqlalchemy import select

    from core.auth.models import User
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"no demo user {username}"
        return user.id, user.session_epoch


@pytest.fixture
def as_user(app):  # noqa: ANN001, ANN201
    """as_user("wsq_reviewer") → a test client with that user's browser session.
    Its `csrf` attribute holds the form token to post."""
    def login(username: str):  # noqa: ANN202
        c = app.test_client()
        uid, epoch = _user(app, username)
        with c.session_transaction() as sess:
            sess["uid"], sess["epoch"], sess["csrf"] = uid, epoch, "test-csrf"
        c.csrf = "test-csrf"
        return c
    return login


@pytest.fixture
def ctx_for(app):  # noqa: ANN001, ANN201
    """ctx_for("ent1_officer") → a ServiceContext scoped like that user's requests;
    ctx_for("ent1_officer", of=other_app) → the same through another app (make_app)."""
    from sqlalchemy import select

    from core.auth.models import User
    sessions = []

    def make(username: str | None = None, of=None) -> ServiceContext:  # noqa: ANN001
        # of=another_app: a context on that app's sessions (its plugins, its job kinds)
        s = (of or app).extensions["anjian.db"].session()
        sessions.append(s)
        if username is None:
            return ServiceContext.system(s)
        ServiceContext.system(s)
        user = s.scalar(select(User).where(User.username == username))
        return ServiceContext.for_user(s, user)

    yield make
    for s in sessions:
        s.close()


class Api:
    """JSON client authenticated with a Bearer token of a demo user."""

    def __init__(self, client, token: str):  # noqa: ANN001
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str):  # noqa: ANN204
        def call(path: str, **kw):  # noqa: ANN202
            return getattr(self.client, method)(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)
        return call


@pytest.fixture
def api(app, ctx_for):  # noqa: ANN001, ANN201
    """api("wsq_admin") → Api client whose calls carry that user's token."""
    from core.auth import service as auth

    def make(username: str) -> Api:
        ctx = ctx_for(username)
        _, secret = auth.create_token(ctx, ctx.actor.user_id, {"name": "test"})
        ctx.session.commit()
        return Api(app.test_client(), secret)
    return make


def _redis_problem() -> str | None:
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return None
    except Exception as e:  # noqa: BLE001
        return f"Redis not reachable at {REDIS_URL}: {type(e).__name__}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = _redis_problem()
    if problem:
        if CI:
            pytest.fail(f"CI requires Redis: {problem}")
        pytest.skip(problem)
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL
