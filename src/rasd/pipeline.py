"""The extraction pipeline: one article in, its coded events and candidates out.

    prepare (HTML, boilerplate, sentences) -> normalise (with offset map)
    -> find mentions (triggers, actors, places, dates, fatalities, cues)
    -> events (drafts per sentence, hierarchy, roles; merge) -> code (ACLED record)

``Extractor`` loads the lexicons and the gazetteer once and is then a pure function of the
article; ``extract()`` is the convenience entry point for notebooks and scripts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from rasd import code as coding
from rasd.extract.actors import ActorEntry, ActorLexicon, ActorMention, load_actor_lexicon
from rasd.extract.clarity import classify_event
from rasd.extract.dates import DateMention, find_dates
from rasd.extract.events import (
    ANOTHER_AFTER, DROPPED_AFTER, ArticleMentions, Draft, _clause_bounds, _in, _speech_windows, assign_actors, best_trigger, caused_casualties,
    clause_is_future, fold_anaphoric, is_anaphoric, merge_drafts, norm_span,
    resolve_kind, trigger_blocked,
)
from dataclasses import replace

from rasd.extract.fatalities import FatalityMention, combine, find_fatalities
from rasd.extract.lexicons import CueMatchers, TriggerEntry, load_cues, load_triggers
from rasd.extract.places import PlaceMention, ResolvedPlace, _km, find_foreign_places, find_place_mentions, resolve
from functools import lru_cache

from rasd.gazetteer import COUNTRIES, Gazetteer, get_gazetteer, place_stopwords
from rasd.matcher import PhraseMatcher
from rasd.normalize import NormText, normalize, normalize_with_map
from rasd.prepare import Sentence, boilerplate_ranges, html_to_text, looks_like_html, split_sentences
from rasd.schema import SUB_EVENT_TO_TYPE, Article, Event, Span

COMPONENT_VERSION = "rasd.extract.v1"
_COUNTRY_WORDS = {"SY": re.compile(r"سوري|دمشق"), "IQ": re.compile(r"عراق|بغداد")}
_UNRESOLVED_VILLAGE = re.compile(r"(?<!\w)(?:[وبل]?ال)?(?:قريه|بلده|قريتي|بلدتي|مزرعه|حي)\s+(\w+)")
_PARTIAL_NAME = re.compile(r" (?:ال)?(?:غربيه|شرقيه|شماليه|جنوبيه|غربي|شرقي|شمالي|جنوبي|كبري|صغري|فوقاني|تحتاني|قبليه|شرقاني|غرباني)(?!\w)")
_VILLAGE_HEAD = re.compile(r"(?:قريه|بلده|قريتي|بلدتي|مزرعه)")
_DISRUPTED = re.compile(r"(?<!\w)[وب]?(?:تدمير|دمرت|دمر|تفكيك|فككت|ابطال|ابطلت|احباط|احبطت|ضبط|ضبطت|اسقاط|اسقطت|اعتراض|اعترضت|تصدت|التصدي|تتصدي|يتصدي|تصدي)(?!\w)")
# normalised (as the text they are matched in: "إسرائيلية" reads "اسراييليه")
_NATIONALITY_ISO = {normalize(word): iso2 for word, iso2 in {
    "روسي": "RU", "روسية": "RU", "سوري": "SY", "سورية": "SY", "تركي": "TR", "تركية": "TR", "أمريكي": "US",
    "أمريكية": "US", "أميركي": "US", "أميركية": "US", "إسرائيلي": "IL", "إسرائيلية": "IL", "إيراني": "IR",
    "إيرانية": "IR", "عراقي": "IQ", "عراقية": "IQ",
}.items()}
# after the trigger, optionally a descriptive word or two (جوية، مدفعي، مكثفة), then the nationality
_NATIONALITY = re.compile(
    r"(?:\s+(?:جويه|جوي|مدفعي|مدفعيه|صاروخي|صاروخيه|مكثفه|مكثف|عنيفه|عنيف|حربيه|جديده|متواصله|بطايرات|بطايره|مسيره|بريه))*"
    r"\s+(" + "|".join(_NATIONALITY_ISO) + r")(?!\w)")
_NATIONALITY_TYPES = {"Air/drone strike", "Shelling/artillery/missile attack", "Chemical weapon", "Armed clash",
                      "Remote explosive/landmine/IED", "attack", "clash"}
_AREA_EVENTS = {"Change to group/activity", "Non-violent transfer of territory"}
_COUNTRY_NAMES = {iso2: name for iso2, (name, _) in COUNTRIES.items()}
_DESTINATION = re.compile(r"(?<!\w)(?:باتجاه|نحو|الي|صوب)\s*$")
# words between a place and the larger one that contains it ("حي الكرادة وسط العاصمة بغداد")
_CONTAINER_GAP = re.compile(r"(?<!\w)(?:وسط|العاصمه|عاصمه|مدينه|محافظه|قضاء|ناحيه|ريف|بريف|مركز|داخل)(?!\w)")
# a lead that reports a running toll: "ارتفع عدد قتلى الاحتجاجات ... إلى 11"، "ارتفعت حصيلة ..."
_TOLL_LEAD = re.compile(r"(?<!\w)[و]?(?:ارتفع عدد|ارتفعت حصيله|ارتفاع حصيله|ارتفاع عدد|ارتفع الي|الحصيله الاجماليه)(?!\w)")
# where a sentence turns to another act: "، مؤكدة أن ..."، "وأن مقاتلي المعارضة ردوا ..."، "في حين ..."
_UNIT_BREAK = re.compile(r"(?:[،,]\s*(?:\S+\s+)?(?:ان|الي ان)\s|\s(?:في حين|فيما|بينما|وان)\s)")


@dataclass
class ArticleResult:
    article: Article
    events: list[Event] = field(default_factory=list)

    @property
    def coded(self) -> list[Event]:
        return [e for e in self.events if e.status == "event"]

    @property
    def candidates(self) -> list[Event]:
        return [e for e in self.events if e.status == "candidate"]


class Extractor:
    """Lexicons and gazetteer loaded once; ``run(article)`` is then pure."""

    def __init__(self, gazetteer: Gazetteer | None = None, actors: ActorLexicon | None = None,
                 triggers: PhraseMatcher[TriggerEntry] | None = None, cues: CueMatchers | None = None) -> None:
        self.gazetteer = gazetteer or get_gazetteer()
        self.actors = actors or load_actor_lexicon()
        self.triggers = triggers or load_triggers()[1]
        self.cues = cues or load_cues()
        self.place_stop_words = place_stop_words()

    # -- stage 1: text ---------------------------------------------------------------------------
    @staticmethod
    def prepare_text(article: Article) -> Article:
        if looks_like_html(article.text):
            return article.model_copy(update={"text": html_to_text(article.text)})
        return article

    # -- stage 2: mentions -----------------------------------------------------------------------
    def _focus(self, norm: str, places: list[PlaceMention]) -> tuple[str | None, Counter[str]]:
        countries: Counter[str] = Counter()
        admin1: Counter[str] = Counter()
        for iso2, pattern in _COUNTRY_WORDS.items():
            countries[iso2] += len(pattern.findall(norm))
        for mention in places:
            for place in {p.admin1 for p in mention.candidates if len(mention.candidates) <= 3}:
                admin1[place] += 1
            for iso2 in {p.country for p in mention.candidates}:
                countries[iso2] += 1
        focus = countries.most_common(1)[0][0] if countries and countries.most_common(1)[0][1] > 0 else None
        return focus, admin1

    def mentions(self, nt: NormText, published: dt.date) -> tuple[ArticleMentions, str | None, Counter[str]]:
        norm = nt.text
        places_all = find_place_mentions(norm, self.gazetteer, self.place_stop_words)
        focus_country, focus_admin1 = self._focus(norm, places_all)
        actors = self.actors.find(norm, focus_country)
        actor_spans = [(a.start, a.end) for a in actors]

        def overlaps_actor(s: int, e: int) -> bool:
            return any(s < ae and as_ < e for as_, ae in actor_spans)

        dates = find_dates(norm, published)
        date_spans = [(d.start, d.end) for d in dates]
        places = [p for p in places_all if not overlaps_actor(p.start, p.end)
                  and not any(p.start < de and ds < p.end for ds, de in date_spans)]
        place_spans = [(p.start, p.end) for p in places]
        triggers = []
        for m in self.triggers.find(norm):
            inside_actor = any(a.start <= m.start and m.end <= a.end for a in actors)
            if inside_actor and m.payload.id != "airstrike":
                continue
            if any(ps <= m.start and m.end <= pe for ps, pe in place_spans):
                continue
            if m.payload.sub_event_type == "none":
                continue  # a longer phrase that is not an event hides the trigger word
            triggers.append((m.start, m.end, m.payload))
        cues = self.cues

        def spans(matcher: PhraseMatcher[str]) -> list[tuple[int, int]]:
            return [(m.start, m.end) for m in matcher.find(norm)]

        mentions = ArticleMentions(
            norm=norm, triggers=triggers, actors=actors, places=places, dates=dates,
            fatalities=find_fatalities(norm), speech=spans(cues.speech), negation=spans(cues.negation),
            future=spans(cues.future), sentence_future=spans(cues.sentence_future), aggregate=spans(cues.aggregate), background=spans(cues.background),
            result=spans(cues.result), foreign_places=find_foreign_places(norm),
        )
        return mentions, focus_country, focus_admin1

    def geocode(self, article: Article) -> list[tuple[Span, ResolvedPlace]]:
        """Every place mention of an article with the gazetteer entry rasd resolves it to (in
        the article's context), as evidence span and placement: the geocoding stage on its own."""
        article = self.prepare_text(article)
        nt = normalize_with_map(article.text)
        m, focus_country, focus_admin1 = self.mentions(nt, article.published)
        out = []
        for mention in m.places:
            resolved = resolve(mention, self.gazetteer, dict(focus_admin1), focus_country, _context(m))
            start, end = nt.span_to_original(mention.head_start, mention.end)
            out.append((Span(start=start, end=end, text=article.text[start:end]), resolved))
        return out

    # -- stage 3: events -------------------------------------------------------------------------
    def drafts(self, nt: NormText, published: dt.date) -> tuple[list[Draft], str | None]:
        text = nt.original
        skip = boilerplate_ranges(text)
        sentences = split_sentences(text, skip)
        m, focus_country, focus_admin1 = self.mentions(nt, published)
        norm = m.norm
        drafts: list[Draft] = []
        last_in_paragraph: dict[int, Draft] = {}
        paragraph_date: dict[int, DateMention] = {}
        paragraph_history: dict[int, DateMention] = {}  # a paragraph whose last date is long past
        lead_date = self._lead_date(m, nt, sentences, published)
        preceding: tuple[int, int, list[PlaceMention]] = (-1, -1, [])  # paragraph, sentence, its places
        for sentence_index, sentence in enumerate(sentences):
            ss, se = norm_span(nt.origin, sentence)
            if se <= ss:
                continue
            before = preceding[2] if preceding[:2] == (sentence.paragraph, sentence_index - 1) else []
            preceding = (sentence.paragraph, sentence_index, [p for p in _in(m.places, ss, se) if not p.origin])
            whole_sentence = (ss, se)
            for ss, se in self._event_units(m, ss, se):
                windows = _speech_windows(m, ss, se)

                def in_speech(pos: int) -> bool:
                    return any(a <= pos < b for a, b in windows)

                statement_frames = _speech_windows(m, ss, se, complement_only=True)
                sentence_dates = [d for d in _in(m.dates, ss, se) if not any(a <= d.start < b for a, b in statement_frames)]
                triggers = [t for t in _in(m.triggers, ss, se)]
                blocked = {t[0]: trigger_blocked(m, self.cues, (ss, se), t) for t in triggers}
                live = [t for t in triggers if not blocked[t[0]]]
                # "بتحرك عسكري بشأن الهجوم الكيماوي في دوما": a reference to a chemical attack told
                # elsewhere is no report of it, but the article is one more source of it: kept as a
                # re-telling ("background" candidate) that the store attaches to the attack
                reference = not live and next((t for t in triggers if t[2].sub_event_type == "Chemical weapon"
                                               and blocked[t[0]].startswith("background")), None)
                if reference:
                    live = [reference]
                sentence_fatalities = _in(m.fatalities, ss, se)
                if not live:
                    if sentence_dates and not any(d.future for d in sentence_dates):
                        _remember_date(paragraph_date, paragraph_history, sentence.paragraph, sentence_dates[0], published)
                    continue
                actors = _in(m.actors, ss, se)
                speakers = {a.start for a in actors if in_speech(a.start)}
                resolved: dict[int, str] = {}
                for t in live:
                    a1, a2, _ = assign_actors(norm, actors, t, speakers)
                    kind = resolve_kind(t[2].sub_event_type, a1.actor if a1 else None, a2.actor if a2 else None,
                                        focus_country)
                    if t[2].sub_event_type == "agreement" and any(a.actor.role is None for a in actors):
                        kind = "Agreement"  # an armed party anywhere in the sentence ("التسوية مع النظام")
                    if kind:
                        resolved[t[0]] = kind
                best = best_trigger(live, resolved)
                if best is None:
                    previous = last_in_paragraph.get(sentence.paragraph)
                    if previous is not None and sentence_fatalities and not previous.fatalities:
                        previous.fatalities.extend(sentence_fatalities)
                        previous.explain["fatalities"] = f"{sentence_fatalities[0].rule} (next sentence)"
                    continue
                actor1, actor2, assoc = assign_actors(norm, actors, best, speakers)
                nationality = self._nationality_agent(norm, best, se)
                if nationality is not None and (actor1 is None or actor1.via == "generic" or actor1.actor.role):
                    # "غارات روسية", "قصف مدفعي تركي": the adjective names who fired
                    if actor1 is not None and actor1.actor.role and actor2 is None:
                        actor2 = actor1
                    actor1 = nationality
                sub_event_type = resolved[best[0]]
                if SUB_EVENT_TO_TYPE.get(sub_event_type) == "Explosions/Remote violence" and any(
                        not DROPPED_AFTER.match(norm, d.end()) and not caused_casualties(norm, d.start(), d.end())
                        for d in _DISRUPTED.finditer(norm, max(ss, best[0] - 40), best[0])):
                    # "تدمير سيارات مفخخة", "تفكيك عبوة": the weapon was stopped (ACLED: Disrupted weapons use);
                    # not "إسقاط براميل بغازات سامة" (dropping them) nor "أسقط 60 قتيلا" (causing deaths)
                    sub_event_type = "Disrupted weapons use"
                draft = Draft(sentence=sentence, trigger=best[2], trigger_span=(best[0], best[1]),
                              sub_event_type=sub_event_type, actor1=actor1, actor2=actor2, assoc1=assoc,
                              sentences=[sentence])
                draft.explain["sub_event_type"] = f"triggers.yaml:{best[2].id} ({norm[best[0]:best[1]]})"
                draft.anaphoric = is_anaphoric(norm, best, ss, self.cues.occurrence_words)
                draft.demonstrative = _DEMONSTRATIVE_BEFORE.search(norm, max(ss, best[0] - 8), best[0]) is not None
                draft.another = ANOTHER_AFTER.match(norm, best[1]) is not None
                draft.sentence_index = sentence_index
                self._type_defaults(draft)
                for key, mention in (("actor1", draft.actor1), ("actor2", draft.actor2)):
                    if mention is not None:
                        draft.explain[key] = f"actors.yaml:{mention.actor.id} via {mention.via} ({mention.surface})"
                    elif getattr(draft, f"default_{key}"):
                        draft.explain[key] = f"default for {draft.sub_event_type}"
                places = self._place(draft, m, ss, se, in_speech, focus_country, focus_admin1, last_in_paragraph, before)
                statement_dates = [d for d in _in(m.dates, ss, se) if d not in sentence_dates and not d.future]
                self._date(draft, m, sentence_dates, *whole_sentence, published, paragraph_date, best, statement_dates,
                           paragraph_history)
                if draft.event_date is not None and draft.event_date > published:
                    continue  # a plan or an announcement of something to come
                if reference:
                    draft.candidate_reason, draft.reference = "background", True
                    draft.explain["event_date"] = draft.explain.get("event_date", "") + \
                        f" (a reference to a chemical attack: {blocked[reference[0]]})"
                for place_draft in self._split_by_place(draft, places, sentence_fatalities, m.norm, (ss, se)):
                    drafts.append(place_draft)
                    last_in_paragraph[sentence.paragraph] = place_draft
        for draft in drafts:
            if lead_date is not None and draft.explain.get("event_date", "").startswith("dates.publication_default"):
                # a report's lead gives the day ("قتل 30 مدنيا الجمعة ..."); its details do not repeat it
                draft.event_date, draft.time_precision, draft.date_prec = lead_date.date, lead_date.time_precision, lead_date.date_prec
                draft.explain["event_date"] = f"{lead_date.rule} (the article's lead)"
        if _TOLL_LEAD.search(norm, 0, norm_span(nt.origin, sentences[min(1, len(sentences) - 1)])[1] if sentences else 0):
            # "ارتفع عدد قتلى الاحتجاجات إلى 11 ... وسقط 3 قتلى في البصرة": the toll's parts, with no date
            # of their own, are not events of the day of publication
            undated = lambda d: d.explain.get("event_date", "").startswith("dates.publication_default")  # noqa: E731
            toll_sentences = {id(d.sentence) for d in drafts if d.fatalities and undated(d)}
            for draft in drafts:
                if id(draft.sentence) in toll_sentences and undated(draft):
                    draft.background, draft.event_date, draft.time_precision, draft.date_prec = True, None, None, None
                    draft.explain["event_date"] = "part of a cumulative toll the article's lead reports (no date of its own)"
        drafts = fold_anaphoric(drafts)
        for draft in drafts:
            if draft.event_date is not None and (published - draft.event_date).days > _OLD_EVENT_DAYS:
                draft.candidate_reason = "background"  # "ففي 14 أبريل من عام 2001 شنت إسرائيل غارة": history
                draft.explain["event_date"] = draft.explain.get("event_date", "") + " (over two years before publication: history)"
            elif draft.fatalities and draft.fatality_triple()[0] >= _AGGREGATE_DEATHS:
                draft.candidate_reason = "aggregate"  # "أعدم التنظيم أكثر من ألفي عراقي": a toll, not one event
                draft.explain["fatalities"] = draft.explain.get("fatalities", "") + " (a toll of a thousand or more: an aggregate)"
        self._share_air_actor(drafts)
        self._article_counterpart(drafts, m.actors, focus_country)
        return self._fold_area_summaries(merge_drafts(drafts)), focus_country

    @staticmethod
    def _fold_area_summaries(drafts: list[Draft]) -> list[Draft]:
        """"قتل 30 مدنيا في قصف على محافظتي إدلب وحلب" in the lead, then the towns one by one: a
        report placed only at a governorate, when the article places events of the same type and
        day in that governorate precisely, sums them up; it is folded into the first of them."""
        out: list[Draft] = []
        for draft in drafts:
            place = draft.place
            target = None
            if place is not None and place.geo_precision == 3 and draft.event_date is not None and draft.status_ok():
                target = next((d for d in drafts if d is not draft and d.place is not None and d.place.geo_precision <= 2
                               and d.place.place.admin1 == place.place.admin1 and d.event_type == draft.event_type
                               and d.event_date is not None and abs((d.event_date - draft.event_date).days) <= 1
                               and d.status_ok()), None)
            if target is None:
                out.append(draft)
                continue
            target.sentences.extend(s for s in draft.sentences if s not in target.sentences)
            target.explain["location"] = target.explain.get("location", "") + \
                f" (also summarised at governorate level: {place.place.admin1})"
        return out

    def _event_units(self, m: ArticleMentions, ss: int, se: int) -> list[tuple[int, int]]:
        """The parts of a sentence that report events of their own: "داعش استهدف بقذائف هاون مخيم
        اليرموك، مؤكدة أن قوات النظام شنت غارات على الحجر الأسود" is two events (each clause its
        own tactic, actors and places); a sentence with one such part is one unit."""
        cuts = [ss] + [b.start() for b in _UNIT_BREAK.finditer(m.norm, ss, se)] + [se]
        units = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        if len(units) < 2:
            return [(ss, se)]
        with_event = [u for u in units if any(not trigger_blocked(m, self.cues, u, t) for t in _in(m.triggers, *u))]
        if len(with_event) < 2:
            return [(ss, se)]
        # a part without an event of its own stays with the part before it
        merged: list[tuple[int, int]] = []
        for unit in units:
            if unit in with_event or not merged:
                merged.append(unit)
            else:
                merged[-1] = (merged[-1][0], unit[1])
        return merged

    @staticmethod
    def _lead_date(m: ArticleMentions, nt, sentences: list[Sentence], published: dt.date) -> DateMention | None:  # type: ignore[no-untyped-def]
        """The day the article's lead reports (first two paragraphs), if within a week of publication."""
        paragraphs = sorted({s.paragraph for s in sentences})[:2]
        for sentence in sentences:
            if sentence.paragraph not in paragraphs:
                continue
            ss, se = norm_span(nt.origin, sentence)
            windows = _speech_windows(m, ss, se, complement_only=True)
            for d in _in(m.dates, ss, se):
                if d.future or any(a <= d.start < b for a, b in windows):
                    continue
                if 0 <= (published - d.date).days <= 7 and d.time_precision == 1:
                    return d
        return None

    @staticmethod
    def _share_air_actor(drafts: list[Draft]) -> None:
        """An air strike with no named attacker takes the one named for the article's other strikes."""
        named = [d.actor1 for d in drafts if d.sub_event_type == "Air/drone strike" and d.actor1 is not None
                 and d.actor1.actor.role is None and _has_aircraft(d.actor1.actor)]
        if not named:
            return
        common = Counter(a.actor.name for a in named).most_common(1)[0][0]
        source = next(a for a in named if a.actor.name == common)
        for draft in drafts:
            if draft.sub_event_type == "Air/drone strike" and draft.actor1 is None:
                draft.actor1 = source
                draft.default_actor1 = ""
                draft.explain["actor1"] = f"actors.yaml:{source.actor.id} (named for the article's other air strikes)"

    @staticmethod
    def _article_counterpart(drafts: list[Draft], actors: list[ActorMention], country: str | None) -> None:
        """A battle or a capture with one side named takes as the other side the armed actor of the
        opposite camp the article names most (twice at least): "استعادت قوات النظام بلدة X" in an
        article about the regime's offensive against the rebels."""
        # (foreign forces are left out: whom they back is not in the lexicon)
        armed = [a for a in actors if a.actor.role is None and a.actor.inter != 8]
        counts = Counter(a.actor.name for a in armed)
        first = {a.actor.name: a for a in reversed(armed)}
        for draft in drafts:
            if draft.actor2 is not None or draft.actor1 is None or draft.sub_event_type not in _TWO_SIDED:
                continue
            side = _side(draft.actor1.actor, country)
            other = next((first[name] for name, n in counts.most_common()
                          if n >= 2 and _side(first[name].actor, country) != side and name != draft.actor1.actor.name), None)
            if other is not None:
                draft.actor2 = other
                draft.explain["actor2"] = f"actors.yaml:{other.actor.id} (the other side the article names most)"

    def _nationality_agent(self, norm: str, trigger: tuple, sentence_end: int) -> ActorMention | None:  # type: ignore[type-arg]
        """The state whose nationality adjective follows a strike or shelling word (غارة تركية)."""
        if trigger[2].sub_event_type not in _NATIONALITY_TYPES:
            return None
        match = _NATIONALITY.match(norm, trigger[1], min(sentence_end, trigger[1] + 40))
        if match is None:
            return None
        entry = self.actors.state_force(_NATIONALITY_ISO[match.group(1)], "military")
        if entry is None:
            return None
        return ActorMention(match.start(1), match.end(1), entry, "nationality", match.group(1))

    @staticmethod
    def _split_by_place(draft: Draft, places: list[ResolvedPlace], fatalities: list[FatalityMention], norm: str,
                        sentence_span: tuple[int, int]) -> list[Draft]:
        """One draft per place; each takes the deaths told in its own clause, or an even share."""
        if len(places) <= 1:
            draft.place = places[0] if places else None
            draft.fatalities = list(fatalities)
            if fatalities:
                draft.explain["fatalities"] = ", ".join(dict.fromkeys(f.rule for f in fatalities))
            return [draft]
        out = []
        clause_of = {id(p): _clause_bounds(norm, *sentence_span, p.mention.start) for p in places}
        own = {id(p): [f for f in fatalities if clause_of[id(p)][0] <= f.start < clause_of[id(p)][1]] for p in places}
        shared = [f for f in fatalities if not any(f in v for v in own.values())]
        low = combine(shared)[0] if shared else 0
        for index, place in enumerate(places):
            copy = replace(draft, place=place, explain=dict(draft.explain), sentences=list(draft.sentences),
                           assoc1=list(draft.assoc1), fatalities=list(own[id(place)]))
            copy.explain["location"] = f"{place.rule} -> {place.place.id} (one of {len(places)} places listed)"
            if not copy.fatalities and low:
                share = low // len(places) + (1 if index < low % len(places) else 0)
                if share:
                    first = shared[0]
                    copy.fatalities = [FatalityMention(first.start, first.end, share, "fatalities.split_evenly")]
                    copy.explain["fatalities"] = f"{low} killed across {len(places)} places, split evenly (ACLED)"
            elif copy.fatalities:
                copy.explain["fatalities"] = ", ".join(dict.fromkeys(f.rule for f in copy.fatalities))
            out.append(copy)
        return out

    def _type_defaults(self, draft: Draft) -> None:
        event_type = draft.event_type
        if event_type == "Protests":
            if draft.actor1 is None or draft.actor1.actor.role != "protester":
                if draft.actor1 is not None and draft.actor2 is None and draft.sub_event_type != "Peaceful protest":
                    draft.actor2 = draft.actor1
                draft.actor1 = None
                draft.default_actor1 = "Protesters ({country})"
            if draft.sub_event_type == "Peaceful protest" or (draft.actor2 is not None and draft.actor2.actor.role):
                draft.actor2 = None  # the other side of a protest is a force, never the crowd itself
        elif event_type == "Riots":
            draft.actor1 = None  # the crowd is coded by its country, "Rioters (Iraq)"
            draft.default_actor1 = "Rioters ({country})"
        elif event_type == "Violence against civilians":
            if draft.actor2 is None or draft.actor2.actor.role != "civilian":
                draft.actor2 = None
                draft.default_actor2 = "Civilians ({country})"
            if draft.actor1 is not None and draft.actor1.actor.role == "civilian":
                draft.actor1 = None
        elif event_type == "Explosions/Remote violence":
            if draft.actor1 is not None and draft.actor1.actor.role == "civilian":
                draft.actor2, draft.actor1 = draft.actor1, None
            if draft.sub_event_type == "Air/drone strike" and draft.actor1 is not None and not _has_aircraft(draft.actor1.actor):
                # "غارات على تجمعات داعش": an armed group without aircraft is what was struck
                if draft.actor2 is None:
                    draft.actor2 = draft.actor1
                draft.actor1 = None
            if draft.actor1 is None:
                draft.default_actor1 = ("Unidentified Military Forces" if draft.sub_event_type == "Air/drone strike"
                                        else "Unidentified Armed Group ({country})")
        elif event_type == "Battles":
            if draft.actor2 is not None and draft.actor2.actor.role == "civilian":
                draft.actor2 = None  # civilians are never actors in Battles; their deaths count in fatalities
            if draft.actor1 is None and draft.actor2 is not None:
                draft.default_actor1 = "Unidentified Armed Group ({country})"  # an attack on forces by unknown men

    def _place(self, draft: Draft, m: ArticleMentions, ss: int, se: int, in_speech, focus_country: str | None,  # type: ignore[no-untyped-def]
               focus_admin1: Counter[str], last_in_paragraph: dict[int, Draft],
               preceding_places: list[PlaceMention] = ()) -> list[ResolvedPlace]:  # type: ignore[assignment]
        """Where the event happened: one place, or several when the sentence lists several
        precise places (ACLED codes one event per place); [] when it cannot be placed."""
        places = [p for p in _in(m.places, ss, se)
                  if not in_speech(p.start) and not clause_is_future(m, self.cues, (ss, se), p.start)]
        cs, ce = _clause_bounds(m.norm, ss, se, draft.trigger_span[0])
        if (_FOREIGN_IN_CLAUSE.search(m.norm, cs, ce) or any(cs <= s < ce for s, _ in m.foreign_places)) \
                and not any(cs <= p.start < ce for p in places):
            # "اعتقل في مدينة طرابلس بشمال لبنان، وكان مسؤولا ... في البوكمال": it happened abroad
            draft.unlocated_reason = "abroad"
            draft.explain["location"] = "in another country (its clause names one and no place of Syria or Iraq)"
            return []
        # an evacuation happens where it leaves from ("خروج المسلحين من بلدة حرستا")
        located = places if draft.sub_event_type == "Non-violent transfer of territory" else \
            [p for p in places if not p.origin] or places
        if draft.sub_event_type in ("Non-violent transfer of territory", "Agreement"):
            # "يقضي بتهجير ... باتجاه إدلب ... في القنيطرة": where they are sent is not where it happens
            located = [p for p in located if not _DESTINATION.search(m.norm, max(0, p.head_start - 8), p.head_start)] or located
        if focus_country:
            # a village known only in the other country is a namesake, not this article's place,
            # unless the sentence names that country ("في منطقة هجين بشرق سوريا")
            here = {focus_country} | {iso for iso, pattern in _COUNTRY_WORDS.items() if pattern.search(m.norm, ss, se)}
            located = [p for p in located if any(c.country in here or c.kind in ("governorate", "feature")
                                                 or c.population >= 100000 for c in p.candidates)]
        focus = dict(focus_admin1)
        if located:
            split = self._event_places(located, m.norm, (ss, se))
            # ("بجنوب بغداد": the city and its governorate are one anchor)
            anchors = [p for p in located if p.near and len({c.admin1 for c in p.candidates}) == 1
                       or p.most_specific_rank >= 3]
            if len(split) >= 2 and draft.sub_event_type not in _AREA_EVENTS:
                return [self._resolve_near(p, anchors, focus, focus_country, m) for p in split]
            village = _UNRESOLVED_VILLAGE.search(m.norm, ss, se)
            # a village the gazetteer lacks, or knows only by part of its name (السعدة of السعدة الغربية)
            unresolved_village = village is not None and not any(
                p.start <= village.start(1) < p.end and not _PARTIAL_NAME.match(m.norm, p.end) for p in places)
            ordered = sorted(located, key=lambda p: (p.most_specific_rank - (0.5 if p.head == "locality" and p.start > 0
                                                     and _VILLAGE_HEAD.search(m.norm, max(0, p.head_start - 1), p.start) else 0), p.start))
            if unresolved_village:
                # "قرية X جنوبي Y" with X not in the gazetteer: the event is near Y.
                near = [p for p in located if p.near]
                ordered = near + [p for p in ordered if p not in near]
            chosen = self._resolve_near(ordered[0], anchors, focus, focus_country, m)
            if unresolved_village and chosen.geo_precision == 1:
                chosen = replace(chosen, geo_precision=2, where_prec=2, confidence=chosen.confidence * 0.8,
                                 rule="places.unknown_village_near")
            if chosen.geo_precision == 1 and len({p.key for p in located}) >= 2 and draft.sub_event_type in _AREA_EVENTS:
                # a patrol or a handover across several named places happens in an area (ACLED 2)
                chosen = replace(chosen, geo_precision=2, where_prec=2, rule="places.route_across_places")
            draft.explain["location"] = f"{chosen.rule} -> {chosen.place.id} (confidence {chosen.confidence:.2f})"
            return [chosen]
        generic = _GENERIC_PLACE.search(m.norm, ss, se)
        if generic is not None:
            # "نتيجة استهداف دورية لهم في المدينة": the town last named before it
            kinds = _GENERIC_KINDS[generic.group(2)]
            earlier = [p for p in m.places if p.end <= generic.start() and not p.origin
                       and any(c.kind in kinds for c in p.candidates)]
            if earlier:
                chosen = resolve(earlier[-1], self.gazetteer, dict(focus_admin1), focus_country, _context(m))
                if generic.group("near") and chosen.geo_precision == 1:
                    # "في تفجير آخر شرقي المدينة": near the town, not in it (ACLED precision 2)
                    chosen = replace(chosen, geo_precision=2, where_prec=2, rule=chosen.rule + ":near")
                draft.explain["location"] = f"{chosen.rule} -> {chosen.place.id} (places.anaphor: {generic.group(2)})"
                return [chosen]
        previous = last_in_paragraph.get(draft.sentence.paragraph)
        recent = previous is not None and previous.sentence_index >= draft.sentence_index - 1
        if previous is not None and previous.place is not None and (recent or not preceding_places):
            draft.explain["location"] = "places.same_paragraph (from the previous sentence)"
            return [previous.place]
        preceding_places = [p for p in preceding_places if p.head in ("locality", "neighbourhood", "feature")]
        if preceding_places:
            # "وارتفعت الشعارات ذاتها في مدينة كربلاء. إذ تظاهر صباح أمس المئات": the sentence before sets the scene
            scene = min(preceding_places, key=lambda p: (p.most_specific_rank, p.start))
            chosen = resolve(scene, self.gazetteer, dict(focus_admin1), focus_country, _context(m))
            draft.explain["location"] = f"{chosen.rule} -> {chosen.place.id} (places.same_paragraph: the sentence before)"
            return [chosen]
        draft.unlocated_reason = "unlocated"
        draft.explain["location"] = "no place below country level in the sentence or its paragraph"
        return []

    def _resolve_near(self, mention: PlaceMention, anchors: list[PlaceMention], focus: dict[str, int],
                      focus_country: str | None, m: ArticleMentions) -> ResolvedPlace:
        """Resolve a mention; among namesakes, the one near the sentence's anchor wins ("الزعفرانية
        بجنوب بغداد" is Baghdad's al-Za'faraniyah, not the Anbar village)."""
        chosen = resolve(mention, self.gazetteer, focus, focus_country, _context(m))
        if len(mention.candidates) < 2 or chosen.geo_precision != 1:
            return chosen
        points = [a.candidates[0] for a in anchors if a is not mention and a.candidates]
        if not points:
            return chosen
        nearest = min(mention.candidates, key=lambda c: min(_km(c, p) for p in points))
        if nearest.id != chosen.place.id and min(_km(nearest, p) for p in points) <= _ANCHOR_KM:
            only = replace(mention, candidates=(nearest,))
            picked = resolve(only, self.gazetteer, focus, focus_country, ())
            return replace(picked, rule=picked.rule + ":near_the_sentence's_anchor")
        return chosen

    @staticmethod
    def _event_places(located: list[PlaceMention], norm: str, sentence_span: tuple[int, int]) -> list[PlaceMention]:
        """The places of distinct events in a sentence: per clause, its precise places (a list
        "تسيل وحيط والشجرة" gives one event each) or else its most specific place; names that
        only situate another ("X في Y", "X شرق Y") are context, not a second event."""
        by_clause: dict[tuple[int, int], list[PlaceMention]] = {}
        for p in located:
            by_clause.setdefault(_clause_bounds(norm, *sentence_span, p.start), []).append(p)
        chosen: list[PlaceMention] = []
        for mentions in by_clause.values():
            precise: list[PlaceMention] = []
            anchor_end = -1
            for p in mentions:
                if p.most_specific_rank > 1:
                    continue
                if anchor_end >= 0 and norm[anchor_end:p.head_start].strip(" ،,") in ("", "و") \
                        or (anchor_end >= 0 and norm[anchor_end:p.start].strip(" ،,").startswith("و")
                            and p.start - anchor_end < 8):
                    anchor_end = p.end  # "المجاور لمخيم اليرموك وحي الحجر الأسود": the list of anchors goes on
                    continue
                if precise:
                    last = precise[-1]
                    gap = norm[last.end:p.head_start].strip(" ،,")
                    surface = norm[p.start:p.end]
                    bi_prefix = surface.endswith(p.key) and surface[:len(surface) - len(p.key)] in ("ب", "وب")
                    if p.near and (p.start - last.end < 40 or 0 <= p.start - anchor_end < 40):
                        anchor_end = p.end
                        continue  # an anchor: "كتيبة X غرب بلدة Y"
                    last_gap_word = gap.split()[-1] if gap else ""
                    if (len(gap.split()) <= 2 and last_gap_word in ("في", "ب", "من", "قرب", "بريف", "بمحافظه", "بمدينه")) \
                            or (not gap and bi_prefix) \
                            or (len(gap.split()) <= 4 and _CONTAINER_GAP.search(gap) and p.most_specific_rank >= last.most_specific_rank):
                        continue  # a container: "بلدة X في Y", "بحي الكرادة وسط العاصمة العراقية بغداد"
                precise.append(p)
            if not precise:
                # "في ريفي حماة وحلب": one event per governorate listed, else the most specific place
                least = min(p.most_specific_rank for p in mentions)
                areas = [p for p in mentions if p.most_specific_rank == least]
                if least >= 3 and len({frozenset(c.admin1 for c in p.candidates) for p in areas}) == len(areas):
                    precise = areas
            chosen.extend(precise or [min(mentions, key=lambda p: p.most_specific_rank)])
        distinct: list[PlaceMention] = []
        for p in chosen:
            if all(p.key != c.key for c in distinct):
                distinct.append(p)
        # "بمدينة الصدر في العاصمة العراقية، بغداد": a container named after a comma (another
        # clause) still only situates the place before it
        distinct = [p for i, p in enumerate(distinct)
                    if i == 0 or not Extractor._contains(distinct[i - 1], p, norm)]
        # "وفي محافظة حلب المجاورة، أسفرت ضربات جوية على بلدة أورم الكبرى": the governorate sets the
        # scene for the town in it; it is not a second event
        precise_admin1 = {c.admin1 for p in distinct if p.most_specific_rank <= 2 for c in p.candidates}
        return [p for p in distinct if p.most_specific_rank < 3
                or not {c.admin1 for c in p.candidates} & precise_admin1] or distinct

    @staticmethod
    def _contains(inner: PlaceMention, outer: PlaceMention, norm: str) -> bool:
        """``outer`` follows ``inner`` as the larger place that holds it: a few words between
        them naming a container ("في العاصمة العراقية،"، "بمحافظة") and an admin1 in common."""
        gap = norm[inner.end:outer.head_start].strip(" ،,")
        words = gap.split()
        if not words or len(words) > 4 or not (_CONTAINER_GAP.search(gap) or words[0] in ("في", "ب")):
            return False
        if outer.most_specific_rank < inner.most_specific_rank:
            return False
        return bool({c.admin1 for c in inner.candidates} & {c.admin1 for c in outer.candidates})

    def _date(self, draft: Draft, m: ArticleMentions, dates: list[DateMention], ss: int, se: int,  # type: ignore[no-untyped-def]
              published: dt.date, paragraph_date: dict[int, DateMention], trigger,
              statement_dates: list[DateMention], paragraph_history: dict[int, DateMention]) -> None:
        # "تحطمت طائرة أثناء قصفها حيا ... التي تسيطر عليها الفصائل منذ 28 مايو": a period's start after
        # the trigger dates something else ("ومنذ بداية يوليو، خرج الآلاف" before it dates the event)
        usable = [d for d in dates if not d.future
                  and not (d.start > trigger[0] and _SINCE_BEFORE.search(m.norm, max(0, d.start - 8), d.start))]
        if any(d.rule != "dates.year" for d in usable):
            usable = [d for d in usable if d.rule != "dates.year"]  # a day or month of its own dates it
        elif usable:
            # "بعد اتهامها بشن هجوم كيميائي ... في العام 2013": only a past year; ACLED codes no
            # event to the year, so it is history, kept for review
            year = usable[0]
            draft.date, draft.event_date = year, year.date
            draft.time_precision, draft.date_prec = year.time_precision, year.date_prec
            draft.candidate_reason = "background"
            draft.explain["event_date"] = f"{year.rule} (a past year only: history)"
            return
        if usable:
            # a date in the trigger's own clause dates it: "وتتوعد دول غربية منذ يومين ...، بعدما تحدث
            # مسعفون عن ... هجوم كيميائي مساء السبت" is Saturday's attack, threatened since two days
            cs, ce = _clause_bounds(m.norm, ss, se, trigger[0])
            in_clause = [d for d in usable if cs <= d.start < ce]
            pool = in_clause or usable
            before = [d for d in pool if d.start <= trigger[0]]
            chosen = before[-1] if before else pool[0]
            draft.date, draft.event_date = chosen, chosen.date
            draft.time_precision, draft.date_prec = chosen.time_precision, chosen.date_prec
            draft.explain["event_date"] = chosen.rule
            # a date long past (a background sentence) does not date the paragraph's later reports
            _remember_date(paragraph_date, paragraph_history, draft.sentence.paragraph, chosen, published)
            if (published - chosen.date).days > _HISTORY_DAYS and self._retold(m.norm, ss, trigger[0]):
                # "وكان الفضلي قد استهدف بضربة جوية في سبتمبر 2014": an old event re-told as background
                draft.candidate_reason = "background"
                draft.explain["event_date"] += " (an earlier event re-told: وكان ... قد, over six months before publication)"
            return
        if dates and all(d.future for d in dates):
            draft.event_date = dates[0].date  # after publication: dropped by the caller
            return
        inherited = paragraph_date.get(draft.sentence.paragraph)
        if inherited is not None:
            draft.event_date, draft.time_precision, draft.date_prec = inherited.date, inherited.time_precision, inherited.date_prec
            draft.explain["event_date"] = f"{inherited.rule} (earlier in the paragraph)"
            if (published - inherited.date).days > _HISTORY_DAYS:
                draft.candidate_reason = "background"  # a paragraph that re-tells old events
            return
        if _in(m.background, ss, se) or self._pluperfect(m.norm, ss, trigger[0]):
            draft.background = True
            draft.explain["event_date"] = "background with no date of its own"
            return
        history = paragraph_history.get(draft.sentence.paragraph)
        if history is not None:
            # "وفي نوفمبر 2017 سيطر النظام على البوكمال. وانسحب معظم أعضاء التنظيم من المدينة خلال
            # المعركة": an undated sentence that goes on with a paragraph of history is history too
            draft.event_date, draft.time_precision, draft.date_prec = history.date, history.time_precision, history.date_prec
            draft.explain["event_date"] = f"{history.rule} (earlier in the paragraph, which tells an earlier time)"
            if (published - history.date).days > _HISTORY_DAYS:
                draft.candidate_reason = "background"
            return
        if statement_dates and (published - statement_dates[0].date).days <= 7:
            # "قال البيان الذي صدر الجمعة إن ست غارات ...": it happened by the day it was reported
            told = statement_dates[0]
            draft.event_date, draft.time_precision, draft.date_prec = told.date, 2, 2
            draft.explain["event_date"] = f"{told.rule} (the day it was reported; no date of its own)"
            return
        draft.event_date, draft.time_precision, draft.date_prec = published, 2, 2
        draft.explain["event_date"] = "dates.publication_default (no date words; reported as current)"

    def _retold(self, norm: str, ss: int, trigger_start: int) -> bool:
        """A sentence that opens with كان/وكانت ("وكانت السلطات أعلنت في يناير الماضي تحرير ..."):
        with a date long past, a re-told event, with or without قد."""
        words = norm[ss:trigger_start].split()[:1]
        return bool(words) and words[0] in self.cues.background_words

    def _pluperfect(self, norm: str, ss: int, trigger_start: int) -> bool:
        words = norm[ss:trigger_start].split()[:3]
        return bool(words) and words[0] in self.cues.background_words and "قد" in norm[ss:trigger_start].split()

    # -- the whole article -----------------------------------------------------------------------
    def run(self, article: Article) -> ArticleResult:
        article = self.prepare_text(article)
        nt = normalize_with_map(article.text)
        drafts, focus_country = self.drafts(nt, article.published)
        events = [coding.code_event(d, nt, article.id, article.source, focus_country, _COUNTRY_NAMES) for d in drafts]
        return ArticleResult(article, [_mark_summary(e) for e in events])


_HISTORY_DAYS = 183
_FOREIGN_IN_CLAUSE = re.compile(r"(?<!\w)[وب]?(?:في\s+)?(?:لبنان|اليمن|تركيا|الاردن|ليبيا|مصر|السعوديه|الكويت|بيروت|صنعاء|انقره|اسطنبول|عمان)(?!\w)")
_DEMONSTRATIVE_BEFORE = re.compile(r"(?<!\w)[و]?(?:هذا|هذه|هذين|هاتين|تلك|ذلك)\s+$")
_INHERIT_DAYS = 31
_ANCHOR_KM = 40.0
# "التي تسيطر عليها فصائل المعارضة منذ 28 مايو": a period's start, not the day of the event
_SINCE_BEFORE = re.compile(r"(?<!\w)[و]?منذ\s*$")
_OLD_EVENT_DAYS = 730
_AGGREGATE_DEATHS = 1000
# "في المدينة"، "داخل البلدة": a place named earlier in the article
_GENERIC_PLACE = re.compile(r"(?<!\w)(?:(?:في|داخل|علي|الي|قرب|من)|(?P<near>[وب]?(?:شرق|غرب|شمال|جنوب)ي?|[وب]?(?:اطراف|محيط|ضواحي)))"
                            r"\s+(المدينه|البلده|القريه|المخيم)(?!\w)")
_GENERIC_KINDS = {"المدينه": ("locality",), "البلده": ("locality",), "القريه": ("locality",), "المخيم": ("feature",)}
_TWO_SIDED = {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}


def _remember_date(recent: dict[int, DateMention], history: dict[int, DateMention], paragraph: int,
                   date: DateMention, published: dt.date) -> None:
    """A paragraph's latest date: a recent one dates its later undated reports; one over a month
    old, with no recent one, dates them as the paragraph's earlier time (history past six months)."""
    if (published - date.date).days <= _INHERIT_DAYS:
        recent[paragraph] = date
        history.pop(paragraph, None)
    elif paragraph not in recent:
        history[paragraph] = date


def _side(actor: ActorEntry, country: str | None) -> str:
    """The camp of an actor: the state's forces and their foreign allies, or each group its own."""
    return "state" if actor.inter == 1 and (actor.home == country or country is None) else actor.name


def _has_aircraft(actor: ActorEntry) -> bool:
    """State forces and foreign militaries fly; armed groups (inter 2-3) in Syria and Iraq do not,
    beyond drones, which the text then names (طائرة مسيرة)."""
    return actor.inter in (1, 8)


def _mark_summary(event: Event) -> Event:
    """A campaign, period or cumulative report (rasd.extract.clarity) is kept for review as a
    ``summary`` candidate: ACLED codes the days it sums up, not the summary as one event."""
    if event.status != "event":
        return event  # only what would be exported as certain needs the test
    clarity = classify_event(event)
    explain = dict(event.explain)
    explain["clarity"] = clarity.cue or clarity.label
    if clarity.summary and event.status == "event":
        return event.model_copy(update={"status": "candidate", "reason": "summary", "explain": explain})
    return event.model_copy(update={"explain": explain})


def _context(m: ArticleMentions) -> tuple:  # type: ignore[type-arg]
    """The article's unambiguous towns and villages (one candidate), to place namesakes near."""
    return tuple(p.candidates[0] for p in m.places
                 if len(p.candidates) == 1 and p.candidates[0].kind in ("locality", "neighbourhood", "feature"))


@lru_cache(maxsize=1)
def place_stop_words() -> frozenset[str]:
    """Words that never name a place without a head word: function words (arabic-stopwords),
    the gazetteer's own stop list, and every one-word entry of rasd's lexicons."""
    import yaml
    from importlib import resources

    import arabicstopwords.arabicstopwords as arabic_stopwords

    words = set(place_stopwords())
    words.update(normalize(w) for w in arabic_stopwords.stopwords_list())
    lexicons = resources.files("rasd.data.lexicons")
    for name in ("triggers.yaml", "actors.yaml", "cues.yaml"):
        data = yaml.safe_load(lexicons.joinpath(name).read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else [data]
        for item in items:
            for value in item.values():
                if isinstance(value, list):
                    words.update(normalize(str(v)).rstrip("*") for v in value if " " not in str(v))
    words.update(w[2:] for w in list(words) if w.startswith("ال") and len(w) > 4)
    return frozenset(words)


_DEFAULT: Extractor | None = None


def extract(text: str, published: dt.date | str, *, doc_id: str = "doc", source: str = "",
            extractor: Extractor | None = None) -> list[Event]:
    """Extract coded events and candidates from one Arabic article (plain text or HTML)."""
    global _DEFAULT
    if extractor is None:
        if _DEFAULT is None:
            _DEFAULT = Extractor()
        extractor = _DEFAULT
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    article = Article(id=doc_id, published=published, text=text, source=source)
    return extractor.run(article).events


__all__ = ["Extractor", "ArticleResult", "extract", "ActorMention", "Sentence"]
