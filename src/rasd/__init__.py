"""rasd (رصد): native Arabic conflict-event extraction, coded in the ACLED model.

    >>> import rasd
    >>> events = rasd.extract(text, published="2021-12-09")
"""

from rasd.pipeline import ArticleResult, Extractor, extract
from rasd.schema import ACLED_COLUMNS, Article, Event, Span

__all__ = ["extract", "Extractor", "ArticleResult", "Event", "Article", "Span", "ACLED_COLUMNS"]
__version__ = "0.1.0"
