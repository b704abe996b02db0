"""HTTP fetching and RSS/Atom parsing for ``rasd ingest URL`` and ``rasd watch``.

``Fetcher.get`` makes conditional requests (``If-None-Match`` / ``If-Modified-Since``) and retries
transient failures (connection errors, timeouts, 429 and 5xx) with exponential back-off; other
HTTP errors are terminal. Failures raise ``FetchError`` with a reason fit for the rejected table.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

USER_AGENT = "rasd/0.1 (Arabic conflict-event coding)"
_FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:rdf")


class FetchError(Exception):
    def __init__(self, url: str, reason: str, *, transient: bool) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: int  # 200, or 304 when the validators still hold
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""

    def text(self) -> str:
        charset = "utf-8"
        if "charset=" in self.content_type:
            charset = self.content_type.split("charset=", 1)[1].split(";")[0].strip() or "utf-8"
        return self.body.decode(charset, errors="replace")


class Fetcher:
    def __init__(self, *, timeout: float = 20.0, retries: int = 2, backoff_seconds: float = 1.0,
                 max_bytes: int = 20_000_000) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.max_bytes = max_bytes

    def get(self, url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
        attempt = 0
        while True:
            try:
                return self._get_once(url, etag, last_modified)
            except FetchError as exc:
                if not exc.transient or attempt >= self.retries:
                    raise
                time.sleep(self.backoff_seconds * 2 ** attempt)
                attempt += 1

    def _get_once(self, url: str, etag: str, last_modified: str) -> FetchResult:
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1)
                if len(body) > self.max_bytes:
                    raise FetchError(url, f"response over {self.max_bytes} bytes", transient=False)
                return FetchResult(url=url, status=response.status, body=body,
                                   etag=response.headers.get("ETag", "") or "",
                                   last_modified=response.headers.get("Last-Modified", "") or "",
                                   content_type=response.headers.get("Content-Type", "") or "")
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return FetchResult(url=url, status=304, etag=etag, last_modified=last_modified)
            transient = exc.code == 429 or exc.code >= 500
            raise FetchError(url, f"HTTP {exc.code} {exc.reason}", transient=transient) from None
        except urllib.error.URLError as exc:
            raise FetchError(url, f"connection failed: {exc.reason}", transient=True) from None
        except (TimeoutError, ConnectionError, OSError) as exc:
            raise FetchError(url, f"connection failed: {type(exc).__name__}: {exc}", transient=True) from None


def looks_like_feed(body: bytes) -> bool:
    head = body[:2000].lstrip().lower()
    return any(marker in head for marker in _FEED_MARKERS)


@dataclass(frozen=True, slots=True)
class FeedItem:
    link: str
    title: str
    published: dt.date | None
    content: str  # the fullest text the feed carries (content:encoded, else the summary), as text
    full_text: bool  # whether ``content`` is the whole article, or a summary to replace by the page


def strip_tags(fragment: str) -> str:
    """Text of an HTML fragment from a feed (trafilatura wants whole pages, not snippets)."""
    import html
    import re

    text = re.sub(r"(?i)<\s*(br|/p|/div|/h[1-6]|/li)\s*/?>", "\n", fragment)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[ \t]+", " ", html.unescape(text)).strip()


class BrokenFeed(ValueError):
    pass


# A feed item whose text is shorter than this is a teaser: the page is fetched instead.
FULL_TEXT_MIN_CHARS = 600


def parse_feed(body: bytes | str) -> tuple[str, list[FeedItem]]:
    """The feed's title and its items; raises ``BrokenFeed`` when nothing usable can be read."""
    import feedparser

    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries:
        raise BrokenFeed(f"broken feed: {type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}")
    if not parsed.entries and not parsed.feed:
        raise BrokenFeed("broken feed: no channel and no items")
    items = []
    for entry in parsed.entries:
        struct = entry.get("published_parsed") or entry.get("updated_parsed")
        published = dt.date(struct.tm_year, struct.tm_mon, struct.tm_mday) if struct else None
        contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
        content = strip_tags(max(contents, key=len) if contents else entry.get("summary", "") or "")
        items.append(FeedItem(link=entry.get("link", "") or "", title=entry.get("title", "") or "",
                              published=published, content=content,
                              full_text=bool(contents) and len(content) >= FULL_TEXT_MIN_CHARS))
    return parsed.feed.get("title", "") or "", items
