"""What one batch of ``Store.ingest`` writes: articles, events, merges, sources, ids, audit rows.

``BatchWrite`` is one transaction. It takes the same decisions, in the same order, as a writer
that asks the database about every article and every event would (the rule is
``rasd.store.dedupe``), so the stored events, merges, ids, candidates and rejections are the
same, and so are the autoincrement ids of every table (rows are inserted in the order they were
decided). What differs is how often it talks to the database, which is where the time went
(per-row ORM flushes and per-event queries were ~2/3 of the writer's CPU time):

- **Stored articles** are looked up once per batch (by id, normalised URL, content hash), into
  an index in memory that then also holds the batch's own new articles.
- **Deduplication candidates** are read once per batch: every stored event of a type, sub-event
  type and country that some event of the batch has, within ``MAX_WINDOW_DAYS`` of its date
  (the rows a per-event query would return, for every event of the batch). ``DedupeWindow``
  keeps them in memory, current with what the batch inserts, merges and deletes, sorted by date
  per time precision, so each event is compared only with the rows inside its own date window.
- **Rows** are collected in memory and written at the end, one multi-row statement per table;
  an event inserted and then merged in the same batch is inserted once, in its final state.

The batch must be the only writer while it runs: ``Store`` starts SQLite transactions with
``BEGIN IMMEDIATE`` and PostgreSQL locks the per-country counters, as before.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update

from rasd.extraction import ExtractionFailure, Outcome
from rasd.identity import ArticleKeys
from rasd.schema import ACLED_COLUMNS, RASD_COLUMNS, Article, Event
from rasd.store import derived
from rasd.store.bulk import execute_many
from rasd.store.dedupe import (
    MAX_WINDOW_DAYS, EventLike, as_report, attach_source, attachable, coded_fields_agree, incidents_may_join,
    matches_incident, matching_types, merge_events, one_report_per_article, unique_act_pair, window_days,
)
from rasd.store.models import (
    ArticleRow, AuditRow, CandidateRow, CountrySequenceRow, DeletionRow, EventRow, EventSourceRow, RejectedRow,
)

if TYPE_CHECKING:
    from rasd.store.repository import IngestCounts

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
_EVENT_BY_ID = select(EventRow.__table__).where(EventRow.event_id_cnty == bindparam("event_id"))
_REPORTS_OF = (select(EventSourceRow.reported).where(EventSourceRow.event_id_cnty == bindparam("event_id"))
               .order_by(EventSourceRow.id))
_UPDATE_EVENT = update(EventRow.__table__).where(EventRow.__table__.c.event_id_cnty == bindparam("b_event_id"))
_MOVE_SOURCES = (update(EventSourceRow.__table__).where(EventSourceRow.__table__.c.event_id_cnty == bindparam("old"))
                 .values(event_id_cnty=bindparam("new")))
_UPDATABLE_FIELDS = tuple(name for name in _EVENT_FIELDS if name != "event_id_cnty")
_SCALAR_FIELDS = tuple(name for name in _UPDATABLE_FIELDS if name not in ("evidence", "explain"))
_NOT_AUDITED = ("timestamp", "evidence", "explain")  # a merge always changes them; the audit lists the rest
# Rows of one statement: far below SQLite's limits on bound variables and expression depth.
_CHUNK = 200

T = TypeVar("T")


def iso3_of(event: Event) -> str:
    if event.iso in ISO3_BY_NUMERIC:
        return ISO3_BY_NUMERIC[event.iso]
    return ISO3_BY_COUNTRY.get(event.country, "XXX")


def _sequence_number(event_id: str) -> int:
    digits = event_id[3:]
    return int(digits) if digits.isdigit() else 0


def stored_reports(conn: Connection, event_id: str) -> list[Event]:
    """The reports of a stored event that were events when their articles were coded (its
    ``event_sources``, in the order they came; a re-telling attached as a source is not one)."""
    return [Event.model_validate(reported) for reported in conn.execute(_REPORTS_OF, {"event_id": event_id}).scalars()
            if reported.get("status") == "event"]


def event_from_row(row: Any) -> Event:
    return Event.model_validate({name: getattr(row, name) for name in _EVENT_FIELDS})


def _row_values(event: Event) -> dict[str, Any]:
    data = event.model_dump(mode="python")  # nested models (evidence spans) become plain dicts
    return {name: data[name] for name in _EVENT_FIELDS}


_REPORTED_FIELDS = tuple(name for name in _EVENT_FIELDS if name not in ("event_id_cnty", "timestamp"))


def _reported(values: dict[str, Any]) -> dict[str, Any]:
    """What an article reported (an ``event_sources`` row): the event's JSON form
    (``Event.to_json_dict``) without its id and timestamp, made from its row values (the date,
    the one field whose JSON form differs) rather than by serialising the event a second time."""
    data = {name: values[name] for name in _REPORTED_FIELDS}
    if data["event_date"] is not None:
        data["event_date"] = data["event_date"].isoformat()
    return data


@functools.cache
def _insert_statement(model: type) -> Any:
    """One INSERT per table, kept: ``execute_many`` keeps its compiled form by statement."""
    return insert(model.__table__)  # type: ignore[attr-defined]


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class KnownArticles:
    """Articles by id, URL and content hash: the stored ones that share a key with a batch, and
    then those the batch adds. The keys are unique columns, so each maps to one article."""

    def __init__(self) -> None:
        self.by_id: dict[str, ArticleKeys] = {}
        self.by_hash: dict[str, ArticleKeys] = {}
        self.by_url: dict[str, ArticleKeys] = {}

    @classmethod
    def load(cls, conn: Connection, keys: Sequence[ArticleKeys]) -> KnownArticles:
        known = cls()
        for chunk in _chunks(keys):
            clauses = [ArticleRow.id.in_({k.id for k in chunk})]
            hashes = {k.content_hash for k in chunk if k.content_hash}
            if hashes:
                clauses.append(ArticleRow.content_hash.in_(hashes))
            urls = {k.url for k in chunk if k.url}
            if urls:
                clauses.append(ArticleRow.url.in_(urls))
            query = select(ArticleRow.id, ArticleRow.url, ArticleRow.content_hash).where(or_(*clauses))
            for row in conn.execute(query):
                known.add(ArticleKeys(row.id, row.url, row.content_hash))
        return known

    def add(self, keys: ArticleKeys) -> None:
        self.by_id[keys.id] = keys
        if keys.content_hash:
            self.by_hash[keys.content_hash] = keys
        if keys.url:
            self.by_url[keys.url] = keys

    def match(self, keys: ArticleKeys) -> ArticleKeys | None:
        """The known article with the same id, content hash or URL (in that order), if any."""
        return (self.by_id.get(keys.id) or (self.by_hash.get(keys.content_hash) if keys.content_hash else None)
                or (self.by_url.get(keys.url) if keys.url else None))


_Entry = tuple[int, int, str]  # (date ordinal, id sequence number, event id): sorts by date
_GroupKey = tuple[str, str, str]  # (event_type, sub_event_type, country)
# Stored events by time precision as ``same_incident`` reads it (None counts as 1); the window
# read takes each class within the widest date window a report can have with it (None: the
# widest there is, for precision 3 and any value a hand edit could have left).
_PRECISION_CLASSES = ((1, or_(EventRow.time_precision.is_(None), EventRow.time_precision == 1)),
                      (2, EventRow.time_precision == 2),
                      (None, EventRow.time_precision.not_in((1, 2))))
# One statement per class, compiled once and run per date range (building an expression per
# range cost more than running it). The columns match the index ix_events_dedupe.
_WINDOW_QUERIES = tuple(select(*_DECISION_COLUMNS).where(
    EventRow.sub_event_type == bindparam("sub_event_type"), EventRow.country == bindparam("country"),
    EventRow.status == "event", EventRow.event_date >= bindparam("low"), EventRow.event_date <= bindparam("high"),
    precision_clause, EventRow.event_type == bindparam("event_type")) for _, precision_clause in _PRECISION_CLASSES)


class DedupeWindow:
    """The events a batch's reports may merge with: status ``event``, dated, by type, sub-event
    type and country, sorted by date within each time precision.

    A stored event is compared with a report only if its date is within the window of the pair
    (``window_days``: 1, 4 or 16 days by the less precise date); every other pair is one that
    ``same_incident`` rejects on its date test, so skipping it changes no decision. That is what
    keeps the writer's speed from falling as a date window fills up."""

    def __init__(self) -> None:
        self.rows: dict[str, EventLike] = {}
        self._where: dict[str, tuple[_GroupKey, int, _Entry]] = {}
        self._groups: dict[_GroupKey, dict[int, list[_Entry]]] = {}

    def load(self, conn: Connection, events: Iterable[Event]) -> None:
        """Read the stored events that any of ``events`` could be compared with: per type,
        sub-event type and country, and per class of time precision, the dates within the widest
        window an event of the batch can have with that class (overlapping windows joined)."""
        windows: dict[tuple[_GroupKey, int], list[tuple[int, int]]] = defaultdict(list)
        for event in events:
            if (event.status == "event" or attachable(event)) and event.event_date is not None:
                day = event.event_date.toordinal()
                own_type = (event.event_type, event.sub_event_type)
                for event_type, sub_event_type in matching_types(*own_type):
                    key = (event_type, sub_event_type, event.country)
                    unique = unique_act_pair(own_type, (event_type, sub_event_type))
                    for index, (precision, _) in enumerate(_PRECISION_CLASSES):
                        days = window_days(event.time_precision, precision, unique) if precision else MAX_WINDOW_DAYS
                        windows[(key, index)].append((day - days, day + days))
        added: list[tuple[str, EventLike]] = []
        for ((event_type, sub_event_type, country), index), spans in windows.items():
            ranges: list[list[int]] = []
            for low, high in sorted(spans):
                if ranges and low <= ranges[-1][1] + 1:
                    ranges[-1][1] = max(ranges[-1][1], high)
                else:
                    ranges.append([low, high])
            for low, high in ranges:
                rows = conn.execute(_WINDOW_QUERIES[index], {
                    "event_type": event_type, "sub_event_type": sub_event_type, "country": country,
                    "low": dt.date.fromordinal(low), "high": dt.date.fromordinal(high)})
                added.extend((row.event_id_cnty, row) for row in rows)
        self._add_sorted(added)

    def put(self, event_id: str, row: EventLike) -> None:
        """Add or replace an event (its values as stored now)."""
        self.discard(event_id)
        if placed := self._place(event_id, row):
            bisect.insort(*placed)

    def _add_sorted(self, rows: list[tuple[str, EventLike]]) -> None:
        """Add many events at once (a window's first read): sorted once, not one by one."""
        touched: dict[int, list[_Entry]] = {}
        for event_id, row in rows:
            if placed := self._place(event_id, row):
                entries, entry = placed
                entries.append(entry)
                touched[id(entries)] = entries
        for entries in touched.values():
            entries.sort()

    def _place(self, event_id: str, row: EventLike) -> tuple[list[_Entry], _Entry] | None:
        """Record the event; its (group, precision) list and its entry there, for the caller to
        insert. None if it can never be a candidate (not an event, or undated)."""
        if row.status != "event" or row.event_date is None:
            return None
        key = (row.event_type, row.sub_event_type, row.country)
        precision = row.time_precision or 1
        entry = (row.event_date.toordinal(), _sequence_number(event_id), event_id)
        self.rows[event_id] = row
        self._where[event_id] = (key, precision, entry)
        return self._groups.setdefault(key, {}).setdefault(precision, []), entry

    def discard(self, event_id: str) -> None:
        where = self._where.pop(event_id, None)
        if where is None:
            return
        key, precision, entry = where
        entries = self._groups[key][precision]
        del entries[bisect.bisect_left(entries, entry)]
        del self.rows[event_id]

    def near(self, event: Event) -> Iterator[tuple[str, EventLike]]:
        """Events of ``event``'s country and type (its sub-event type, or one of the same act:
        ``matching_types``) whose date is within the pair's window."""
        assert event.event_date is not None
        day = event.event_date.toordinal()
        own_type = (event.event_type, event.sub_event_type)
        for event_type, sub_event_type in matching_types(*own_type):
            unique = unique_act_pair(own_type, (event_type, sub_event_type))
            for precision, entries in self._groups.get((event_type, sub_event_type, event.country), {}).items():
                days = window_days(event.time_precision, precision, unique)
                for _, _, event_id in entries[bisect.bisect_left(entries, (day - days,)):
                                              bisect.bisect_left(entries, (day + days + 1,))]:
                    yield event_id, self.rows[event_id]


@dataclass(slots=True)
class _EventState:
    """An event row as the batch has it now; ``stored`` is the row as read (None: new in this batch)."""

    event: Event
    values: dict[str, Any]
    report_count: int
    stored: dict[str, Any] | None = None
    stored_report_count: int = 0
    deleted: bool = False
    # Its reports of status ``event`` as their articles coded them: a new report is compared with
    # each as well as with the merged row (``_matches``)
    reports: list[Event] = field(default_factory=list)


class BatchWrite:
    """One batch's transaction on ``conn``: call ``article`` and ``reject`` in input order, then
    ``flush`` once (the caller commits)."""

    def __init__(self, conn: Connection, now: int, keys: Sequence[ArticleKeys], events: Iterable[Event]) -> None:
        self.conn = conn
        self.now = now
        self.known = KnownArticles.load(conn, keys)
        self.window = DedupeWindow()
        self.window.load(conn, events)
        self.events: dict[str, _EventState] = {}
        self.new_event_ids: list[str] = []
        self.sequences: dict[str, tuple[int, bool]] = {}  # iso3 -> (last value, row exists)
        self.articles: list[dict[str, Any]] = []
        self.sources: list[dict[str, Any]] = []
        self.sources_of_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.sources_of_event: dict[str, list[dict[str, Any]]] = defaultdict(list)  # this batch's
        self.moves: list[dict[str, str]] = []
        self.candidates: list[dict[str, Any]] = []
        self.deletions: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []
        self.rejections: dict[str, dict[str, Any]] = {}  # by key, in the order recorded

    # -- decisions ------------------------------------------------------------------------------
    def reject(self, origin: str, reason: str, *, line: int = 0, article_id: str = "") -> None:
        """An input that did not become an article; recorded once, however often it is read."""
        key = hashlib.sha256(f"{origin}\x1f{line}\x1f{article_id}\x1f{reason}".encode()).hexdigest()
        self.rejections.setdefault(key, {"key": key, "origin": origin, "line": line, "article_id": article_id,
                                         "reason": reason, "first_seen": self.now})

    def article(self, article: Article, origin: str, keys: ArticleKeys, extraction: Outcome | None,
                counts: IngestCounts) -> None:
        # Checked again here, not only before extraction: an article of this batch (or of an
        # earlier batch extracted ahead, or of a concurrent run) may have been stored since.
        existing = self.known.match(keys)
        if existing is not None:
            if existing.id == keys.id and existing.content_hash != keys.content_hash and (
                    not keys.url or keys.url not in self.known.by_url):
                # Same id, other text, other URL: not a re-read but a clash; keep the stored one.
                counts.rejected += 1
                self.reject(origin, f"article id {article.id!r} already stored with different content",
                            article_id=article.id)
            else:
                counts.duplicate += 1
            return
        if isinstance(extraction, ExtractionFailure) or extraction is None:
            # None: stored when its batch was submitted, gone by the time it was written (another
            # process deleted it); never extracted, so recorded rather than silently dropped.
            reason = extraction.reason if extraction is not None else "extractor error: article was not extracted"
            events, status = [], "failed"
            self.reject(origin, reason, article_id=article.id)
            counts.rejected += 1
        else:
            events, status = extraction, "coded" if extraction else "no_events"
            counts.coded += 1
        counts.new += 1
        self.known.add(keys)
        self.articles.append({"id": article.id, "source": article.source, "url": keys.url,
                              "published": article.published, "title": article.title, "text": article.text,
                              "content_hash": keys.content_hash, "status": status, "origin": origin,
                              "events_found": len(events), "ingested_at": self.now})
        for index, event in enumerate(events):
            self._event(event, article.id, index, counts)

    def _event(self, event: Event, article_id: str, index: int, counts: IngestCounts) -> None:
        now = self.now
        values = _row_values(event)
        source = {"event_id_cnty": "", "article_id": article_id, "event_index": index,
                  "reported": _reported(values), "added_at": now}
        if attachable(event) and (targets := self._matches(as_report(event), article_id)):
            self._attach(event, targets[0], source, article_id, index, counts)
            return
        matches = self._matches(event, article_id) if event.status == "event" else []
        if not matches:
            event_id = self._next_id(iso3_of(event))
            stored = event.model_copy(update={"event_id_cnty": event_id, "timestamp": now})
            values.update(event_id_cnty=event_id, timestamp=now)
            self.events[event_id] = _EventState(stored, values, 1, reports=[event] if event.status == "event" else [])
            self.new_event_ids.append(event_id)
            self.window.put(event_id, stored)
            if event.status == "candidate":
                counts.candidates += 1
                self.candidates.append({"event_id_cnty": event_id, "reason": event.reason or "review",
                                        "created_at": now, "resolved_at": None})
            else:
                counts.events_new += 1
            self._add_source(source, event_id)
            self._audit("insert", event_id, article_id, {"status": event.status})
            return
        counts.events_merged += 1
        (kept_id, kept, why), *others = matches
        others = [(other_id, other) for other_id, other, _ in others
                  if incidents_may_join(kept.event, kept.reports, other.event, other.reports)]
        merged = merge_events(kept.event, event, now)
        kept.report_count += 1
        kept.reports.append(event)
        for other_id, other in others:
            # The new report bridges two stored events: they were one incident all along. The
            # younger id is withdrawn (a deletion clients can sync) and its reports move over.
            merged = merge_events(merged, other.event, now)
            kept.report_count += other.report_count
            kept.reports.extend(other.reports)
            self._move_sources(other_id, kept_id)
            other.deleted = True
            self.window.discard(other_id)
            self.deletions.append({"event_id_cnty": other_id, "deleted_at": now,
                                   "reason": f"duplicate: merged into {kept_id}", "merged_into": kept_id})
            self._audit("delete", other_id, article_id, {"merged_into": kept_id})
            counts.stored_merged += 1
        values = _row_values(merged)
        values["event_id_cnty"] = kept_id
        changed = sorted(n for n in _EVENT_FIELDS if n not in _NOT_AUDITED and kept.values[n] != values[n])
        kept.event, kept.values = merged, values
        self.window.put(kept_id, merged)
        self._add_source(source, kept_id)
        self._audit("merge", kept_id, article_id, {"changed": changed, "event_index": index, "match": why})

    def _attach(self, event: Event, target: tuple[str, _EventState, str], source: dict[str, Any], article_id: str,
                index: int, counts: IngestCounts) -> None:
        """A re-telling of a stored event (``dedupe.attachable``): one more source of the oldest
        stored event of the same incident, not a candidate; its coded fields stay as they are."""
        counts.events_attached += 1
        kept_id, kept, why = target
        attached = attach_source(kept.event, event, self.now)
        kept.report_count += 1
        values = _row_values(attached)
        values["event_id_cnty"] = kept_id
        changed = sorted(n for n in _EVENT_FIELDS if n not in _NOT_AUDITED and kept.values[n] != values[n])
        kept.event, kept.values = attached, values
        self._add_source(source, kept_id)
        self._audit("attach", kept_id, article_id, {"reason": event.reason, "changed": changed, "event_index": index,
                                                    "match": why})

    def _add_source(self, source: dict[str, Any], event_id: str) -> None:
        source["event_id_cnty"] = event_id
        self.sources.append(source)
        self.sources_of_article[source["article_id"]].append(source)
        self.sources_of_event[event_id].append(source)

    def _audit(self, action: str, event_id: str, article_id: str, detail: dict[str, Any]) -> None:
        self.audit.append({"at": self.now, "action": action, "event_id_cnty": event_id, "article_id": article_id,
                           "detail": detail})

    def _matches(self, event: Event, article_id: str) -> list[tuple[str, _EventState, str]]:
        """Stored events that are the same incident, oldest first; none that already has a report
        of this article (the extractor split them on purpose: ``one_report_per_article``)."""
        if event.event_date is None:
            return []
        # Oldest first by the id's sequence number (the per-country counter is the creation
        # order): a stable order, so a resumed run merges exactly as an uninterrupted one. The
        # window holds only the coded columns; the rest of the rule (a summary is not one day)
        # reads the source sentence and evidence, of the few rows that pass.
        ids = sorted((event_id for event_id, row in self.window.near(event) if coded_fields_agree(row, event).same),
                     key=_sequence_number)
        if not ids:
            return []
        own = ({source["event_id_cnty"] for source in self.sources_of_article[article_id]}
               if one_report_per_article(event) else set())
        chosen = [event_id for event_id in ids if event_id not in own]
        self._load([event_id for event_id in chosen if event_id not in self.events])
        found = []
        for event_id in chosen:
            state = self.events[event_id]
            if (decision := matches_incident(state.event, state.reports, event)).same:
                found.append((event_id, state, decision.reason))  # by what it matched, for the audit log
        return found

    def _load(self, event_ids: list[str]) -> None:
        """Whole stored rows of events about to be merged (the window holds only the decision's columns)."""
        for event_id in event_ids:  # usually one: a cached statement by key beats compiling an IN list
            row = self.conn.execute(_EVENT_BY_ID, {"event_id": event_id}).one()
            stored = {name: getattr(row, name) for name in _EVENT_FIELDS}
            self.events[row.event_id_cnty] = _EventState(event_from_row(row), dict(stored), row.report_count,
                                                         stored, row.report_count,
                                                         reports=stored_reports(self.conn, event_id))

    def _move_sources(self, old: str, new: str) -> None:
        moved = self.sources_of_event.pop(old, [])
        for source in moved:
            source["event_id_cnty"] = new
        self.sources_of_event[new].extend(moved)
        self.moves.append({"old": old, "new": new})  # the stored reports of ``old``, at flush

    def _next_id(self, iso3: str) -> str:
        if iso3 not in self.sequences:
            # Locked until commit (PostgreSQL): a concurrent run waits rather than reuse a number.
            last = self.conn.execute(select(CountrySequenceRow.last_value).where(CountrySequenceRow.iso3 == iso3)
                                     .with_for_update()).scalar()
            self.sequences[iso3] = (last or 0, last is not None)
        last, exists = self.sequences[iso3]
        self.sequences[iso3] = (last + 1, exists)
        return f"{iso3}{last + 1}"

    # -- writes ---------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything decided, in an order every foreign key accepts: articles and new
        events before the reports that point at them; reports moved before their event goes."""
        conn = self.conn
        self._insert_rejections()
        self._insert(ArticleRow, self.articles)
        self._insert(EventRow, [{**self.events[event_id].values, "created_at": self.now,
                                 "report_count": self.events[event_id].report_count}
                                for event_id in self.new_event_ids])
        self._update_stored_events()
        self._insert(EventSourceRow, self.sources)
        execute_many(conn, _MOVE_SOURCES, self.moves)
        self._insert(CandidateRow, self.candidates)
        self._insert(DeletionRow, self.deletions)
        self._insert(AuditRow, self.audit)
        gone = [event_id for event_id, state in self.events.items() if state.deleted]
        for chunk in _chunks(gone):
            # An event merged away leaves the review queue too, if it was once a candidate
            # (as ``repository.withdraw_into`` does; the audit log keeps its history).
            conn.execute(delete(CandidateRow).where(CandidateRow.event_id_cnty.in_(chunk)))
            conn.execute(delete(EventRow).where(EventRow.event_id_cnty.in_(chunk)))
        self._write_derived()
        for iso3, (last, exists) in self.sequences.items():
            if exists:
                conn.execute(update(CountrySequenceRow).where(CountrySequenceRow.iso3 == iso3).values(last_value=last))
            else:
                conn.execute(insert(CountrySequenceRow).values(iso3=iso3, last_value=last))

    def _write_derived(self) -> None:
        """The summary tables and the actor index (``rasd.store.derived``), in this transaction:
        Core statements bypass the ORM session's hook, so the batch passes its own changes, from
        the values it read and the values it wrote, for every event it inserted, changed or deleted.
        An event inserted and merged away in the same batch was never counted and is not now."""
        changes: list[derived.Change] = []
        for event_id, state in self.events.items():
            before = state.stored
            after = None if state.deleted else state.values
            if before is None and after is None:
                continue  # inserted and merged away in this batch: never counted
            if before is not None and after is not None and all(before[f] == after[f] for f in derived.FIELDS):
                continue  # read for a merge that did not happen, or merged without a change they count
            changes.append((before, after, event_id))
        if changes:
            derived.write_changes(self.conn, changes)

    def _insert(self, model: type, rows: list[dict[str, Any]]) -> None:
        execute_many(self.conn, _insert_statement(model), rows)

    def _insert_rejections(self) -> None:
        rows = list(self.rejections.values())
        stored: set[str] = set()
        for chunk in _chunks(rows):
            stored.update(self.conn.scalars(select(RejectedRow.key).where(RejectedRow.key.in_([r["key"] for r in chunk]))))
        self._insert(RejectedRow, [row for row in rows if row["key"] not in stored])

    def _update_stored_events(self) -> None:
        """Stored events this batch merged into. Each is rewritten whole but for its JSON columns,
        unless those changed too (a merge keeps them): two statements compiled once, where
        updating only the changed columns would compile one per combination."""
        rows: dict[tuple[str, ...], list[dict[str, Any]]] = {_SCALAR_FIELDS: [], _UPDATABLE_FIELDS: []}
        for event_id, state in self.events.items():
            if state.stored is None or state.deleted:
                continue
            changed = [name for name in _UPDATABLE_FIELDS if state.stored[name] != state.values[name]]
            if not changed and state.report_count == state.stored_report_count:
                continue
            columns = _UPDATABLE_FIELDS if set(changed) - set(_SCALAR_FIELDS) else _SCALAR_FIELDS
            rows[columns].append({**{name: state.values[name] for name in columns},
                                  "report_count": state.report_count, "b_event_id": event_id})
        for batch in rows.values():
            execute_many(self.conn, _UPDATE_EVENT, batch)
