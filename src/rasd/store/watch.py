"""``rasd watch``: poll a list of feeds, ingest what is new, one log line per cycle.

Each feed is fetched with the validators of its last answer (``ETag`` -> ``If-None-Match``,
``Last-Modified`` -> ``If-Modified-Since``), so an unchanged feed costs a 304 and no parsing. A
feed that fails (HTTP error, no connection, not a feed) is retried after ``every * 2**failures``
(capped at a day): a dead site is not hammered every cycle, and one success resets it. The state
lives in the ``feeds`` table, so back-off and validators survive a restart.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rasd.schema import Article, Event
from rasd.store.feeds import BrokenFeed, FetchError, Fetcher, parse_feed
from rasd.store.repository import IngestCounts, Rejection, Store
from rasd.store.sources import ReadOptions, read_feed

MAX_BACKOFF_SECONDS = 24 * 3600
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_interval(text: str) -> float:
    """Seconds in "15m", "1h", "30s", "250ms", "2d" (a bare number is seconds)."""
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(f"not an interval: {text!r} (use 30s, 15m, 1h, 1d)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def read_feed_list(path: Path) -> list[str]:
    """Feed URLs, one a line; blank lines and lines starting with # are skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@dataclass
class CycleReport:
    number: int
    feeds: int = 0
    fetched: int = 0
    not_modified: int = 0
    backing_off: int = 0
    failed: int = 0

    def line(self, counts: IngestCounts) -> str:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"rasd watch: cycle {self.number} at {stamp}: {self.feeds} feeds ({self.fetched} fetched, "
                f"{self.not_modified} not modified, {self.backing_off} backing off, {self.failed} failed); "
                f"articles {counts.summary()}")


def poll_once(store: Store, urls: list[str], number: int, every_seconds: float, extract: Callable[[Article], list[Event]],
              options: ReadOptions) -> tuple[CycleReport, IngestCounts]:
    report, counts = CycleReport(number=number, feeds=len(urls)), IngestCounts()
    fetcher = options.fetcher or Fetcher()
    for url in urls:
        state = store.feed_state(url)
        now_ms = int(time.time() * 1000)
        if state.next_attempt_ms > now_ms:
            report.backing_off += 1
            continue
        state.last_checked_at = now_ms // 1000
        try:
            result = fetcher.get(url, etag=state.etag, last_modified=state.last_modified)
            if result.status != 304:
                parse_feed(result.body)  # fail here, before ingesting, if it is not a feed
        except (FetchError, BrokenFeed) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            state.failures += 1
            delay = min(every_seconds * 2 ** state.failures, MAX_BACKOFF_SECONDS)
            state.next_attempt_ms = now_ms + int(delay * 1000)
            state.last_status = f"failed: {reason}"
            store.save_feed_state(state)
            counts.add(store.ingest([Rejection(url, f"feed failed: {reason}")], extract))
            report.failed += 1
            continue
        state.failures, state.next_attempt_ms = 0, 0
        if result.status == 304:
            report.not_modified += 1
            state.last_status = "304 not modified"
        else:
            report.fetched += 1
            counts.add(store.ingest(read_feed(result.body, url, options), extract))
            state.etag, state.last_modified = result.etag, result.last_modified
            state.last_status = f"{result.status} ok"
        store.save_feed_state(state)
    return report, counts


def watch(store: Store, feeds_file: Path, every_seconds: float, extract: Callable[[Article], list[Event]],
          options: ReadOptions, *, max_cycles: int | None = None, log: Callable[[str], None] = print,
          sleep: Callable[[float], None] = time.sleep) -> IngestCounts:
    """Poll until ``max_cycles`` (forever when None); the feed list is re-read every cycle, so
    feeds can be added without a restart."""
    total = IngestCounts()
    number = 0
    while max_cycles is None or number < max_cycles:
        number += 1
        started = time.monotonic()
        report, counts = poll_once(store, read_feed_list(feeds_file), number, every_seconds, extract, options)
        total.add(counts)
        log(report.line(counts))
        if max_cycles is not None and number >= max_cycles:
            break
        sleep(max(0.0, every_seconds - (time.monotonic() - started)))
    return total
