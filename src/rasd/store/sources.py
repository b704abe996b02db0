"""Inputs to articles: files, folders, JSONL dumps, HTML pages, RSS/Atom feeds, URLs.

``read_inputs`` turns each target given to ``rasd ingest`` into a stream of ``Incoming`` articles
and ``Rejection`` records; nothing is dropped silently and one bad input never stops the run.
Every article goes through ``rasd.ingest.article_from_record``, so files, feeds and JSONL lines are
validated by the same rules (Arabic, not empty, size limit, a publication date).

Publication dates (needed to resolve "yesterday", "on Thursday"): a JSONL record's ``published``;
for a text or HTML file, a sidecar JSON beside it (``NAME.json``, ``NAME.txt.json`` or
``NAME.meta.json``, which may also give ``id``, ``url``, ``title``, ``source``), then the page's
own metadata (HTML), then ``--published``; for a feed item, its date, then the page's metadata.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rasd.ingest import ArticleRejected, article_from_record, content_id, read_jsonl_articles
from rasd.store.feeds import BrokenFeed, FetchError, Fetcher, looks_like_feed, parse_feed
from rasd.store.repository import Incoming, Item, KnownUrl, Rejection

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
HTML_SUFFIXES = {".html", ".htm"}
SIDECAR_SUFFIXES = (".meta.json", ".json")


@dataclass
class ReadOptions:
    published: dt.date | None = None  # the fallback publication date (``--published``)
    max_chars: int = 200_000
    fetcher: Fetcher | None = None
    url_known: Callable[[str], bool] = lambda url: False


def _from_record(record: dict[str, object], origin: str, options: ReadOptions, line: int = 0) -> Item:
    result = article_from_record(record, line=line, max_chars=options.max_chars)
    if isinstance(result, ArticleRejected):
        return Rejection(origin, result.reason, result.line, result.article_id)
    return Incoming(result, origin)


def read_inputs(targets: list[str], options: ReadOptions) -> Iterator[Item]:
    for target in targets:
        if target.startswith(("http://", "https://")):
            yield from read_url(target, options)
            continue
        path = Path(target)
        if path.is_dir():
            yield from read_folder(path, options)
        elif path.is_file():
            yield from read_file(path, options)
        else:
            yield Rejection(target, "no such file or folder")


def read_folder(folder: Path, options: ReadOptions) -> Iterator[Item]:
    """Every file below ``folder`` in name order; sidecars and hidden files are not inputs."""
    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(folder).parts))
    except OSError as exc:
        yield Rejection(str(folder), f"unreadable folder: {exc.strerror or exc}")
        return
    # A JSON file is a sidecar when a non-JSON file beside it has its name or stem.
    documents = {(p.parent, key) for p in files if not p.name.endswith(".json") for key in (p.name, p.stem)}
    for path in files:
        if _is_sidecar(path, documents):
            continue
        yield from read_file(path, options)


def _is_sidecar(path: Path, documents: set[tuple[Path, str]]) -> bool:
    for suffix in SIDECAR_SUFFIXES:
        if path.name.endswith(suffix) and (path.parent, path.name[: -len(suffix)]) in documents:
            return True
    return False


def _sidecar(path: Path) -> dict[str, object]:
    for candidate in (path.with_suffix(".json"), path.with_name(path.name + ".json"), path.with_suffix(".meta.json")):
        if candidate != path and candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def read_file(path: Path, options: ReadOptions) -> Iterator[Item]:
    origin = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            with path.open(encoding="utf-8", errors="strict") as handle:
                for item in read_jsonl_articles(handle, max_chars=options.max_chars):
                    if isinstance(item, ArticleRejected):
                        yield Rejection(f"{origin}:{item.line}", item.reason, item.line, item.article_id)
                    else:
                        yield Incoming(item, f"{origin}:{item.id}")
            return
        raw = path.read_bytes()
    except UnicodeDecodeError as exc:
        yield Rejection(origin, f"unreadable: not UTF-8 ({exc.reason} at byte {exc.start})")
        return
    except OSError as exc:
        yield Rejection(origin, f"unreadable: {exc.strerror or exc}")
        return
    if suffix in FEED_SUFFIXES or looks_like_feed(raw):
        yield from read_feed(raw, origin, options)
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield Rejection(origin, f"unreadable: not UTF-8 ({exc.reason} at byte {exc.start})")
        return
    if suffix == ".json":
        yield from _read_json_document(text, origin, options)
        return
    yield _document(text, origin, _sidecar(path), options, is_html=suffix in HTML_SUFFIXES)


def _read_json_document(text: str, origin: str, options: ReadOptions) -> Iterator[Item]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        yield Rejection(origin, f"not JSON ({exc})")
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, start=1):
        if isinstance(record, dict) and not record.get("published") and options.published:
            record = {**record, "published": options.published.isoformat()}
        yield _from_record(record, origin if len(records) == 1 else f"{origin}:{number}", options,
                           line=number if len(records) > 1 else 0)  # type: ignore[arg-type]


def _document(text: str, origin: str, meta: dict[str, object], options: ReadOptions, *, is_html: bool) -> Item:
    """One text or HTML document; its date from the sidecar, the page, or ``--published``."""
    from rasd.prepare import html_published_date, html_to_text, looks_like_html

    is_html = is_html or looks_like_html(text)
    published = meta.get("published")
    if not published and is_html:
        published = html_published_date(text)
    if not published and options.published:
        published = options.published.isoformat()
    body = html_to_text(text) if is_html else text
    if not published:
        return Rejection(origin, "no publication date: give --published YYYY-MM-DD or a sidecar NAME.json "
                                 "with \"published\"", article_id=str(meta.get("id") or ""))
    record = {"id": meta.get("id") or content_id(body), "published": published, "text": body,
              "title": meta.get("title") or "", "url": meta.get("url") or "", "source": meta.get("source") or ""}
    return _from_record(record, origin, options)


def read_url(url: str, options: ReadOptions) -> Iterator[Item]:
    fetcher = options.fetcher or Fetcher()
    try:
        result = fetcher.get(url)
    except FetchError as exc:
        yield Rejection(url, f"fetch failed: {exc.reason}")
        return
    if looks_like_feed(result.body) or "xml" in result.content_type and "html" not in result.content_type:
        yield from read_feed(result.body, url, options)
        return
    if options.url_known(url):
        yield KnownUrl(url, url)
        return
    yield _document(result.text(), url, {"url": url}, options, is_html=True)


def read_feed(body: bytes, origin: str, options: ReadOptions) -> Iterator[Item]:
    """Items of an RSS/Atom feed; a teaser item is replaced by its page (fetched once)."""
    try:
        title, items = parse_feed(body)
    except BrokenFeed as exc:
        yield Rejection(origin, str(exc))
        return
    fetcher = options.fetcher or Fetcher()
    for number, item in enumerate(items, start=1):
        where = f"{origin}#item{number}"
        if item.link and options.url_known(item.link):
            yield KnownUrl(where, item.link)
            continue
        text, published = item.content, item.published
        if not item.full_text:
            if not item.link:
                yield Rejection(where, "feed item has only a summary and no link to fetch")
                continue
            try:
                page = fetcher.get(item.link)
            except FetchError as exc:
                yield Rejection(item.link, f"fetch failed: {exc.reason}")
                continue
            from rasd.prepare import html_published_date, html_to_text

            html = page.text()
            text = html_to_text(html) or item.content
            if published is None and (page_date := html_published_date(html)):
                published = dt.date.fromisoformat(page_date[:10])
        if published is None:
            published = options.published
        if published is None:
            yield Rejection(where, "feed item has no date (and its page gives none)")
            continue
        record = {"id": content_id(item.link) if item.link else content_id(text), "published": published.isoformat(),
                  "text": text, "title": item.title, "url": item.link, "source": title}
        yield _from_record(record, item.link or where, options)
