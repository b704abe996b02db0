"""The Store API: articles in, deduplicated events stored, queries out.

Writes happen in batches (``Store.ingest``): each batch is one transaction, so a process killed at
any point leaves the database exactly as after the last committed batch; re-running the same
inputs skips what is stored (same id, normalised URL or normalised content hash) and completes
the rest. Event ids come from a per-country counter in the same transaction, so an id published
once is never handed out again.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

from sqlalchemy import Connection, Engine, delete, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from rasd.extraction import ExtractFn, ExtractionEngine, InProcessEngine, Outcome, PendingOutcomes
# content_hash and normalise_url are imported from here by callers that know them as the store's keys.
from rasd.identity import ArticleKeys, article_keys, content_hash, normalise_url  # noqa: F401
from rasd.schema import Article, Event
from rasd.store import db as dbmod
from rasd.store.dedupe import coded_fields_agree, matches_incident, one_report_per_article
from rasd.store.derived import StoreSession
from rasd.store.linker import default_merge_model
from rasd.store.models import (
    ArticleRow, AuditRow, CandidateRow, DeletionRow, EventRow, EventSourceRow, FeedStateRow, RejectedRow,
)
# _row_values, _sequence_number and event_from_row are imported from here by the review and query modules.
from rasd.store.writer import (  # noqa: F401
    BatchWrite, DedupeWindow, KnownArticles, _row_values, _sequence_number, event_from_row, stored_reports,
)

DEFAULT_BATCH_SIZE = 50
_WRITE_LOCK_KEY = 0x72617364  # "rasd": the PostgreSQL advisory lock of a batch's write transaction


@dataclass(frozen=True, slots=True)
class Incoming:
    """An article read from somewhere (``origin``: file, line, feed or URL)."""

    article: Article
    origin: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not become an article."""

    origin: str
    reason: str
    line: int = 0
    article_id: str = ""


@dataclass(frozen=True, slots=True)
class KnownUrl:
    """A feed item whose URL is stored already: counted as a duplicate, its page not fetched."""

    origin: str
    url: str


Item = Incoming | Rejection | KnownUrl


@dataclass(frozen=True, slots=True)
class _SubmittedBatch:
    """A batch whose new articles are with the extraction engine, waiting to be written."""

    batch: list[Item]
    keys: dict[int, ArticleKeys]  # by id() of each Incoming of the batch not in ``new`` (the engine keys those)
    new: list[Incoming]
    pending: PendingOutcomes


# How many articles the writer reads between two garbage collections while it ingests.
COLLECT_EVERY_ARTICLES = 10_000


class _Collector:
    """The writer's garbage collection while it ingests: automatic collection off, one full
    collection every ``every`` articles instead.

    A batch allocates hundreds of thousands of objects that live until the batch is written
    (articles, events, rows, parameters); the automatic collector kept traversing them, in
    collections of its youngest generation that cost the single writer ~5% of its CPU with Dask
    (0.73 s of GC pauses per 10,000 articles; bench/throughput.py, docs/SCALING.md), and more
    before session 4 (13% with the default threshold). Reference counting frees nearly all of
    it; the cyclic garbage left (a few hundred objects per thousand articles, from SQLAlchemy and
    the extractor) is collected every ``every`` articles. Objects that existed before the run
    (the extractor's gazetteer and matchers in a one-process run) are frozen out of those
    collections, so each traverses only what the run created."""

    def __init__(self, every: int = COLLECT_EVERY_ARTICLES) -> None:
        self.every = every
        self.read = 0

    def after_batch(self, articles: int) -> None:
        self.read += articles
        if self.read >= self.every:
            self.read = 0
            gc.collect()

    @contextmanager
    def running(self) -> Iterator[_Collector]:
        was_enabled = gc.isenabled()
        freezes = gc.get_freeze_count() == 0  # a caller's own frozen objects stay frozen after
        if freezes:
            gc.freeze()
        gc.disable()
        try:
            yield self
        finally:
            if freezes:
                gc.unfreeze()
            if was_enabled:
                gc.enable()


def _batches(items: Iterable[Item], size: int, on_item: Callable[[Item], None] | None) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if on_item:
            on_item(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class IngestCounts:
    read: int = 0
    new: int = 0
    duplicate: int = 0
    coded: int = 0
    rejected: int = 0
    events_new: int = 0
    events_merged: int = 0
    events_attached: int = 0  # re-tellings of a stored event, stored as one more source of it
    candidates: int = 0
    stored_merged: int = 0  # stored events merged into another (recorded as deletions)

    def add(self, other: IngestCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def summary(self) -> str:
        return (f"read {self.read}, new {self.new}, duplicate {self.duplicate}, coded {self.coded}, "
                f"rejected {self.rejected}; events: {self.events_new} new, {self.events_merged} merged, "
                f"{self.events_attached} attached, {self.candidates} candidates")


@dataclass
class EventFilter:
    country: str | None = None
    admin1: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    actor: str | None = None
    since: int | None = None
    include_candidates: bool = False


def withdraw_into(s: Session, other: EventRow, kept_row: EventRow, now: int, article_id: str | None) -> None:
    """``other`` and ``kept_row`` are one incident: ``other``'s (younger) id is withdrawn, a
    deletion clients can sync, and its reports move over. Its review-queue entry, if it was once a
    candidate, goes with it (the audit log keeps its history)."""
    kept_row.report_count += other.report_count
    s.execute(EventSourceRow.__table__.update()
              .where(EventSourceRow.event_id_cnty == other.event_id_cnty)
              .values(event_id_cnty=kept_row.event_id_cnty))
    s.execute(delete(CandidateRow).where(CandidateRow.event_id_cnty == other.event_id_cnty))
    s.flush()
    s.delete(other)
    s.add(DeletionRow(event_id_cnty=other.event_id_cnty, deleted_at=now,
                      reason=f"duplicate: merged into {kept_row.event_id_cnty}", merged_into=kept_row.event_id_cnty))
    s.add(AuditRow(at=now, action="delete", event_id_cnty=other.event_id_cnty, article_id=article_id,
                   detail={"merged_into": kept_row.event_id_cnty}))


class Store:
    """A database of articles and events (see the module docstring for guarantees)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.backend = engine.url.get_backend_name()

    @classmethod
    def open(cls, db: str | None = None, *, migrate: bool = True) -> Store:
        engine = dbmod.make_engine(dbmod.resolve_db_url(db))
        if migrate:
            dbmod.upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        # A StoreSession keeps the summary tables and the actor index in step with every event
        # written through it (rasd.store.derived).
        return StoreSession(self.engine, expire_on_commit=False)

    # -- ingest --------------------------------------------------------------------------------
    def url_known(self, url: str) -> bool:
        key = normalise_url(url)
        if key is None:
            return False
        with self.session() as s:
            return s.scalar(select(ArticleRow.id).where(ArticleRow.url == key)) is not None

    def ingest(self, items: Iterable[Item], extract: ExtractFn | ExtractionEngine, *,
               batch_size: int = DEFAULT_BATCH_SIZE, on_item: Callable[[Item], None] | None = None,
               on_batch: Callable[[IngestCounts], None] | None = None) -> IngestCounts:
        """Store every item, ``batch_size`` per transaction; returns the counts of the whole run.

        ``extract`` is a function of one article (run here, batch by batch) or an
        ``ExtractionEngine`` (e.g. Dask workers). Either way batches are written in input order by
        this one process, so ids and merges do not depend on where extraction ran.
        """
        default_merge_model()  # a broken $RASD_MERGE_MODEL stops the run before any article is read
        engine = extract if isinstance(extract, ExtractionEngine) else InProcessEngine(extract)
        total = IngestCounts()
        in_flight: deque[_SubmittedBatch] = deque()
        with _Collector().running() as collector:
            for batch in _batches(items, batch_size, on_item):
                in_flight.append(self._submit(batch, engine))
                while len(in_flight) > engine.read_ahead:
                    total.add(self._write_batch(in_flight.popleft(), on_batch))
                collector.after_batch(len(batch))
            while in_flight:
                total.add(self._write_batch(in_flight.popleft(), on_batch))
        return total

    def _submit(self, batch: list[Item], engine: ExtractionEngine) -> _SubmittedBatch:
        """Send the batch's articles whose id is not stored yet to the engine; stored ones are
        not extracted at all. The engine also computes the other keys of what it extracts
        (normalised URL, content hash: ``rasd.identity``; the writer computes them only for the
        articles it recognised here), so an article stored under another id, with the same URL
        or text, is extracted needlessly and then found a duplicate inside the write
        transaction, as is an article that an earlier batch of this run stores while it is
        extracted ahead: the database is the same either way."""
        incoming = [item for item in batch if isinstance(item, Incoming)]
        first_look = {id(item): ArticleKeys(item.article.id, None, None) for item in incoming}
        with self.engine.connect() as conn:
            known = KnownArticles.load(conn, list(first_look.values()))
        new: list[Incoming] = []
        keys: dict[int, ArticleKeys] = {}
        for item in incoming:
            if known.match(first_look[id(item)]) is None:
                new.append(item)  # keyed by the engine
            else:
                keys[id(item)] = article_keys(item.article)  # the hash tells a re-read from an id clash
        return _SubmittedBatch(batch, keys, new, engine.submit([item.article for item in new]))

    def _write_batch(self, submitted: _SubmittedBatch, on_batch: Callable[[IngestCounts], None] | None
                     ) -> IngestCounts:
        counts = IngestCounts()
        # Waiting for the extraction (the slow part) happens before the write transaction, so the
        # database is locked only while rows are written.
        results = submitted.pending.result()
        keys = dict(submitted.keys)
        extracted: dict[int, Outcome] = {}
        for incoming, result in zip(submitted.new, results, strict=True):
            extracted[id(incoming)] = result.outcome
            keys[id(incoming)] = result.keys or article_keys(incoming.article)
        events = [event for result in results if isinstance(result.outcome, list) for event in result.outcome]
        with self.engine.begin() as conn:
            self._begin_write(conn)
            write = BatchWrite(conn, int(time.time()), list(keys.values()), events)
            for item in submitted.batch:
                counts.read += 1
                if isinstance(item, Rejection):
                    counts.rejected += 1
                    write.reject(item.origin, item.reason, line=item.line, article_id=item.article_id)
                elif isinstance(item, KnownUrl):
                    counts.duplicate += 1
                else:
                    write.article(item.article, item.origin, keys[id(item)], extracted.get(id(item)), counts)
            write.flush()
        if on_batch:
            on_batch(counts)
        return counts

    def _begin_write(self, conn: Connection) -> None:
        """Make the batch the only writer before it reads what it decides on (stored articles,
        the dedupe window, the id counters), so that two ``rasd ingest`` runs against one
        database take turns batch by batch instead of deciding on what the other is changing.
        SQLite: BEGIN IMMEDIATE takes the write lock now (the default, deferred, would read first
        and lock at the first write), waiting up to busy_timeout. PostgreSQL: a transaction-level
        advisory lock that every rasd writer takes; readers are not blocked."""
        if self.backend == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif self.backend == "postgresql":
            conn.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK_KEY})

    @staticmethod
    def _matches(s: Session, event: Event, article_id: str) -> list[EventRow]:
        """Stored events that are the same incident as ``event``, oldest first, none of
        ``article_id``'s: for a candidate promoted by review (``rasd.store.review``), in its ORM
        session. The same window and rule as ingest's ``BatchWrite``, read for one event."""
        if event.event_date is None:
            return []
        window = DedupeWindow()
        window.load(s.connection(), [event])
        ids = sorted((i for i, row in window.near(event) if coded_fields_agree(row, event).same), key=_sequence_number)
        if not ids:
            return []
        own = (set(s.scalars(select(EventSourceRow.event_id_cnty).where(EventSourceRow.article_id == article_id)))
               if one_report_per_article(event) else set())
        # the whole rows hold the source sentences, for the rest of the rule (a summary is not one day)
        return [row for i in ids if i not in own and (row := s.get(EventRow, i)) is not None
                and matches_incident(row, Store.reports_of(s, i), event).same]

    @staticmethod
    def reports_of(s: Session, event_id: str) -> list[Event]:
        """``writer.stored_reports`` in an ORM session (what it has flushed included)."""
        return stored_reports(s.connection(), event_id)

    # -- queries -------------------------------------------------------------------------------
    def events(self, where: EventFilter | None = None) -> Iterator[Event]:
        where = where or EventFilter()
        query = select(EventRow)
        if not where.include_candidates:
            query = query.where(EventRow.status == "event")
        if where.country:
            query = query.where(func.lower(EventRow.country) == where.country.lower())
        if where.admin1:
            query = query.where(func.lower(EventRow.admin1) == where.admin1.lower())
        if where.date_from:
            query = query.where(EventRow.event_date >= where.date_from)
        if where.date_to:
            query = query.where(EventRow.event_date <= where.date_to)
        if where.event_type:
            query = query.where(EventRow.event_type == where.event_type)
        if where.sub_event_type:
            query = query.where(EventRow.sub_event_type == where.sub_event_type)
        if where.actor:
            pattern = f"%{where.actor.lower()}%"
            query = query.where(or_(*(func.lower(c).like(pattern) for c in (
                EventRow.actor1, EventRow.actor2, EventRow.assoc_actor_1, EventRow.assoc_actor_2))))
        if where.since is not None:
            query = query.where(EventRow.timestamp >= where.since)
        query = query.order_by(EventRow.event_date, EventRow.event_id_cnty)
        with self.session() as s:
            for row in s.scalars(query.execution_options(yield_per=1000)):
                yield event_from_row(row)

    def deletions(self, since: int | None = None) -> list[DeletionRow]:
        with self.session() as s:
            query = select(DeletionRow).order_by(DeletionRow.deleted_at, DeletionRow.id)
            if since is not None:
                query = query.where(DeletionRow.deleted_at >= since)
            return list(s.scalars(query))

    def counts(self) -> dict[str, int]:
        """Rows per table (and events by status): what a run changed, at a glance."""
        from rasd.store.models import Base

        with self.session() as s:
            out = {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}
            for status, n in s.execute(select(EventRow.status, func.count()).group_by(EventRow.status)):
                out[f"events:{status}"] = n
        return out

    def rejected(self) -> list[RejectedRow]:
        with self.session() as s:
            return list(s.scalars(select(RejectedRow).order_by(RejectedRow.id)))

    # -- feeds (rasd watch) --------------------------------------------------------------------
    def feed_state(self, url: str) -> FeedStateRow:
        with self.session() as s:
            return s.get(FeedStateRow, url) or FeedStateRow(url=url, etag="", last_modified="", failures=0,
                                                            next_attempt_ms=0, last_status="", last_checked_at=0)

    def save_feed_state(self, state: FeedStateRow) -> None:
        with self.session() as s, s.begin():
            s.merge(state)
