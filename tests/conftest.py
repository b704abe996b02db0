"""Shared fixtures: where ../shared is, the gazetteers, and the seed article."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))
if not SHARED.is_absolute():
    SHARED = (ROOT / SHARED).resolve()
GAZETTEER_TSV = SHARED / "data" / "gazetteer" / "gazetteer_sy_iq.tsv.gz"
SEED = SHARED / "data" / "seed"
CORPUS = SHARED / "data" / "corpus" / "dev.jsonl"

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason=f"shared data not found at {SHARED} (set RASD_SHARED)")


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """rasd's caches go to a temporary RASD_HOME, never the developer's own."""
    os.environ.setdefault("RASD_HOME", str(tmp_path_factory.mktemp("rasd_home")))
    os.environ.pop("RASD_GAZETTEER", None)


@pytest.fixture(scope="session")
def seed_article() -> dict:
    return json.loads((SEED / "article.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def full_extractor():
    from rasd.gazetteer import get_gazetteer
    from rasd.pipeline import Extractor

    return Extractor(get_gazetteer(GAZETTEER_TSV))


@pytest.fixture(scope="session")
def fallback_extractor():
    from rasd.gazetteer import fallback_gazetteer
    from rasd.pipeline import Extractor

    return Extractor(fallback_gazetteer())


# -- the event store: one contract suite on SQLite (always) and PostgreSQL ---------------------------
POSTGRES_URL = os.environ.get("RASD_TEST_POSTGRES_URL", "")
STORE_BACKENDS = ("sqlite", "postgresql")


def require_postgres() -> str:
    """The PostgreSQL server URL for tests; in CI its absence is a failure, never a skip."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but RASD_TEST_POSTGRES_URL is not set: `make test` starts PostgreSQL with "
                    "scripts/postgres.sh; the store tests must run on PostgreSQL in CI")
    pytest.skip("no PostgreSQL: set RASD_TEST_POSTGRES_URL (make test starts one with scripts/postgres.sh)")


def fresh_database_url(backend: str, tmp_path: Path) -> str:
    """An empty database of the backend: a new SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'rasd.db'}"
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(require_postgres())
    name = f"rasd_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=STORE_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url(request.param, tmp_path)
