"""Events: from the mentions of one article to event drafts, sentence by sentence.

For every sentence with a trigger that states an event (not negated, not future, not an
aggregate, not a statement about something else), one draft is made: its sub-event type by
ACLED's hierarchy, its actors by role, its place, date and fatalities, each with the mention it
came from. Drafts of the same event told in several sentences are then merged (same type, same
actors, compatible date and place), so an article yields one record per actor pair / place / day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rasd.extract.actors import ActorEntry, ActorLexicon, ActorMention
from rasd.extract.dates import DateMention
from rasd.extract.fatalities import FatalityMention, combine
from rasd.extract.lexicons import CueMatchers, TriggerEntry
from rasd.extract.places import PlaceMention, ResolvedPlace
from rasd.prepare import Sentence
from rasd.schema import EVENT_TYPES, SUB_EVENT_TO_TYPE

# Which type wins when one clause holds several tactics (CODING.md 1.3: "concurrent tactics
# collapse into the higher type"). ACLED's table order, except that a demonstration that turns
# violent is a riot, and a bomb or strike at a protest is remote violence.
_TYPE_PRIORITY = ("Battles", "Explosions/Remote violence", "Riots", "Protests", "Violence against civilians",
                  "Strategic developments")
HIERARCHY: tuple[str, ...] = tuple(s for t in _TYPE_PRIORITY for s in EVENT_TYPES[t])
_CLAUSE_BREAK = re.compile(r"[،,؛;:.!?؟]|\s(?:الذي|التي|الذين|اللذين|اللتين|حيث|بينما|فيما)\s")
_WORD = re.compile(r"\w+")

_TARGET_BEFORE = {"علي", "ضد", "مواقع", "موقع", "مقرات", "مقر", "نقاط", "نقطه", "معاقل", "تجمعات", "صفوف", "رتل", "ارتال",
                  "دوريه", "حاجز", "ثكنه", "استهداف", "مهاجمه", "اغتيال", "اختطاف", "اعتقال", "مقتل", "اصابه", "قتل",
                  "لصالح", "بحق", "بين", "تجاه", "باتجاه", "سياره", "عربه", "اليات", "اليه", "منزل", "قافله",
                  "حافله", "طايره", "مروحيه", "معقل", "معاقل", "تحصينات"}
# "في المنطقة الخاضعة لسيطرة فيلق الرحمن": who holds the place, not a side of the event
_CONTROL_BEFORE = {"لسيطره", "سيطره", "نفوذ", "لنفوذ"}
# Arabic puts the verb first: the actor right after a past-tense verb is its subject (VSO),
# "قصفت قوات النظام بلدة كفرنبل" -- the regime shelled the town.
_AGENT_BEFORE = {"استهدف", "استهدفت", "استهدفوا", "يستهدف", "تستهدف", "هاجم", "هاجمت", "هاجموا", "قصفت", "قصفوا",
                 "شنت", "شن", "نفذت", "نفذ", "اطلقت", "اطلق", "القت", "القي", "اعتقلت", "اعتقل", "اختطفت", "اختطف",
                 "سيطرت", "سيطر", "استعادت", "استعاد", "فجرت", "فجر", "اغتالت", "اغتال", "اعدمت", "اعدم", "دمرت", "دمر",
                 "اقتحمت", "اقتحم", "داهمت", "داهم", "تقدمت", "دخلت", "قامت", "تمكنت", "نصبت", "اسقطت", "قتلت",
                 "قبل", "نفذها", "نفذه", "شنها", "شنه", "تبناه", "تبناها", "شنتها", "نفذتها", "شنته", "القتها",
                 "اطلقتها", "اطلقها", "القاها", "فجرها", "يد", "ايدي", "برصاص", "بنيران", "بقذايف",
                 "بصواريخ", "بغارات", "بغاره", "طايرات", "طيران", "مقاتلات", "مدفعيه"}
_ASSOC_BEFORE = {"مع", "برفقه", "بمشاركه", "بدعم", "بمسانده", "بالتعاون", "وبدعم", "بغطاء", "بموازره",
                 "المسنوده", "مسنوده", "المدعومه", "مدعومه", "المدعوم", "مدعوم"}
_MEMBERS = {"عناصر", "مقاتلي", "مسلحي", "جنود", "افراد", "عنصرا", "مسلحا", "مقاتلا", "جنديا", "اعضاء", "قاده", "قيادات"}
_AIRCRAFT = {"طايرات", "طيران", "مقاتلات", "مروحيات", "الطايرات", "الطيران", "المقاتلات", "المروحيات", "طايره", "الطايره"}
_EXPLOSION_TYPES = {"Air/drone strike", "Shelling/artillery/missile attack", "Chemical weapon"}
_LAM_AGENT_TRIGGERS = {"airstrike", "shelling", "ied", "suicide", "chemical"}
_LAM_TARGET_TRIGGERS = {"clash", "attack_generic", "kill_civilian", "abduction"}
_BACKGROUND_GOVERNORS = {"بعد", "منذ", "عقب", "اثر", "قبل", "ضد", "وبعد", "ومنذ", "وعقب", "لوقف", "بوقف",
                         "ردا علي", "رد علي", "اعقاب", "خلفيه", "غرار", "علي غرار", "مثل", "ذكري", "مشيرا الي",
                         "مشيره الي", "اشار الي", "اشارت الي", "رغم", "برغم", "بالرغم من", "علي الرغم من",
                         "الرغم من", "المسوول عن", "المسووليه عن", "مسووليه", "بشان", "حول", "بخصوص", "التعامل مع", "للتعامل مع",
                         # "ببرنامج السلاح الكيميائي": a programme or a stockpile, not a use
                         "برنامج", "ببرنامج", "لبرنامج", "برامج", "مخزون", "مخزونات", "ترسانه", "بترسانه",
                         # "لاحتواء الاحتجاجات": measures against a wave of protests, not one
                         "احتواء", "لاحتواء", "امتصاص", "لامتصاص"}
_BOMBARDMENT = {"Air/drone strike", "Shelling/artillery/missile attack"}
SD_WITHOUT_COUNTERPART = {"Change to group/activity", "Headquarters or base established", "Disrupted weapons use"}
_FUTURE_EXCEPTIONS = {"سياره", "سيارات", "سيطره", "سيطرت", "سيطر", "سته", "سنه", "سنوات", "سيده", "سيدات", "ستين",
                      "سيناء", "ستار", "سنويا", "سيول", "سياسي", "سياسيه", "سياسه", "سياسيين", "سنين", "سنتين"}


# nouns that begin like a future verb, with their suffixes: سيارتهم (their car), سيطرتها (its control)
_FUTURE_EXCEPTION_STEMS = ("سيار", "سيطر", "سياس", "سنوي", "سيد", "سيول", "ستار")


@dataclass
class Draft:
    """One event as read from one sentence (or several, once merged)."""

    sentence: Sentence
    trigger: TriggerEntry
    trigger_span: tuple[int, int]  # normalised
    sub_event_type: str
    actor1: ActorMention | None = None
    actor2: ActorMention | None = None
    assoc1: list[ActorMention] = field(default_factory=list)
    default_actor1: str = ""  # generic names such as Protesters ({country})
    default_actor2: str = ""
    place: ResolvedPlace | None = None
    place_rule: str = ""
    date: DateMention | None = None
    date_rule: str = ""
    time_precision: int | None = None
    date_prec: int | None = None
    event_date: dt.date | None = None
    fatalities: list[FatalityMention] = field(default_factory=list)
    background: bool = False
    anaphoric: bool = False  # the trigger refers back to an event already told (وأسفر القصف عن ...)
    candidate_reason: str = ""  # set when the event is kept for review only (e.g. "background")
    demonstrative: bool = False  # "هذا التفجير": pointed at, not told
    another: bool = False  # "في تفجير آخر شرقي المدينة": told as a second act, never the one before
    reference: bool = False  # "بشأن الهجوم الكيماوي في دوما": a mention of an act told elsewhere, one per passage
    sentence_index: int = -1
    unlocated_reason: str = ""
    explain: dict[str, str] = field(default_factory=dict)
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def event_type(self) -> str:
        return SUB_EVENT_TO_TYPE[self.sub_event_type]

    def status_ok(self) -> bool:
        """Located and dated: a record, not a candidate."""
        return self.place is not None and not self.background and self.event_date is not None

    def fatality_triple(self) -> tuple[int, int, int]:
        return combine(self.fatalities)


@dataclass
class ArticleMentions:
    """Everything the matchers found in one normalised article, sorted by position."""

    norm: str
    triggers: list[tuple[int, int, TriggerEntry]]
    actors: list[ActorMention]
    places: list[PlaceMention]
    dates: list[DateMention]
    fatalities: list[FatalityMention]
    speech: list[tuple[int, int]]
    negation: list[tuple[int, int]]
    future: list[tuple[int, int]]
    sentence_future: list[tuple[int, int]]
    aggregate: list[tuple[int, int]]
    background: list[tuple[int, int]]
    result: list[tuple[int, int]] = field(default_factory=list)
    foreign_places: list[tuple[int, int]] = field(default_factory=list)  # places abroad (foreign_places.txt)


def _in(spans: list, start: int, end: int) -> list:
    """Items (with .start/.end or a (start, end, ...) tuple) lying inside [start, end), in their
    order. (Each list holds one kind of item, so the kind is looked at once.)"""
    if not spans:
        return []
    if hasattr(spans[0], "start"):
        return [item for item in spans if item.start >= start and item.end <= end]
    return [item for item in spans if item[0] >= start and item[1] <= end]


def _clause_bounds(norm: str, start: int, end: int, position: int) -> tuple[int, int]:
    """The clause of ``norm[start:end]`` holding ``position``."""
    cs, ce = start, end
    for m in _CLAUSE_BREAK.finditer(norm, start, end):
        if m.end() <= position:
            cs = m.end()
        elif m.start() >= position:
            ce = m.start()
            break
    return cs, ce


_WORDS_OF: dict[str, tuple[list[int], list[tuple[int, int, str]]]] = {}


def _words_between(norm: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The words of ``norm[start:end]`` as (start, end, word), as ``_WORD.finditer(norm, start,
    end)`` finds them (a word cut by either end counts as its part inside), but cut from the
    article's word list, made once per text: the rules ask for the words before a trigger
    thousands of times per article."""
    cached = _WORDS_OF.get(norm)
    if cached is None:
        if len(_WORDS_OF) > 4:
            _WORDS_OF.clear()
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(norm)]
        cached = _WORDS_OF[norm] = ([w[0] for w in words], words)
    starts, words = cached
    index = bisect.bisect_right(starts, start) - 1
    if index < 0 or words[index][1] <= start:
        index += 1
    out = []
    for index in range(index, len(words)):
        ws, we, word = words[index]
        if ws >= end:
            break
        if ws >= start and we <= end:
            out.append((ws, we, word))
        else:
            s, e = max(ws, start), min(we, end)
            if s < e:
                out.append((s, e, norm[s:e]))
    return out


def _window_start(norm: str, clause_start: int, trigger_start: int, window: int) -> int:
    words = _words_between(norm, clause_start, trigger_start)
    return words[-window][0] if len(words) >= window else clause_start


def trigger_blocked(m: ArticleMentions, cues: CueMatchers, sentence_span: tuple[int, int],
                    trigger: tuple[int, int, TriggerEntry]) -> str:
    """Why a trigger does not state an event ('' if it does)."""
    norm = m.norm
    ts, te, entry = trigger
    cs, ce = _clause_bounds(norm, sentence_span[0], sentence_span[1], ts)
    ws = _window_start(norm, cs, ts, cues.window)
    if _in(m.negation, ws, ts):
        return "negated"
    if entry.sub_event_type == "Disrupted weapons use" and caused_casualties(norm, ts, te):
        return "caused casualties (أسقط 60 قتيلا): no shoot-down"
    if _in(m.future, ws, ts) or _in(m.future, te, min(ce, te + 25)):
        return "future or hypothetical"
    if entry.sub_event_type == "Chemical weapon" and _WEAPON_NOUN.search(norm, ts, te) \
            and not _in(m.places, sentence_span[0], sentence_span[1]):
        # "لردع النظام عن استخدام الأسلحة الكيماوية"، "آلية تحقيق حول استخدام الأسلحة الكيميائية في
        # سوريا": the weapon named with no town is a generic mention, not an attack (it took a town
        # and a day from the sentences around it and merged with the attack it was not)
        return "chemical weapons named with no place: a generic mention, not an attack"
    if entry.sub_event_type == "Chemical weapon" and any(w in _ATTACKS_PLURAL for _, _, w in _words_between(norm, ws, ts)[-2:]):
        # "بعد تقارير عن تعرض الغوطة لهجمات بغاز الكلور": attacks in the plural are a series, no one act
        return "chemical attacks in the plural: a series, not one act"
    if _future_verb(norm, cues, ws, ts):
        return "future tense"
    if _CONDITIONAL.search(norm, cs, ts):
        return "conditional (في حال، إذا، لو)"
    previous = [w for _, _, w in _words_between(norm, ws, ts)[-3:]]
    last_two = previous[-2:]
    # "بعد الهجوم"، "مشيرا إلى الهجوم بغاز السارين": the governor may stand before the noun the trigger qualifies
    if (last_two and last_two[-1] in _BACKGROUND_GOVERNORS) or " ".join(last_two) in _BACKGROUND_GOVERNORS \
            or (len(previous) == 3 and previous[2].startswith("ال") and " ".join(previous[:2]) in _BACKGROUND_GOVERNORS):
        return "background (after, since, against: a reference, not a report)"
    if _TIME_SINCE.search(norm, ws, ts):
        return "background (بعد يوم من، بعد عام على: a reference to an earlier event)"
    if _AFTERMATH.search(norm, ws, ts):
        return "background (في أعقاب: the aftermath of an event told as its cause)"
    trigger_word = norm[ts:te].split()[0]
    if _is_purpose(trigger_word, norm, ws, ts):
        return "purpose (لاستعادة، للانسحاب: in order to)"
    if _MAY.search(norm, ws, ts):
        return "possibility (قد + present tense: may)"
    opening = _words_between(norm, sentence_span[0], ts)[:4]
    if opening and _in(m.sentence_future, opening[0][0], opening[-1][1]):
        return "future or hypothetical (the sentence opens with it)"
    if _in(m.aggregate, cs, ce):
        return "aggregate or trend"
    for number in _BIG_NUMBER.finditer(norm, cs, ce):
        if not 1950 <= int(number.group()) <= 2030:
            return "aggregate or trend (a count in the thousands)"
    if _DURATION.search(norm, sentence_span[0], ce):
        return "a span of time (خلال أكثر من 3 أعوام): a trend, not one event"
    since = _SINCE.search(norm, cs, ce)
    if since is not None and since.group(1) not in _SINCE_TODAY:
        return "a span of time (منذ طرده من الرقة، منذ أسابيع): a trend, not one event"
    if entry.weak and _in(m.result, sentence_span[0], ts):
        return "the result of an event told before (أسفر عن، أدى إلى)"
    return ""


# "أسقط ما لا يقل عن 60 قتيلا"، "أسقطت 3 جرحى": the verb of shooting down also means causing casualties
_CASUALTIES_AFTER = re.compile(
    r"\s+(?:(?:ما\s+)?لا\s*يقل\s+عن\s+|ما\s+يزيد\s+(?:عن|علي)\s+|اكثر\s+من\s+|نحو\s+|قرابه\s+|حوالي\s+|زهاء\s+)?"
    r"(?:\S+\s+){0,2}?(?:ال)?(?:قتيل|قتيلا|قتلي|ضحيه|ضحايا|جريح|جريحا|جرحي|مصاب|مصابين|اصابات)(?!\w)")
# "إسقاط براميل بغازات سامة": dropping munitions from the air, no shoot-down
DROPPED_AFTER = re.compile(r"\s+(?:ال)?(?:براميل|برميل|قنابل|قنبله|حاويات)(?!\w)")


def caused_casualties(norm: str, start: int, end: int) -> bool:
    """A form of أسقط at ``start:end`` followed by casualties (it caused them), not a shoot-down."""
    return norm[start:end].lstrip("وفبل").startswith(("اسقط", "اسقاط")) and \
        _CASUALTIES_AFTER.match(norm, end, min(len(norm), end + 60)) is not None


# "بعد يوم من إعلان ..."، "بعد عام تماما على ضربات ...": the trigger is the earlier event a report measures from
# (a day or hours before is still this report's news: "بعد يوم من إعلان تركيا السيطرة على عفرين")
_TIME_UNITS = "اسبوع|اسبوعين|اسابيع|شهر|شهرين|اشهر|شهور|عام|عامين|اعوام|سنه|سنتين|سنوات"
_DURATION = re.compile(r"(?<!\w)[و]?(?:خلال|طيله|طوال|علي مدي|علي مدار)\s+(?:اكثر من\s+|نحو\s+|قرابه\s+)?(?:\S+\s+)?"
                       r"(?:اعوام|سنوات|سنين|اشهر|شهور|عامين|سنتين|عقود|عقد)(?!\w)")
_ATTACKS_PLURAL = {"هجمات", "لهجمات", "بهجمات", "وهجمات", "اعتداءات"}  # indefinite: "الهجمات ... الأخيرة في دوما" is one
_WEAPON_NOUN = re.compile(r"اسلحه|سلاح")  # the weapon (أسلحة كيماوية), not an attack (هجوم كيماوي)
_AFTERMATH = re.compile(r"(?<!\w)[و]?(?:في\s+)?اعقاب(?!\w)")
_BIG_NUMBER = re.compile(r"(?<![\d.,])\d{4,}(?![\d.,])")
_TIME_SINCE = re.compile(r"(?<!\w)[وف]?(?:بعد|قبل)\s+(?:\S+\s+)?(?:" + _TIME_UNITS + r")(?!\w)(?:\s+\S+)?\s+(?:من|علي)(?:\s+\S+){0,2}\s*$")
_SINCE = re.compile(r"(?<!\w)[و]?منذ\s+(\S+)")
# "منذ صباح اليوم", "منذ ساعات": a live report of today's fighting, not a trend
_SINCE_TODAY = {"صباح", "فجر", "ليل", "ليله", "مساء", "ظهر", "اليوم", "امس", "ساعات", "ساعه", "ساعتين", "الصباح", "الفجر",
                "الليله", "منتصف", "ساعات", "قليل", "الظهر", "مساء"}
_CONDITIONAL = re.compile(r"(?<!\w)(?:في حال|حال|اذا|لو|ان تم)(?!\w)")
_MAY = re.compile(r"(?<!\w)قد\s+[يتن]\w{2,}(?!\w)")
_SUBJECTED = re.compile(r"(?<!\w)[وف]?(?:تعرض|تعرضت|يتعرض|تتعرض|يتعرضون|تعرضوا|عرضه|تعرضها)(?!\w)")


def _is_purpose(word: str, norm: str, window_start: int, trigger_start: int) -> bool:
    """ل + a verbal noun is a purpose ("مهلة للانسحاب", "خططا لنهب"), not an event, unless
    something was subjected to it ("تعرضت المدينة لقصف كثيف")."""
    if not word.startswith("ل") or word.startswith(("لقي", "لقو")):
        return False
    stem = "ال" + word[2:] if word.startswith("لل") else word[1:]
    if len(stem) < 3 or stem not in _trigger_words():
        return False
    return not _SUBJECTED.search(norm, window_start, trigger_start)


@lru_cache(maxsize=1)
def _trigger_words() -> frozenset[str]:
    """The first word of every trigger pattern (normalised), to recognise ل + a trigger noun."""
    from rasd.extract.lexicons import load_triggers
    from rasd.normalize import normalize as _normalize

    return frozenset(_normalize(pattern.replace("*", "")).split()[0]
                     for entry in load_triggers()[0] if entry.sub_event_type != "none"
                     for pattern in entry.patterns)


@lru_cache(maxsize=1)
def _single_word_triggers() -> frozenset[str]:
    """Trigger patterns of one word (قصف، غارات), normalised."""
    from rasd.extract.lexicons import load_triggers
    from rasd.normalize import normalize as _normalize

    return frozenset(_normalize(pattern) for entry in load_triggers()[0] if entry.sub_event_type != "none"
                     for pattern in entry.patterns if " " not in pattern.strip() and not pattern.endswith("*"))


def _future_verb(norm: str, cues: CueMatchers, start: int, end: int) -> bool:
    """A future-tense verb (سـ + present prefix) among the words before ``end``."""
    for _, _, word in _words_between(norm, start, end)[-cues.window:]:
        bare = word[1:] if word.startswith(("و", "ف")) and len(word) > 4 else word
        if bare.startswith(cues.future_prefixes) and len(bare) >= 5 and bare not in _FUTURE_EXCEPTIONS \
                and not bare.startswith(_FUTURE_EXCEPTION_STEMS):
            return True
    return False


def clause_is_future(m: ArticleMentions, cues: CueMatchers, sentence_span: tuple[int, int], position: int) -> bool:
    """Whether the clause holding ``position`` speaks of the future ("وستتجه القوات نحو ...")."""
    cs, ce = _clause_bounds(m.norm, sentence_span[0], sentence_span[1], position)
    return bool(_in(m.future, cs, position)) or _future_verb(m.norm, cues, cs, position)


_COMMA = re.compile(r"[،,:]")
_COMPLEMENTISER = re.compile(r"(?<!\w)[وف]?(?:ان|بان|لان)(?!\w)")


def _speech_windows(m: ArticleMentions, start: int, end: int, complement_only: bool = False) -> list[tuple[int, int]]:
    """Spans from a speech verb to the following إن/أن (the frame of a reported statement).
    With ``complement_only``, only frames closed by إن/أن: in "أعلنت القوات في العاشر من تموز
    استعادة الموصل" the date is the event's, not only the statement's."""
    windows = []
    for s, e in _in(m.speech, start, end):
        match = _COMPLEMENTISER.search(m.norm, e, end)
        if match is None and complement_only:
            continue
        if match is None:
            # an attribution with no إن/أن ("وفق المرصد، مدينة درعا ..."): the source's name, up to a comma
            comma = _COMMA.search(m.norm, e, min(end, e + 40))
            windows.append((s, comma.start() if comma else min(end, e + 40)))
            continue
        windows.append((s, match.start()))
    return windows


def _role_of(norm: str, mention: ActorMention, trigger: tuple[int, int, TriggerEntry]) -> str:
    """'agent', 'target', 'assoc' or '' from the words right before a mention."""
    if mention.actor.role == "civilian":
        return "target"
    before = _words_between(norm, max(0, mention.start - 40), mention.start)[-3:]
    words = [w for _, _, w in before]
    prev = words[-1] if words else ""
    bare_prev = prev[1:] if prev[:1] in ("و", "ف", "ب", "ل") and len(prev) > 3 else prev
    if prev in _ASSOC_BEFORE or bare_prev in _ASSOC_BEFORE:
        return "assoc"
    if prev in _AGENT_BEFORE or bare_prev in _AGENT_BEFORE or (len(words) >= 2 and words[-2] == "من" and prev == "قبل"):
        return "agent"
    if prev in _TARGET_BEFORE or bare_prev in _TARGET_BEFORE:
        return "target"
    if prev in _MEMBERS and len(words) >= 2 and (words[-2] == "من" or words[-2].isdigit()):
        return "target"  # "قتل 15 من عناصر تنظيم داعش": the dead are members of X
    if prev == "من" and len(words) >= 2 and (words[-2] in _MEMBERS or words[-2].isdigit()):
        return "target"  # "قتل 5 عناصر من الشرطة"، "مقتل وجرح 45 من الجيش"
    if mention.surface.split()[0].lstrip("وبلف") in _AIRCRAFT and trigger[2].sub_event_type in _EXPLOSION_TYPES:
        return "agent"  # "طائرات التحالف": aircraft carry out the strike
    surface = mention.surface
    lam = surface.startswith("ل") and not mention.actor.name.startswith("ل")
    ts, te, entry = trigger
    if lam and 0 <= mention.start - te <= 12:
        if entry.id in _LAM_AGENT_TRIGGERS:
            return "agent"
        if entry.id in _LAM_TARGET_TRIGGERS or entry.sub_event_type in ("Armed clash", "attack"):
            return "target"
    return ""


_RELATIVE = re.compile(r"\s(?:حيث|الذي|التي|الذين)\s")


def _in_other_relative_clause(norm: str, mention: ActorMention, trigger: tuple[int, int, TriggerEntry]) -> bool:
    """A mention inside a relative clause the trigger is not in ("استهدف قريتي الفوعة وكفريا حيث
    حوصر عدد كبير من المدنيين": the civilians describe the villages, they are not the target)."""
    if mention.start < trigger[1]:
        return False
    rel = _RELATIVE.search(norm, trigger[1], mention.start)
    return rel is not None and not _CLAUSE_END.search(norm, rel.end(), mention.start)


_CLAUSE_END = re.compile(r"[،,؛;:.!?؟]")


_KNOWN_AS = re.compile(r"\s*(?:(?:يعرف|يعرفون|تعرف|المعروف|المعروفه|المعروفين|يدعي|تدعي|يسمي|تسمي)\s+(?:باسم|بـ|ب)?"
                       r"|(?:التابعه|التابع|التابعين|التابعون)\s+)\s*[\"«(]*\s*")


def _merge_named(norm: str, actors: list[ActorMention]) -> list[ActorMention]:
    """A description followed by its name or its owner ("تحالفا لقوات المعارضة يعرف باسم (جيش الفتح)",
    "عناصر من الشرطة التابعة لقوات سوريا الديمقراطية"): one actor, the named one, standing where
    the description stands (so it keeps the description's role); not a second side."""
    out: list[ActorMention] = []
    skip: set[int] = set()
    for mention in actors:
        if id(mention) in skip:
            continue
        known = _KNOWN_AS.match(norm, mention.end)
        named = next((a for a in actors if known is not None and a is not mention
                      and known.end() - 1 <= a.start <= known.end() + 2), None)
        if named is not None:
            skip.add(id(named))
            mention = replace(mention, actor=named.actor, surface=named.surface)
        out.append(mention)
    return out


def assign_actors(norm: str, actors: list[ActorMention], trigger: tuple[int, int, TriggerEntry],
                  speakers: set[int]) -> tuple[ActorMention | None, ActorMention | None, list[ActorMention]]:
    """actor1 (agent), actor2 (target or counterpart) and associates of one event."""
    actors = [a for a in actors if not _in_other_relative_clause(norm, a, trigger)] or actors
    actors = _merge_named(norm, actors)
    held_by = [a for a in actors if a.start > trigger[1] and _words_between(norm, max(0, a.start - 20), a.start)
               and _words_between(norm, max(0, a.start - 20), a.start)[-1][2] in _CONTROL_BEFORE]
    actors = [a for a in actors if a not in held_by] or actors
    # a speaker is a participant only when nobody else is named ("أعلنت القوات العراقية استعادة الموصل")
    participants = [a for a in actors if a.start not in speakers] or list(actors)
    roles = [(a, _role_of(norm, a, trigger)) for a in participants]
    agents = [a for a, r in roles if r == "agent"]
    targets = [a for a, r in roles if r == "target"]
    assoc = [a for a, r in roles if r == "assoc"]
    neutral = [a for a, r in roles if r == ""]
    actor1 = (agents or neutral or [None])[0]
    if actor1 is None and targets and len(targets) > 1:
        actor1 = targets.pop(0)
    actor2 = None
    assoc_names = {a.actor.name for a in assoc}
    pool = targets + neutral + agents
    if trigger[2].sub_event_type in SD_WITHOUT_COUNTERPART:
        pool = targets
    for a in [a for a in pool if a.actor.name not in assoc_names]:
        if actor1 is None or a.actor.name != actor1.actor.name or a.actor.role == "civilian":
            if a is not actor1:
                actor2 = a
                break
    if actor1 is not None and actor2 is not None and actor1.actor.role == "civilian" and actor2.actor.role != "civilian":
        actor1, actor2 = actor2, actor1
    assoc = [a for a in assoc if a is not actor1 and a is not actor2 and (actor1 is None or a.actor.name != actor1.actor.name)]
    return actor1, actor2, assoc


def resolve_kind(kind: str, actor1: ActorEntry | None, actor2: ActorEntry | None, country: str | None) -> str | None:
    """A deferred trigger kind (territory, arrest, attack) as an ACLED sub-event type, or None."""
    state = actor1 is not None and actor1.inter == 1 and (actor1.home == country or country is None)
    crowd = actor1 is not None and actor1.role in ("protester", "rioter")
    if state and actor2 is not None and actor2.role == "protester" and kind in ("attack", "clash", "Armed clash"):
        return "Excessive force against protesters"  # "قتل أحد المتظاهرين برصاص الشرطة"
    if crowd and kind in ("territory", "attack", "clash", "Armed clash"):
        return "Violent demonstration"  # "اقتحم متظاهرون مطار النجف": a riot, not a battle
    if kind == "agreement":
        armed = [a for a in (actor1, actor2) if a is not None and a.role is None]
        return "Agreement" if armed else None
    if kind == "burning":
        if crowd:
            return "Violent demonstration"
        return "Looting/property destruction" if actor1 is not None and actor1.role is None else None
    if kind == "departure":
        armed = actor1 is not None and actor1.role is None and (actor2 is None or actor2.role is None)
        return "Non-violent transfer of territory" if armed else None
    if kind == "clash":
        armed = [a for a in (actor1, actor2) if a is not None and a.role is None]
        return "Armed clash" if len(armed) == 2 and armed[0].name != armed[1].name else None
    if kind == "territory":
        if actor1 is None:
            return None
        return "Government regains territory" if state else "Non-state actor overtakes territory"
    if kind == "arrest":
        return "Arrests" if state else "Abduction/forced disappearance"
    if kind == "attack":
        if actor2 is not None and actor2.role == "civilian":
            return "Attack"
        if actor1 is None and actor2 is not None and actor2.role is None:
            return "Armed clash"  # "قتل 5 عناصر من الشرطة نتيجة استهداف دورية لهم": armed men attacked by unknown ones
        if actor1 is not None and actor2 is not None:
            return "Armed clash"
        return None
    return kind


def best_trigger(triggers: list[tuple[int, int, TriggerEntry]], resolved: dict[int, str]) -> tuple[int, int, TriggerEntry] | None:
    """The trigger whose sub-event type stands highest in ACLED's hierarchy (strong before weak)."""
    # a weak word counts beside strong ones when the actors make it a riot ("هاجم متظاهرون مقرا")
    strong = [t for t in triggers if t[0] in resolved and (not t[2].weak or resolved[t[0]] in EVENT_TYPES["Riots"])]
    if strong and all(resolved[t[0]] in EVENT_TYPES["Strategic developments"] for t in strong):
        # "قتل 5 عناصر نتيجة استهداف دورية لهم": violence outranks the patrol it hit (ACLED's hierarchy)
        strong += [t for t in triggers if t[0] in resolved and t[2].weak
                   and resolved[t[0]] not in EVENT_TYPES["Strategic developments"]]
    pool = strong or [t for t in triggers if t[0] in resolved]
    if not pool:
        return None
    return min(pool, key=lambda t: (HIERARCHY.index(resolved[t[0]]), t[0]))


def norm_span(origin: tuple[int, ...], sentence: Sentence) -> tuple[int, int]:
    """The normalised span of an original sentence span."""
    return bisect.bisect_left(origin, sentence.start), bisect.bisect_left(origin, sentence.end)


def is_anaphoric(norm: str, trigger: tuple[int, int, TriggerEntry], sentence_start: int,
                 occurrence_words: frozenset[str]) -> bool:
    """A trigger noun with the article that is not reported as taking place ("وأسفر القصف عن",
    "ودفعت التظاهرات ...") refers back to an event already told."""
    word = norm[trigger[0]:trigger[1]].split()[0]
    bare = word[1:] if word[:1] in ("و", "ف", "ب", "ل") and len(word) > 4 else word
    if not (bare.startswith("ال") or bare.startswith("لل")):
        return False
    before = [w for _, _, w in _words_between(norm, sentence_start, trigger[0])[-3:]]
    if before and before[-1] in _DEMONSTRATIVES:
        return True  # "ويعد هذا التفجير ...": this very bombing (pointed at even with no earlier event)
    if before and before[-1].lstrip("وفب") in _single_word_triggers():
        return False  # a construct, "قصف الطيران": the noun is not definite
    for word in before:
        stem = word[1:] if word[:1] in ("و", "ف") and len(word) > 3 else word
        if word in occurrence_words or stem in occurrence_words:
            return False
    return True


_ANAPHORA_REACH = 5  # sentences: how far back "the shelling" can point
# "تفجير آخر"، "غارة أخرى"، "انفجار ثان": the trigger names a second act of its kind
ANOTHER_AFTER = re.compile(r"\s+(?:ال)?(?:اخر|اخري|ثان|ثاني|ثانيه|جديد|جديده)(?!\w)")
_DEMONSTRATIVES = {"هذا", "هذه", "ذلك", "تلك", "وهذا", "وهذه", "هذين", "هاتين"}


def fold_anaphoric(drafts: list[Draft]) -> list[Draft]:
    """Fold each back-reference into the recent earlier event of the same type it points to:
    it adds what that event lacks (actors, deaths), never a second record. A back-reference
    with a place or a day of its own is a new event ("واستهدفت الغارات أيضا بلدة X")."""
    kept: list[Draft] = []
    for draft in drafts:
        earlier = None
        if draft.anaphoric:
            earlier = next((d for d in reversed(kept) if d.event_type == draft.event_type
                            and 0 < draft.sentence_index - d.sentence_index <= _ANAPHORA_REACH), None)
        if earlier is None and draft.demonstrative:
            continue  # "لإطلاق هذه الصواريخ": something this article does not report as an event
        if earlier is None or not _refers_to(draft, earlier):
            kept.append(draft)
            continue
        if HIERARCHY.index(draft.sub_event_type) < HIERARCHY.index(earlier.sub_event_type):
            earlier.sub_event_type = draft.sub_event_type
            earlier.explain["sub_event_type"] = draft.explain.get("sub_event_type", "")
        for key in ("actor1", "actor2"):
            if getattr(earlier, key) is None and getattr(draft, key) is not None:
                setattr(earlier, key, getattr(draft, key))
                earlier.explain[key] = draft.explain.get(key, "")
        if draft.fatalities and not earlier.fatalities:
            earlier.fatalities = list(draft.fatalities)
            earlier.explain["fatalities"] = draft.explain.get("fatalities", "") + " (a later sentence on the same event)"
        earlier.sentences.extend(draft.sentences)
    return kept


def _refers_to(draft: Draft, earlier: Draft) -> bool:
    own_place = draft.place is not None and not draft.explain.get("location", "").startswith("places.same_paragraph")
    if own_place and (earlier.place is None or draft.place.place.id != earlier.place.place.id):  # type: ignore[union-attr]
        return False
    own_date = draft.date is not None
    if own_date and earlier.event_date is not None and draft.event_date is not None \
            and abs((draft.event_date - earlier.event_date).days) > 1:
        return False
    return earlier.status_ok()


def merge_drafts(drafts: list[Draft]) -> list[Draft]:
    """Merge drafts that tell the same event (same type, actors, compatible date and place)."""
    merged: list[Draft] = []
    for draft in drafts:
        for other in merged:
            if _same_event(other, draft):
                _absorb(other, draft)
                break
        else:
            merged.append(draft)
    return merged


def _actor_name(a: ActorMention | None) -> str:
    return a.actor.name if a else ""


def _same_event(a: Draft, b: Draft) -> bool:
    if a.event_type != b.event_type:
        return False
    if bool(a.candidate_reason) != bool(b.candidate_reason):
        return False  # an old event re-told is not today's report of it
    if a.sentence is b.sentence and a.place is not None and b.place is not None:
        return False  # one sentence split into places on purpose: one event each
    if a.another or b.another or a.reference or b.reference:
        return False  # "وقتل سبعة آخرون في تفجير آخر شرقي المدينة": the text says it is another act
    if a.event_type in ("Strategic developments",) and a.sub_event_type != b.sub_event_type:
        return False
    if a.sub_event_type != b.sub_event_type and not (a.trigger.weak or b.trigger.weak) \
            and not {a.sub_event_type, b.sub_event_type} <= _BOMBARDMENT:
        # a car bomb in one sentence and an air raid in another are two events; shelling and an air
        # strike on one place and day are one bombardment (قصفت الطائرات ...), coded as the air strike
        return False
    # a default ("Unidentified Armed Group", "Civilians") is what rasd assumes, not what the text
    # says, so it never conflicts with a named actor
    a1, b1 = _actor_name(a.actor1), _actor_name(b.actor1)
    if a1 and b1 and a1 != b1:
        return False
    a2, b2 = _actor_name(a.actor2), _actor_name(b.actor2)
    if a2 and b2 and a2 != b2 and a.event_type != "Explosions/Remote violence":
        return False
    if a.event_date and b.event_date:
        precise = [d for d in (a, b) if d.time_precision == 1]
        if len(precise) == 2 and a.event_date != b.event_date:
            return False
        if abs((a.event_date - b.event_date).days) > 7:
            return False
    if a.place and b.place:
        if a.place.place.admin1 != b.place.place.admin1:
            return False
        if a.place.geo_precision == 1 and b.place.geo_precision == 1 and a.place.place.id != b.place.place.id:
            return False
    return True


def _richness(d: Draft) -> tuple[int, ...]:
    """How much a draft says: a place, its precision, a date, actors, deaths."""
    return (
        d.place is not None, -(d.place.geo_precision if d.place else 9), -(d.time_precision or 9),
        d.actor1 is not None, d.actor2 is not None, bool(d.fatalities),
    )


def _absorb(into: Draft, other: Draft) -> None:
    if _richness(other) > _richness(into):
        # the sentence that says most becomes the record's source sentence and trigger
        into.sentence, into.trigger, into.trigger_span = other.sentence, other.trigger, other.trigger_span
        into.sentences.insert(0, other.sentence)
        into.sentences.extend(s for s in other.sentences if s is not other.sentence)
    else:
        into.sentences.extend(other.sentences)
    if HIERARCHY.index(other.sub_event_type) < HIERARCHY.index(into.sub_event_type):
        into.sub_event_type = other.sub_event_type
        into.trigger, into.trigger_span = other.trigger, other.trigger_span
        into.explain["sub_event_type"] = other.explain.get("sub_event_type", "")
    if into.actor1 is None and other.actor1 is not None:
        into.actor1 = other.actor1
        into.explain["actor1"] = other.explain.get("actor1", "")
    if into.actor2 is None and other.actor2 is not None:
        into.actor2 = other.actor2
        into.explain["actor2"] = other.explain.get("actor2", "")
    names = {a.actor.name for a in into.assoc1}
    into.assoc1.extend(a for a in other.assoc1 if a.actor.name not in names)
    if other.place and (into.place is None or other.place.geo_precision < into.place.geo_precision):
        into.place = other.place
        into.explain["location"] = other.explain.get("location", "")
        into.unlocated_reason = ""
    if other.event_date and (into.time_precision is None or (other.time_precision or 9) < into.time_precision):
        into.event_date, into.time_precision, into.date_prec = other.event_date, other.time_precision, other.date_prec
        into.date = other.date
        into.explain["event_date"] = other.explain.get("event_date", "")
        into.background = False
    if other.fatalities:
        into.fatalities.extend(f for f in other.fatalities if f not in into.fatalities)
        into.explain.setdefault("fatalities", other.explain.get("fatalities", ""))
