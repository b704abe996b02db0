"""Fatalities by ACLED's rules (CODING.md 1.7), on normalised text.

Only the *killed* count: the injured (جرحى، إصابة) and "casualties" (ضحايا) give 0. A number may
be written in digits or words (سبعة، ثلاثة عشر، مئة وخمسون). Vague quantities follow ACLED:
عدد من / العديد / plural "قتلى" with no number = 3, عشرات = 12, مئات = 100. A singular victim
(مقتل جندي) is 1 and a dual (مقتل شخصين) is 2. Counts joined by و (5 مدنيين و3 عناصر) add up;
separate reports of the same deaths conflict, and the triple keeps low/best/high with ACLED's
``fatalities`` the lowest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rasd.extract.numbers import parse_number_at
from rasd.normalize import normalize

_N = normalize
_KILL_BEFORE = [_N(w) for w in [
    "مقتل", "قتل", "قتلت", "قتلوا", "مصرع", "استشهاد", "استشهد", "سقوط", "سقط", "مقتلهم", "وفاة", "قضى", "لقي",
]]
_HEDGES = [_N(w) for w in ["ما لا يقل عن", "لا يقل عن", "أكثر من", "اكثر من", "نحو", "حوالي", "قرابة", "زهاء", "ما يزيد عن",
                           "ما يزيد على", "أقل من", "ما يقارب", "أكثر من", "إلى", "الى", "ارتفع عدد القتلى إلى"]]
_KILLED_NOUNS = [_N(w) for w in ["قتلى", "قتيلا", "قتيل", "شهداء", "شهيدا", "شهيد", "قتيلين", "شهيدين", "جثث", "جثة"]]
_INJURED_NOUNS = [_N(w) for w in ["جرحى", "جريحا", "مصابين", "مصابا", "جريح", "إصابة", "اصابة", "اصابات", "إصابات"]]
_VAGUE = {_N("عدد"): 3, _N("العديد"): 3, _N("عشرات"): 12, _N("العشرات"): 12, _N("مئات"): 100, _N("المئات"): 100,
          _N("بضعة"): 3, _N("بضع"): 3}
_PERSON_SINGULAR = {_N(w) for w in [
    "شخص", "جندي", "مدني", "طفل", "امرأة", "سيدة", "رجل", "عنصر", "قيادي", "مقاتل", "ضابط", "مواطن", "صحفي", "صحافي",
    "شاب", "فتاة", "طفلة", "عسكري", "مسلح", "قائد", "شرطي", "متظاهر", "محتج", "مسؤول", "ناشط", "مسعف", "طبيب",
]}
_PERSON_DUAL = {_N(w) for w in [
    "شخصان", "جنديان", "طفلان", "امرأتان", "رجلان", "عنصران", "مدنيان", "ضابطان", "شابان", "طفلتان", "شرطيان",
    "متظاهران", "محتجان", "صحفيان", "مقاتلان", "مسلحان", "شخصين", "جنديين", "طفلين", "امرأتين", "رجلين", "عنصرين", "قياديين", "مقاتلين", "ضابطين", "مواطنين", "شابين",
    "طفلتين", "عسكريين", "شرطيين", "متظاهرين", "محتجين", "صحفيين", "ناشطين", "مسعفين",
]}
# dual forms that are also plurals; they are read as plural (vague) unless a number is given
_AMBIGUOUS_DUAL = {_N(w) for w in ["مقاتلين", "مواطنين", "عسكريين", "متظاهرين", "محتجين", "صحفيين", "ناشطين", "مسعفين", "قياديين"]}
_PERSON_PLURAL = {_N(w) for w in [
    "أشخاص", "اشخاص", "جنود", "مدنيين", "مدنيون", "أطفال", "نساء", "رجال", "عناصر", "مقاتلين", "مقاتلي", "مسلحين",
    "ضباط", "مواطنين", "عسكريين", "قياديين", "متظاهرين", "محتجين", "المدنيين", "الأشخاص", "العناصر", "الجنود",
    "مسلحي", "عناصر", "افراد", "أفراد",
]}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class FatalityMention:
    start: int  # normalised offsets of the number phrase
    end: int
    value: int
    rule: str
    joined: bool = False  # follows an earlier count with و (adds to it)


def _words(norm: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(norm)]


def _skip_hedge(words: list[tuple[int, int, str]], i: int) -> int:
    for hedge in _HEDGES:
        parts = hedge.split()
        if [w[2] for w in words[i:i + len(parts)]] == parts:
            return i + len(parts)
    return i


@lru_cache(maxsize=65536)
def _bare(word: str) -> str:
    for p in ("وب", "و", "ب", "ف", "ل"):
        if word.startswith(p) and len(word) > len(p) + 2:
            candidate = word[len(p):]
            if candidate in _KILL_BEFORE or candidate in _KILLED_NOUNS or candidate in _INJURED_NOUNS:
                return candidate
    return word


def find_fatalities(norm: str, start: int = 0, end: int | None = None) -> list[FatalityMention]:
    """Killed counts stated in ``norm[start:end]``."""
    end = len(norm) if end is None else end
    words = [w for w in _words(norm) if start <= w[0] and w[1] <= end]
    plain = [w[2] for w in words]
    found: list[FatalityMention] = []
    used: set[int] = set()
    for i, (_, _, word) in enumerate(words):
        bare = _bare(word)
        if bare in _KILL_BEFORE:
            j = _skip_hedge(words, i + 1)
            if j < len(words) and plain[j] in ("من",) and bare in ("قتل", "قتلت"):
                continue
            parsed = parse_number_at(plain, j) if j < len(words) else None
            if parsed and j not in used:
                value, n = parsed
                nxt = plain[j + n] if j + n < len(plain) else ""
                if nxt.startswith("جرح") or nxt.startswith("اصاب") or nxt.startswith("مصاب"):
                    continue
                found.append(FatalityMention(words[j][0], words[j + n - 1][1], value, f"fatalities.{bare}+number"))
                used.update(range(j, j + n))
                _joined_counts(words, plain, j + n, found, used)
                continue
            if j < len(words):
                nxt = plain[j]
                if nxt in _VAGUE and j + 1 < len(words) and (plain[j + 1] == "من" or bare in ("مقتل", "سقوط", "مصرع")):
                    found.append(FatalityMention(words[j][0], words[j][1], _VAGUE[nxt], "fatalities.vague"))
                    used.add(j)
                elif nxt in _PERSON_DUAL and nxt not in _AMBIGUOUS_DUAL:
                    found.append(FatalityMention(words[j][0], words[j][1], 2, "fatalities.dual"))
                    used.add(j)
                elif nxt in _PERSON_SINGULAR or (nxt.startswith("ال") and nxt[2:] in _PERSON_SINGULAR):
                    found.append(FatalityMention(words[j][0], words[j][1], 1, "fatalities.singular"))
                    used.add(j)
                elif bare in ("سقوط", "سقط") and nxt in _KILLED_NOUNS:
                    found.append(FatalityMention(words[j][0], words[j][1], 3, "fatalities.plural"))
                    used.add(j)
                elif bare in ("مقتل",) and nxt in _PERSON_PLURAL:
                    found.append(FatalityMention(words[j][0], words[j][1], 3, "fatalities.plural"))
                    used.add(j)
        elif (bare in _KILLED_NOUNS or (bare.startswith("ال") and bare[2:] in _KILLED_NOUNS)) and i > 0:
            k = i - 1
            # "خمسة قتلى", "20 قتيلا": the number right before the noun
            for back in (1, 2, 3):
                s = i - back
                if s < 0 or s in used:
                    break
                parsed = parse_number_at(plain, s)
                if parsed and s + parsed[1] == i:
                    found.append(FatalityMention(words[s][0], words[i - 1][1], parsed[0], "fatalities.number+noun"))
                    used.update(range(s, i))
                    break
            if not any(f.end == words[i - 1][1] for f in found) and plain[k] in _VAGUE and k not in used:
                found.append(FatalityMention(words[k][0], words[k][1], _VAGUE[plain[k]], "fatalities.vague"))
                used.add(k)
    found.sort(key=lambda f: f.start)
    return found


def _joined_counts(words: list[tuple[int, int, str]], plain: list[str], i: int,
                   found: list[FatalityMention], used: set[int]) -> None:
    """After 'مقتل 5 مدنيين', a 'و3 عناصر' within two words adds another count."""
    for k in range(i, min(i + 3, len(plain))):
        word = plain[k]
        if word.startswith("و") and len(word) > 1:
            rest = [word[1:], *plain[k + 1:k + 4]]
            parsed = parse_number_at(rest, 0)
            if parsed:
                value, n = parsed
                nxt = rest[n] if n < len(rest) else ""
                if nxt.startswith("جرح") or nxt.startswith("اصاب") or nxt.startswith("مصاب"):
                    return
                found.append(FatalityMention(words[k][0], words[k + n - 1][1], value, "fatalities.joined", joined=True))
                used.update(range(k, k + n))
                return


def combine(mentions: list[FatalityMention]) -> tuple[int, int, int]:
    """(low, best, high) from one event's reports: joined counts add, separate reports conflict."""
    if not mentions:
        return 0, 0, 0
    reports: list[int] = []
    for m in mentions:
        if m.joined and reports:
            reports[-1] += m.value
        else:
            reports.append(m.value)
    low, high = min(reports), max(reports)
    best = sorted(reports)[len(reports) // 2] if len(reports) > 2 else low
    return low, best, high
