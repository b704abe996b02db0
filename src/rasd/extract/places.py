"""Places: find place mentions in a sentence and resolve each to a gazetteer entry.

A mention is a gazetteer name in the normalised text, with the words in front of it read for
its *head* (قرية، بلدة، مدينة، حي، ريف، محافظة، منطقة ...) and its *relation* (قرب / بالقرب من /
محيط / أطراف / جنوبي X: near X). Small places (villages) must stand after a head or a locative
preposition, so that a village called like a common word is not found in every sentence.

Resolution follows ACLED (CODING.md 1.5): a named town is precision 1; near a town, a part of a
region or "the countryside of a district" is 2; a governorate only is 3, coded to its capital.
UCDP ``where_prec`` is kept too (1 place, 2 around a place, 3 ADM2, 4 ADM1).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from dataclasses import replace

from rasd.gazetteer import KIND_RANK, Gazetteer, Place, capital_names, foreign_place_names, place_never_words
from rasd.matcher import PhraseMatcher, build_matcher
from rasd.normalize import normalize

_HEADS = {normalize(w): kind for w, kind in {
    "قرية": "locality", "قريه": "locality", "قريتي": "locality", "قرى": "locality", "بلدة": "locality",
    "بلدتي": "locality", "مدينة": "locality", "مدينتي": "locality", "حي": "neighbourhood", "أحياء": "neighbourhood",
    "حيي": "neighbourhood", "مخيم": "feature", "ناحية": "subdistrict", "منطقة": "area", "مناطق": "area",
    "محافظة": "governorate", "محافظتي": "governorate", "ريف": "rural", "ريفي": "rural", "أرياف": "rural", "قضاء": "district",
    "حقل": "feature", "معبر": "feature", "حاجز": "feature", "سد": "feature", "مطار": "feature", "قاعدة": "feature",
    "جبل": "feature", "جبال": "feature", "سجن": "feature", "بادية": "rural", "مزرعة": "locality", "مزارع": "locality",
    "ضاحية": "neighbourhood", "شارع": "neighbourhood", "ساحة": "neighbourhood", "مركز": "locality",
    "حقلي": "feature", "حوض": "region", "سهل": "region", "وادي": "region", "مدن": "locality", "بلدات": "locality",
}.items()}
_NEAR = {normalize(w) for w in ["قرب", "بالقرب", "محيط", "أطراف", "اطراف", "ضواحي", "تخوم", "مشارف", "مدخل", "حول", "بين",
                                 "المجاور", "المجاورة", "المحاذي", "المحاذية", "المتاخم", "المتاخمة", "القريب", "القريبة",
                                 "مجاور", "مجاورة", "محاذي", "محاذية", "متاخم", "متاخمة", "قريب", "قريبة"]}
_DIRECTIONS = {normalize(w) for w in [
    "جنوب", "جنوبي", "شمال", "شمالي", "شرق", "شرقي", "غرب", "غربي", "جنوب شرق", "جنوب شرقي", "جنوب غرب",
    "جنوب غربي", "شمال شرق", "شمال شرقي", "شمال غرب", "شمال غربي",
]}
_LOCATIVE = {normalize(w) for w in ["في", "من", "الى", "إلى", "على", "نحو", "باتجاه", "داخل", "عند", "قرب", "عبر", "حتى", "مع", "بين",
                                     "محاور", "محور", "جبهات", "جبهة", "أحياء", "احياء"]}
# a place followed by another country's name ("طرابلس بشمال لبنان"، "الحديدة اليمنية") is abroad
_FOREIGN = ("لبنان|اللبنانيه|اللبناني|اليمن|اليمنيه|اليمني|تركيا|التركيه|الاردن|الاردنيه|ايران|الايرانيه|ليبيا|الليبيه|مصر|"
            "المصريه|فلسطين|الفلسطينيه|السعوديه|الكويت|الكويتيه|اسراييل|الجولان المحتل")
_ABROAD = re.compile(r"\s*(?:[،,]\s*)?(?:(?:ب|في\s+)?(?:شمال|جنوب|شرق|غرب|وسط|شمالي|جنوبي|شرقي|غربي)(?:\s+|ي\s+))?(?:في\s+|ب)?(?:"
                     + _FOREIGN + r")(?!\w)")
_FOREIGN_WORD = re.compile(r"[وب]?(?:" + _FOREIGN + r")")
_CAPITALS = {normalize(w) for w in ["دمشق", "بغداد"]}
# verbs whose subject or object, when it is a capital, is its government ("نفت دمشق الهجوم")
_GOVERNMENT_VERBS = {normalize(w) for w in [
    "نفت", "نفى", "نفته", "تنفي", "ينفي", "اتهمت", "تتهم", "يتهم", "يتهموا", "يتهمون", "اتهام", "شنتها", "شنها",
    "شن", "شنت", "أعلنت", "تعلن", "قالت", "تقول", "أكدت", "تؤكد", "رفضت", "ترفض", "طالبت", "تطالب", "حذرت", "تحذر",
    "دعت", "تدعو", "حملت", "تحمل", "اعتبرت", "تعتبر", "أبلغت", "وافقت", "توافق", "أرسلت", "ترسل", "سمحت", "تسمح",
    "دانت", "أدانت", "تدين", "ردت", "ترد", "هددت", "تهدد"]}
_GOVERNMENT_WORDS = {normalize(w) for w in ["نظام", "النظام", "حكومة", "الحكومة", "سلطات", "السلطات",
                                             # "حليفتا دمشق": the allies of the government
                                             "حليف", "حليفة", "حليفا", "حليفتا", "حلفاء", "حليفي", "حليفتي"]}
# "موالية لدمشق": pro-Damascus, an allegiance, not a place
_ALLEGIANCE = {normalize(w) for w in ["موالية", "موالي", "الموالية", "الموالي", "الموالين", "موالين", "الموالون", "موالون",
                                      "المعارضة", "معارضة", "المعادية", "معادية", "المقربة", "مقربة", "المقرب", "مقرب"]}
_ORIGIN = {normalize(w) for w in ["من"]}
_EXAMPLE_WORDS = {normalize(w) for w in ["مثل", "كمدن", "كمدينة"]}
_PLURAL_HEADS = {normalize(w) for w in ["مدن", "بلدات", "قرى", "مناطق", "أرياف", "ارياف"]}
# heads of a list of places (dual or plural)
_LIST_HEADS = {normalize(w) for w in ["قريتي", "بلدتي", "مدينتي", "قرى", "بلدات", "مدن", "حيي", "أحياء", "محافظتي", "مناطق"]}
_ROUTE_WORDS = {normalize(w) for w in ["المؤدي", "المؤدية", "المؤديين", "المؤديان", "الواصل", "الواصلة", "الرابط", "الرابطة"]}
_DISTANCE_UNITS = {normalize(w) for w in ["كم", "كلم", "كيلومتر", "كيلومترا", "كيلومترات", "كيلو", "ميل", "أميال"]}
_TITLE_WORDS = {normalize(w) for w in ["مجلس", "المجلس", "محافظ", "قائمقام", "قائممقام", "مدير", "رئيس"]}
_BUILDING_WORDS = {normalize(w) for w in ["أمام", "مبنى", "مقر", "مكتب", "قرب", "مدخل", "باحة", "ساحة", "دار", "ديوان"]}
_SEAT_WORDS = {normalize(w) for w in ["مقره", "مقرها", "مقرهم", "ومقره", "ومقرها", "ومقرهم", "مقراتها", "مقراته"]}
_KNOWN_WORDS: set[str] = set()  # filled below with every head, relation and locative word
_CONNECTORS = {"و", "في", "من", "ب", "ال"}
_FREE_KINDS = {"governorate", "district", "feature"}
_FREE_POPULATION = 20000


_KNOWN_WORDS.update(_HEADS, _NEAR, _DIRECTIONS, _LOCATIVE, _EXAMPLE_WORDS)


@dataclass(frozen=True, slots=True)
class PlaceMention:
    start: int  # normalised offsets, word-aligned, of the name itself (with clitics)
    end: int
    key: str
    candidates: tuple[Place, ...]
    head: str  # a _HEADS kind, or ""
    head_start: int  # where the head/relation words begin (evidence includes them)
    near: bool
    origin: bool  # "from X": where forces came from, not where the event happened

    @property
    def most_specific_rank(self) -> float:
        """How small an area the mention names: 0 a neighbourhood ... 4 a governorate."""
        if self.head == "governorate":
            return KIND_RANK["governorate"]
        if self.head == "rural":
            return KIND_RANK["district"] + 0.5
        return min(KIND_RANK["district"] if p.feature_type == "region" else KIND_RANK[p.kind] for p in self.candidates)


@dataclass(frozen=True, slots=True)
class ResolvedPlace:
    place: Place
    location: str
    geo_precision: int  # ACLED 1-3
    where_prec: int  # UCDP 1-7
    confidence: float
    rule: str
    mention: PlaceMention


def _previous_words(norm: str, start: int, count: int) -> list[tuple[int, str]]:
    """Up to ``count`` words before ``start`` as (offset, word), nearest first."""
    words: list[tuple[int, str]] = []
    i = start
    while len(words) < count and i > 0:
        j = i - 1
        while j >= 0 and not norm[j].isalnum():
            if norm[j] in ".،,؛:!?؟":
                return words
            j -= 1
        if j < 0:
            break
        end = j + 1
        while j >= 0 and norm[j].isalnum():
            j -= 1
        words.append((j + 1, norm[j + 1:end]))
        i = j + 1
    return words


_LONG_HEADS = [h for h in _HEADS if len(h) >= 4 and " " not in h]
# common words one letter away from a head word: "في إطار وقف إطلاق النار" is not "مطار وقف"
_NEAR_MISSES = {normalize(w) for w in ["إطار", "اطار", "قطار", "أمطار", "امطار", "إخطار"]}


@lru_cache(maxsize=65536)
def _misspelt_head(word: str) -> str:
    """A head word with one letter dropped or changed (قية for قرية), else the word itself."""
    from rapidfuzz.distance import Levenshtein

    if len(word) < 3 or word in _KNOWN_WORDS or word in _NEAR_MISSES:
        return word
    for head in _LONG_HEADS:
        if abs(len(head) - len(word)) <= 1 and Levenshtein.distance(word, head, score_cutoff=1) <= 1:
            return head
    return word


def _strip_article(word: str) -> str:
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


@lru_cache(maxsize=65536)
def _strip_proclitic(word: str) -> str:
    """The word without its proclitic, when the rest is a word rasd knows (وبلدات -> بلدات)."""
    for p in ("وبال", "بال", "وال", "فال", "ولل", "لل", "وب", "ول", "فب", "و", "ب", "ل", "ف"):
        if word.startswith(p) and len(word) > len(p) + 1:
            rest = word[len(p):]
            if p.endswith("ال") or p == "لل":
                rest = "ال" + rest
            if rest in _KNOWN_WORDS or _strip_article(rest) in _KNOWN_WORDS:
                return rest
    return word


def find_place_mentions(norm: str, gazetteer: Gazetteer, stop_words: frozenset[str] = frozenset()) -> list[PlaceMention]:
    """Place names in ``norm`` that stand where a place can stand (see the module docstring).

    A name in ``stop_words`` (common words that some village is also called) counts only after a
    head word (قرية X); so does a name of three letters or fewer. In a list ("بلدات تسيل وحيط
    والشجرة", "محافظتي إدلب وحلب") every name takes the head of the first.
    """
    mentions: list[PlaceMention] = []
    landmarks: list[PlaceMention] = []  # names read as landmarks: not places, nor to be guessed again
    previous: PlaceMention | None = None
    matches = gazetteer.find(norm)
    # one sense per article: "سروج" named once as Turkish ("بلدة سروج التركية") is Suruç wherever the
    # article names it again, not a Syrian village of that name
    abroad_at = {match.end: found for match in matches if (found := _ABROAD.match(norm, match.end)) is not None}
    abroad = {match.key for match in matches if match.end in abroad_at and _says_abroad(abroad_at[match.end], match.key)}
    foreign = find_foreign_places(norm)
    never = place_never_words()
    for match in matches:
        if any(s < match.end and match.start < e for s, e in foreign):
            continue  # "سروج": Suruç in Turkey (foreign_places.txt), not a Syrian namesake
        if match.key in never:
            continue  # "بلدة سورية": a Syrian town, not the village as-Suwayriyah (place_never.txt)
        candidates = tuple(gazetteer.places_for_key(match.key))
        if not candidates:
            continue
        bare_key = match.key[2:] if match.key.startswith("ال") else match.key
        if match.key in _HEADS or bare_key in _HEADS:
            continue  # "مركز مدينة عفرين": a head word (مدينة) is not the village of that name
        weak_name = match.key in stop_words or bare_key in stop_words or len(bare_key) <= 3
        before = _previous_words(norm, match.start, 4)
        head = ""
        head_start = match.start
        near = False
        origin = False
        # بالحسكة: ب + the article marks a place; a bare ل or ب (للنظام، بجروح) does not.
        locative = match.prefix in ("ب", "وب", "فب") and match.key.startswith("ال")
        for index, (offset, word) in enumerate(before):
            bare = _strip_proclitic(word)
            if index == 0 and bare not in _HEADS and word not in _HEADS and bare not in stop_words:
                bare = _misspelt_head(bare)  # "قية الباغوز": a typo for قرية
            if index == 0 and (bare in _HEADS or word in _HEADS):
                head = _HEADS.get(bare) or _HEADS[word]
                head_start = offset
                locative = True
                continue
            if bare in _NEAR or word in _NEAR or bare.rstrip("ي") in _DIRECTIONS or bare in _DIRECTIONS:
                near = True
                head_start = offset
                locative = True
                continue
            if word == "من" and index == 0 and len(before) > 1 and _strip_article(_strip_proclitic(before[1][1])) in _DIRECTIONS:
                near = True  # "إلى الغرب من حلب": west of Aleppo
                head_start = before[1][0]
                locative = True
                break
            if word in _LOCATIVE or bare in _LOCATIVE:
                locative = True
                if word == "من" and index + 1 < len(before) and (before[index + 1][1] in _NEAR
                                                                 or _strip_proclitic(before[index + 1][1]) in _NEAR):
                    near = True  # "بالقرب من حقلي غرب القرنة": near, not "from"
                    break
                origin = (word in _ORIGIN and index <= 1) or _origin_phrase(before[index:])
                break
            if bare in _BASES or word == "انطلاقا":
                origin = origin or _origin_phrase(before[index:])
                continue
            break
        if near and mentions and _distance_from_landmark(before, match.start - mentions[-1].end):
            # "في منطقة الثرثار شمال شرق الفلوجة 55 كلم غرب بغداد": a distance from a landmark
            # locates the place named before it; the landmark is not where it happened
            continue
        named_before = max(mentions[-1:] + landmarks[-1:], key=lambda p: p.end, default=None)
        foreign_before = max((e for _, e in foreign if e <= head_start), default=-1)
        if near and foreign_before > (named_before.end if named_before is not None else -1) and (
                _landmark_lead(norm, foreign_before, match.prefix, match.start)
                or _distance_from_landmark(before, match.start - foreign_before)):
            # "سوروتش الواقعة على بعد عشرة كلم من كوباني": a landmark of a place abroad
            landmarks.append(PlaceMention(match.start, match.end, match.key, candidates, "abroad", head_start, True, False))
            continue
        located = [p for p in named_before.candidates if _near_landmark(p, candidates)] if named_before is not None else []
        if named_before is not None and located and (
                (named_before.head == "landmark" and not norm[named_before.end:match.start].strip())
                or _landmark_of(named_before, norm, match.prefix, match.start)):
            # "في الغوطة الشرقية المحاصرة قرب دمشق"، "بلدة X شمال حماة": a landmark that locates the
            # place (or landmark) just named ("قرب العاصمة السورية دمشق": both names); the act happened
            # there, not at the landmark (one far from every namesake of the place, "حي اليرموك غربي
            # بعقوبة", still picks among them)
            if mentions and named_before is mentions[-1]:
                # the landmark still says which namesake it is: "الزعفرانية بجنوب بغداد" is Baghdad's
                mentions[-1] = replace(named_before, candidates=tuple(located))
            previous = PlaceMention(match.start, match.end, match.key, candidates, "landmark", head_start, True, False)
            landmarks.append(previous)
            continue
        title = 0 if before and _strip_proclitic(before[0][1]) in _TITLE_WORDS else \
            1 if head and len(before) > 1 and _strip_proclitic(before[1][1]) in _TITLE_WORDS else -1
        if title >= 0 and not any(_strip_proclitic(w) in _BUILDING_WORDS for _, w in before[title + 1:title + 3]):
            # "رئيس اللجنة الأمنية في مجلس محافظة الأنبار"، "محافظ نينوى": an office, not a place
            # (but "أمام مكتب محافظ البصرة" is where the protest stood)
            continue
        first_word = match.key.split()[0]
        if not head and " " in match.key and _HEADS.get(first_word) in ("governorate", "rural"):
            head = _HEADS[first_word]  # a name that carries its head ("محافظة إدلب" as one alias)
        if _FOREIGN_WORD.fullmatch(match.key) or _FOREIGN_WORD.fullmatch(norm[match.start:match.end]):
            continue  # another country's name is never a village of this gazetteer (لبنان is not Banan)
        if match.key in abroad or match.end in abroad_at:
            # "في مدينة طرابلس بشمال لبنان": a place in another country (not to be guessed again)
            landmarks.append(PlaceMention(match.start, match.end, match.key, candidates, "abroad", match.start, False, False))
            continue
        if before and match.prefix.startswith("ل") and before[0][1].strip("-") in _ALLEGIANCE:
            continue
        if before and before[0][1] in ("مع", "ومع") and match.key in _CAPITALS:
            continue  # "توصلت إلى اتفاق مع دمشق": the government, not the city
        if before and match.key in _CAPITALS and not match.prefix and _strip_proclitic(before[0][1]) in _GOVERNMENT_VERBS:
            continue  # "نفت دمشق"، "غارات شنتها دمشق"، "يتهموا دمشق": the government that speaks or acts
        if before and _strip_proclitic(before[0][1]) in _GOVERNMENT_WORDS:
            continue  # "نظام دمشق", "حكومة بغداد": the government, not the city
        if before and (_strip_proclitic(before[0][1]) in _SEAT_WORDS
                       or (before[0][1] == "في" and len(before) > 1 and _strip_proclitic(before[1][1]) in _SEAT_WORDS)):
            continue  # "ومقره القامشلي", "ومقره في لندن": where a speaker sits, never an event's place
        if match.prefix in ("ك", "وك") or (len(before) >= 2 and before[0][1] in ("الي", "ل")
                                              and before[1][1] in _ROUTE_WORDS):
            # "امتدت إلى محافظات أخرى كالعمارة والناصرية": examples; "جسر الطوبة المؤدي إلى حقول
            # الرميلة": where a road leads, not where something happened
            previous = PlaceMention(match.start, match.end, match.key, candidates, "example", match.start, False, False)
            continue
        if before and _strip_proclitic(before[0][1]) in _EXAMPLE_WORDS:
            # "مدن حيوية مثل حلب وحماة": examples, not where something happened
            previous = PlaceMention(match.start, match.end, match.key, candidates, "example", match.start, False, False)
            continue
        in_list = previous is not None and _continues_list(norm, previous.end, match.start, match.prefix)
        if previous is not None and previous.head == "landmark" and (
                in_list or re.fullmatch(r"\s*،?\s*و\S*\s*", norm[previous.end:match.start])):
            # "حي القدم المجاور لمخيم اليرموك وحي الحجر الأسود": the list goes on with landmarks
            previous = PlaceMention(match.start, match.end, match.key, candidates, "landmark", match.start, True, False)
            landmarks.append(previous)
            continue
        if not (head or near or in_list) and not match.prefix.startswith("و") and len(before) >= 2 \
                and before[0][1] not in _LOCATIVE and _strip_proclitic(before[1][1]) in _HEADS \
                and _strip_proclitic(before[0][1]) not in _KNOWN_WORDS and before[0][1] not in stop_words:
            # "بلدتي بصر الحرير": only the end of an unknown longer name (الحرير) matched; a list
            # may go on after it ("ومليحة العطش") under the same head
            previous = PlaceMention(match.start, match.end, match.key, candidates,
                                    _HEADS[_strip_proclitic(before[1][1])], before[1][0], False, False)
            continue
        if not (head or near or in_list) and match.prefix.startswith("و") and len(before) >= 2 \
                and _strip_proclitic(before[1][1]) in _LIST_HEADS and _strip_proclitic(before[0][1]) not in _KNOWN_WORDS \
                and before[0][1] not in stop_words:
            # "قريتي معرستي وماير": the first name of a list is unknown to the gazetteer; the
            # next one still stands under the list's head
            head, head_start, locative = _HEADS[_strip_proclitic(before[1][1])], match.start, True
        if in_list and previous is not None and previous.head == "example":
            previous = PlaceMention(match.start, match.end, match.key, candidates, "example", match.start, False, False)
            continue
        if in_list and previous is not None and not head:
            head, locative, origin = previous.head, True, previous.origin
        if match.key in gazetteer.needs_head and not head:
            # a bare feature or city-district name: only the places that go by it alone remain
            # (a named region, الغوطة or القلمون, goes by its name alone)
            candidates = tuple(p for p in candidates if (p.kind != "feature" or p.feature_type == "region")
                               and not p.id.startswith("nb-"))
            if not candidates:
                continue
        if head in ("feature", "region") and any(p.kind == "feature" for p in candidates) and match.key in gazetteer.needs_head:
            candidates = tuple(p for p in candidates if p.kind == "feature")
        if head not in ("neighbourhood", "area") and any(p.feature_type == "region" for p in candidates):
            candidates = tuple(p for p in candidates if not p.id.startswith("nb-"))  # "مدن الغوطة": the region
        if head in ("neighbourhood", "area") and any(p.id.startswith("nb-") for p in candidates):
            candidates = tuple(p for p in candidates if p.id.startswith("nb-"))  # "حي جوبر": the city district
        if head and before and _strip_proclitic(before[0][1]) in _PLURAL_HEADS \
                and any(p.kind == "governorate" for p in candidates):
            # "مدن الأنبار"، "بلدات إدلب": the towns of a governorate, not a village of its name
            candidates = tuple(p for p in candidates if p.kind == "governorate")
            head = "governorate"
        if head == "region":
            # حوض اليرموك is the Yarmouk basin, not the Yarmouk camp; وادي الفرات the Euphrates
            # valley, not the Euphrates dam
            candidates = tuple(p for p in candidates if p.kind == "feature" and p.feature_type in ("region", "mountain"))
            if not candidates:
                continue
        free = any(p.kind in _FREE_KINDS or p.population >= _FREE_POPULATION for p in candidates)
        if weak_name and not head:
            if not any(p.kind in _FREE_KINDS for p in candidates):
                continue
            if (match.key in stop_words or bare_key in stop_words) and not any(p.kind == "governorate" for p in candidates):
                continue  # "في بلد دشن فيه التنظيم": a country, not the district of Balad
        if not (free or locative or head):
            continue
        mention = PlaceMention(match.start, match.end, match.key, candidates, head, head_start, near, origin)
        mentions.append(mention)
        previous = mention
    mentions.extend(_fuzzy_mentions(norm, gazetteer, mentions + landmarks, stop_words))
    mentions.sort(key=lambda m: m.start)
    return _apply_containers(mentions, norm)


def _distance_from_landmark(before: list[tuple[int, str]], gap: int) -> bool:
    """"55 كلم غرب بغداد" within 80 characters of the place named before: a distance from a landmark."""
    return gap < 80 and any(w.split("/")[-1] in _DISTANCE_UNITS for _, w in before[:3])


def _says_abroad(found: re.Match[str], key: str) -> bool:
    """Whether the country words after a name (``_ABROAD``'s match) say by an adjective or a
    locative that it lies in another country ("سروج التركية"، "طرابلس بشمال لبنان"), so that the
    article means that place each time it names it; a bare country noun after it ("اتهمت دمشق
    إسرائيل") is no such statement, and the two capitals are never abroad."""
    if key in _CAPITALS:
        return False
    text = found.group().strip(" ،,")
    return text.startswith("ال") or text.split()[0].startswith(("في", "ب")) or text.split()[0].rstrip("ي") in _DIRECTIONS


# relation words that make the next place a landmark of the place named just before
_LANDMARK_WORDS = {normalize(w) for w in ["قرب", "بالقرب", "ضواحي", "مشارف", "تخوم", "أطراف", "اطراف", "القريب",
                                          "القريبة", "المجاور", "المجاورة", "المتاخم", "المتاخمة", "المحاذي",
                                          "المحاذية"]}


@lru_cache(maxsize=1)
def _foreign_place_matcher() -> PhraseMatcher[str]:
    return build_matcher((name, name) for name in foreign_place_names())


def find_foreign_places(norm: str) -> list[tuple[int, int]]:
    """Where the article names a place abroad of ``foreign_places.txt`` (with its clitics)."""
    return [(m.start, m.end) for m in _foreign_place_matcher().find(norm)]


def _landmark_of(previous: PlaceMention, norm: str, prefix: str, name_start: int) -> bool:
    """Whether the place named at ``name_start`` only locates ``previous`` (``_landmark_lead``), which
    is not itself a governorate or a rural area (then the landmark, a town, is the finer place)."""
    if previous.origin or previous.head == "example" or previous.most_specific_rank > KIND_RANK["district"]:
        return False
    return _landmark_lead(norm, previous.end, prefix, name_start)


LANDMARK_KM = 25.0  # a landmark locates a place in its governorate or within this distance of it


def _near_landmark(place: Place, landmarks: tuple[Place, ...]) -> bool:
    return any(place.admin1 == landmark.admin1 or _km(place, landmark) <= LANDMARK_KM for landmark in landmarks)


# between the relation word and the landmark's name: "قرب العاصمة السورية دمشق"، "بالقرب من مدينة حمص"
_LANDMARK_FILLERS = {normalize(w) for w in ["من", "العاصمة", "السورية", "العراقية", "مدينة", "المدينة", "بلدة", "قرية",
                                              "منطقة"]}


def _landmark_lead(norm: str, previous_end: int, prefix: str, name_start: int) -> bool:
    """What lies between the place named before and this name makes this one a landmark of it: the
    genitive "الغوطة الشرقية لدمشق" (ل right after it), or a relation word (قرب، ضواحي، أطراف ...,
    after at most six words of apposition: "الغوطة الشرقية، آخر معاقل المعارضة قرب دمشق"; a
    direction, شمال ...، after at most three) followed only by fillers ("قرب العاصمة السورية
    دمشق"); never with a word in "و" between, which goes on with a list ("وقرب دمشق")."""
    words = norm[previous_end:name_start].replace("،", " ").split()
    if not words:
        return prefix == "ل"
    if any(w.startswith("و") and w != "وسط" for w in words):
        return False
    for index, word in enumerate(words):
        bare = _strip_proclitic(word)
        landmark = bare in _LANDMARK_WORDS or word in _LANDMARK_WORDS
        direction = bare.rstrip("ي") in _DIRECTIONS or bare in _DIRECTIONS
        if landmark or direction:
            after = words[index + 1:]
            if direction and after and _strip_proclitic(after[0]).rstrip("ي") in _DIRECTIONS:
                after = after[1:]  # "شمال شرق"
            return index <= (6 if landmark else 3) and len(after) <= 3 and all(w in _LANDMARK_FILLERS for w in after)
    return False


_CONTAINER_GAP = {"في", "ب", "بريف", "في ريف", "ريف", "بمحافظه", "في محافظه", "محافظه", "شرقي", "غربي", "شمالي",
                  "جنوبي", "شرق", "غرب", "شمال", "جنوب"}


def _city_after_district(district: PlaceMention, city: PlaceMention, norm: str) -> bool:
    """A city named within three words after a city-district name, by a direction or في/ب, in a
    governorate none of the district's namesakes lies in."""
    words = norm[district.end:city.start].split()
    if len(words) > 3 or (words and words[-1] not in _CONTAINER_GAP and words[-1].rstrip("ي") not in _DIRECTIONS):
        return False
    cities = [p for p in city.candidates if p.kind == "locality"]
    return bool(cities) and not {p.admin1 for p in cities} & {p.admin1 for p in district.candidates}


def _apply_containers(mentions: list[PlaceMention], norm: str) -> list[PlaceMention]:
    """"المعامل في ريف دير الزور": a place followed by the governorate or district that holds it
    is looked for there only. When no entry of that name lies there (the gazetteer knows only a
    namesake elsewhere), the event is placed near the container instead (precision 2)."""
    out = list(mentions)
    for i, mention in enumerate(mentions[:-1]):
        container = mentions[i + 1]
        if mention.candidates and all(p.id.startswith("nb-") for p in mention.candidates) \
                and _city_after_district(mention, container, norm):
            # "حي اليرموك الثانية غربي بعقوبة": a district name of another city (Baghdad's
            # al-Yarmouk); the city named after it is where it is, the district unknown
            out[out.index(mention)] = replace(container, start=mention.start, head_start=mention.head_start,
                                              near=True, origin=mention.origin)
            continue
        if mention.most_specific_rank > 1 or container.most_specific_rank < 3:
            continue
        gap = norm[mention.end:container.start].strip(" ،,")
        if gap not in _CONTAINER_GAP and not (gap == "" and norm[container.start] == "ب"):
            continue
        areas = {p.admin1 for p in container.candidates if p.kind in ("governorate", "district")} or \
                {p.admin1 for p in container.candidates}
        inside = tuple(p for p in mention.candidates if p.admin1 in areas)
        index = out.index(mention)
        if inside:
            out[index] = replace(mention, candidates=inside)
        else:
            out[index] = replace(container, start=mention.start, head_start=mention.head_start, near=True,
                                 origin=mention.origin)
    return out


# Close spellings (ناحتة / نحتة, بصر الحرير / بصرى الحريري) are tried only for a name that stands
# after a head word and that no exact key matched; the threshold (rapidfuzz ratio) was measured on
# the gold places with bench/geocode_eval.py (see docs/GAZETTEER.md).
FUZZY_THRESHOLD = float(os.environ.get("RASD_FUZZY_THRESHOLD", "85"))
# only after village and town heads: after حي or مدينة an adjective often follows (حي تجاري)
_FUZZY_HEAD = re.compile(r"(?<!\w)[وبل]?(?:قريه|بلده|قريتي|بلدتي)\s+(\w+)(?:\s+(\w+))?")


def _fuzzy_mentions(norm: str, gazetteer: Gazetteer, exact: list[PlaceMention], stop_words: frozenset[str]) -> list[PlaceMention]:
    from rapidfuzz import fuzz, process

    found: list[PlaceMention] = []
    by_letter = gazetteer.locality_keys_by_first_letter()
    for m in _FUZZY_HEAD.finditer(norm):
        start = m.start(1)
        if any(p.start <= start < p.end for p in exact) or m.group(1) in stop_words or len(m.group(1)) < 4 \
                or _FOREIGN_WORD.fullmatch(m.group(1)) or m.group(1) in place_never_words():
            continue
        first = m.group(1)[2:] if m.group(1).startswith("ال") else m.group(1)  # keys are compared without ال
        if len(first) < 5:
            continue  # short names are too close to each other (سعده / مسعده) to guess
        queries = [(first, m.end(1))]
        if m.group(2) and m.group(2) not in stop_words:
            queries.insert(0, (f"{first} {m.group(2)}", m.end(2)))
        for query, end in queries:
            # a different first letter makes another name: only keys sharing it are compared
            best = process.extractOne(query, by_letter.get(query[0], ()), scorer=fuzz.ratio,
                                      score_cutoff=FUZZY_THRESHOLD)
            if best is None:
                continue
            candidates = tuple(p for p in gazetteer.places_for_key(best[0]) if p.kind in ("locality", "neighbourhood"))
            if candidates:
                found.append(PlaceMention(start, end, best[0], candidates, "locality", m.start(), False, False))
                break
    return found


_BASES = {normalize(w) for w in ["مواقع", "مواقعها", "مواقعه", "مواقعهم", "قواعد", "قواعدها", "قاعدتها", "قاعدته",
                                  "مقرات", "مقراتها", "مطار", "ثكنات", "انطلاقا"]}
_KNOWN_WORDS.update(_BASES)
_KNOWN_WORDS.update(_GOVERNMENT_WORDS | _SEAT_WORDS)


def _origin_phrase(words: list[tuple[int, str]]) -> bool:
    """"من مواقعها في X", "انطلاقا من X": X is where the attackers were, not the event."""
    plain = [w for _, w in words[:4]]
    return any(w in ("من", "انطلاقا") for w in plain) and any(_strip_proclitic(w) in _BASES or w == "انطلاقا" for w in plain)


def _continues_list(norm: str, previous_end: int, start: int, prefix: str) -> bool:
    """Whether a name follows the previous one as the next item of a list (X وY، X، Y)."""
    between = norm[previous_end:start]
    if len(between) > 3:
        return False
    return prefix.startswith("و") or "،" in between or "," in between


def _pick_candidate(mention: PlaceMention, focus_admin1: dict[str, int], focus_country: str | None) -> tuple[Place, float]:
    """The most likely entry for a mention: head kind, article focus, country, population."""
    governorates = {p.admin1 for p in mention.candidates if p.kind == "governorate"}

    def score(place: Place) -> tuple[float, ...]:
        head_fit = 0.0
        if mention.head == "governorate" and place.kind == "governorate":
            head_fit = 2
        elif mention.head == "rural" and place.kind in ("governorate", "district"):
            head_fit = 2
        elif mention.head in ("locality", "neighbourhood") and place.kind in ("locality", "neighbourhood"):
            head_fit = 2
        elif mention.head in ("feature", "region") and place.kind == "feature":
            head_fit = 2
        elif not mention.head and place.kind == "locality":
            # a bare name is a town first (ACLED codes "Aleppo" to the city), unless it names a
            # governorate and the town lies elsewhere (ذي قار the province, not a namesake village)
            head_fit = 1 if not governorates or place.admin1 in governorates else 0.5
        elif not mention.head and place.kind == "governorate":
            head_fit = 0.8
        focus = focus_admin1.get(place.admin1, 0)
        country = 1.0 if focus_country and place.country == focus_country else 0.0
        # a well-known town outranks a namesake village, even one in the article's governorates
        prominent = 1.0 if place.population >= _FREE_POPULATION or place.kind in ("governorate", "feature") else 0.0
        return (head_fit, country, prominent, min(focus, 3), place.population, -KIND_RANK[place.kind])

    ranked = sorted(mention.candidates, key=score, reverse=True)
    best = ranked[0]
    confidence = 0.9 if len(ranked) == 1 else (0.75 if score(ranked[0])[:5] != score(ranked[1])[:5] else 0.5)
    return best, confidence, [p for p in ranked if score(p)[:5] == score(best)[:5]]


_TIE_KM = 5.0


def _km(a: Place, b: Place) -> float:
    import math

    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def resolve(mention: PlaceMention, gazetteer: Gazetteer, focus_admin1: dict[str, int], focus_country: str | None,
            context: tuple[Place, ...] = ()) -> ResolvedPlace:
    """The placement of a mention. ``context`` holds the article's unambiguous places: among
    namesakes, the one near them wins ("قريتي الفوعة وكفريا": the Kafraya beside al-Fu'ah)."""
    place, confidence, tied = _pick_candidate(mention, focus_admin1, focus_country)
    rule = f"places.{place.kind}"
    if len(tied) > 1 and context:
        nearest = {p.id: min(_km(p, c) for c in context) for p in tied}
        ordered = sorted(tied, key=lambda p: nearest[p.id])
        if nearest[ordered[0].id] <= 25 and nearest[ordered[1].id] > 2 * nearest[ordered[0].id]:
            place, tied, confidence = ordered[0], [ordered[0]], 0.7
            rule = f"places.{place.kind}:nearest_to_article_places"
    apart = [p for p in tied if p.kind in ("locality", "neighbourhood") and _km(p, place) > _TIE_KM]
    if place.kind in ("locality", "neighbourhood") and apart:
        # Too close to call: namesake villages that nothing in the article tells apart. Keep the
        # event, but only at the admin level they share (ACLED precision 2 in a shared district,
        # 3 in a shared governorate, coded to its capital), never a guessed village.
        if all(p.admin1 == place.admin1 and p.admin2 and p.admin2 == place.admin2 for p in apart):
            return ResolvedPlace(place, place.admin2 or place.name, 2, 3, 0.5, "places.homonyms_same_district", mention)
        if all(p.admin1 == place.admin1 for p in apart):
            governorate = gazetteer.governorate(place.admin1)
            if governorate is not None:
                capital = next((p for p in gazetteer.lookup(_capital_ar(governorate))
                                if p.kind == "locality" and p.admin1 == governorate.admin1), governorate)
                return ResolvedPlace(capital, governorate.capital or governorate.name, 3, 4, 0.5,
                                     "places.homonyms_same_governorate", mention)
    if place.kind == "governorate":
        capital_name = place.capital or place.name
        capital = next((p for p in gazetteer.lookup(_capital_ar(place)) if p.kind == "locality" and p.admin1 == place.admin1), None)
        target = capital or place
        precision, where = 3, 4
        if mention.head == "rural" or mention.near:
            rule = "places.rural_governorate"
        return ResolvedPlace(
            target, capital_name, precision, where, confidence, rule + ":capital", mention,
        )
    if place.kind == "district":
        precision, where = (2, 3)
        rule = "places.district"
        return ResolvedPlace(place, place.name, precision, where, confidence, rule, mention)
    capital = capital_names().get((place.admin1, normalize(place.name_ar)))
    if capital and place.kind == "locality":
        place = replace(place, name=capital)
    if mention.head == "rural":
        return ResolvedPlace(place, place.name, 2, 3, confidence, "places.rural_of_town", mention)
    if place.feature_type == "region":
        # "في الغوطة الشرقية": somewhere in a named region, not at its point (ACLED precision 2)
        return ResolvedPlace(place, place.name, 2, 3, confidence, "places.region", mention)
    if mention.near or mention.head == "area":
        return ResolvedPlace(place, place.name, 2, 2, confidence, "places.near", mention)
    return ResolvedPlace(place, place.name, 1, 1, confidence, rule, mention)


def _capital_ar(governorate: Place) -> str:
    from rasd.gazetteer import admin1_table

    for row in admin1_table():
        if row["name"] == governorate.admin1:
            return row["capital_ar"]
    return governorate.name_ar
