"""Extraction engines: how the store gets the events of a batch of articles.

The store (``Store.ingest``) is the single writer. It hands each batch's new articles to an
engine with ``submit`` and, ``read_ahead`` batches later, collects their outcomes with
``result()``, in input order, then writes them in one transaction. Extraction is a pure function
of the article, so *where* it ran (this process, a Dask worker) cannot change what is stored.

- ``InProcessEngine``: extraction in this process, when ``result()`` is called (no read-ahead):
  the behaviour of ``rasd ingest`` without ``--engine``.
- ``rasd.dask_engine.DaskEngine``: extraction on Dask workers, several batches in flight.

Each result also carries the article's keys (``rasd.identity``: normalised URL and content hash),
computed where the extraction ran: hashing normalises the whole text, and on Dask that work
belongs on the workers, not on the single writer (which looks up ids before extraction and the
other keys after).

An article that makes the extractor raise is an ``ExtractionFailure`` (a plain value that
pickles across processes), never an exception that stops the run: the store records it as a
rejected input with the error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rasd.identity import ArticleKeys, article_keys
from rasd.schema import Article, Event


@dataclass(frozen=True, slots=True)
class ExtractionFailure:
    """The extractor raised on one article: the error's type name and message."""

    error_type: str
    message: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> ExtractionFailure:
        return cls(type(exc).__name__, str(exc))

    @property
    def reason(self) -> str:
        return f"extractor error: {self.error_type}: {self.message}"


Outcome = list[Event] | ExtractionFailure
ExtractFn = Callable[[Article], list[Event]]


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an engine returns per article: the outcome, and the article's keys (None when the
    engine could not compute them, e.g. the worker died: the writer then does)."""

    outcome: Outcome
    keys: ArticleKeys | None = None


def extract_outcome(extract: ExtractFn, article: Article) -> Outcome:
    """The article's events, or the failure of the extractor on it."""
    try:
        return extract(article)
    except Exception as exc:  # an extractor bug must not stop the run nor lose the article
        return ExtractionFailure.from_exception(exc)


def extract_article(extract: ExtractFn, article: Article) -> Extracted:
    """The article's outcome and keys."""
    return Extracted(extract_outcome(extract, article), article_keys(article))


class PendingOutcomes(Protocol):
    def result(self) -> list[Extracted]:
        """One result per submitted article, in submission order (blocks until ready)."""
        ...


@runtime_checkable
class ExtractionEngine(Protocol):
    # How many submitted batches the writer may hold before it must write the oldest: 0 means
    # extract-then-write one batch at a time; more keeps remote workers busy while it writes.
    read_ahead: int

    def submit(self, articles: Sequence[Article]) -> PendingOutcomes: ...


@dataclass
class _Deferred:
    compute: Callable[[], list[Extracted]]

    def result(self) -> list[Extracted]:
        return self.compute()


class InProcessEngine:
    """Extract in this process, lazily: a batch is extracted when the writer asks for it."""

    read_ahead = 0

    def __init__(self, extract: ExtractFn) -> None:
        self.extract = extract

    def submit(self, articles: Sequence[Article]) -> PendingOutcomes:
        chosen = list(articles)
        return _Deferred(lambda: [extract_article(self.extract, article) for article in chosen])
