"""Single incident or summary: does a report's sentence tell one act on one day, or sum up many?

ACLED codes one event per day and location. A sentence such as "الغوطة الشرقية التي تتعرض لقصف
مستمر منذ 18 فبراير" or "أكثر من 1401 ... قضوا جميعاً خلال تصعيد عمليات القصف" reports a campaign, a
period or a cumulative toll: it is not any one of the daily events it sums up, so the store must
never merge it with a report of one day (rasd.store.dedupe), and its fatalities are not one day's.

``classify`` is pure: a record's source sentence, its time precision and, when known, where its
trigger and its date lie in the sentence, in; a ``Clarity`` out. The cue words are data
(``data/lexicons/clarity.yaml``). A sentence is a summary when it has

- a word opening a period (منذ، على مدى، طيلة) not followed, within three words, by a word that
  keeps the period inside a day or two (صباح، ليل، أمس، ساعات; "منذ يومين" is "two days ago"),
  not governing the act itself ("منذ الهجوم الكيميائي": the attack is the starting point), and
  not a yardstick ("هجوم هو الأكبر منذ سيطرة النظام": a comparison word shortly before);
- a period of several days (خلال الأيام الماضية، خلال تصعيد، في الأسابيع الأخيرة);
- a cumulative total (الإجمالية، في المجمل);
- in the act's own clause, a word of something going on (مستمر، لا تزال، حملة القصف), when the
  record has no precise day: "استمرت الحملة، إذ قتل 29 مدنيا الثلاثاء" is Tuesday's strike.

A cue inside a relative clause that does not hold the act is about something else ("بلدتي الفوعة
وكفريا اللتين يحاصرهما منذ 3 سنوات مقاتلو المعارضة"), and so is one on the other side of a word
that joins two reports ("تظاهرات منذ الجمعة، فيما اقتحم محتجون مطار النجف"). And whatever the cues, the act's own clause
may give its day (time precision 1, the date inside the clause and not the start of a period):
"حشدت قوات النظام خلال الأسبوعين الماضيين تعزيزاتها، قبل أن تبدأ قصفا مركزا الخميس" reports
Thursday's shelling, a single incident.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasd.extract.events import _clause_bounds
from rasd.extract.lexicons import ClarityMatchers, load_clarity
from rasd.normalize import normalize_with_map

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?؟]")
_CLITICS = ("و", "ف", "ب", "ل")
LOOK_AHEAD_WORDS = 3
LOOK_BEHIND_WORDS = 8  # how far before منذ a comparison word (الأكبر) makes it a yardstick

Offsets = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Clarity:
    """``summary`` is True for a campaign, period or cumulative report; ``cue`` says what
    decided (kind and normalised words), empty for a single incident without any cue."""

    summary: bool
    cue: str = ""

    @property
    def label(self) -> str:
        return "summary" if self.summary else "single"


def _word_in(word: str, words: frozenset[str]) -> bool:
    """``word`` (normalised) is one of ``words``, possibly behind a و/ف/ب/ل clitic."""
    if word in words:
        return True
    return word.startswith(_CLITICS) and len(word) > 3 and word[1:] in words


def _inside(span: Offsets, outer: Offsets) -> bool:
    return outer[0] <= span[0] and span[1] <= outer[1]


def _overlaps(a: Offsets, b: Offsets) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def classify(sentence: str, time_precision: int | None = None, trigger: Offsets | None = None,
             date: Offsets | None = None, cues: ClarityMatchers | None = None) -> Clarity:
    """Whether ``sentence`` (a record's source sentence) reports one incident or a summary (the
    module docstring has the rule). ``time_precision`` is the record's (1 day, 2 week, 3 month);
    ``trigger`` and ``date`` are the offsets, in ``sentence``, of the words that name the act and
    its date, when known (without them the whole sentence is the act's clause)."""
    cues = cues or load_clarity()
    nt = normalize_with_map(sentence)
    norm = nt.text
    # everything below is in offsets of the normalised sentence; clauses as the extractor cuts
    # them (punctuation and relative pronouns)
    act = _to_norm(nt.origin, trigger) if trigger else None
    day = _to_norm(nt.origin, date) if date else None
    clause = _clause_bounds(norm, 0, len(norm), act[0]) if act else (0, len(norm))
    words = list(_WORD.finditer(norm))
    # what is said elsewhere is about something else: relative clauses that do not hold the act,
    # and the other side of a word joining two reports (فيما، في وقت)
    elsewhere: list[Offsets] = []
    if act is not None:
        for word in words:
            if word.group() in cues.relative:
                stretch = (word.start(), _clause_bounds(norm, 0, len(norm), word.end() + 1)[1])
                if not _inside(act, stretch):
                    elsewhere.append(stretch)
        for joint in cues.separate_reports.find(norm):
            elsewhere.append((0, joint.start) if act[0] >= joint.end else (joint.start, len(norm)))

    periods: list[tuple[Offsets, str]] = []  # period cues, with what they say
    for match in cues.opens_period.find(norm):
        stop = _SENTENCE_END.search(norm, match.end)  # a "sentence" may hold a quoted one
        limit = stop.start() if stop else len(norm)
        following = [w for w in words if match.end <= w.start() and w.end() <= limit][:LOOK_AHEAD_WORDS]
        if not following or any(_word_in(w.group(), cues.same_day) for w in following):
            continue
        before = [w.group() for w in words if w.end() <= match.start][-LOOK_BEHIND_WORDS:]
        if any(_word_in(word, cues.comparison) for word in before):
            continue
        span = (match.start, following[-1].end())
        if act and _overlaps(span, act):
            continue  # "منذ الهجوم الكيميائي": the act is where the period starts, not the period
        periods.append((span, f"period: {norm[span[0]:span[1]]}"))
    for kind, matcher in (("period", cues.period), ("cumulative", cues.cumulative)):
        periods += [((m.start, m.end), f"{kind}: {m.key}") for m in matcher.find(norm)]
    periods = [(span, cue) for span, cue in periods if not any(_inside(span, other) for other in elsewhere)]

    own_day = (time_precision == 1 and day is not None and _inside(day, clause)
               and not any(_overlaps(day, span) for span, _ in periods))
    if own_day:
        return Clarity(False, "single: the act's clause gives its day")
    if periods:
        return Clarity(True, min(periods)[1])
    if time_precision != 1:
        for match in cues.ongoing.find(norm):
            span = (match.start, match.end)
            if _inside(span, clause) and not any(_inside(span, other) for other in elsewhere):
                return Clarity(True, f"ongoing, no precise day: {match.key}")
    return Clarity(False)


def _to_norm(origin: list[int], span: Offsets) -> Offsets:
    """Offsets in the original sentence as offsets in its normalised form."""
    return bisect.bisect_left(origin, span[0]), bisect.bisect_left(origin, span[1])


def classify_event(event: Any) -> Clarity:
    """``classify`` for a coded record (a ``rasd.schema.Event`` or a stored row): its source
    sentence, time precision, and its trigger and date evidence placed in the sentence. Evidence
    spans are article offsets; the sentence is found in the article through the trigger's text."""
    sentence = event.source_sentence or ""
    evidence = event.evidence or {}
    trigger_span = _span(evidence.get("trigger"))
    trigger = date = None
    if trigger_span is not None:
        start, end, text = trigger_span
        offset = sentence.find(text) if text else -1
        if offset >= 0:
            sentence_start = start - offset  # the sentence's own offset in the article
            trigger = (offset, offset + (end - start))
            date_span = _span(evidence.get("date"))
            if date_span is not None and 0 <= date_span[0] - sentence_start <= len(sentence):
                date = (date_span[0] - sentence_start, date_span[1] - sentence_start)
    return classify_cached(sentence, event.time_precision, trigger, date)


def _span(value: Any) -> tuple[int, int, str] | None:
    """A ``Span`` or, from a stored row's JSON, a dict: (start, end, text)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return int(value["start"]), int(value["end"]), str(value.get("text", ""))
    return value.start, value.end, value.text


@lru_cache(maxsize=65536)
def classify_cached(sentence: str, time_precision: int | None, trigger: Offsets | None,
                    date: Offsets | None) -> Clarity:
    """``classify`` with its answers kept: the store decides each new report against every stored
    event in its date window, so a stored event's sentence comes back again and again."""
    return classify(sentence, time_precision, trigger, date)
