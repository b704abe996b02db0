"""The store's tables (SQLAlchemy 2 declarative models).

One row per real event in ``events`` (ACLED's 31 columns plus rasd's), and around it what makes
the dataset *living*: every report behind an event (``event_sources``), the review queue for
candidates, every input that could not be read (``rejected``), every event id withdrawn
(``deletions``, so that clients can sync), and an append-only ``audit_log``.

Times are Unix seconds (``BigInteger``), as ACLED's ``timestamp`` is, so that ``--since`` works
the same way on every table. The schema is created and changed only through the Alembic
migrations in ``rasd/store/migrations``; ``tests/test_store.py`` checks they match these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    """An article read once. ``url`` and ``content_hash`` are unique: they define a duplicate."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str | None] = mapped_column(String(2048), unique=True)  # normalised; NULL when unknown
    published: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text, default="")
    # The text is kept: candidates are reviewed against it and evidence offsets index it.
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # coded | no_events | failed
    origin: Mapped[str] = mapped_column(Text, default="")  # the file, feed or URL it came from
    events_found: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[int] = mapped_column(BigInteger)


class EventRow(Base):
    """One real event, with every report of it merged in (see ``rasd.store.dedupe``)."""

    __tablename__ = "events"

    # --- ACLED's 31 columns ---
    event_id_cnty: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer)
    time_precision: Mapped[int | None] = mapped_column(Integer)
    disorder_type: Mapped[str] = mapped_column(String(60), default="")
    event_type: Mapped[str] = mapped_column(String(60))
    sub_event_type: Mapped[str] = mapped_column(String(60))
    actor1: Mapped[str] = mapped_column(Text, default="")
    assoc_actor_1: Mapped[str] = mapped_column(Text, default="")
    inter1: Mapped[str] = mapped_column(String(60), default="")
    actor2: Mapped[str] = mapped_column(Text, default="")
    assoc_actor_2: Mapped[str] = mapped_column(Text, default="")
    inter2: Mapped[str] = mapped_column(String(60), default="")
    interaction: Mapped[str] = mapped_column(String(120), default="")
    civilian_targeting: Mapped[str] = mapped_column(String(40), default="")
    iso: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(60), default="")
    country: Mapped[str] = mapped_column(String(80), default="")
    admin1: Mapped[str] = mapped_column(String(200), default="")
    admin2: Mapped[str] = mapped_column(String(200), default="")
    admin3: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    source_scale: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    fatalities: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[str] = mapped_column(Text, default="")
    timestamp: Mapped[int] = mapped_column(BigInteger)
    # --- rasd's own ---
    doc_id: Mapped[str] = mapped_column(String(512), default="")  # the first report
    status: Mapped[str] = mapped_column(String(20))  # event | candidate
    reason: Mapped[str] = mapped_column(String(60), default="")
    where_prec: Mapped[int | None] = mapped_column(Integer)
    date_prec: Mapped[int | None] = mapped_column(Integer)
    fatalities_low: Mapped[int] = mapped_column(Integer, default=0)
    fatalities_best: Mapped[int] = mapped_column(Integer, default=0)
    fatalities_high: Mapped[int] = mapped_column(Integer, default=0)
    location_ar: Mapped[str] = mapped_column(String(300), default="")
    place_id: Mapped[str] = mapped_column(String(120), default="")
    source_sentence: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    explain: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[int] = mapped_column(BigInteger)
    report_count: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        # Deduplication looks up stored events of one type in a date window.
        Index("ix_events_type_date", "event_type", "event_date", "event_id_cnty"),
        Index("ix_events_timestamp", "timestamp"),
        Index("ix_events_country_date", "country", "event_date", "event_id_cnty"),
        # The analysts' API (migration 0002): newest-first pages under its usual filters. Migration
        # 0003 ends them (and the two above) with the id: they then give the page's whole order
        # (date, id) with no sort, and a cursor is a range of them.
        Index("ix_events_admin1_date", "admin1", "event_date", "event_id_cnty"),
        Index("ix_events_sub_date", "sub_event_type", "event_date", "event_id_cnty"),
        Index("ix_events_iso_date", "iso", "event_date", "event_id_cnty"),
        # Migration 0003. Newest-first pages carry the filters that have no index of their own
        # (status, fatalities minimum, iso, bounding box) in the index itself: both backends test
        # them on the index entry, so a filter matching 2% of events reads ~25,000 entries and
        # only the 500 matching rows, instead of 25,000 rows.
        Index("ix_events_date_scan", "event_date", "event_id_cnty", "status", "fatalities", "iso", "latitude",
              "longitude"),
        # For the rare case: a small box or a high fatalities minimum, where walking the dates
        # would read most of the index before finding a page; the id makes them cover the lookup.
        Index("ix_events_lat_lon", "latitude", "longitude", "event_id_cnty"),
        Index("ix_events_fatalities", "fatalities", "event_id_cnty"),
        # The writer's deduplication window (migration 0004): status and time precision are in
        # the index so that rows the window does not want are skipped without reading them.
        Index("ix_events_dedupe", "sub_event_type", "country", "status", "event_date", "time_precision"),
    )


class EventSourceRow(Base):
    """One report of an event: which article, which of its events, with its own coded record."""

    __tablename__ = "event_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id_cnty: Mapped[str] = mapped_column(ForeignKey("events.event_id_cnty"), index=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)
    event_index: Mapped[int] = mapped_column(Integer)  # position among the article's extracted events
    # The event exactly as extracted from this article (evidence spans, numbers, place), so a
    # merged record can always be explained report by report.
    reported: Mapped[dict[str, Any]] = mapped_column(JSON)
    added_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("article_id", "event_index", name="uq_event_sources_article_event"),)


class CandidateRow(Base):
    """An event that cannot be exported as certain (unlocated, undated) and awaits an analyst."""

    __tablename__ = "candidates"

    event_id_cnty: Mapped[str] = mapped_column(ForeignKey("events.event_id_cnty"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[int] = mapped_column(BigInteger)
    resolved_at: Mapped[int | None] = mapped_column(BigInteger)


class RejectedRow(Base):
    """An input that could not become an article, with why. ``key`` makes re-runs idempotent."""

    __tablename__ = "rejected"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer, default=0)
    article_id: Mapped[str] = mapped_column(String(512), default="")
    reason: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[int] = mapped_column(BigInteger)


class DeletionRow(Base):
    """An event id withdrawn (merged into another, or deleted); ids are never reused."""

    __tablename__ = "deletions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id_cnty: Mapped[str] = mapped_column(String(16), index=True)
    deleted_at: Mapped[int] = mapped_column(BigInteger, index=True)
    reason: Mapped[str] = mapped_column(Text)
    merged_into: Mapped[str | None] = mapped_column(String(16))


class AuditRow(Base):
    """Append-only log of every change to events (insert, merge, delete)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(40))
    event_id_cnty: Mapped[str] = mapped_column(String(16), default="")
    article_id: Mapped[str] = mapped_column(String(512), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CountrySequenceRow(Base):
    """The last number handed out per ISO3 prefix: ``SYR`` + next value is never reused."""

    __tablename__ = "country_sequences"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class FeedStateRow(Base):
    """What ``rasd watch`` remembers per feed: validators for conditional requests, back-off."""

    __tablename__ = "feeds"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str] = mapped_column(Text, default="")
    last_modified: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # Unix ms: back-off below a second in tests
    last_status: Mapped[str] = mapped_column(Text, default="")
    last_checked_at: Mapped[int] = mapped_column(BigInteger, default=0)


# -- derived tables (migration 0003), kept in step with ``events`` by ``rasd.store.derived`` --------
class ActorNameRow(Base):
    """Every distinct value of actor1, actor2, assoc_actor_1 and assoc_actor_2, with how many
    events carry it: the ``actor`` filter matches its substring here (a few thousand names), not
    in a million events."""

    __tablename__ = "actor_names"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    folded: Mapped[str] = mapped_column(Text)  # str.lower(): what a case-insensitive match compares
    events: Mapped[int] = mapped_column(Integer)


class EventActorRow(Base):
    """Event <-> each distinct actor value it carries (any of the four columns): the events of a
    rare actor are found through this index instead of a scan."""

    __tablename__ = "event_actors"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id_cnty: Mapped[str] = mapped_column(String(16), primary_key=True)

    __table_args__ = (Index("ix_event_actors_event", "event_id_cnty"), {"sqlite_with_rowid": False})


class SummaryEventRow(Base):
    """Events and fatalities per period and (status, place, type): ``/api/stats`` sums these rows
    instead of the events. Each event counts in four periods: its day, month and year, and the
    ``all`` period (which alone holds undated events); a date range is answered with whole years,
    whole months and the days at its ends (``rasd.store.summary.periods``)."""

    __tablename__ = "summary_events"

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)  # all | year | month | day
    period: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # first day; ALL_TIME for "all"
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    iso: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 when unknown
    country: Mapped[str] = mapped_column(String(80), primary_key=True)
    admin1: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    sub_event_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    fatalities: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # The day series under a governorate or sub-event type filter reads only its rows.
        Index("ix_summary_events_admin1", "grain", "admin1", "period"),
        Index("ix_summary_events_sub", "grain", "sub_event_type", "period"),
        {"sqlite_with_rowid": False},
    )


class SummaryDayRow(Base):
    """Events and fatalities per day, status, country and event type: the timeline (``by_day``)
    of the unfiltered or type-filtered dataset, a few rows a day."""

    __tablename__ = "summary_days"

    period: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    iso: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(80), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    fatalities: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SummaryActorRow(Base):
    """Events and fatalities per period, (status, place, type) and actor, counted once as actor1
    and once as actor2, as ``by_actor`` counts them. Years and months only: per day and governorate
    there would be about as many rows as actor mentions; the days at the ends of a date range are
    counted from the events."""

    __tablename__ = "summary_actors"

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)  # all | year | month
    period: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    iso: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(80), primary_key=True)
    admin1: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    actor: Mapped[str] = mapped_column(Text, primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    fatalities: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = ({"sqlite_with_rowid": False},)
