"""Event dates: phrases found in normalised text and resolved against publication."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rasd.extract.dates import DateMention, find_dates
from rasd.normalize import normalize

THU = dt.date(2021, 12, 9)  # the seed article's publication date, a Thursday


def _dates(raw: str, published: dt.date = THU) -> list[DateMention]:
    return find_dates(normalize(raw), published)


def _one(raw: str, published: dt.date = THU) -> DateMention:
    found = _dates(raw, published)
    assert len(found) == 1, found
    return found[0]


# --- explicit day and month -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("في 12 من تشرين الثاني", dt.date(2021, 11, 12)),
        ("في 12 تشرين الثاني", dt.date(2021, 11, 12)),
        ("9 كانون الأول 2021", dt.date(2021, 12, 9)),
        ("9 من كانون الأول", dt.date(2021, 12, 9)),
        ("15 من كانون الثاني", dt.date(2021, 1, 15)),
        ("15 نوفمبر", dt.date(2021, 11, 15)),
        ("3 أيار 2019", dt.date(2019, 5, 3)),
        ("يوم 2 آب", dt.date(2021, 8, 2)),
        ("1 ديسمبر من عام 2020", dt.date(2020, 12, 1)),
        ("10 من الشهر", None),
    ],
)
def test_dates_day_month(raw: str, expected: dt.date | None) -> None:
    found = _dates(raw)
    if expected is None:
        assert found == []
        return
    (m,) = found
    assert m.date == expected
    assert (m.time_precision, m.date_prec) == (1, 1)
    assert m.rule == "dates.day_month"
    assert not m.future


def test_dates_day_month_without_year_takes_last_year_when_later_in_calendar() -> None:
    # 20 December has not come yet on 9 December 2021: it is 20 December 2020
    assert _one("20 كانون الأول").date == dt.date(2020, 12, 20)
    assert _one("10 كانون الأول").date == dt.date(2020, 12, 10)


def test_dates_explicit_future_date_is_flagged() -> None:
    m = _one("25 كانون الأول 2021")
    assert m.date == dt.date(2021, 12, 25)
    assert m.future is True


def test_dates_span_is_normalised_offsets() -> None:
    raw = "وكان التنظيم فجر في مدينة الحسكة، في 12 من تشرين الثاني، عبوة ناسفة"
    norm = normalize(raw)
    (m,) = find_dates(norm, THU)
    assert norm[m.start:m.end] == "12 من تشرين الثاني"


def test_dates_seed_sentence_today_thursday_date() -> None:
    norm = normalize("اليوم، الخميس، 9 من كانون الأول، إن المناورات")
    found = find_dates(norm, THU)
    assert [m.date for m in found] == [THU, THU, THU]
    assert [m.rule for m in found] == ["dates.relative:اليوم", "dates.weekday", "dates.day_month"]


# --- relative days and weekdays ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "back"),
    [("اليوم", 0), ("أمس", 1), ("يوم أمس", 1), ("مساء أمس", 1), ("البارحة", 1), ("الليلة الماضية", 1),
     ("أول أمس", 2), ("أول من أمس", 2)],
)
def test_dates_relative_days(raw: str, back: int) -> None:
    m = _one(raw)
    assert m.date == THU - dt.timedelta(days=back)
    assert (m.time_precision, m.date_prec) == (1, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("الخميس", dt.date(2021, 12, 9)),  # publication day itself
        ("يوم الخميس", dt.date(2021, 12, 9)),
        ("الخميس الماضي", dt.date(2021, 12, 2)),
        ("الأربعاء", dt.date(2021, 12, 8)),
        ("الجمعة", dt.date(2021, 12, 3)),
        ("الجمعة الماضي", dt.date(2021, 12, 3)),
        ("مساء السبت", dt.date(2021, 12, 4)),
        ("الاثنين", dt.date(2021, 12, 6)),
        ("الثلاثاء", dt.date(2021, 12, 7)),
        ("الأحد", dt.date(2021, 12, 5)),
    ],
)
def test_dates_weekdays(raw: str, expected: dt.date) -> None:
    m = _one(raw)
    assert m.date == expected
    assert m.time_precision == 1
    assert m.rule == "dates.weekday"


@pytest.mark.parametrize(
    ("raw", "published", "expected"),
    [
        ("الجمعة الماضية", dt.date(2021, 12, 10), dt.date(2021, 12, 3)),
        ("الخميس الفائت", THU, dt.date(2021, 12, 2)),
    ],
)
def test_dates_weekday_last_other_forms(raw: str, published: dt.date, expected: dt.date) -> None:
    assert _one(raw, published).date == expected


# --- "... ago", last week, month periods ------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "back", "tp", "dp"),
    [
        ("منذ ثلاثة أيام", 3, 1, 1),
        ("منذ 3 أيام", 3, 1, 1),
        ("منذ ٣ أيام", 3, 1, 1),
        ("منذ يومين", 2, 1, 1),
        ("قبل يومين", 2, 1, 1),
        ("منذ يوم", 1, 1, 1),
        ("منذ عدة أيام", 3, 2, 2),
        ("منذ أسبوع", 7, 2, 3),
        ("منذ أسبوعين", 14, 2, 3),
        ("منذ شهرين", 60, 3, 4),
    ],
)
def test_dates_ago(raw: str, back: int, tp: int, dp: int) -> None:
    m = _one(raw)
    assert m.date == THU - dt.timedelta(days=back)
    assert (m.time_precision, m.date_prec) == (tp, dp)
    assert m.rule == "dates.ago"


@pytest.mark.parametrize("raw", ["منذ 15 يوما", "منذ أحد عشر يوما", "قبل عشرين يوماً"])
def test_dates_ago_yawman(raw: str) -> None:
    n = {"منذ 15 يوما": 15, "منذ أحد عشر يوما": 11, "قبل عشرين يوماً": 20}[raw]
    assert _one(raw).date == THU - dt.timedelta(days=n)


def test_dates_last_week_is_wednesday() -> None:
    m = _one("الأسبوع الماضي")
    assert m.date == dt.date(2021, 12, 1)
    assert m.date.weekday() == 2
    assert (m.time_precision, m.date_prec) == (2, 3)
    assert m.rule == "dates.last_week"


def test_dates_this_week_is_not_a_date() -> None:
    assert _dates("الأسبوع الجاري") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مطلع الشهر الجاري", dt.date(2021, 12, 1)),
        ("بداية الشهر الحالي", dt.date(2021, 12, 1)),
        ("منتصف الشهر الماضي", dt.date(2021, 11, 15)),
        ("أواخر الشهر الماضي", dt.date(2021, 11, 30)),
        ("الشهر الماضي", dt.date(2021, 11, 15)),
        ("أواخر الشهر الجاري", dt.date(2021, 12, 9)),  # never after publication
    ],
)
def test_dates_month_relative(raw: str, expected: dt.date) -> None:
    m = _one(raw)
    assert m.date == expected
    assert (m.time_precision, m.date_prec) == (3, 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مطلع تشرين الثاني", dt.date(2021, 11, 1)),
        ("أواخر شهر شباط", dt.date(2021, 2, 28)),
        ("منتصف كانون الأول", dt.date(2021, 12, 15)),
        ("تشرين الثاني 2020", dt.date(2020, 11, 15)),
        ("خلال آذار 2020", dt.date(2020, 3, 15)),
    ],
)
def test_dates_month_only(raw: str, expected: dt.date) -> None:
    m = _one(raw)
    assert m.date == expected
    assert (m.time_precision, m.date_prec) == (3, 4)
    assert m.rule == "dates.month"


@pytest.mark.parametrize(
    ("raw", "published", "expected"),
    [
        # "last April" written in April is the April of the year before (v091: the US strike on
        # Shayrat of April 2017, told in April 2018, was dated to April 2018)
        ("قصف الجيش الأميركي قاعدة الشعيرات في أبريل الماضي", dt.date(2018, 4, 15), dt.date(2017, 4, 15)),
        ("في نيسان الماضي", dt.date(2018, 4, 30), dt.date(2017, 4, 15)),
        ("أبريل الماضي", dt.date(2018, 6, 2), dt.date(2018, 4, 15)),  # earlier this year: this year's
        ("أواخر أيلول الماضي", dt.date(2018, 2, 1), dt.date(2017, 9, 30)),
        ("في أبريل", dt.date(2018, 4, 15), dt.date(2018, 4, 15)),  # without الماضي: this month
        ("في أبريل (نيسان) الماضي", dt.date(2018, 4, 15), dt.date(2017, 4, 15)),  # a gloss in brackets
    ],
)
def test_dates_month_with_last_is_before_the_publication_month(raw: str, published: dt.date,
                                                              expected: dt.date) -> None:
    m = _one(raw, published)
    assert m.date == expected
    assert (m.time_precision, m.rule) == (3, "dates.month")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the month glossed in brackets (the brackets are gone after normalisation) is one date:
        # "(آذار) الماضي" is not a second, month-long one
        ("في 24 مارس (آذار) الماضي", dt.date(2015, 3, 24)),
        ("في 12 يونيو (حزيران) الماضي", dt.date(2015, 6, 12)),
        ("في 9 أبريل/ نيسان الجاري", dt.date(2015, 4, 9)),
    ],
)
def test_dates_day_month_with_a_glossed_month_is_one_date(raw: str, expected: dt.date) -> None:
    m = _one(raw, dt.date(2015, 8, 1))
    assert (m.date, m.rule) == (expected, "dates.day_month")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ووافقت على تدمير مخزونها في عام 2013 بعد وقوع هجوم", dt.date(2013, 7, 1)),
        ("سيطرت الفصائل في العام 2015 على إدلب", dt.date(2015, 7, 1)),
    ],
)
def test_dates_a_past_year_alone(raw: str, expected: dt.date) -> None:
    m = _one(raw, dt.date(2018, 4, 9))
    assert (m.date, m.time_precision, m.date_prec, m.rule) == (expected, 3, 5, "dates.year")


def test_dates_the_current_year_alone_is_no_date() -> None:
    assert _dates("في عام 2018 قصفت الطائرات", dt.date(2018, 4, 9)) == []


def test_dates_bare_month_is_too_weak() -> None:
    assert _dates("زار آب المدينة") == []


# --- numeric dates ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [("10/12/2021", dt.date(2021, 12, 10)), ("2021/12/10", dt.date(2021, 12, 10)), ("10-12-2021", dt.date(2021, 12, 10)),
     ("١٠/١٢/٢٠٢١", dt.date(2021, 12, 10))],
)
def test_dates_numeric(raw: str, expected: dt.date) -> None:
    m = _one(raw, dt.date(2021, 12, 20))
    assert m.date == expected
    assert (m.time_precision, m.date_prec) == (1, 1)
    assert m.rule == "dates.numeric"
    assert not m.future


def test_dates_numeric_after_publication_is_future() -> None:
    m = _one("10/12/2021", THU)
    assert m.date == dt.date(2021, 12, 10)
    assert m.future is True


@pytest.mark.parametrize("raw", ["3.5", "10/13/2021", "1/2/3"])
def test_dates_numeric_rejects_non_dates(raw: str) -> None:
    assert _dates(raw) == []


# --- properties -------------------------------------------------------------------------------

publication = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2035, 12, 31))
MONTHS = {
    1: ["كانون الثاني", "يناير"], 2: ["شباط", "فبراير"], 3: ["آذار", "مارس"], 4: ["نيسان", "أبريل"],
    5: ["أيار", "مايو"], 6: ["حزيران", "يونيو"], 7: ["تموز", "يوليو"], 8: ["آب", "أغسطس"],
    9: ["أيلول", "سبتمبر"], 10: ["تشرين الأول", "أكتوبر"], 11: ["تشرين الثاني", "نوفمبر"], 12: ["كانون الأول", "ديسمبر"],
}
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]


@settings(max_examples=200, deadline=None)
@given(publication, st.integers(1, 12), st.integers(1, 31), st.booleans(), st.data())
def test_dates_day_month_without_year_not_after_publication(
    published: dt.date, month: int, day: int, with_min: bool, data: st.DataObject,
) -> None:
    name = data.draw(st.sampled_from(MONTHS[month]), label="month name")
    raw = f"في {day} {'من ' if with_min else ''}{name}"
    found = _dates(raw, published)
    try:
        dt.date(2000, month, day)  # a leap year: is the day possible at all?
    except ValueError:
        assert found == []
        return
    if (month, day) == (2, 29):
        if not found:  # no 29 February in this year or the last one
            return
    (m,) = found
    assert (m.date.month, m.date.day) == (month, day)
    assert m.date <= published
    assert (published - m.date).days <= 366
    assert not m.future


@settings(max_examples=200, deadline=None)
@given(publication, st.integers(0, 6), st.booleans(), st.booleans())
def test_dates_weekday_within_last_week(published: dt.date, weekday: int, with_yawm: bool, last: bool) -> None:
    raw = f"{'يوم ' if with_yawm else ''}{WEEKDAYS[weekday]}{' الماضي' if last else ''}"
    m = _one(raw, published)
    back = (published - m.date).days
    assert m.date.weekday() == weekday
    if last:
        assert 1 <= back <= 7
    else:
        assert 0 <= back <= 6


@settings(max_examples=200, deadline=None)
@given(publication, st.integers(1, 30), st.booleans())
def test_dates_ago_n_days(published: dt.date, n: int, arabic_digits: bool) -> None:
    number = "".join(chr(0x0660 + int(d)) for d in str(n)) if arabic_digits else str(n)
    m = _one(f"منذ {number} أيام", published)
    assert m.date == published - dt.timedelta(days=n)
    assert (m.time_precision, m.date_prec) == (1, 1)


_WORDS_3_30 = {
    3: "ثلاثة", 4: "أربعة", 5: "خمسة", 6: "ستة", 7: "سبعة", 8: "ثمانية", 9: "تسعة", 10: "عشرة", 11: "أحد عشر",
    12: "اثني عشر", 13: "ثلاثة عشر", 15: "خمسة عشر", 20: "عشرين", 25: "خمسة وعشرين", 30: "ثلاثين",
}


@settings(max_examples=100, deadline=None)
@given(publication, st.sampled_from(sorted(_WORDS_3_30)))
def test_dates_ago_n_days_in_words(published: dt.date, n: int) -> None:
    m = _one(f"منذ {_WORDS_3_30[n]} أيام", published)
    assert m.date == published - dt.timedelta(days=n)


@settings(max_examples=200, deadline=None)
@given(publication)
def test_dates_last_week_property(published: dt.date) -> None:
    m = _one("الأسبوع الماضي", published)
    assert m.date.weekday() == 2
    assert 5 <= (published - m.date).days <= 11
