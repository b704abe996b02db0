"""Faster paths through which every ingested article goes, each equal to what it replaced:
``normalize_text`` (the store's content hash) is ``normalize`` without the offset map, the same
string for any input, so stored hashes do not change; ``is_arabic`` and the lone-surrogate check
of ``article_from_record`` count with the regex engine what a Python loop counted."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.normalize import ARABIC_LETTER, is_arabic, normalize_text, normalize_with_map
from tests.conftest import CORPUS, needs_shared

# Arabic letters, marks, digits and punctuation; every kind of white space, including characters
# whose NFKC form is several characters with a space in it (U+00A8, U+FC5E), or a space alone
# (U+3000); control characters that are white space but not a space (kept as they are).
_ALPHABET = (
    [chr(c) for c in range(0x0621, 0x0656)] + [chr(0x0660 + i) for i in range(10)] + [chr(0x06F0 + i) for i in range(10)]
    + list(" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2009\u202f\u2028\u3000\u00a8\ufc5e\ufe70\ufdfa\u200c\u200f\ufeff")
    + list("\"'“”«»()[]{}`.,؛،abcXYZ09ﺍﻻﷲ²½ﬁ")
)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=80) | st.text(max_size=40))
def test_normalize_text_equals_normalize_with_map(text: str) -> None:
    assert normalize_text(text) == normalize_with_map(text).text


@needs_shared
def test_normalize_text_equals_normalize_with_map_on_the_corpus() -> None:
    with CORPUS.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    assert all(normalize_text(t) == normalize_with_map(t).text for t in texts)


def _is_arabic_letter_by_letter(text: str, minimum_share: float = 0.3) -> bool:
    """is_arabic as it was written first, one character at a time: the reference."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if ARABIC_LETTER.match(c)) / len(letters) >= minimum_share


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=80) | st.text(max_size=40),
       st.sampled_from([0.0, 0.3, 0.5, 1.0]))
def test_is_arabic_counts_as_letter_by_letter(text: str, share: float) -> None:
    assert is_arabic(text, share) == _is_arabic_letter_by_letter(text, share)


def test_is_arabic_range_holds_only_letters() -> None:
    in_range = [chr(c) for c in range(0x0600, 0x0700) if ARABIC_LETTER.match(chr(c))]
    assert len(in_range) == 0x064A - 0x0621 + 1 and all(c.isalpha() for c in in_range)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=40))
def test_article_lone_surrogate_is_rejected_as_before(text: str) -> None:
    from rasd.ingest import ArticleRejected, article_from_record

    result = article_from_record({"id": "x", "published": "2020-01-01", "text": "قصف على المدينة " + text})
    has_surrogate = any("\ud800" <= c <= "\udfff" for c in text)
    assert (isinstance(result, ArticleRejected) and "surrogate" in result.reason) == has_surrogate
