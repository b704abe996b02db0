"""``rasd watch`` against a real HTTP server on 127.0.0.1: conditional requests, back-off on a
failing feed, pages fetched for teaser items (once), one log line per cycle, ``--max-cycles``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rasd.store.watch import parse_interval
from tests.conftest import CORPUS, needs_shared
from tests.local_http import Route, rss, start_server
from tests.store_cli import run_rasd

pytestmark = needs_shared
CYCLE = re.compile(r"^rasd watch: cycle (\d+) at \S+: 3 feeds \((\d+) fetched, (\d+) not modified, "
                   r"(\d+) backing off, (\d+) failed\); articles read (\d+), new (\d+)")


def test_store_watch_parse_interval() -> None:
    assert [parse_interval(t) for t in ("15m", "1h", "30s", "250ms", "2d", "5")] == [900, 3600, 30, 0.25, 172800, 5]
    with pytest.raises(ValueError):
        parse_interval("soon")


def test_store_watch_polls_with_conditional_requests_and_backs_off(tmp_path: Path) -> None:
    docs = [json.loads(line) for _, line in zip(range(80), CORPUS.open(encoding="utf-8"))][60:63]
    state, server = start_server()
    try:
        state.routes["/full.xml"] = Route(body=rss([
            {"title": d["title"], "link": state.url(f"/full/{i}"), "pubDate": "Wed, 21 Mar 2018 08:00:00 GMT",
             "content": "<p>" + d["text"] + "</p>"} for i, d in enumerate(docs[:2])]),
            content_type="application/rss+xml", etag='"v1"', last_modified="Wed, 21 Mar 2018 08:00:00 GMT")
        state.routes["/teaser.xml"] = Route(body=rss([{"title": docs[2]["title"], "link": state.url("/story"),
                                                       "summary": docs[2]["text"][:120]}]),
                                            content_type="application/rss+xml")
        state.routes["/story"] = Route(body=(
            f'<html><head><meta property="article:published_time" content="{docs[2]["published"]}">'
            f'<title>t</title></head><body><article><p>'
            + "</p><p>".join(docs[2]["text"].split("\n")) + "</p></article></body></html>").encode("utf-8"))
        state.routes["/down.xml"] = Route(body=b"server error", status=500)
        feeds = tmp_path / "feeds.txt"
        feeds.write_text(f"# test feeds\n{state.url('/full.xml')}\n\n{state.url('/teaser.xml')}\n"
                         f"{state.url('/down.xml')}\n", encoding="utf-8")
        db = tmp_path / "rasd.db"
        result = run_rasd("watch", str(feeds), "--every", "1s", "--max-cycles", "3", "--db", str(db),
                          "--retries", "0", "--timeout", "5")
    finally:
        server.shutdown()

    cycles = [CYCLE.match(line) for line in result.stderr.splitlines() if line.startswith("rasd watch: cycle")]
    assert len(cycles) == 3 and all(cycles), result.stderr
    first, second, third = (tuple(int(g) for g in m.groups()) for m in cycles)  # type: ignore[union-attr]
    # cycle, fetched, not modified, backing off, failed, read, new
    assert first == (1, 2, 0, 0, 1, 4, 3)  # 3 articles; the failing feed is read as one rejection
    assert second[:5] == (2, 1, 1, 1, 0) and second[6] == 0  # full feed 304, teaser refetched, down.xml waits
    assert third[6] == 0
    full = state.hits("/full.xml")
    assert "If-None-Match" not in full[0][0] and full[0][1] == 200
    assert all(h.get("If-None-Match") == '"v1"' and h.get("If-Modified-Since") and status == 304
               for h, status in full[1:])
    assert len(state.hits("/story")) == 1  # a teaser's page is fetched once; later its URL is known
    assert len(state.hits("/down.xml")) < 3  # backed off after failing

    from rasd.store import Store

    store = Store.open(str(db))
    try:
        assert store.counts()["articles"] == 3
        assert [r.reason for r in store.rejected()] == ["feed failed: HTTP 500 Internal Server Error"]
        assert store.feed_state(state.url("/down.xml")).failures >= 1
        assert store.feed_state(state.url("/full.xml")).etag == '"v1"'
    finally:
        store.close()
