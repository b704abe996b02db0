"""Arabic cardinal numbers in words and digits, on normalised text (see ``rasd.normalize``).

``parse_number_at(words, i)`` reads the longest number starting at word ``i``: digits (either
script, already ASCII after normalisation), units and their feminine/construct forms, teens,
tens in both cases, hundreds (مئة / مائة / مئتين / ثلاثمئة ...), thousands, joined by و, and the
dual forms of counted nouns are handled by the caller (يومين = 2 days).
"""

from __future__ import annotations

import re

from rasd.normalize import normalize

_UNITS: dict[str, int] = {}
for value, forms in {
    1: "واحد واحده احد احدي",
    2: "اثنان اثنين اثنتان اثنتين اثنا اثني",
    3: "ثلاث ثلاثه",
    4: "اربع اربعه",
    5: "خمس خمسه",
    6: "ست سته",
    7: "سبع سبعه",
    8: "ثمان ثماني ثمانيه",
    9: "تسع تسعه",
    10: "عشر عشره",
}.items():
    for form in forms.split():
        _UNITS[form] = value

_TENS: dict[str, int] = {}
for value, stem in {20: "عشر", 30: "ثلاث", 40: "اربع", 50: "خمس", 60: "ست", 70: "سبع", 80: "ثمان", 90: "تسع"}.items():
    _TENS[stem + "ون"] = value
    _TENS[stem + "ين"] = value

_HUNDRED_FORMS = ("مئة", "مائة")
_HUNDREDS: dict[str, int] = {normalize(w): v for w, v in {
    "مئة": 100, "مائة": 100, "مئتين": 200, "مئتان": 200, "مائتين": 200, "مائتان": 200}.items()}
for value, stem in {3: "ثلاث", 4: "اربع", 5: "خمس", 6: "ست", 7: "سبع", 8: "ثمان", 9: "تسع"}.items():
    for hundred in _HUNDRED_FORMS:
        _HUNDREDS[normalize(stem + hundred)] = value * 100

_THOUSANDS: dict[str, int] = {"الف": 1000, "الفا": 1000, "الفين": 2000, "الفان": 2000, "الاف": 1000}
_HUNDRED_WORDS = frozenset(normalize(w) for w in _HUNDRED_FORMS)

_TEEN_SECOND = {"عشر", "عشره"}
_DIGITS = re.compile(r"^\d{1,7}$")


def _strip_waw(word: str, continuing: bool = False) -> tuple[str, bool]:
    """Split a leading و (and) off a number word. واحد is "one" at the start of a number but
    و + احد ("and one") inside one (ألف وأحد عشر)."""
    if word_value(word) is not None and not continuing:
        return word, False
    if word.startswith("و") and len(word) > 2 and (word[1:] in _UNITS or word[1:] in _TENS or word[1:] in _HUNDREDS or word[1:] in _THOUSANDS):
        return word[1:], True
    return word, False


def word_value(word: str) -> int | None:
    """Value of a single number word or digit string, else None."""
    if _DIGITS.match(word):
        return int(word)
    for table in (_UNITS, _TENS, _HUNDREDS, _THOUSANDS):
        if word in table:
            return table[word]
    return None


def parse_number_at(words: list[str], i: int) -> tuple[int, int] | None:
    """(value, number of words used) for the number starting at ``words[i]``, or None."""
    if i >= len(words):
        return None
    first = words[i]
    if _DIGITS.match(first):
        value = int(first)
        used = 1
        if i + 1 < len(words) and words[i + 1] in ("الف", "الاف") and value < 1000:
            return value * 1000, 2
        return value, used
    total = 0
    current = 0
    used = 0
    j = i
    while j < len(words):
        word = words[j]
        word, had_waw = _strip_waw(word, continuing=used > 0)
        if had_waw and used == 0:
            return None
        if used > 0 and not had_waw and not (word in _TEEN_SECOND and 0 < current % 100 < 10):
            if word in _HUNDRED_WORDS and 0 < current < 10:
                current *= 100
                used += 1
                j += 1
                continue
            if word in _THOUSANDS and current:
                total += current * 1000
                current = 0
                used += 1
                j += 1
                continue
            break
        if word in _TEEN_SECOND and used > 0 and 0 < current % 100 < 10:
            current += 10
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _HUNDREDS:
            current += _HUNDREDS[word]
        elif word in _THOUSANDS:
            total += max(current, 1) * _THOUSANDS[word]
            current = 0
        else:
            break
        used += 1
        j += 1
    if used == 0:
        return None
    return total + current, used


def number_words_value(text: str) -> int | None:
    """Value of a whole phrase that is one number (e.g. 'خمسه وعشرون'), else None."""
    words = text.split()
    parsed = parse_number_at(words, 0)
    if parsed and parsed[1] == len(words):
        return parsed[0]
    return None
