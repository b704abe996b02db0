"""Build the deduplication pairs to label from the development corpus.

    python tests/dedupe/build_pairs.py [--corpus ../shared/data/corpus/dev.jsonl] [--gazetteer TSV]
        -> tests/dedupe/to_label.txt   (for the human labeller: both reports' sentences, never committed)
        -> tests/dedupe/pairs_unlabelled.jsonl  (the frozen coded fields of each pair, no article text)

    python tests/dedupe/build_pairs.py --set NAME       a measure-only set: second (seed 20261128), third
                                                        (20261203), fourth (20261217), fifth (20261225),
                                                        sixth (20270101), seventh (20270115), eighth
                                                        (20270201), ninth (20270301), tenth (20270315), eleventh (20270401),
                                                        twelfth (20270415), thirteenth (20270501), fourteenth (20270515),
                                                        fifteenth (20270601), sixteenth (20270615)
        -> tests/dedupe/NAME/to_label.txt, tests/dedupe/NAME/pairs_unlabelled.jsonl

The eighth set (session 5, fourth helper) is drawn exactly as the seventh (same strata, sizes
60/45/20/20/10 and caps, pair ids ``z001``...) with a new seed (20270201), leaving out every pair of
articles the first seven sets have. Pools after the exclusions: 15,863 ``rule-match``, 56,394
``near-miss``, 3,330 ``other-type``, 6 ``background`` (3 left by the caps) and 1,211 ``summary`` pairs:
138 pairs drawn.

The seventh set (session 5, third helper) is drawn exactly as the sixth (same strata, sizes 60/45/20/20/10 and
caps, pair ids ``y001``...) with a new seed (20270115), leaving out every pair of articles the first
six sets have. Pools after the exclusions: 16,007 ``rule-match``, 56,778 ``near-miss``, 3,455
``other-type``, 9 ``background`` (3 left by the caps) and 1,235 ``summary`` pairs: 138 pairs drawn.

The sixth set (session 5, second helper) is drawn exactly as the fifth (same strata, sizes 60/45/20/20/10 and
caps, pair ids ``x001``...) with a new seed, leaving out every pair of articles the first five
sets have. Pools after the exclusions: 14,332 ``rule-match``, 60,368 ``near-miss``, 3,732
``other-type``, 12 ``background`` (3 left by the caps) and 927 ``summary`` pairs: 138 pairs drawn.

The fifth set (session 5) is drawn as the fourth (same strata and caps, pair ids ``v001``...) with
a new seed and larger strata (60 ``rule-match``, 45 ``near-miss``, 20 ``other-type``, 20
``background``, 10 ``summary``), leaving out every pair of articles the first four sets have.

The fourth set (session 4, second round) is drawn exactly as the third (same strata, sizes and
caps) with a new seed, leaving out every pair of articles the first three sets have.

The third set (session 4) is drawn like the second (same five strata and sizes, blind), leaving
out every pair of articles the first *and* second sets have, and capped so that one incident
cannot dominate it (the first two sets are mostly the Douma and Khan Shaykhun chemical attacks):
within a stratum at most ``THIRD["per_key"]`` pairs share an *incident key* (the two records'
admin2 districts, as an unordered pair, and the month of the earlier date), and no pair of
articles is drawn twice in the whole set. The pool is shuffled with the seed and walked in order,
skipping pairs over a cap, so the draw is reproducible.

The second set (docs/ACCURACY.md, "Deduplication") was drawn by the same strata with a new seed from
a later extractor's output, leaving out every pair of articles the first set has, plus two strata
of *candidates* that agree with an event on every coded field (the store's rule but for the
status): ``background`` (a past event re-told, idea: attach the article as a source) and
``summary``. Its ``to_label.txt`` is blind: pairs shuffled, numbered after shuffling, with neither
stratum, distance nor status shown, so that the labeller cannot see what the rule decides.

Every article of the corpus is coded; pairs of coded events from *different* articles are
blocked generously (same country, dates within 3 days, or 16 when either date is imprecise,
and the same admin1 or 25 km), so that the pairs include both reports of one incident and
near-misses the merge rule must refuse. From the blocked pairs a seeded sample is drawn in three
strata, so that both kinds of error can show:

- ``rule-match``: pairs the rule (rasd.store.dedupe.same_incident) would merge;
- ``near-miss``: the same event type, refused by the rule (date, place or actors);
- ``other-type``: different event types on the same day within 10 km (does the type test lose
  true duplicates coded to another type?).

Each record also gets its ``anchor`` (offsets of its source sentence and trigger in the article),
so that ``evaluate.py --reextract`` can find the same passage's record in a later extractor.

The labeller reads both source sentences (and titles) in Arabic and writes, per pair id, 1 (the
same real incident: same act, same place, same day, possibly with different details or counts) or
0 (two incidents, or a background mention of an older one) into ``labels.tsv``; ``apply_labels.py``
joins them into ``pairs.jsonl``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rasd.gazetteer import get_gazetteer  # noqa: E402
from rasd.ingest import ArticleRejected, read_jsonl_articles  # noqa: E402
from rasd.pipeline import Extractor  # noqa: E402
from rasd.schema import Event  # noqa: E402
from rasd.store.dedupe import coded_fields_agree, haversine_km, same_incident  # noqa: E402

# The fields the merge decision may read; frozen in pairs.jsonl so the measurement does not
# depend on later changes to the extractor.
FROZEN = ("doc_id", "source", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
          "assoc_actor_1", "actor2", "assoc_actor_2", "country", "admin1", "admin2", "location", "latitude",
          "longitude", "geo_precision", "where_prec", "date_prec", "place_id", "fatalities", "status")
STRATA = {"rule-match": 70, "near-miss": 45, "other-type": 20}
# The second set: a new seed, the same three strata (smaller), and candidates agreeing with an event.
SECOND = {"seed": 20261128, "strata": {"rule-match": 45, "near-miss": 35, "other-type": 15, "background": 20,
                                       "summary": 10}}
CANDIDATE_STRATA = ("background", "summary")
# The third set: a new seed, the second set's strata, capped per incident key and per article pair.
THIRD = {"seed": 20261203, "strata": SECOND["strata"], "per_key": 3}
# The fourth set: drawn as the third, with a new seed, leaving out the first three sets' article pairs.
FOURTH = {**THIRD, "seed": 20261217}
# The fifth set: drawn as the fourth, with a new seed and larger strata, leaving out the first four sets' pairs.
FIFTH = {**FOURTH, "seed": 20261225, "strata": {"rule-match": 60, "near-miss": 45, "other-type": 20,
                                                 "background": 20, "summary": 10}}
# The sixth set: drawn exactly as the fifth, with a new seed, leaving out the first five sets' pairs.
SIXTH = {**FIFTH, "seed": 20270101}
# The seventh set: drawn exactly as the sixth, with a new seed, leaving out the first six sets' pairs.
SEVENTH = {**SIXTH, "seed": 20270115}
# The eighth set: drawn exactly as the seventh, with a new seed, leaving out the first seven sets' pairs.
EIGHTH = {**SEVENTH, "seed": 20270201}
# The ninth set (session 6): drawn exactly as the eighth, with a new seed, leaving out the first eight sets' pairs.
NINTH = {**EIGHTH, "seed": 20270301}
# The tenth set (session 6, end): drawn exactly as the ninth, with a new seed, leaving out the first nine sets' pairs.
TENTH = {**NINTH, "seed": 20270315}
# The eleventh set (session 6, last): drawn exactly as the tenth, with a new seed, leaving out the first ten sets' pairs.
ELEVENTH = {**TENTH, "seed": 20270401}
# The twelfth and thirteenth sets (session 7, drawn at its start from 8c4827c): exactly as the eleventh, new seeds.
TWELFTH = {**ELEVENTH, "seed": 20270415}
THIRTEENTH = {**ELEVENTH, "seed": 20270501}
# The fourteenth set (session 7, end): drawn from the session's final code (9eace9a), labelled, never measured.
FOURTEENTH = {**ELEVENTH, "seed": 20270515}
# The fifteenth set (session 8): drawn from the extractor of e4fdf26 (unchanged since session 7) when the merge
# model was added, labelled blind, measured once with the session's final code.
FIFTEENTH = {**ELEVENTH, "seed": 20270601}
# The sixteenth set (session 8, end): drawn from the same extractor, labelled blind, measured once with the final code.
SIXTEENTH = {**ELEVENTH, "seed": 20270615}
# the pair-id prefix of each set
PREFIX = {"first": "p", "second": "s", "third": "t", "fourth": "f", "fifth": "v", "sixth": "x", "seventh": "y",
          "eighth": "z", "ninth": "n", "tenth": "q", "eleventh": "k", "twelfth": "m", "thirteenth": "r", "fourteenth": "w",
          "fifteenth": "g", "sixteenth": "j"}
# the sets drawn before each set, whose pairs of articles it leaves out: all sets before it in PREFIX's order
EARLIER = {name: tuple(PREFIX)[:i] for i, name in enumerate(PREFIX)}


def main() -> None:
    parser = argparse.ArgumentParser()
    shared = ROOT / os.environ.get("RASD_SHARED", "../shared")
    parser.add_argument("--corpus", default=str(shared / "data/corpus/dev.jsonl"))
    parser.add_argument("--gazetteer", default=str(shared / "data/gazetteer/gazetteer_sy_iq.tsv.gz"))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--set", choices=tuple(PREFIX), default="first")
    args = parser.parse_args()
    third = args.set not in ("first", "second")  # the fourth on: drawn as the third
    second = args.set == "second" or third  # the third set is drawn as the second, with caps
    config = {"fourth": FOURTH, "fifth": FIFTH, "sixth": SIXTH,
              "seventh": SEVENTH, "eighth": EIGHTH, "ninth": NINTH, "tenth": TENTH, "eleventh": ELEVENTH,
              "twelfth": TWELFTH, "thirteenth": THIRTEENTH, "fourteenth": FOURTEENTH, "fifteenth": FIFTEENTH,
              "sixteenth": SIXTEENTH}.get(args.set, THIRD if third else SECOND)
    sizes = config["strata"] if second else STRATA
    seed = args.seed if args.seed is not None else (config["seed"] if second else 5)
    out_dir = HERE / args.set if second else HERE
    out_dir.mkdir(exist_ok=True)
    # the earlier sets' pairs of articles, left out of a later one
    taken = set()
    earlier = [HERE / "pairs.jsonl" if name == "first" else HERE / name / "pairs.jsonl" for name in EARLIER[args.set]]
    if second:
        for path in earlier:
            if not path.exists():  # an earlier set drawn but not labelled yet
                path = path.with_name("pairs_unlabelled.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines():
                pair = json.loads(line)
                taken.add(frozenset((pair["a"]["doc_id"], pair["b"]["doc_id"])))

    extractor = Extractor(get_gazetteer(Path(args.gazetteer)))
    events, titles, texts, published = [], {}, {}, {}
    with open(args.corpus, encoding="utf-8") as handle:
        for article in read_jsonl_articles(handle):
            if isinstance(article, ArticleRejected):
                continue
            titles[article.id] = article.title
            published[article.id] = article.published
            texts[article.id] = extractor.prepare_text(article).text
            events += [e for e in extractor.run(article).events if e.event_date and e.latitude is not None
                       and (e.status == "event" or (second and e.reason in CANDIDATE_STRATA))]
    strata: dict[str, list[tuple]] = {name: [] for name in sizes}
    for a, b in itertools.combinations(events, 2):
        if a.doc_id == b.doc_id or a.country != b.country:
            continue
        if second and frozenset((a.doc_id, b.doc_id)) in taken:
            continue
        if a.status != "event" or b.status != "event":
            # a candidate (second set only) against an event: does it agree on every coded field?
            if (a.status == "event") == (b.status == "event"):
                continue
            candidate, event = (a, b) if a.status != "event" else (b, a)
            if coded_fields_agree(candidate.model_copy(update={"status": "event"}), event).same:
                km = haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)
                strata[candidate.reason].append((candidate, event, km))
            continue
        days = abs((a.event_date - b.event_date).days)
        imprecise = max(a.time_precision or 1, b.time_precision or 1) > 1
        if days > (16 if imprecise else 3):
            continue
        km = haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)
        if a.admin1 != b.admin1 and km > 25:
            continue
        if same_incident(a, b).same:
            strata["rule-match"].append((a, b, km))
        elif a.event_type == b.event_type:
            strata["near-miss"].append((a, b, km))
        elif days == 0 and km <= 10:
            strata["other-type"].append((a, b, km))
    rng = random.Random(seed)
    drawn = []
    articles_drawn: set[frozenset] = set()
    for name, size in sizes.items():
        pool = strata[name]
        print(f"{name}: {len(pool)} blocked pairs, sampling {min(size, len(pool))}", file=sys.stderr)
        if third:
            drawn += [(name, a, b, km) for a, b, km in capped_sample(rng, pool, size, THIRD["per_key"], articles_drawn)]
        else:
            drawn += [(name, a, b, km) for a, b, km in rng.sample(pool, min(size, len(pool)))]
    if second:
        rng.shuffle(drawn)  # blind: the order and the ids say nothing of the stratum
    out_pairs, lines = [], []
    for name, a, b, km in drawn:
        pair_id = f"{PREFIX[args.set]}{len(out_pairs) + 1:03d}"
        fields = FROZEN + (("reason",) if second else ())
        out_pairs.append({"pair_id": pair_id, "stratum": name, "km": round(km, 1),
                          "a": {**{k: _plain(getattr(a, k)) for k in fields}, "anchor": anchor_of(a, texts[a.doc_id])},
                          "b": {**{k: _plain(getattr(b, k)) for k in fields}, "anchor": anchor_of(b, texts[b.doc_id])}})
        lines.append(f"=== {pair_id}" if second else f"=== {pair_id} [{name}] {km:.1f} km")
        for tag, e in (("A", a), ("B", b)):
            lines.append(f"{tag} {e.doc_id} | {e.source} | published {published[e.doc_id]} | {e.event_date} "
                         f"tp{e.time_precision} | {e.sub_event_type} | {e.location} ({e.admin2}/{e.admin1}) "
                         f"gp{e.geo_precision} | {e.actor1} / {e.actor2} | fat {e.fatalities}")
            lines.append(f"  T: {titles.get(e.doc_id, '')}")
            if second:  # the sentence before, for "the attack of that day" and the like
                start = anchor_of(e, texts[e.doc_id])["sentence"][0]
                lines.append(f"  C: ...{texts[e.doc_id][max(0, start - 250):start].strip()}")
                lines.append(f"  W: {e.evidence['trigger'].text}")
            lines.append(f"  S: {e.source_sentence[:600 if second else 400]}")
    (out_dir / "to_label.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out_dir / "pairs_unlabelled.jsonl", "w", encoding="utf-8") as handle:
        for pair in out_pairs:
            handle.write(json.dumps(pair, ensure_ascii=False) + "\n")


def incident_key(a: Event, b: Event) -> tuple:
    """A coarse incident of a pair, for the third set's cap: the two districts and the month."""
    return (frozenset((a.admin2 or a.admin1, b.admin2 or b.admin1)), min(a.event_date, b.event_date).isoformat()[:7])


def capped_sample(rng: random.Random, pool: list[tuple], size: int, per_key: int,
                  articles_drawn: set[frozenset]) -> list[tuple]:
    """``size`` pairs of ``pool`` in a seeded random order, at most ``per_key`` per incident key
    and never a pair of articles already drawn (``articles_drawn`` is updated)."""
    order = list(pool)
    rng.shuffle(order)
    keys: dict[tuple, int] = {}
    out = []
    for a, b, km in order:
        if len(out) == size:
            break
        key, docs = incident_key(a, b), frozenset((a.doc_id, b.doc_id))
        if keys.get(key, 0) >= per_key or docs in articles_drawn:
            continue
        keys[key] = keys.get(key, 0) + 1
        articles_drawn.add(docs)
        out.append((a, b, km))
    return out


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def anchor_of(event: Event, text: str) -> dict[str, list[int]]:
    """Where the record was read: its source sentence, trigger and (if any) date as [start, end)
    offsets into the (prepared) article text, so that a later extractor's record of the same
    passage can be found (``evaluate.py --reextract``) and the sentence re-read from the corpus,
    without storing any article text."""
    trigger = event.evidence["trigger"]
    sentence = event.source_sentence
    # the occurrence of the sentence that holds the trigger; else its first occurrence
    start = text.rfind(sentence, 0, trigger.start + 1) if sentence else -1
    if start < 0 or start + len(sentence) < trigger.end:
        start = text.find(sentence)
    if start < 0:
        raise ValueError(f"{event.doc_id}: source sentence not found in the article text")
    anchor = {"sentence": [start, start + len(sentence)], "trigger": [trigger.start, trigger.end]}
    if "date" in event.evidence:
        anchor["date"] = [event.evidence["date"].start, event.evidence["date"].end]
    return anchor


if __name__ == "__main__":
    main()
