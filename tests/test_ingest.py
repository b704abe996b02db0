"""Ingest: JSONL lines to Article records, or ArticleRejected with the line and a reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from rasd.ingest import ArticleRejected, content_id, read_jsonl_articles
from rasd.schema import Article

TEXT = "قتل سبعة مدنيين بقصف مدفعي لقوات النظام على بلدة كنصفرة جنوبي إدلب، اليوم الخميس."


def _line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False)


def _read(*lines: str, **kwargs: int) -> list[Article | ArticleRejected]:
    return list(read_jsonl_articles(list(lines), **kwargs))


def test_ingest_good_line_gives_article() -> None:
    (article,) = _read(_line(id="a1", published="2021-12-09", text=TEXT, title="عنوان", url="https://x", source="Enab Baladi"))
    assert isinstance(article, Article)
    assert article.id == "a1"
    assert article.published == dt.date(2021, 12, 9)
    assert article.text == TEXT
    assert (article.title, article.url, article.source) == ("عنوان", "https://x", "Enab Baladi")


def test_ingest_datetime_published_and_null_fields() -> None:
    (article,) = _read(_line(id="a2", published="2021-12-09T10:30:00Z", text=TEXT, url=None, title=None))
    assert isinstance(article, Article)
    assert article.published == dt.date(2021, 12, 9)
    assert (article.url, article.title) == ("", "")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"just a string"', "not a JSON object"),
        (_line(id="x", published="2021-12-09"), "missing text"),
        (_line(id="x", published="2021-12-09", text="   \n "), "empty text"),
        (_line(id="x", published="2021-12-09", text=7), "text is not a string"),
        (_line(id="x", published="09/12/2021", text=TEXT), "unparseable published date"),
        (_line(id="x", published="2021-13-45", text=TEXT), "unparseable published date"),
        (_line(id="x", text=TEXT), "missing published date"),
        (_line(id="x", published="2021-12-09", text="Seven civilians were killed in Idlib today."), "not Arabic"),
    ],
)
def test_ingest_bad_line_rejected_with_reason(line: str, reason: str) -> None:
    good = _line(id="ok", published="2021-12-09", text=TEXT)
    results = _read(good, "", line)
    assert isinstance(results[0], Article)
    assert len(results) == 2  # the blank line is skipped, not rejected
    rejected = results[1]
    assert isinstance(rejected, ArticleRejected)
    assert rejected.line == 3
    assert reason in rejected.reason


def test_ingest_rejection_names_article_id() -> None:
    (rejected,) = _read(_line(id="doc-7", published="2021-12-09", text=""))
    assert isinstance(rejected, ArticleRejected)
    assert rejected.article_id == "doc-7"
    assert rejected.line == 1


def test_ingest_over_size_limit() -> None:
    (rejected,) = _read(_line(id="big", published="2021-12-09", text=TEXT), max_chars=40)
    assert isinstance(rejected, ArticleRejected)
    assert "size limit" in rejected.reason
    assert f"{len(TEXT)} > 40" in rejected.reason
    assert rejected.article_id == "big"
    (ok,) = _read(_line(id="big", published="2021-12-09", text=TEXT), max_chars=len(TEXT))
    assert isinstance(ok, Article)


def test_ingest_over_size_line_rejected_before_parsing() -> None:
    line = _line(id="huge", published="2021-12-09", text=TEXT * 10)
    (rejected,) = _read(line, max_chars=10)
    assert isinstance(rejected, ArticleRejected)
    assert rejected.reason.startswith("line over the size limit")


def test_ingest_content_id_when_missing() -> None:
    first, second, other = _read(
        _line(published="2021-12-09", text=TEXT),
        _line(id="", published="2021-12-10", text=TEXT),
        _line(published="2021-12-09", text=TEXT + " وأصيب آخرون."),
    )
    assert isinstance(first, Article) and isinstance(second, Article) and isinstance(other, Article)
    assert first.id == content_id(TEXT)
    assert first.id.startswith("sha1-") and len(first.id) == len("sha1-") + 16
    assert second.id == first.id  # stable: same text, same id
    assert other.id != first.id
    assert content_id(TEXT) == "sha1-" + __import__("hashlib").sha1(TEXT.encode()).hexdigest()[:16]


HTML = (
    "<html><head><title>قصف على إدلب</title></head><body><nav><a href='/'>الرئيسية</a></nav>"
    f"<article><p>{TEXT}</p><p>وقال الدفاع المدني إن فرقه انتشلت الجثث من تحت الأنقاض في البلدة المنكوبة.</p></article>"
    "<footer>جميع الحقوق محفوظة</footer></body></html>"
)


def test_ingest_html_converted() -> None:
    (article,) = _read(_line(id="h1", published="2021-12-09", html=HTML))
    assert isinstance(article, Article)
    assert TEXT in article.text
    assert "<" not in article.text
    assert "الرئيسية" not in article.text


def test_ingest_html_not_string_rejected() -> None:
    (rejected,) = _read(_line(id="h2", published="2021-12-09", html=["<p>x</p>"]))
    assert isinstance(rejected, ArticleRejected)
    assert rejected.reason == "html is not a string"


def test_ingest_text_wins_over_html() -> None:
    (article,) = _read(_line(id="h3", published="2021-12-09", text=TEXT, html="<p>نص آخر مختلف تماما</p>"))
    assert isinstance(article, Article)
    assert article.text == TEXT


def test_ingest_line_numbers_count_every_line() -> None:
    lines = [_line(id=str(i), published="2021-12-09", text=TEXT) for i in range(3)]
    results = _read(lines[0], "{", "", lines[1], "null", lines[2])
    assert [(type(r).__name__, getattr(r, "line", None)) for r in results] == [
        ("Article", None), ("ArticleRejected", 2), ("Article", None), ("ArticleRejected", 5), ("Article", None),
    ]
    assert [r.id for r in results if isinstance(r, Article)] == ["0", "1", "2"]
