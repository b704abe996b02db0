"""What makes two articles one: the same id, the same normalised URL, or the same normalised text.

Pure functions of the article, so they can run wherever the article is (``rasd.extraction``: the
engine computes them next to the extraction, on Dask workers rather than on the single writer).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rasd.normalize import normalize_text
from rasd.schema import Article


@dataclass(frozen=True, slots=True)
class ArticleKeys:
    """An article's id, normalised URL (None without one) and the hash of its normalised text.
    Computed once per article (hashing normalises the whole text). A first look before
    extraction (``Store._submit``) knows only the id: ``url`` and ``content_hash`` are None."""

    id: str
    url: str | None
    content_hash: str | None


def content_hash(text: str) -> str:
    """Hash of the normalised text: the same article re-scraped with other spacing, diacritics or
    alef forms is still a duplicate."""
    return hashlib.sha256(normalize_text(text).strip().encode("utf-8")).hexdigest()


def normalise_url(url: str) -> str | None:
    """Scheme and host lower-cased, fragment and tracking parameters dropped, no trailing slash."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith(("utm_", "fbclid", "gclid"))])
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def article_keys(article: Article) -> ArticleKeys:
    return ArticleKeys(article.id, normalise_url(article.url), content_hash(article.text))
