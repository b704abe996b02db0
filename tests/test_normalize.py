"""Normalisation: letter folding, dropped marks, the offset map back to the original, clitics."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.normalize import _normalize_with_map_by_char, is_arabic, normalize, normalize_with_map, strip_clitics

# --- table tests ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أحمد", "احمد"),
        ("إدلب", "ادلب"),
        ("آذار", "اذار"),
        ("ٱلله", "الله"),
        ("مؤتمر", "موتمر"),
        ("رئيس", "رييس"),
        ("سوء", "سوء"),  # a hamza on the line stays
    ],
)
def test_normalize_alef_and_hamza_forms(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("الحسكة", "الحسكه"), ("مدينة حلب", "مدينه حلب"), ("قرية", "قريه")],
)
def test_normalize_ta_marbuta_becomes_ha(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("مصطفى", "مصطفي"), ("على", "علي"), ("قتلى", "قتلي")])
def test_normalize_alef_maqsura_becomes_ya(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("مقـــتل", "مقتل"), ("الـدولة", "الدوله"), ("ـ", "")])
def test_normalize_tatweel_removed(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("قُتِلَ", "قتل"),
        ("مُحَمَّدٌ", "محمد"),
        ("شهريًا", "شهريا"),
        ("الموجّه", "الموجه"),
        ("هٰذا", "هذا"),  # dagger alef
        ("سْ", "س"),  # sukun
    ],
)
def test_normalize_diacritics_removed(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("٠١٢٣٤٥٦٧٨٩", "0123456789"), ("۱۲", "12"), ("مقتل ٧ مدنيين", "مقتل 7 مدنيين"), ("٢٠٢١/١٢/٠٩", "2021/12/09")],
)
def test_normalize_arabic_indic_digits(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("تنظيم “الدولة”", "تنظيم الدوله"),
        ("«قسد»", "قسد"),
        ("(قسد)", "قسد"),
        ('"داعش"', "داعش"),
        ("[حلب]", "حلب"),
        ("'x'", "x"),
        ("لـ”مكافحة", "لمكافحه"),
    ],
)
def test_normalize_quotes_and_brackets_dropped(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  حلب   ادلب  ", "حلب ادلب"),
        ("حلب\n\nادلب", "حلب ادلب"),
        ("حلب\t\u00a0ادلب", "حلب ادلب"),
        ("\n\n", ""),
        ("حلب ( ) ادلب", "حلب ادلب"),
    ],
)
def test_normalize_whitespace_collapsed(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_latin_lowercased_and_presentation_forms_folded() -> None:
    assert normalize("Camera ICON") == "camera icon"
    assert normalize("\ufefb") == "لا"  # lam-alef ligature


def test_normalize_map_points_at_original_words() -> None:
    raw = "قُتِلَ  “سبعة”"
    nt = normalize_with_map(raw)
    assert nt.text == "قتل سبعه"
    start = nt.text.index("سبعه")
    o_start, o_end = nt.span_to_original(start, start + 4)
    assert raw[o_start:o_end] == "سبعة"
    o_start, o_end = nt.span_to_original(0, 3)
    assert raw[o_start:o_end] == "قُتِل"


def test_normalize_span_to_original_rejects_bad_spans() -> None:
    nt = normalize_with_map("حلب")
    with pytest.raises(ValueError):
        nt.span_to_original(0, 4)
    with pytest.raises(ValueError):
        nt.span_to_original(2, 2)


# --- properties -------------------------------------------------------------------------------

_ALPHABET = (
    [chr(c) for c in range(0x0621, 0x064B)]
    + [chr(c) for c in range(0x064B, 0x0653)]
    + ["\u0640"]
    + [chr(0x0660 + i) for i in range(10)]
    + [" ", " ", "\n", "\t", "\u00a0"]
    + list("\"'“”«»()[]")
    + list("abcXYZ09.,")
)
arabic_text = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)


@settings(max_examples=200, deadline=None)
@given(arabic_text)
def test_normalize_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(arabic_text)
def test_normalize_has_no_marks_or_edge_space(text: str) -> None:
    norm = normalize(text)
    assert norm == norm.strip()
    assert "  " not in norm
    for c in norm:
        assert not ("\u064b" <= c <= "\u0652") and c != "\u0640"
        assert c not in "\"'“”«»()[]\n\t\u00a0"
        assert c not in "أإآةى"
        assert not ("\u0660" <= c <= "\u0669")


@settings(max_examples=200, deadline=None)
@given(arabic_text, st.data())
def test_normalize_spans_map_back_to_original(text: str, data: st.DataObject) -> None:
    nt = normalize_with_map(text)
    if not nt.text:
        return
    start = data.draw(st.integers(0, len(nt.text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(nt.text)), label="end")
    o_start, o_end = nt.span_to_original(start, end)
    assert 0 <= o_start < o_end <= len(text)
    assert normalize(text[o_start:o_end]) == nt.text[start:end].strip(" ")


@settings(max_examples=200, deadline=None)
@given(arabic_text)
def test_normalize_origin_offsets_monotone_and_in_range(text: str) -> None:
    nt = normalize_with_map(text)
    assert len(nt.origin) == len(nt.text)
    assert nt.original == text
    assert all(0 <= o < len(text) for o in nt.origin)
    assert all(a <= b for a, b in zip(nt.origin, nt.origin[1:]))


@settings(max_examples=300, deadline=None)
@given(arabic_text | st.text(max_size=60))
def test_normalize_fast_path_equals_the_character_by_character_reference(text: str) -> None:
    # normalize_with_map translates the whole string at once; the per-character loop is the
    # reference (and the path for characters that expand, such as ligatures).
    assert normalize_with_map(text) == _normalize_with_map_by_char(text)


@pytest.mark.parametrize("text", ["  \u064b حلب", "حلب \u064b  ", "ﷲ  حلب", "a\x00b", "\n\n", "\u064b", "ﻻ"])
def test_normalize_fast_path_edge_cases(text: str) -> None:
    assert normalize_with_map(text) == _normalize_with_map_by_char(text)


# --- strip_clitics ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("وبالحسكة", "حسكه"),
        ("للقوات", "قوات"),
        ("فالجيش", "جيش"),
        ("والقوات", "قوات"),
        ("بحلب", "حلب"),
        ("الحسكة", "حسكه"),
        ("كالعادة", "عاده"),
        ("بر", "بر"),
        ("حلب", "حلب"),
    ],
)
def test_strip_clitics_table(word: str, stem: str) -> None:
    assert strip_clitics(normalize(word)) == stem


def test_strip_clitics_keeps_short_word_walad() -> None:
    assert strip_clitics("ولد") == "ولد"


_LETTERS = [chr(c) for c in range(0x0621, 0x064B) if chr(c) not in "ةىأإآؤئ"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(_LETTERS + list("والبفك")), min_size=3, max_size=10))
def test_strip_clitics_keeps_two_letters(word: str) -> None:
    stem = strip_clitics(word)
    assert len(stem) >= 2
    assert word.endswith(stem)


# --- is_arabic --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مقتل سبعة مدنيين في حلب", True),
        ("Seven civilians were killed in Aleppo", False),
        ("", False),
        ("12345 !!!", False),
        ("قسد SDF", True),  # 3 of 6 letters Arabic
        ("حلب is a city in northern Syria", False),
    ],
)
def test_is_arabic_table(text: str, expected: bool) -> None:
    assert is_arabic(text) is expected


def test_is_arabic_threshold() -> None:
    text = "ab" + "ح"  # one third Arabic
    assert is_arabic(text, minimum_share=0.3) is True
    assert is_arabic(text, minimum_share=0.5) is False


def test_words_matched_in_normalised_text_are_written_normalised() -> None:
    """Regexes and word sets that the extractor matches against the normalised text must not hold a
    character normalisation removes (أ إ آ ؤ ئ ى ة): such a word can never match ("أوائل" is read
    "اوايل", "إسرائيلية" "اسراييليه"; both were missed until session 6)."""
    import importlib
    import re

    removed = set("أإآؤئىة")
    # matched against raw text, or normalised where used
    raw = {("rasd.extract.dates", "names"), ("rasd.store.dedupe", "_DAY_WORDS"),
           ("rasd.extract.numbers", "_HUNDRED_FORMS"), ("rasd.extract.numbers", "hundred")}

    def strings(value: object):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            yield value
        elif isinstance(value, (set, frozenset, tuple, list)):
            for item in value:
                yield from strings(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)

    offenders = []
    for name in ("rasd.extract.dates", "rasd.extract.events", "rasd.pipeline", "rasd.extract.clarity",
                 "rasd.extract.fatalities", "rasd.extract.actors", "rasd.extract.places", "rasd.extract.numbers",
                 "rasd.store.dedupe", "rasd.code", "rasd.extract.lexicons"):
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if attribute.startswith("__") or (name, attribute) in raw:
                continue
            texts = [value.pattern] if isinstance(value, re.Pattern) else list(strings(value))
            bad = [t for t in texts if isinstance(t, str) and set(t) & removed and re.search("[\u0621-\u064a]", t)]
            if bad:
                offenders.append((name, attribute, bad[:3]))
    assert offenders == []
