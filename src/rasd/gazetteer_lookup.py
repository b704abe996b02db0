"""Ranked gazetteer candidates for a name typed by a person (``rasd gazetteer lookup``).

This is a look-up tool for analysts, not the extractor's matcher (``rasd.extract.places``): it
tells which entries a name could mean, how close each name is, and where each entry lies.

Score (0-100): 100 for a name that is one of the entry's name keys after normalisation (with and
without ال), else the rapidfuzz ratio between the normalised query and the closest key. A query
with a qualifier that the data may lack (السعدة الغربية: "western Sa'dah") is also tried without
it, at most ``QUALIFIER_SCORE`` — such a village is often missing and its namesakes are the best
answer. Ties are broken by how specific the entry is (village before district) and population.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from rasd.gazetteer import KIND_RANK, Gazetteer, Place
from rasd.normalize import normalize

FUZZY_CUTOFF = 80.0
QUALIFIER_SCORE = 85.0

# words in front of a name that say what it is, not which it is
_HEAD_WORDS = frozenset(normalize(w) for w in [
    "قرية", "بلدة", "مدينة", "حي", "ريف", "ناحية", "منطقة", "محافظة", "قضاء", "حقل", "معبر", "حاجز", "سد", "مطار",
    "قاعدة", "جبل", "سجن", "مخيم"])
# words after a name that tell namesakes apart and that the data often lacks
_QUALIFIERS = frozenset(normalize(w) for w in [
    "الغربية", "الشرقية", "الشمالية", "الجنوبية", "الغربي", "الشرقي", "الشمالي", "الجنوبي", "الكبيرة", "الصغيرة",
    "الكبير", "الصغير", "الفوقاني", "التحتاني", "الفوقانية", "التحتانية", "الجديدة", "القديمة"])


@dataclass(frozen=True, slots=True)
class Candidate:
    place: Place
    score: float
    matched: str  # the name key that matched
    how: str  # exact | fuzzy | without-qualifier


def query_variants(name: str) -> list[tuple[str, str]]:
    """The normalised query, without head words, and without a trailing qualifier: (text, how)."""
    words = normalize(name).split()
    while len(words) > 1 and words[0] in _HEAD_WORDS:
        words = words[1:]
    variants = [(" ".join(words), "exact")]
    if len(words) > 1 and words[-1] in _QUALIFIERS:
        variants.append((" ".join(words[:-1]), "without-qualifier"))
    return variants


def _core(text: str) -> str:
    words = text.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in _QUALIFIERS else text


def rank_candidates(gazetteer: Gazetteer, name: str, limit: int = 10, cutoff: float = FUZZY_CUTOFF) -> list[Candidate]:
    """The entries ``name`` may refer to, best first (see the module docstring)."""
    best: dict[int, Candidate] = {}

    def offer(index: int, score: float, key: str, how: str) -> None:
        current = best.get(index)
        if current is None or score > current.score:
            best[index] = Candidate(gazetteer.places[index], round(score, 1), key, how)

    keys = list(gazetteer._keys)
    for text, how in query_variants(name):
        if not text:
            continue
        ceiling = 100.0 if how == "exact" else QUALIFIER_SCORE
        exact = {text, text[2:] if text.startswith("ال") else "ال" + text}
        for key in exact:
            for index in gazetteer._keys.get(key, []):
                offer(index, ceiling, key, how)
        for key, ratio, _ in process.extract(text, keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 3):
            if key in exact:
                continue
            # a shared qualifier is not a shared name: الدكمة الغربية is not close to السعدة الغربية
            ratio = min(ratio, fuzz.ratio(_core(text), _core(key)))
            if ratio < cutoff:
                continue
            for index in gazetteer._keys[key]:
                offer(index, ratio * ceiling / 100.0, key, "fuzzy" if how == "exact" else how)
    ranked = sorted(best.values(), key=lambda c: (-c.score, KIND_RANK.get(c.place.kind, 9), -c.place.population, c.place.id))
    return ranked[:limit]
