"""Fatalities by ACLED's rules: killed counts in digits, words and vague quantities."""

from __future__ import annotations

import pytest

from rasd.extract.fatalities import FatalityMention, combine, find_fatalities
from rasd.normalize import normalize


def _values(raw: str) -> list[int]:
    return [m.value for m in find_fatalities(normalize(raw))]


def _total(raw: str) -> tuple[int, int, int]:
    return combine(find_fatalities(normalize(raw)))


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("ما تسبب بمقتل سبعة من بينهم قيادي", 7),
        ("مقتل سبعة", 7),
        ("مقتل ثلاثة عشر عنصرا", 13),
        ("مقتل خمسة وعشرين مدنيا", 25),
        ("مقتل 4 مدنيين", 4),
        ("قتل 4 مدنيين", 4),
        ("مقتل ٩ أشخاص", 9),
        ("مقتل ما لا يقل عن 10 أشخاص", 10),
        ("مقتل نحو عشرين شخصا", 20),
        ("استشهاد ثلاثة أطفال", 3),
        ("20 قتيلا", 20),
        ("سقط في القصف خمسة قتلى", 5),
        ("مقتل جندي", 1),
        ("ومقتل طفل", 1),
        ("مقتل شخصين", 2),
        ("سقوط قتلى", 3),
        ("مقتل عشرات المدنيين", 12),
        ("سقوط عشرات القتلى", 12),
        ("مقتل مئات المدنيين", 100),
        ("مقتل عدد من العناصر", 3),
        ("مقتل مدنيين", 3),  # plural with no number
    ],
)
def test_fatalities_single_count(raw: str, value: int) -> None:
    assert _values(raw) == [value]
    assert _total(raw) == (value, value, value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("عشرات القتلى", 12), ("أسفر القصف عن عشرات القتلى", 12), ("مئات القتلى", 100), ("عشرات قتلى", 12)],
)
def test_fatalities_vague_before_killed_noun(raw: str, value: int) -> None:
    assert _values(raw) == [value]


def test_fatalities_joined_counts_add() -> None:
    found = find_fatalities(normalize("مقتل 5 مدنيين و3 عناصر"))
    assert [(m.value, m.joined) for m in found] == [(5, False), (3, True)]
    assert combine(found) == (8, 8, 8)


def test_fatalities_joined_counts_in_words() -> None:
    found = find_fatalities(normalize("مقتل خمسة مدنيين وثلاثة عناصر من الشرطة"))
    assert [(m.value, m.joined) for m in found] == [(5, False), (3, True)]
    assert combine(found) == (8, 8, 8)


def test_fatalities_spans_cover_the_number() -> None:
    norm = normalize("ما تسبب بمقتل سبعة من بينهم قيادي")
    (m,) = find_fatalities(norm)
    assert norm[m.start:m.end] == "سبعه"


@pytest.mark.parametrize(
    "raw",
    ["إصابة 5", "إصابة 5 مدنيين", "جرح سبعة أشخاص", "عشرة جرحى", "سقوط 4 جرحى", "مقتل", "أعلن مقتل التنظيم"],
)
def test_fatalities_injured_or_nothing_is_zero(raw: str) -> None:
    assert _values(raw) == []
    assert _total(raw) == (0, 0, 0)


def test_fatalities_injured_after_killed_not_added() -> None:
    assert _values("مقتل 5 أشخاص وإصابة 3 آخرين") == [5]
    assert _total("مقتل سبعة أشخاص وإصابة خمسة") == (7, 7, 7)


def test_fatalities_window_restricts_search() -> None:
    norm = normalize("مقتل سبعة. وفي حادث آخر مقتل 3 مدنيين")
    cut = norm.index("وفي")
    assert [m.value for m in find_fatalities(norm, 0, cut)] == [7]
    assert [m.value for m in find_fatalities(norm, cut)] == [3]


def test_fatalities_conflicting_reports_combine() -> None:
    found = find_fatalities(normalize("مقتل 5 مدنيين، فيما قال المرصد إن القصف أدى إلى مقتل 9 مدنيين"))
    assert [m.value for m in found] == [5, 9]
    assert combine(found) == (5, 5, 9)


def _m(value: int, joined: bool = False) -> FatalityMention:
    return FatalityMention(0, 1, value, "test", joined)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], (0, 0, 0)),
        ([7], (7, 7, 7)),
        ([9, 5], (5, 5, 9)),
        ([5, 10, 7], (5, 7, 10)),
        ([12, 3, 20, 8], (3, 12, 20)),
    ],
)
def test_fatalities_combine_low_best_high(values: list[int], expected: tuple[int, int, int]) -> None:
    low, best, high = combine([_m(v) for v in values])
    assert (low, best, high) == expected
    if values:
        assert low == min(values) and high == max(values)
        assert low <= best <= high


def test_fatalities_combine_joined_adds_to_previous_report() -> None:
    assert combine([_m(5), _m(3, True), _m(6)]) == (6, 6, 8)
    assert combine([_m(4, True)]) == (4, 4, 4)  # a joined count with nothing before it stands alone
