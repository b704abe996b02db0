"""A store built from a slice of the development corpus, for the API and browser tests.

The slice is the corpus' first ``SLICE`` articles (mostly July 2015, so the timeline has days to
drag across) plus one crafted article whose title and text carry ``<script>`` and HTML, which the
page must show as text. Extraction (the slow part) runs once per session; each database (SQLite,
PostgreSQL, or a scratch copy for the review tests) is then filled from the cached events.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rasd.schema import Article, Event
from rasd.store import Store
from rasd.store.repository import Incoming
from tests.conftest import CORPUS

SLICE = 150
HOSTILE_ID = "hostile-html-article"
HOSTILE_TITLE = "<script>window.__pwned = true</script><b>عنوان</b>"
HOSTILE_TEXT = ("<img src=x onerror=\"window.__pwned=true\"> قتل ثلاثة مدنيين وأصيب آخرون أمس الأربعاء جراء قصف "
                "مدفعي لقوات النظام على مدينة أريحا في ريف إدلب الجنوبي. <script>window.__pwned = true</script>")

_cache: dict[str, list[Event]] = {}


def slice_articles(n: int = SLICE) -> list[Article]:
    articles = []
    with open(CORPUS, encoding="utf-8") as handle:
        for line in handle:
            if len(articles) >= n:
                break
            articles.append(Article.model_validate(json.loads(line)))
    articles.append(Article(id=HOSTILE_ID, published=dt.date(2015, 7, 30), title=HOSTILE_TITLE, text=HOSTILE_TEXT,
                            url="https://example.org/hostile?x=<b>", source="<i>Outlet</i>"))
    return articles


def fill_store(url: str, extractor, n: int = SLICE) -> Store:  # type: ignore[no-untyped-def]
    def extract(article: Article) -> list[Event]:
        if article.id not in _cache:
            _cache[article.id] = extractor.run(article).events
        return _cache[article.id]

    store = Store.open(url)
    store.ingest((Incoming(a, origin=str(Path(CORPUS).name)) for a in slice_articles(n)), extract)
    return store
