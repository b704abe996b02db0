"""Alembic environment: rasd runs migrations programmatically (``rasd.store.migrate``), handing
over an open connection; ``alembic -x url=...`` from the command line works too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from rasd.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - rasd never generates SQL scripts offline
    raise SystemExit("rasd's migrations run online only")
run_migrations_online()
