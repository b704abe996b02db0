"""rasd's living event store: articles and their events in SQLite (default) or PostgreSQL.

    store = Store.open("rasd.db")              # or "postgresql+psycopg://user@host/db"
    outcome = store.ingest_batch(items)        # articles in, deduplicated events stored
    rows = store.events(EventFilter(country="Syria"))

Modules: ``models`` (tables), ``db`` (URLs, WAL, Alembic), ``dedupe`` (the pure merge rule),
``repository`` (the Store API), ``sources`` (files, folders, JSONL, HTML, feeds -> articles),
``feeds`` (HTTP with conditional requests and back-off, RSS/Atom), ``export`` (writers).
"""

from rasd.store.db import resolve_db_url
from rasd.store.repository import EventFilter, IngestCounts, Store

__all__ = ["Store", "EventFilter", "IngestCounts", "resolve_db_url"]
