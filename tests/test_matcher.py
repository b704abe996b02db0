"""PhraseMatcher: whole words, one proclitic, the لل form, open-ended keys, longest match wins."""

from __future__ import annotations

import pytest

from rasd.matcher import PhraseMatcher, build_matcher
from rasd.normalize import normalize


def _found(matcher: PhraseMatcher[str], raw: str) -> list[tuple[str, str, str]]:
    text = normalize(raw)
    return [(text[m.start:m.end], m.payload, m.prefix) for m in matcher.find(text)]


@pytest.fixture()
def matcher() -> PhraseMatcher[str]:
    return build_matcher([
        ("قسد", "sdf"),
        ("القوات", "forces"),
        ("قوات النظام", "regime"),
        ("قوات النظام السوري", "regime_sy"),
        ("النظام", "nizam"),
        ("استهدف*", "target"),
        ("الحسكة", "hasakah"),
    ])


def test_matcher_whole_word(matcher: PhraseMatcher[str]) -> None:
    assert _found(matcher, "هاجمت قسد القرية") == [("قسد", "sdf", "")]


@pytest.mark.parametrize("raw", ["مقسد", "قسدي", "قسدا", "القسد", "نقسد"])
def test_matcher_no_match_inside_longer_word(matcher: PhraseMatcher[str], raw: str) -> None:
    assert _found(matcher, raw) == []


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [("وقسد", "و"), ("فقسد", "ف"), ("بقسد", "ب"), ("لقسد", "ل"), ("كقسد", "ك"),
     ("وبقسد", "وب"), ("ولقسد", "ول"), ("فبقسد", "فب"), ("فلقسد", "فل"), ("وكقسد", "وك")],
)
def test_matcher_one_proclitic_allowed(matcher: PhraseMatcher[str], raw: str, prefix: str) -> None:
    assert _found(matcher, raw) == [(raw, "sdf", prefix)]


@pytest.mark.parametrize("raw", ["بوقسد", "ووقسد", "ببقسد", "سقسد"])
def test_matcher_other_prefixes_rejected(matcher: PhraseMatcher[str], raw: str) -> None:
    assert _found(matcher, raw) == []


@pytest.mark.parametrize(
    ("raw", "prefix"), [("للقوات", "لل"), ("وللقوات", "ولل"), ("فللقوات", "فلل"), ("والقوات", "و"), ("بالقوات", "ب")]
)
def test_matcher_lam_lam_form_for_article_keys(matcher: PhraseMatcher[str], raw: str, prefix: str) -> None:
    text = normalize(raw)
    (m,) = matcher.find(text)
    assert (m.start, m.end) == (0, len(text))
    assert m.key == "القوات"
    assert m.payload == "forces"
    assert m.prefix == prefix


def test_matcher_lam_variant_needs_the_preposition(matcher: PhraseMatcher[str]) -> None:
    # لقوات without a second ل is not ل + القوات
    assert _found(matcher, "لقوات") == []
    assert _found(matcher, "قوات") == []


def test_matcher_clitic_span_is_whole_word(matcher: PhraseMatcher[str]) -> None:
    text = normalize("وصلت وبالحسكة أمس")
    (m,) = matcher.find(text)
    assert text[m.start:m.end] == "وبالحسكه"
    assert m.prefix == "وب"
    assert m.key == "الحسكه"


@pytest.mark.parametrize("raw", ["استهدف", "استهدفوها", "واستهدفت", "استهدفته"])
def test_matcher_open_ended_key(matcher: PhraseMatcher[str], raw: str) -> None:
    assert _found(matcher, f"ثم {raw} المسلحون") == [(normalize(raw), "target", "و" if raw.startswith("و") else "")]


def test_matcher_closed_key_does_not_continue(matcher: PhraseMatcher[str]) -> None:
    assert _found(matcher, "الحسكتين") == []
    assert _found(matcher, "قسدوها") == []


def test_matcher_longest_wins(matcher: PhraseMatcher[str]) -> None:
    assert _found(matcher, "قصفت قوات النظام السوري البلدة") == [("قوات النظام السوري", "regime_sy", "")]
    assert _found(matcher, "قصفت قوات النظام البلدة") == [("قوات النظام", "regime", "")]


def test_matcher_non_overlapping_and_ordered(matcher: PhraseMatcher[str]) -> None:
    text = normalize("قوات النظام وقسد في الحسكة والنظام")
    found = matcher.find(text)
    assert [(text[m.start:m.end], m.payload) for m in found] == [
        ("قوات النظام", "regime"), ("وقسد", "sdf"), ("الحسكه", "hasakah"), ("والنظام", "nizam"),
    ]
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start


def test_matcher_find_all_keeps_overlaps(matcher: PhraseMatcher[str]) -> None:
    text = normalize("قوات النظام السوري")
    payloads = sorted(m.payload for m in matcher.find_all(text))
    assert payloads == ["nizam", "regime", "regime_sy"]


def test_matcher_normalises_keys() -> None:
    m = build_matcher([("إدلبـ", "idlib"), ("الرَّقة", "raqqa")])
    assert _found(m, "في ادلب والرقه") == [("ادلب", "idlib", ""), ("والرقه", "raqqa", "و")]
    assert len(m) == 3  # إدلب, الرقة and its لل form


def test_matcher_rejects_too_short_key() -> None:
    with pytest.raises(ValueError):
        build_matcher([("ب", "x")])


def test_matcher_empty_finds_nothing() -> None:
    assert PhraseMatcher().find("قسد") == []


def test_an_inner_star_stands_for_the_past_tense_endings() -> None:
    # "أضرم* النار" was taken literally until session 6: lexicon phrases like it never matched
    matcher: PhraseMatcher[str] = PhraseMatcher()
    matcher.add("أضرم* النار", "burning")
    for text in ("أضرم النار في المبنى", "وأضرموا النار في المبنى", "أضرمت النار"):
        assert [m.payload for m in matcher.find(normalize(text))] == ["burning"], text
    assert matcher.find(normalize("أضرمتهم النار")) == []
