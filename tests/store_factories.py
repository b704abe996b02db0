"""Builders for store tests: crafted events and articles, and a stub extractor that returns them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from rasd.schema import Article, Event
from rasd.store.repository import Incoming

DAY = dt.date(2021, 3, 10)


def make_event(**overrides: object) -> Event:
    values: dict[str, object] = dict(
        event_date=DAY, year=DAY.year, time_precision=1, disorder_type="Political violence", event_type="Battles",
        sub_event_type="Armed clash", actor1="Military Forces of Syria", inter1="State forces",
        actor2="Hayat Tahrir al-Sham", inter2="Rebel group", interaction="State forces-Rebel group", iso=760,
        country="Syria", admin1="Idleb", admin2="Ariha", location="Ariha", latitude=35.8137, longitude=36.6097,
        geo_precision=1, where_prec=1, date_prec=1, source="Enab Baladi", fatalities=2, fatalities_low=2,
        fatalities_best=2, fatalities_high=2, status="event",
    )
    values.update(overrides)
    return Event.model_validate(values)


def make_article(article_id: str, text: str | None = None, *, url: str = "", published: dt.date = DAY,
                 source: str = "Enab Baladi") -> Incoming:
    body = text if text is not None else f"اشتباكات بين قوات النظام وهيئة تحرير الشام قرب أريحا رقم {article_id}"
    return Incoming(Article(id=article_id, published=published, text=body, url=url, source=source), origin="test")


def stub_extractor(events_by_article: dict[str, list[Event]]) -> Callable[[Article], list[Event]]:
    """An extractor that codes each article id to the given events (with its source and doc id)."""

    def extract(article: Article) -> list[Event]:
        return [e.model_copy(update={"doc_id": article.id, "source": article.source or e.source})
                for e in events_by_article.get(article.id, [])]

    return extract


def databases_by_batch_size(backend: str, tmp_path: Path, sizes: tuple[int, ...] = (1, 4)) -> Iterator[tuple[int, str]]:
    """(batch size, URL of a fresh database of ``backend``) for each size: the same ingest run at
    several batch sizes must store the same database."""
    from tests.conftest import fresh_database_url

    for batch_size in sizes:
        folder = tmp_path / f"batch{batch_size}"
        folder.mkdir()
        yield batch_size, fresh_database_url(backend, folder)
