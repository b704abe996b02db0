"""Arabic normalisation for matching, with a map back to the original offsets.

Every matcher in rasd (actors, triggers, places, dates, numbers) runs on the *normalised* text,
and every piece of evidence it reports is mapped back to the text as given, so that
``text[start:end]`` is always exactly the words that justify a field.

Normalisation (one original character becomes zero or more normalised characters):
- NFKC (presentation forms and ligatures to base letters);
- diacritics (harakat, shadda, sukun, dagger alef) and tatweel removed;
- alef forms (أ إ آ ٱ) to ا, ta marbuta ة to ه, alef maqsura ى to ي, ؤ to و, ئ to ي;
- Arabic-Indic and Persian digits to ASCII digits;
- quotation marks, guillemets and brackets removed (news writes تنظيم “الدولة” and (قسد));
- any run of white space to one space; Latin letters lower-cased.
"""

from __future__ import annotations

from functools import lru_cache

import re
import unicodedata
from dataclasses import dataclass

_DIACRITICS = {chr(c) for c in range(0x064B, 0x0653)} | {"\u0670", "\u0640", "\u0654", "\u0655"}
_DIACRITICS |= {"\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"}
_LETTER_MAP = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ی": "ي", "ک": "ك",
}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
_DROPPED = set("\"'“”„‟«»‹›‘’‚`()[]{}")
_SPACE_LIKE = {"\u00a0", "\u2009", "\u202f", "\u2002", "\u2003", "\t", "\n", "\r", "\u2028", "\u2029"}


def _normalise_char(ch: str) -> str:
    """The normalised form of one original character (possibly empty or several characters)."""
    if ch in _DIACRITICS or ch in _DROPPED:
        return ""
    if ch in _SPACE_LIKE:
        return " "
    if ch in _LETTER_MAP:
        return _LETTER_MAP[ch]
    if ch in _DIGITS:
        return _DIGITS[ch]
    if ch.isascii():
        return ch.lower()
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in _DIACRITICS or c in _DROPPED:
            continue
        out.append(_LETTER_MAP.get(c, _DIGITS.get(c, c)).lower())
    return "".join(out)


@dataclass(frozen=True, slots=True)
class NormText:
    """Normalised text plus, for each normalised character, the index of its original character."""

    original: str
    text: str
    origin: tuple[int, ...]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to the matching span of the original."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside normalised text of length {len(self.text)}")
        return self.origin[start], self.origin[end - 1] + 1


_CHAR_CACHE: dict[str, str] = {}


class _OneCharTranslation(dict[int, str]):
    """``str.translate`` table for the fast path of ``normalize_with_map``: each character to its
    one-character normal form, ``_DROP`` when it normalises to nothing, ``_EXPAND`` when it
    normalises to several characters (rare: ligatures; the slow path handles those)."""

    def __missing__(self, code: int) -> str:
        norm = _TRANSLATION[code]
        one = norm if len(norm) == 1 else (_DROP if not norm else _EXPAND)
        self[code] = one
        return one


_DROP, _EXPAND = "\x00", "\x01"
_ONE_CHAR = _OneCharTranslation({ord(_DROP): _EXPAND, ord(_EXPAND): _EXPAND})
_SPACES = re.compile(" {2,}")


def normalize_with_map(text: str) -> NormText:
    """Normalise ``text`` for matching and keep, per output character, its original offset."""
    # Fast path (str.translate and C-level list work): every character becomes at most one.
    one = text.translate(_ONE_CHAR)
    if _EXPAND in one:
        return _normalize_with_map_by_char(text)
    if _DROP in one:
        origin = [i for i, c in enumerate(one) if c != _DROP]
        one = one.replace(_DROP, "")
    else:
        origin = list(range(len(one)))
    # White space: drop it at both ends, keep the first character of every inner run.
    stripped = one.lstrip(" ")
    lead = len(one) - len(stripped)
    stripped = stripped.rstrip(" ")
    if lead or len(stripped) + lead < len(one):
        origin = origin[lead:lead + len(stripped)]
        one = stripped
    runs = [(m.start(), m.end()) for m in _SPACES.finditer(one)]
    if runs:
        for start, end in reversed(runs):
            del origin[start + 1:end]
        one = _SPACES.sub(" ", one)
    return NormText(text, one, tuple(origin))


def _normalize_with_map_by_char(text: str) -> NormText:
    """``normalize_with_map`` one character at a time: the reference, and the path for text with
    characters that normalise to several (tests/test_normalize.py checks both agree)."""
    out: list[str] = []
    origin: list[int] = []
    append_char, append_origin = out.append, origin.append
    cache = _CHAR_CACHE
    last_space = True  # drop leading space and collapse runs
    for i, ch in enumerate(text):
        norm = cache.get(ch)
        if norm is None:
            norm = cache[ch] = _normalise_char(ch)
        if not norm:
            continue
        if len(norm) == 1:
            if norm == " ":
                if last_space:
                    continue
                last_space = True
            else:
                last_space = False
            append_char(norm)
            append_origin(i)
            continue
        for c in norm:
            if c == " " or c.isspace():
                if last_space:
                    continue
                append_char(" ")
                append_origin(i)
                last_space = True
            else:
                append_char(c)
                append_origin(i)
                last_space = False
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return NormText(text, "".join(out), tuple(origin))


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Normalised form of ``text`` (see the module docstring); idempotent. Cached: the same place
    names, cue words and lines are normalised again and again."""
    return normalize_with_map(text).text


class _Translation(dict[int, str]):
    """A ``str.translate`` table with each character's normalised form, filled on first sight
    from ``_normalise_char`` (so it follows the same rules); white space inside a multi-character
    form is already a plain space, as ``normalize_with_map`` makes it."""

    def __missing__(self, code: int) -> str:
        norm = _normalise_char(chr(code))
        if len(norm) > 1:
            norm = "".join(" " if c.isspace() else c for c in norm)
        self[code] = norm
        return norm


_TRANSLATION = _Translation()
_SPACE_RUN = re.compile(" {2,}")


def normalize_text(text: str) -> str:
    """``normalize(text)`` without the offset map, several times faster: for the store's content
    hash of every article, where no span is mapped back (tests/test_normalize.py: equal outputs)."""
    return _SPACE_RUN.sub(" ", text.translate(_TRANSLATION)).strip(" ")


# Clitics that attach to the front of a word: conjunctions, prepositions, the article.
_PROCLITICS = ("وبال", "وال", "فال", "بال", "كال", "ولل", "لل", "وب", "ول", "فب", "فل", "و", "ف", "ب", "ل", "ك")
_ARTICLE = "ال"
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")


def strip_clitics(word: str) -> str:
    """Remove proclitics (و، ف، ب، ل، ك and لل) and the article from a normalised word.

    The stem must keep at least three letters, so short words such as ولد or بلد survive.
    """
    for p in _PROCLITICS:
        if word.startswith(p) and len(word) - len(p) >= 3:
            word = word[len(p):]
            break
    if word.startswith(_ARTICLE) and len(word) > 3:
        word = word[2:]
    return word


def is_arabic(text: str, minimum_share: float = 0.3) -> bool:
    """True when at least ``minimum_share`` of the letters are Arabic."""
    letters = sum(map(str.isalpha, text))
    if not letters:
        return False
    # Every character of ARABIC_LETTER's range is a letter (str.isalpha), so the range's
    # characters are the Arabic letters: counted by the regex engine, not a Python loop.
    arabic = len(ARABIC_LETTER.findall(text))
    return arabic / letters >= minimum_share
