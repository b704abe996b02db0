"""Ingest: turn raw inputs into validated ``Article`` records, or ``ArticleRejected`` with a reason.

Nothing is dropped silently: every input line becomes either an article or a rejection that
names the line, the article id when known, and why (not JSON, no text, a bad date, not Arabic,
empty, too long).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from rasd.normalize import is_arabic
from rasd.schema import Article

_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate: text decoded with surrogateescape

DEFAULT_MAX_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class ArticleRejected:
    line: int
    reason: str
    article_id: str = ""


def content_id(text: str) -> str:
    """A stable id for an article that came without one."""
    return "sha1-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def article_from_record(record: object, *, line: int = 0, max_chars: int = DEFAULT_MAX_CHARS) -> Article | ArticleRejected:
    """Validate one JSON object of the JSONL article form."""
    if not isinstance(record, dict):
        return ArticleRejected(line, "not a JSON object")
    article_id = str(record.get("id") or "")
    text = record.get("text")
    if text is None and record.get("html") is not None:
        from rasd.prepare import html_to_text

        html = record["html"]
        if not isinstance(html, str):
            return ArticleRejected(line, "html is not a string", article_id)
        text = html_to_text(html)
    if text is None:
        return ArticleRejected(line, "missing text (or html)", article_id)
    if not isinstance(text, str):
        return ArticleRejected(line, "text is not a string", article_id)
    if not text.strip():
        return ArticleRejected(line, "empty text", article_id)
    if _SURROGATE.search(text):
        return ArticleRejected(line, "invalid Unicode in text (a lone surrogate escape)", article_id)
    if len(text) > max_chars:
        return ArticleRejected(line, f"text over the size limit ({len(text)} > {max_chars} characters)", article_id)
    if not is_arabic(text):
        return ArticleRejected(line, "not Arabic text", article_id)
    published = record.get("published")
    if not published:
        return ArticleRejected(line, "missing published date", article_id)
    try:
        date = dt.date.fromisoformat(str(published)[:10])
    except ValueError:
        return ArticleRejected(line, f"unparseable published date {published!r} (want YYYY-MM-DD)", article_id)
    try:
        return Article(
            id=article_id or content_id(text), published=date, text=text, title=record.get("title") or "",
            url=record.get("url") or "", source=record.get("source") or "",
        )
    except ValueError as exc:
        return ArticleRejected(line, f"invalid article: {exc.__class__.__name__}", article_id)


def read_jsonl_articles(lines: Iterable[str], *, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | ArticleRejected]:
    """Articles (or rejections) from JSON Lines; blank lines are skipped, not rejected."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > max_chars * 4:
            yield ArticleRejected(number, f"line over the size limit ({len(line)} characters)")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ArticleRejected(number, f"not JSON ({exc.msg})")
            continue
        yield article_from_record(record, line=number, max_chars=max_chars)
