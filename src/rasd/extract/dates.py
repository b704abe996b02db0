"""Event dates: find date phrases in normalised Arabic and resolve them against publication.

Covers explicit dates with Levantine (كانون الثاني ... كانون الأول) and MSA (يناير ... ديسمبر)
month names, with or without من and the year (a month with الماضي: its last occurrence before
publication's month); numeric dates; a past year alone ("عام 2013", rule ``dates.year``: history); weekdays (the most recent one on or
before publication, strictly before with الماضي); اليوم، أمس، أول أمس، الليلة الماضية; "منذ ثلاثة
أيام" (digits, words, dual); الأسبوع الماضي; الشهر الماضي; مطلع/منتصف/أواخر الشهر.

Every phrase gets ACLED ``time_precision`` (1 day, 2 week, 3 month) and UCDP ``date_prec``
(1 day, 2 a few days, 3 week, 4 month, 5 year). A resolved date is never after publication: a
day and month with no year take the latest year that keeps them on or before publication, and a
phrase that still points after publication is marked ``future``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from rasd.extract.numbers import parse_number_at
from rasd.normalize import normalize

_MONTH_NAMES: dict[str, int] = {}
for number, names in {
    1: ["كانون الثاني", "يناير"], 2: ["شباط", "فبراير"], 3: ["آذار", "مارس"], 4: ["نيسان", "أبريل", "ابريل"],
    5: ["أيار", "مايو"], 6: ["حزيران", "يونيو", "يونيه"], 7: ["تموز", "يوليو", "يوليه"],
    8: ["آب", "أغسطس", "اغسطس"], 9: ["أيلول", "سبتمبر"], 10: ["تشرين الأول", "أكتوبر", "اكتوبر"],
    11: ["تشرين الثاني", "نوفمبر"], 12: ["كانون الأول", "ديسمبر"],
}.items():
    for name in names:
        _MONTH_NAMES[normalize(name)] = number

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTH_NAMES), key=len, reverse=True))
_MONTH = rf"(?:{_MONTH_ALT})"
_B = r"(?<![\w])"  # word start
_E = r"(?![\w])"  # word end

_WEEKDAYS = {normalize(n): i for i, n in enumerate(["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"])}
_WEEKDAY_ALT = "|".join(re.escape(w) for w in _WEEKDAYS)
_PART_OF_DAY = r"(?:(?:صباح|مساء|ليل|ليله|فجر|ظهر|عصر|ظهيره|منتصف ليل)\s+)?"

_DAY_MONTH = re.compile(
    rf"{_B}(?:يوم\s+)?(?:ال)?(?P<day>[0-3]?\d)\s+(?:من\s+)?(?:شهر\s+)?(?P<month>{_MONTH})"
    rf"(?:\s*/\s*{_MONTH}|\s+{_MONTH})?(?:\s+(?:من\s+)?(?:عام|العام|سنه)?\s*(?P<year>(?:19|20)\d\d))?{_E}"
)
_ORDINALS: dict[str, int] = {}
for _value, _word in enumerate(["الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن",
                                "التاسع", "العاشر"], start=1):
    _ORDINALS[normalize(_word)] = _value
for _value, _word in enumerate(["الحادي عشر", "الثاني عشر", "الثالث عشر", "الرابع عشر", "الخامس عشر", "السادس عشر",
                                "السابع عشر", "الثامن عشر", "التاسع عشر"], start=11):
    _ORDINALS[normalize(_word)] = _value
_ORDINALS[normalize("العشرين")] = 20
_ORDINALS[normalize("الثلاثين")] = 30
for _unit, _word in enumerate(["الحادي", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع"], start=1):
    _ORDINALS[normalize(_word) + " والعشرين"] = 20 + _unit
_ORDINALS[normalize("الحادي والثلاثين")] = 31
_ORDINAL_ALT = "|".join(sorted((re.escape(w) for w in _ORDINALS), key=len, reverse=True))
_ORDINAL_DAY = re.compile(
    rf"{_B}(?:يوم\s+|في\s+)?(?P<day>{_ORDINAL_ALT})\s+(?:من\s+)?(?:شهر\s+)?(?P<month>{_MONTH})"
    rf"(?:\s*/\s*{_MONTH}|\s+{_MONTH})?(?:\s+(?:من\s+)?(?:عام|العام|سنه)?\s*(?P<year>(?:19|20)\d\d))?{_E}"
)
_NUMERIC = re.compile(r"(?<![\d/.-])(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})(?![\d/.-])")
_MONTH_ONLY = re.compile(
    rf"{_B}(?:و(?=(?:مطلع|بدايه|اوايل|منتصف|اواسط|اواخر|نهايه|خلال|في)\s))?"
    rf"(?P<part>مطلع|بدايه|اوايل|اول|منتصف|اواسط|اواخر|نهايه|اخر|خلال|في)?\s*(?:شهر\s+)?"
    rf"(?P<month>{_MONTH})(?:\s*/\s*{_MONTH}|\s+{_MONTH})?(?:\s+(?:من\s+)?(?:عام|العام)?\s*(?P<year>(?:19|20)\d\d))?"
    rf"(?P<last>\s+(?:الماضي|الفايت|المنصرم))?{_E}"
)
# "في العام 2013"، "عام 2014": a past year alone (no month) dates nothing ACLED can code (its coarsest
# precision is the month): an event told with one is history, kept for review
_YEAR_ONLY = re.compile(rf"{_B}(?:في\s+)?(?:عام|العام|سنه|السنه)\s+(?P<year>(?:19|20)\d\d){_E}")
_RELATIVE_DAY = re.compile(
    rf"{_B}{_PART_OF_DAY}(?P<word>اول من امس|اول امس|امس الاول|الليله قبل الماضيه|امس|اليوم|الليله الماضيه|ليله امس|البارحه|يوم امس)"
    rf"(?:\s+(?P<weekday>{_WEEKDAY_ALT}))?{_E}"
)
# outlets named "... اليوم" (the dateline "عين اليوم – بغداد" dated every report of 34 articles to
# the day of publication through the article's lead)
_OUTLET_BEFORE_TODAY = re.compile(r"(?<!\w)(?:عين|روسيا|المصري)\s+$")
_WEEKDAY = re.compile(rf"{_B}{_PART_OF_DAY}(?:يوم\s+)?(?P<weekday>{_WEEKDAY_ALT})(?P<last>\s+(?:الماضي|الماضيه|الفايت|الفايته|المنصرم|المنصرمه))?{_E}")
_TODAY_WEEKDAY = re.compile(rf"{_B}{_PART_OF_DAY}(?:اليوم|امس|يوم امس)\s+(?:يوم\s+)?(?P<weekday>{_WEEKDAY_ALT}){_E}")
_AGO = re.compile(rf"{_B}(?:منذ|قبل)\s+(?P<count>(?:\S+\s+){{0,2}}?)(?P<unit>يوم|يوما|يومين|ايام|اسبوع|اسبوعا|اسبوعين|اسابيع|شهر|شهرا|شهرين|اشهر|شهور){_E}")
_PERIOD = re.compile(
    rf"{_B}(?P<part>مطلع|بدايه|اوايل|منتصف|اواسط|اواخر|نهايه)?\s*(?P<unit>الاسبوع|الشهر)\s+(?P<which>الماضي|الفايت|المنصرم|الجاري|الحالي)?{_E}"
)


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int  # offsets in the normalised text
    end: int
    date: dt.date
    time_precision: int  # ACLED 1-3
    date_prec: int  # UCDP 1-5
    rule: str
    future: bool = False


def _latest_year_on_or_before(day: int, month: int, published: dt.date) -> dt.date | None:
    """The day and month in the latest year that keeps them on or before publication, within a
    year of it (29 February in an article of a common year names no date: None)."""
    for year in (published.year, published.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= published and (published - candidate).days <= 366:
            return candidate
    return None


# "وفي مايو من العام نفسه": the year of the last date the text gave in figures before it
_SAME_YEAR_AFTER = re.compile(r"\s+(?:من\s+)?(?:(?:العام|السنه)\s+(?:نفسه|نفسها|ذاته|ذاتها)|(?:نفس|ذات)\s+(?:العام|السنه))(?!\w)")
_YEAR_FIGURES = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _same_year(norm: str, start: int, end: int) -> int | None:
    """The year meant by "من العام نفسه" right after a date at ``start:end``: the last year written in
    figures before it (None when the phrase is not there or no year was written)."""
    if _SAME_YEAR_AFTER.match(norm, end) is None:
        return None
    years = _YEAR_FIGURES.findall(norm, 0, start)
    return int(years[-1]) if years else None


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_date(month: int, year: int | None, part: str | None, published: dt.date, last: bool = False) -> dt.date:
    """A month named without a day; with no year, its latest occurrence up to publication, or
    strictly before publication's month when "الماضي" follows it ("أبريل الماضي" in April is
    last year's April)."""
    if year is None:
        year = published.year if month < published.month or (month == published.month and not last) \
            else published.year - 1
    last = calendar.monthrange(year, month)[1]
    if part in ("مطلع", "بدايه", "اوايل", "اول"):
        return dt.date(year, month, 1)
    if part in ("اواخر", "نهايه", "اخر"):
        return dt.date(year, month, last)
    return dt.date(year, month, 15)


def _count(words: str) -> int | None:
    words_list = words.split()
    if not words_list:
        return 1
    if words_list[0] in ("عده", "بضعه", "بضع"):
        return -1  # "several": a vague count
    parsed = parse_number_at(words_list, 0)
    if parsed and parsed[1] == len(words_list):
        return parsed[0]
    return None


_RELATIVE_KEYS = ("امس", "اليوم", "الليله", "البارحه")  # every _RELATIVE_DAY phrase holds one


def _scan(pattern: re.Pattern[str], norm: str, possible: bool) -> Iterator[re.Match[str]]:
    return pattern.finditer(norm) if possible else iter(())


def find_dates(norm: str, published: dt.date) -> list[DateMention]:
    """All date phrases in the normalised text, resolved against ``published``."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, date: dt.date | None, tp: int, dp: int, rule: str) -> None:
        if date is None or any(s < end and start < e for s, e in taken):
            return
        future = date > published
        found.append(DateMention(start, end, date, tp, dp, rule, future))
        taken.append((start, end))

    # Each pattern needs one of a few words (a month, a weekday, امس ...): a substring test skips
    # the patterns whose words the text lacks, which is most of them in most articles.
    has_month = any(name in norm for name in _MONTH_NAMES)
    has_weekday = any(name in norm for name in _WEEKDAYS)
    for m in _scan(_DAY_MONTH, norm, has_month):
        day, month = int(m["day"]), _MONTH_NAMES[m["month"]]
        date: dt.date | None
        if m["year"]:
            date = _valid_date(int(m["year"]), month, day)
        elif (same_year := _same_year(norm, m.start(), m.end())) is not None:
            date = _valid_date(same_year, month, day)
        else:
            date = _latest_year_on_or_before(day, month, published)
        add(m.start(), m.end(), date, 1, 1, "dates.day_month")
    for m in _scan(_ORDINAL_DAY, norm, has_month):
        day, month = _ORDINALS[m["day"]], _MONTH_NAMES[m["month"]]
        if m["year"]:
            date = _valid_date(int(m["year"]), month, day)
        else:
            date = _latest_year_on_or_before(day, month, published)
        add(m.start("day"), m.end(), date, 1, 1, "dates.ordinal_day_month")
    for m in _NUMERIC.finditer(norm):
        a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
        year, day = (a, c) if a > 1900 else (c, a)
        if year < 1900:
            continue
        try:
            add(m.start(), m.end(), dt.date(year, b, day), 1, 1, "dates.numeric")
        except ValueError:
            continue
    for m in _scan(_MONTH_ONLY, norm, has_month):
        if m["part"] is None and not m["year"] and not m["last"]:
            continue  # a bare month name is too weak (آب is also "father"); "آب الماضي" is not
        month = _MONTH_NAMES[m["month"]]
        year = int(m["year"]) if m["year"] else _same_year(norm, m.start(), m.end())
        start = m.start("part") if m["part"] and m["part"] not in ("خلال", "في") else m.start("month")
        date = _month_date(month, year, m["part"], published, last=bool(m["last"]) and year is None)
        add(start, m.end(), date, 3, 4, "dates.month")
    for m in _scan(_YEAR_ONLY, norm, "عام" in norm or "سنه" in norm):
        year = int(m["year"])
        if year < published.year:  # the current year adds nothing to the publication date
            add(m.start(), m.end(), dt.date(year, 7, 1), 3, 5, "dates.year")
    for m in _scan(_TODAY_WEEKDAY, norm, has_weekday):
        # "اليوم الإثنين" in an article published on Tuesday: written the day before; the weekday
        # names the day, "today" only the writer's
        back = (published.weekday() - _WEEKDAYS[m["weekday"]]) % 7
        add(m.start(), m.end(), published - dt.timedelta(days=back), 1, 1, "dates.today_weekday")
    for m in _scan(_RELATIVE_DAY, norm, any(w in norm for w in _RELATIVE_KEYS)):
        word = m["word"]
        if word == "اليوم" and _OUTLET_BEFORE_TODAY.search(norm, max(0, m.start() - 10), m.start("word")):
            continue  # "عين اليوم – واشنطن"، "قناة روسيا اليوم": an outlet's name, no day
        back = {"اليوم": 0, "امس": 1, "يوم امس": 1, "البارحه": 1, "الليله الماضيه": 1, "ليله امس": 1,
                "اول امس": 2, "اول من امس": 2, "امس الاول": 2, "الليله قبل الماضيه": 2}[word]
        add(m.start(), m.end(), published - dt.timedelta(days=back), 1, 1, f"dates.relative:{word}")
    for m in _scan(_WEEKDAY, norm, has_weekday):
        weekday = _WEEKDAYS[m["weekday"]]
        back = (published.weekday() - weekday) % 7
        if m["last"] and back == 0:
            back = 7
        add(m.start(), m.end(), published - dt.timedelta(days=back), 1, 1, "dates.weekday")
    for m in _scan(_AGO, norm, "منذ" in norm or "قبل" in norm):
        unit = m["unit"]
        count = 2 if unit in ("يومين", "اسبوعين", "شهرين") else _count(m["count"].strip())
        if count is None:
            continue
        if unit.startswith("يوم") or unit == "ايام":
            days, tp, dp = (3, 2, 2) if count == -1 else (count, 1, 1)
        elif unit.startswith("اسبوع") or unit == "اسابيع":
            days, tp, dp = (14 if count == -1 else 7 * count), 2, 3
        else:
            days, tp, dp = (60 if count == -1 else 30 * count), 3, 4
        add(m.start(), m.end(), published - dt.timedelta(days=days), tp, dp, "dates.ago")
    for m in _scan(_PERIOD, norm, "الاسبوع" in norm or "الشهر" in norm):
        unit, which, part = m["unit"], m["which"], m["part"]
        if which is None and part is None:
            continue
        past = which in ("الماضي", "الفايت", "المنصرم")
        if unit == "الاسبوع":
            if not past:
                continue
            # ACLED: the middle of last week (its Wednesday).
            monday = published - dt.timedelta(days=published.weekday() + 7)
            add(m.start(), m.end(), monday + dt.timedelta(days=2), 2, 3, "dates.last_week")
        else:
            month_start = published.replace(day=1)
            if past:
                month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
            date = _month_date(month_start.month, month_start.year, part, published)
            add(m.start(), m.end(), min(date, published), 3, 4, "dates.month_relative")
    found.sort(key=lambda d: d.start)
    return found
