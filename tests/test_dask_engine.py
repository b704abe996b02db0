"""The extraction-engine seam of ``Store.ingest`` and the Dask worker cache, without a cluster.

- an engine that extracts batches ahead of the writer (as Dask does) stores exactly what the
  in-process run stores, on SQLite and PostgreSQL, including copies extracted before their
  original was written and extractor failures;
- a worker process builds its Extractor once, whatever the number of tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from rasd.extraction import Extracted, ExtractionFailure, extract_article, extract_outcome
from rasd.identity import article_keys
from rasd.schema import Article
from rasd.store import Store
from rasd.store.repository import Item, Rejection
from tests.conftest import fresh_database_url
from tests.store_factories import DAY, make_article, make_event, stub_extractor
from tests.store_cli import dump

TIME_COLUMNS = ("ingested_at", "timestamp", "created_at", "added_at", "first_seen", "deleted_at", "at")


class ReadAheadEngine:
    """Extracts every submitted batch at once (eagerly), like remote workers running ahead, and
    records what the writer submitted and in which order. Like a dead Dask worker, it returns
    no content hash for the article that crashes the extractor (the writer computes it)."""

    def __init__(self, extract, read_ahead: int) -> None:  # type: ignore[no-untyped-def]
        self.extract = extract
        self.read_ahead = read_ahead
        self.submitted: list[list[str]] = []

    def submit(self, articles: Sequence[Article]):  # type: ignore[no-untyped-def]
        self.submitted.append([a.id for a in articles])
        outcomes = [extract_article(self.extract, a) if a.id != "crash" else Extracted(extract_outcome(self.extract, a))
                    for a in articles]

        class Done:
            def result(self) -> list[Extracted]:
                return outcomes

        return Done()


def _items() -> list[Item]:
    """Reports of the same clash (merges), candidates, a copy of a1 in the next batch, a crash."""
    items: list[Item] = [make_article(f"a{i}", published=DAY + dt.timedelta(days=i % 3)) for i in range(12)]
    items.insert(3, make_article("copy-of-a1", items[1].article.text))  # type: ignore[union-attr]
    items.insert(7, Rejection("input.jsonl:8", "not JSON", line=8))
    items.append(make_article("crash"))
    return items


def _extract(article: Article):  # type: ignore[no-untyped-def]
    if article.id == "crash":
        raise ValueError("no sentence boundary")
    number = int(article.id.rsplit("a", 1)[-1]) if article.id.startswith("a") else 0
    events = {article.id: [make_event(fatalities=number, location="Ariha" if number % 2 else "Saraqib",
                                      latitude=35.8137 if number % 2 else 35.8626)]}
    if number % 4 == 0:
        events[article.id].append(make_event(status="candidate", reason="unlocated", latitude=None, longitude=None,
                                             admin1="", admin2="", location="", geo_precision=None))
    return stub_extractor(events)(article)


@pytest.mark.parametrize("read_ahead", [1, 3, 50])
def test_read_ahead_engine_stores_what_the_in_process_run_stores(db_url: str, tmp_path, read_ahead: int) -> None:  # type: ignore[no-untyped-def]
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    (tmp_path / "reference").mkdir()
    reference_url = fresh_database_url(backend, tmp_path / "reference")  # same backend: same column types
    reference = Store.open(reference_url)
    expected = reference.ingest(_items(), _extract, batch_size=2)
    reference.close()

    store = Store.open(db_url)
    engine = ReadAheadEngine(_extract, read_ahead)
    counts = store.ingest(_items(), engine, batch_size=2)
    store.close()

    assert counts == expected
    assert (counts.new, counts.duplicate, counts.rejected, counts.events_merged) == (13, 1, 2, counts.events_merged)
    assert counts.events_merged > 0 and counts.candidates == 3
    # The copy was submitted for extraction (its original was not yet written), then stored as a duplicate.
    assert any("copy-of-a1" in batch for batch in engine.submitted)
    assert dump(db_url, ignore=TIME_COLUMNS) == dump(reference_url, ignore=TIME_COLUMNS)


def test_same_text_or_url_under_another_id_is_extracted_then_stored_as_a_duplicate(db_url: str) -> None:
    """Before extraction the writer looks up ids only (URLs and hashing are the engine's work);
    the keys the engine returns still make a re-published copy a duplicate."""
    store = Store.open(db_url)
    original = make_article("a1", url="https://example.org/news/1")
    store.ingest([original], _extract)
    engine = ReadAheadEngine(_extract, 1)
    copy = make_article("copy-of-a1", original.article.text)  # type: ignore[union-attr]
    same_url = make_article("a1-again", "نص آخر", url="HTTPS://example.org/news/1/?utm_source=x")
    rerun = make_article("a1", url="https://example.org/news/1")  # same id: not even submitted
    counts = store.ingest([copy, same_url, rerun], engine)
    stored = store.counts()
    store.close()
    assert engine.submitted == [["copy-of-a1", "a1-again"]]
    assert (counts.new, counts.duplicate, counts.events_new, counts.events_merged) == (0, 3, 0, 0)
    assert stored["articles"] == 1


def test_extraction_failure_keeps_the_error_type_and_message() -> None:
    def broken(article: Article):  # type: ignore[no-untyped-def]
        raise KeyError("gazetteer row 12")

    outcome = extract_outcome(broken, make_article("x").article)
    assert outcome == ExtractionFailure("KeyError", "'gazetteer row 12'")
    assert outcome.reason == "extractor error: KeyError: 'gazetteer row 12'"


def test_worker_builds_its_extractor_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    from rasd import dask_engine
    from rasd.dask_engine import ExtractorSpec, extract_partition

    builds: list[ExtractorSpec] = []

    class FakeExtractor:
        def run(self, article: Article):  # type: ignore[no-untyped-def]
            if article.id == "crash":
                raise RuntimeError("boom")

            class Result:
                events = [make_event(doc_id=article.id)]

            return Result()

    def build(self: ExtractorSpec) -> FakeExtractor:
        builds.append(self)
        return FakeExtractor()

    monkeypatch.setattr(ExtractorSpec, "build", build)
    monkeypatch.setattr(dask_engine, "_EXTRACTORS", {})
    spec = ExtractorSpec("/data/gazetteer.tsv.gz")
    first = extract_partition(spec, [make_article("a").article, make_article("crash").article])
    second = extract_partition(ExtractorSpec("/data/gazetteer.tsv.gz"), [make_article("b").article])
    assert builds == [spec]  # equal specs share one Extractor: built on the first task only
    assert [e.doc_id for e in first[0].outcome] == ["a"]  # type: ignore[union-attr]
    assert [e.doc_id for e in second[0].outcome] == ["b"]  # type: ignore[union-attr]
    assert first[1].outcome == ExtractionFailure("RuntimeError", "boom")
    # the worker keys what it extracts, the failed article too: the writer does not have to
    assert first[1].keys == article_keys(make_article("crash").article)
    extract_partition(ExtractorSpec(None), [make_article("c").article])
    assert builds == [spec, ExtractorSpec(None)]  # another gazetteer: another Extractor


def test_a_task_that_kills_its_worker_costs_only_the_article_that_did_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask gives up on a task whose worker died (KilledWorker): the partition is retried one
    article per task, and only the article that kills workers becomes a failure."""
    pytest.importorskip("distributed")
    from rasd import dask_engine
    from rasd.dask_engine import DaskEngine, ExtractorSpec

    class KilledWorker(Exception):
        pass

    class FakeFuture:
        def __init__(self, articles: list[Article]) -> None:
            self.articles = articles

        def result(self) -> list[Extracted]:
            if any(a.id == "killer" for a in self.articles):
                raise KilledWorker("attempted to run task on 4 different workers; all died")
            return [Extracted([make_event(doc_id=a.id)], article_keys(a)) for a in self.articles]

        def release(self) -> None:
            pass

    class FakeClient:
        def __init__(self) -> None:
            self.tasks: list[list[str]] = []

        def submit(self, fn, spec, articles, pure):  # type: ignore[no-untyped-def]
            assert fn is dask_engine.extract_partition and pure is False
            self.tasks.append([a.id for a in articles])
            return FakeFuture(articles)

        def scheduler_info(self) -> dict:
            return {"workers": {"w1": {"nthreads": 1}, "w2": {"nthreads": 1}}}

    client = FakeClient()
    engine = DaskEngine(client, ExtractorSpec(None), batch_size=6, partition_size=3)  # type: ignore[arg-type]
    assert engine.read_ahead == 3  # 2 threads x (1 running + 2 queued) x 3 articles / 6 per batch
    ids = ["a", "b", "c", "d", "killer", "f"]
    outcomes = engine.submit([make_article(i).article for i in ids]).result()
    assert client.tasks == [["a", "b", "c"], ["d", "killer", "f"], ["d"], ["killer"], ["f"]]
    assert [o.outcome[0].doc_id if isinstance(o.outcome, list) else o.outcome for o in outcomes] == [
        "a", "b", "c", "d", ExtractionFailure("KilledWorker", "attempted to run task on 4 different workers; all died"),
        "f"]
    assert [o.keys is None for o in outcomes] == [False, False, False, False, True, False]
