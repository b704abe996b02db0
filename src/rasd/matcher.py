"""Dictionary matching over normalised Arabic text (Aho-Corasick), aware of clitics.

A key is a normalised phrase. It matches a run of whole words, where the first word may carry
one proclitic (و، ف، ب، ل، ك and their pairs, or لل for a key that starts with ال) and the last
word must end there, unless the key ends with ``*``, which lets the last word go on (verb
conjugations: ``استهدف*`` matches استهدفوها). A ``*`` on an inner word stands for the past-tense
endings (``أضرم* النار``: أضرم، أضرمت، أضرموا ... النار; before session 6 it was taken literally
and such phrases never matched). Reported spans cover the whole words, clitics
included, so that evidence offsets are word-aligned in the original text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Generic, Iterable, TypeVar

import ahocorasick

from rasd.normalize import normalize

T = TypeVar("T")

_ALLOWED_PREFIXES = frozenset({"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "لل", "ولل", "فلل"})
_MAX_PREFIX = max(len(p) for p in _ALLOWED_PREFIXES)
# what an inner word marked ``*`` may end with: the past-tense endings (he, she, they, the two ...)
_PAST_ENDINGS = ("", "ت", "وا", "ا", "تا", "ن", "نا", "تم")


def expand_inner_stars(phrase: str) -> list[str]:
    """The phrases an inner ``word*`` stands for (the last word's ``*`` is left to the matcher)."""
    words = phrase.split()
    options = [[w[:-1] + ending for ending in _PAST_ENDINGS] if w.endswith("*") and i < len(words) - 1 else [w]
               for i, w in enumerate(words)]
    return [" ".join(choice) for choice in itertools.product(*options)]


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    start: int  # word-aligned start in the normalised text (clitics included)
    end: int
    key: str
    payload: T
    prefix: str  # the clitic in front of the key, "" if none


class PhraseMatcher(Generic[T]):
    """Find lexicon phrases in normalised text; longest non-overlapping matches win."""

    def __init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        self._entries: dict[str, list[tuple[str, bool, T]]] = {}
        self._built = False

    def add(self, phrase: str, payload: T) -> None:
        """Add a phrase (normalised here; a trailing ``*`` allows any word ending, an inner one the
        past-tense endings)."""
        if "* " in phrase.strip():
            for variant in expand_inner_stars(phrase.strip()):
                self.add(variant, payload)
            return
        open_end = phrase.endswith("*")
        key = normalize(phrase.rstrip("*")).strip()
        if len(key) < 2:
            raise ValueError(f"lexicon phrase too short to match safely: {phrase!r}")
        self._insert(key, key, open_end, payload)
        if key.startswith("ال") and len(key) > 3:
            # لل + stem: للقوات is ل + القوات with the alef of the article dropped.
            self._insert("ل" + key[2:], key, open_end, payload)

    def _insert(self, surface: str, key: str, open_end: bool, payload: T) -> None:
        self._entries.setdefault(surface, []).append((key, open_end, payload))
        self._built = False

    def __len__(self) -> int:
        return len(self._entries)

    def _build(self) -> None:
        self._automaton = ahocorasick.Automaton()
        for surface, entries in self._entries.items():
            # Stored with the surface: its length and whether any entry lets the last word go on,
            # so that the many hits inside longer words are rejected before any other work.
            self._automaton.add_word(surface, (surface, len(surface), any(e[1] for e in entries)))
        if self._entries:
            self._automaton.make_automaton()
        self._built = True

    def find_all(self, text: str) -> list[Match[T]]:
        """Every valid match (overlaps kept), in order of start."""
        if not self._built:
            self._build()
        if not self._entries:
            return []
        found: list[Match[T]] = []
        entries_of = self._entries
        length = len(text)
        for end_index, (surface, size, any_open) in self._automaton.iter(text):
            end = end_index + 1
            ends_word = end >= length or not text[end].isalnum()
            if not ends_word and not any_open:
                continue
            start = end - size
            word_start = start
            # A proclitic is at most three letters (ولل): a longer run of letters in front means
            # the hit is inside another word.
            while word_start > 0 and text[word_start - 1].isalnum():
                word_start -= 1
                if start - word_start > _MAX_PREFIX:
                    break
            else:
                prefix = text[word_start:start]
                for key, open_end, payload in entries_of[surface]:
                    # The لل variant needs the ل of the preposition in front of it.
                    if surface != key:
                        if not prefix.endswith("ل"):
                            continue
                        full_prefix = prefix + "ل"
                    else:
                        full_prefix = prefix
                    if full_prefix not in _ALLOWED_PREFIXES:
                        continue
                    word_end = end
                    if not ends_word:
                        if not open_end:
                            continue
                        while word_end < length and text[word_end].isalnum():
                            word_end += 1
                    found.append(Match(word_start, word_end, key, payload, full_prefix))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        return found

    def find(self, text: str) -> list[Match[T]]:
        """Longest, leftmost, non-overlapping matches."""
        chosen: list[Match[T]] = []
        taken = bytearray(len(text) + 1)
        for m in sorted(self.find_all(text), key=lambda m: (-(m.end - m.start), m.start)):
            if taken.find(1, m.start, m.end) == -1:
                taken[m.start:m.end] = b"\x01" * (m.end - m.start)
                chosen.append(m)
        chosen.sort(key=lambda m: m.start)
        return chosen


def build_matcher(items: Iterable[tuple[str, T]]) -> PhraseMatcher[T]:
    matcher: PhraseMatcher[T] = PhraseMatcher()
    for phrase, payload in items:
        matcher.add(phrase, payload)
    return matcher
