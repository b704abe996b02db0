"""Extraction on Dask workers (``rasd ingest --engine dask``); the store stays the single writer.

    with dask_engine(ExtractorSpec.resolve(gazetteer), scheduler="tcp://10.0.0.5:8786",
                     batch_size=50, partition_size=25) as engine:
        store.ingest(items, engine, batch_size=50)

Each batch the store submits is cut into partitions of ``partition_size`` articles, one Dask task
each. A worker process builds its ``Extractor`` (lexicons, gazetteer, phrase matchers: seconds and
hundreds of MB) once, on its first task, and keeps it in a module-level cache for every later task;
tasks carry only articles and a small ``ExtractorSpec``. Results come back in submission order.

Failures: an article that makes the extractor raise comes back as an ``ExtractionFailure`` (caught
on the worker, article by article). A partition whose *task* fails (the worker process died, e.g.
out of memory or a crash in C code, and Dask gave up retrying) is retried one article per task,
so only the article that kills workers is rejected, with the error Dask reports.

Requires the ``dask`` extra: ``pip install 'rasd[dask]'`` (dask[distributed]).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rasd.extraction import Extracted, ExtractionFailure, extract_article
from rasd.schema import Article

if TYPE_CHECKING:
    from distributed import Client, Future

    from rasd.pipeline import Extractor

DEFAULT_PARTITION_SIZE = 25
# Partitions queued per worker thread beyond the one it runs: enough that a worker never waits
# for the writer, few enough that memory stays bounded by a handful of batches.
QUEUED_PER_THREAD = 2
READ_AHEAD_REFRESH_S = 1.0  # how often the writer re-counts the cluster's worker threads


@dataclass(frozen=True, slots=True)
class ExtractorSpec:
    """What a worker needs to build the same Extractor as the client: the gazetteer, resolved on
    the client, so a worker's own RASD_GAZETTEER can never silently change the results."""

    gazetteer: str | None  # absolute path of a gazetteer TSV(.gz); None: the built-in fallback

    @classmethod
    def resolve(cls, gazetteer: str | Path | None) -> ExtractorSpec:
        chosen = gazetteer or os.environ.get("RASD_GAZETTEER") or None
        return cls(str(Path(chosen).resolve()) if chosen else None)

    def build(self) -> Extractor:
        from rasd.gazetteer import fallback_gazetteer, get_gazetteer
        from rasd.pipeline import Extractor

        return Extractor(get_gazetteer(self.gazetteer) if self.gazetteer else fallback_gazetteer())


# -- worker side: plain functions, pickled by reference, run in the worker processes ----------------
_EXTRACTORS: dict[ExtractorSpec, Extractor] = {}
_EXTRACTORS_LOCK = threading.Lock()  # a worker with several threads must still load only once


def worker_extractor(spec: ExtractorSpec) -> Extractor:
    """This process's Extractor for ``spec``, built on first use."""
    extractor = _EXTRACTORS.get(spec)
    if extractor is None:
        with _EXTRACTORS_LOCK:
            extractor = _EXTRACTORS.get(spec)
            if extractor is None:
                extractor = _EXTRACTORS[spec] = spec.build()
    return extractor


def extract_partition(spec: ExtractorSpec, articles: list[Article]) -> list[Extracted]:
    extractor = worker_extractor(spec)
    return [extract_article(lambda a: extractor.run(a).events, article) for article in articles]


def warm_up(spec: ExtractorSpec) -> dict[str, Any]:
    """Load the Extractor now (not inside the first timed task) and say what was loaded."""
    extractor = worker_extractor(spec)
    return {"pid": os.getpid(), "gazetteer": extractor.gazetteer.source,
            "places": len(extractor.gazetteer.places)}


# -- client side --------------------------------------------------------------------------------------
class _PendingPartitions:
    def __init__(self, engine: DaskEngine, partitions: list[tuple[list[Article], Future]]) -> None:
        self.engine = engine
        self.partitions = partitions

    def result(self) -> list[Extracted]:
        outcomes: list[Extracted] = []
        for articles, future in self.partitions:
            try:
                outcomes.extend(future.result())
            except Exception:  # the task itself failed (worker died): find the article that did it
                outcomes.extend(self.engine.extract_one_by_one(articles))
            finally:
                future.release()
        return outcomes


class DaskEngine:
    """An ``ExtractionEngine`` (see ``rasd.extraction``) on a Dask cluster."""

    def __init__(self, client: Client, spec: ExtractorSpec, *, batch_size: int,
                 partition_size: int = DEFAULT_PARTITION_SIZE) -> None:
        if partition_size < 1 or batch_size < 1:
            raise ValueError("partition_size and batch_size must be at least 1")
        self.client = client
        self.spec = spec
        self.batch_size = batch_size
        self.worker_reports: dict[str, dict[str, Any]] = {}
        self.partition_size = min(partition_size, batch_size)  # a task never spans two transactions
        self._read_ahead: int | None = None
        self._read_ahead_at = 0.0

    @property
    def read_ahead(self) -> int:
        """Batches the writer keeps submitted: enough partitions for every worker thread, counted
        again at most every READ_AHEAD_REFRESH_S as workers join or leave. (``scheduler_info``
        is a round trip to the scheduler, and the writer asks before every batch it writes.)"""
        now = time.monotonic()
        if self._read_ahead is None or now - self._read_ahead_at >= READ_AHEAD_REFRESH_S:
            workers = self.client.scheduler_info().get("workers", {})
            threads = max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
            in_flight = threads * (1 + QUEUED_PER_THREAD) * self.partition_size
            self._read_ahead, self._read_ahead_at = max(1, math.ceil(in_flight / self.batch_size)), now
        return self._read_ahead

    def submit(self, articles: Sequence[Article]) -> _PendingPartitions:
        chosen = list(articles)
        parts = [chosen[i:i + self.partition_size] for i in range(0, len(chosen), self.partition_size)]
        # pure=False: two identical partitions (a re-read input) are still two tasks, each with its
        # own result; hashing the articles to build keys would also cost time for nothing.
        return _PendingPartitions(self, [(part, self.client.submit(extract_partition, self.spec, part, pure=False))
                                         for part in parts])

    def extract_one_by_one(self, articles: list[Article]) -> list[Extracted]:
        futures = [self.client.submit(extract_partition, self.spec, [article], pure=False) for article in articles]
        outcomes: list[Extracted] = []
        for future in futures:
            try:
                outcomes.extend(future.result())
            except Exception as exc:  # no hash from a dead worker: the writer computes it
                outcomes.append(Extracted(ExtractionFailure.from_exception(exc)))
            finally:
                future.release()
        return outcomes

    def warm_up(self) -> dict[str, dict[str, Any]]:
        """Build the Extractor on every connected worker (workers that join later build it on
        their first task); what each loaded, by worker address."""
        self.worker_reports = self.client.run(warm_up, self.spec)
        return self.worker_reports


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, or of a new LocalCluster of ``workers`` processes
    (one thread each: extraction is pure Python, so threads would share one core through the GIL)
    listening on 127.0.0.1 only."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


@contextmanager
def dask_engine(spec: ExtractorSpec, *, scheduler: str | None = None, workers: int = 2, batch_size: int,
                partition_size: int = DEFAULT_PARTITION_SIZE, wait_for_workers: float = 60.0
                ) -> Iterator[DaskEngine]:
    """A warmed-up ``DaskEngine``: at least one worker connected and every worker's Extractor built."""
    with dask_client(scheduler, workers) as client:
        client.wait_for_workers(1, timeout=wait_for_workers)
        engine = DaskEngine(client, spec, batch_size=batch_size, partition_size=partition_size)
        engine.warm_up()
        yield engine
