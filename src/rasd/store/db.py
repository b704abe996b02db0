"""Opening a database: URL resolution, SQLite pragmas (WAL), and Alembic migrations.

``--db`` (or ``RASD_DB``) is either a SQLAlchemy URL (``postgresql+psycopg://...``,
``sqlite:///path``) or a plain file path, which means SQLite. The default is ``./rasd.db``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_DB = "rasd.db"


def resolve_db_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, else ``RASD_DB``, else ``./rasd.db``."""
    value = db or os.environ.get("RASD_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL: readers (an export) never block the ingest writer, and a killed writer leaves the
    # last committed batch intact. NORMAL sync is durable across process crashes in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _json_dumps(value: Any) -> str:
    # orjson: the JSON columns (evidence, reported events, audit details) are most of what the
    # single writer serialises; orjson is ~3x faster than json.dumps and writes Arabic as UTF-8
    # rather than 6-byte \u escapes (the stored JSON is ~45% smaller). Non-string keys become
    # strings, as json.dumps makes them.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def make_engine(url: str) -> Engine:
    json_options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, **json_options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **json_options)


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("rasd.store") / "migrations"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent; a new database gets every migration)."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
