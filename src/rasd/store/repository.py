"""The Store API: articles in, deduplicated events stored, queries out.

Writes happen in batches (``Store.ingest``): each batch is one transaction, so a process killed at
any point leaves the database exactly as after the last committed batch; re-running the same
inputs skips what is stored (same id, normalised URL or normalised content hash) and completes
the rest. Event ids come from a per-country counter in the same transaction, so an id published
once is never handed out again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.orm import Session

from rasd.extraction import (
    ExtractFn, ExtractionEngine, ExtractionFailure, InProcessEngine, Outcome, PendingOutcomes,
)
from rasd.normalize import normalize
from rasd.schema import ACLED_COLUMNS, RASD_COLUMNS, Article, Event
from rasd.store import db as dbmod
from rasd.store.dedupe import MAX_WINDOW_DAYS, coded_fields_agree, merge_events, same_incident
from rasd.store.derived import StoreSession
from rasd.store.models import (
    ArticleRow, AuditRow, CandidateRow, CountrySequenceRow, DeletionRow, EventRow, EventSourceRow, FeedStateRow,
    RejectedRow,
)

DEFAULT_BATCH_SIZE = 50
# ISO 3166 alpha-3 by numeric code, for event ids; rasd codes Syria and Iraq, and their
# neighbours appear in cross-border reports. Unknown countries get "XXX", still unique.
ISO3_BY_NUMERIC = {760: "SYR", 368: "IRQ", 792: "TUR", 422: "LBN", 400: "JOR", 364: "IRN", 376: "ISR",
                   275: "PSE", 682: "SAU", 887: "YEM", 434: "LBY", 818: "EGY"}
ISO3_BY_COUNTRY = {"Syria": "SYR", "Iraq": "IRQ", "Turkey": "TUR", "Lebanon": "LBN", "Jordan": "JOR", "Iran": "IRN",
                   "Israel": "ISR", "Palestine": "PSE", "Saudi Arabia": "SAU", "Yemen": "YEM", "Libya": "LBY",
                   "Egypt": "EGY"}
_EVENT_FIELDS = (*ACLED_COLUMNS, *RASD_COLUMNS)
_DECISION_COLUMNS = tuple(getattr(EventRow, name) for name in (
    "event_id_cnty", "status", "event_type", "sub_event_type", "event_date", "time_precision", "country", "admin1",
    "admin2", "latitude", "longitude", "geo_precision", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2"))


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
    new: list[Incoming]
    pending: PendingOutcomes


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
    candidates: int = 0
    stored_merged: int = 0  # stored events merged into another (recorded as deletions)

    def add(self, other: IngestCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def summary(self) -> str:
        return (f"read {self.read}, new {self.new}, duplicate {self.duplicate}, coded {self.coded}, "
                f"rejected {self.rejected}; events: {self.events_new} new, {self.events_merged} merged, "
                f"{self.candidates} candidates")


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


def content_hash(text: str) -> str:
    """Hash of the normalised text: the same article re-scraped with other spacing, diacritics or
    alef forms is still a duplicate."""
    return hashlib.sha256(normalize(text).strip().encode("utf-8")).hexdigest()


def normalise_url(url: str) -> str | None:
    """Scheme and host lower-cased, fragment and tracking parameters dropped, no trailing slash."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith(("utm_", "fbclid", "gclid"))])
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def iso3_of(event: Event) -> str:
    if event.iso in ISO3_BY_NUMERIC:
        return ISO3_BY_NUMERIC[event.iso]
    return ISO3_BY_COUNTRY.get(event.country, "XXX")


def _sequence_number(event_id: str) -> int:
    digits = event_id[3:]
    return int(digits) if digits.isdigit() else 0


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


def event_from_row(row: EventRow) -> Event:
    return Event.model_validate({name: getattr(row, name) for name in _EVENT_FIELDS})


def _row_values(event: Event) -> dict[str, Any]:
    data = event.model_dump(mode="python")
    data["evidence"] = {k: v.model_dump() for k, v in event.evidence.items()}
    return {name: data[name] for name in _EVENT_FIELDS}


def _reported(event: Event) -> dict[str, Any]:
    data = event.to_json_dict()
    data.pop("event_id_cnty", None)
    data.pop("timestamp", None)
    return data


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
        engine = extract if isinstance(extract, ExtractionEngine) else InProcessEngine(extract)
        total = IngestCounts()
        in_flight: deque[_SubmittedBatch] = deque()
        for batch in _batches(items, batch_size, on_item):
            in_flight.append(self._submit(batch, engine))
            while len(in_flight) > engine.read_ahead:
                total.add(self._write_batch(in_flight.popleft(), on_batch))
        while in_flight:
            total.add(self._write_batch(in_flight.popleft(), on_batch))
        return total

    def _submit(self, batch: list[Item], engine: ExtractionEngine) -> _SubmittedBatch:
        """Send the batch's articles that are not stored yet to the engine; stored ones are not
        extracted at all. With read-ahead, an article that an earlier batch of this run stores is
        extracted needlessly, but the check inside the write transaction still calls it a
        duplicate, so the database is the same."""
        with self.session() as s:
            new = [item for item in batch if isinstance(item, Incoming) and self._stored_match(s, item) is None]
        return _SubmittedBatch(batch, new, engine.submit([item.article for item in new]))

    def _write_batch(self, submitted: _SubmittedBatch, on_batch: Callable[[IngestCounts], None] | None
                     ) -> IngestCounts:
        counts = IngestCounts()
        # Waiting for the extraction (the slow part) happens before the write transaction, so the
        # database is locked only while rows are written.
        outcomes = submitted.pending.result()
        extracted = {id(item): outcome for item, outcome in zip(submitted.new, outcomes, strict=True)}
        now = int(time.time())
        with self.session() as s, s.begin():
            for item in submitted.batch:
                counts.read += 1
                if isinstance(item, Rejection):
                    counts.rejected += 1
                    self._record_rejection(s, item, now)
                    continue
                if isinstance(item, KnownUrl):
                    counts.duplicate += 1
                    continue
                self._ingest_article(s, item, extracted.get(id(item)), now, counts)
        if on_batch:
            on_batch(counts)
        return counts

    def _record_rejection(self, s: Session, item: Rejection, now: int) -> None:
        key = hashlib.sha256(f"{item.origin}\x1f{item.line}\x1f{item.article_id}\x1f{item.reason}".encode()).hexdigest()
        if s.scalar(select(RejectedRow.id).where(RejectedRow.key == key)) is None:
            s.add(RejectedRow(key=key, origin=item.origin, line=item.line, article_id=item.article_id,
                              reason=item.reason, first_seen=now))

    @staticmethod
    def _stored_match(s: Session, item: Incoming):  # type: ignore[no-untyped-def]
        """The stored article with the same id, normalised URL or content hash, if any."""
        url = normalise_url(item.article.url)
        clauses = [ArticleRow.id == item.article.id, ArticleRow.content_hash == content_hash(item.article.text)]
        if url:
            clauses.append(ArticleRow.url == url)
        return s.execute(select(ArticleRow.id, ArticleRow.content_hash).where(or_(*clauses))).first()

    def _ingest_article(self, s: Session, item: Incoming, extraction: Outcome | None, now: int,
                        counts: IngestCounts) -> None:
        article = item.article
        digest = content_hash(article.text)
        url = normalise_url(article.url)
        # Checked again inside the transaction: an article of this batch (or of a concurrent run)
        # may have been stored since the extraction.
        existing = self._stored_match(s, item)
        if existing is not None:
            if existing.id == article.id and existing.content_hash != digest and (not url or s.scalar(
                    select(ArticleRow.id).where(ArticleRow.url == url)) is None):
                # Same id, other text, other URL: not a re-read but a clash; keep the stored one.
                counts.rejected += 1
                self._record_rejection(s, Rejection(item.origin, f"article id {article.id!r} already stored "
                                                    "with different content", article_id=article.id), now)
            else:
                counts.duplicate += 1
            return
        if isinstance(extraction, ExtractionFailure) or extraction is None:
            # None: stored when its batch was submitted, gone by the time it was written (another
            # process deleted it); never extracted, so recorded rather than silently dropped.
            reason = extraction.reason if extraction is not None else "extractor error: article was not extracted"
            events, status = [], "failed"
            self._record_rejection(s, Rejection(item.origin, reason, article_id=article.id), now)
            counts.rejected += 1
        else:
            events, status = extraction, "coded" if extraction else "no_events"
            counts.coded += 1
        counts.new += 1
        s.add(ArticleRow(id=article.id, source=article.source, url=url, published=article.published,
                         title=article.title, text=article.text, content_hash=digest, status=status,
                         origin=item.origin, events_found=len(events), ingested_at=now))
        s.flush()
        for index, event in enumerate(events):
            self._store_event(s, event, article.id, index, now, counts)

    def _store_event(self, s: Session, event: Event, article_id: str, index: int, now: int,
                     counts: IngestCounts) -> None:
        source_row = EventSourceRow(article_id=article_id, event_index=index, reported=_reported(event), added_at=now)
        matches = self._matches(s, event, article_id) if event.status == "event" else []
        if not matches:
            event_id = self._next_id(s, iso3_of(event))
            values = _row_values(event)
            values.update(event_id_cnty=event_id, timestamp=now)
            s.add(EventRow(**values, created_at=now, report_count=1))
            s.flush()  # the tables have no ORM relationships: the event row must exist first
            if event.status == "candidate":
                counts.candidates += 1
                s.add(CandidateRow(event_id_cnty=event_id, reason=event.reason or "review", created_at=now))
            else:
                counts.events_new += 1
            source_row.event_id_cnty = event_id
            s.add(source_row)
            s.add(AuditRow(at=now, action="insert", event_id_cnty=event_id, article_id=article_id,
                           detail={"status": event.status}))
            s.flush()
            return
        counts.events_merged += 1
        kept_row, *others = matches
        merged = merge_events(event_from_row(kept_row), event, now)
        kept_row.report_count += 1
        for other in others:
            # The new report bridges two stored events: they were one incident all along.
            merged = merge_events(merged, event_from_row(other), now)
            withdraw_into(s, other, kept_row, now, article_id)
            counts.stored_merged += 1
        before = {name: getattr(kept_row, name) for name in _EVENT_FIELDS}
        for name, value in _row_values(merged).items():
            if name != "event_id_cnty":
                setattr(kept_row, name, value)
        source_row.event_id_cnty = kept_row.event_id_cnty
        s.add(source_row)
        changed = sorted(n for n in _EVENT_FIELDS if n not in ("timestamp", "evidence", "explain")
                         and before[n] != getattr(kept_row, n))
        s.add(AuditRow(at=now, action="merge", event_id_cnty=kept_row.event_id_cnty, article_id=article_id,
                       detail={"changed": changed, "event_index": index}))
        s.flush()

    def _matches(self, s: Session, event: Event, article_id: str) -> list[EventRow]:
        """Stored events that are the same incident, oldest first; never two of one article (the
        extractor split them on purpose)."""
        if event.event_date is None:
            return []
        window = dt.timedelta(days=MAX_WINDOW_DAYS)
        # Only the columns the decision reads: a window can hold hundreds of rows, and whole rows
        # (evidence JSON, sentences) cost far more to load than the decision itself.
        candidates = s.execute(select(*_DECISION_COLUMNS).where(
            EventRow.status == "event", EventRow.event_type == event.event_type,
            EventRow.sub_event_type == event.sub_event_type, EventRow.country == event.country,
            EventRow.event_date >= event.event_date - window, EventRow.event_date <= event.event_date + window,
        )).all()
        # Oldest first by the id's sequence number (the per-country counter is the creation
        # order): a stable order, so a resumed run merges exactly as an uninterrupted one.
        ids = sorted((c.event_id_cnty for c in candidates if coded_fields_agree(c, event).same), key=_sequence_number)
        if not ids:
            return []
        own = set(s.scalars(select(EventSourceRow.event_id_cnty).where(EventSourceRow.article_id == article_id)))
        # the whole rows hold the source sentences, for the rest of the rule (a summary is not one day)
        return [row for i in ids if i not in own and (row := s.get(EventRow, i)) is not None
                and same_incident(row, event).same]

    def _next_id(self, s: Session, iso3: str) -> str:
        row = s.get(CountrySequenceRow, iso3, with_for_update=True)
        if row is None:
            row = CountrySequenceRow(iso3=iso3, last_value=0)
            s.add(row)
        row.last_value += 1
        s.flush()
        return f"{iso3}{row.last_value}"

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
