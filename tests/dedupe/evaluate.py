"""Pairwise precision and recall of the merge decision on the labelled pairs.

    python tests/dedupe/evaluate.py                 the frozen coded fields (also tests/test_dedupe.py)
    python tests/dedupe/evaluate.py --reextract     beside them: the same pairs re-coded by the
                                                    current extractor [--corpus JSONL] [--gazetteer TSV]
    python tests/dedupe/evaluate.py --set second    the second set (tests/dedupe/second/: measure only,
                                                    never for designing a rule; docs/ACCURACY.md)
    python tests/dedupe/evaluate.py --set third     the third set (tests/dedupe/third/, session 4: measure only)
    python tests/dedupe/evaluate.py --set fourth    the fourth set (tests/dedupe/fourth/, session 4, second
                                                    round: measure only)
    python tests/dedupe/evaluate.py --set fifth     the fifth set (tests/dedupe/fifth/, session 5: measure only)
    python tests/dedupe/evaluate.py --set sixth     the sixth set (tests/dedupe/sixth/, session 5, second helper:
                                                    measure only)
    python tests/dedupe/evaluate.py --set seventh   the seventh set (tests/dedupe/seventh/, session 5, third helper:
                                                    measure only)
    python tests/dedupe/evaluate.py --set eighth    the eighth set (tests/dedupe/eighth/, session 5, fourth helper:
                                                    measure only)
    python tests/dedupe/evaluate.py --set ninth     the ninth set (tests/dedupe/ninth/, session 6, two helpers:
                                                    measure only)
    python tests/dedupe/evaluate.py --set tenth     the tenth set (tests/dedupe/tenth/, end of session 6: measure only)
    python tests/dedupe/evaluate.py --set eleventh  the eleventh set (tests/dedupe/eleventh/, session 6's last: measure only)
    python tests/dedupe/evaluate.py --set twelfth   the twelfth and thirteenth sets (session 7, drawn at its start:
                                       thirteenth   measure only)
    python tests/dedupe/evaluate.py --set fourteenth  drawn and labelled at the end of session 7, measured once
                                                    at the start of session 8
    python tests/dedupe/evaluate.py --set fifteenth   drawn and labelled in session 8, measured once with the
                                                    merge model
    python tests/dedupe/evaluate.py --set sixteenth   drawn and labelled at the end of session 8, measured once
                                                    with its final code; nothing was chosen on it
    python tests/dedupe/evaluate.py --store         what the store does: the whole corpus ingested into
                                                    a new SQLite store (in corpus order, as ``rasd ingest``
                                                    would), a pair joined when its two passages' reports
                                                    end up sources of one stored event

A set with a ``validity.tsv`` (blind judgments of each record: one specific act, dated and placed
right) also gets ``store_valid_records``: the store's figure on the pairs whose two current records
are both judged valid, i.e. the merge decision itself, apart from the extractor's errors.

A pair counts as joined when the store joins the two records (``rasd.store.dedupe.store_decision``):
two events merged, or a re-telling (``background`` candidate) attached to an event as one more
source of it; a record stored as a candidate is joined to nothing else.

pairs.jsonl holds no article text: each frozen record's source sentence, trigger and date evidence
(which the rule may read) are re-read from the corpus at its ``anchor``; without the corpus the
frozen records have none.

The labels say whether two *passages* of two articles refer to the same real incident, so they
stay valid whatever an extractor makes of the passages. ``--reextract`` codes each labelled
article again and maps every labelled record to the current record of the same passage
(``map_record``, rule below); pairs whose two records both map are decided again by
``store_decision`` on the current fields.

Mapping rule, per labelled record (its ``anchor``: the offsets of its source sentence and trigger,
see build_pairs.py), among the current records of the same article (``doc_id``):

1. records whose trigger span overlaps the labelled trigger span; if none,
2. records whose source sentence overlaps the labelled sentence; if none,
3. records with any evidence span (actor, place, date, fatalities) inside the labelled sentence
   (a record merged from several sentences may now take its source sentence from another);
4. none of these: the record is *lost* (the extractor no longer reads an event there).

When none of the records of the first level that has any is at the labelled place but a record
of a later level is, with the labelled sub-event type, that one is taken (a list of places split
by other triggers). When several
records qualify at the first level that has any (one sentence split into one event per place),
the tie is broken by agreement with the labelled record: the same place id, then the
nearest place (place ids differ between gazetteer builds), then the same sub-event type, then the
same date, then article order. A record that is now a candidate
(unlocated, undated) still maps: the store would not merge it, and that is what it is scored as.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rasd.schema import Event, Span  # noqa: E402
from rasd.store.dedupe import haversine_km, store_decision  # noqa: E402

# $RASD_SHARED (relative to the repository, as the Makefile reads it), else ../shared
SHARED = ROOT / os.environ.get("RASD_SHARED", "../shared")
DEFAULT_CORPUS = SHARED / "data/corpus/dev.jsonl"
DEFAULT_GAZETTEER = SHARED / "data/gazetteer/gazetteer_sy_iq.tsv.gz"


SETS = {"first": HERE / "pairs.jsonl", "second": HERE / "second" / "pairs.jsonl",
        "third": HERE / "third" / "pairs.jsonl", "fourth": HERE / "fourth" / "pairs.jsonl",
        "fifth": HERE / "fifth" / "pairs.jsonl", "sixth": HERE / "sixth" / "pairs.jsonl",
        "seventh": HERE / "seventh" / "pairs.jsonl", "eighth": HERE / "eighth" / "pairs.jsonl",
        "ninth": HERE / "ninth" / "pairs.jsonl", "tenth": HERE / "tenth" / "pairs.jsonl",
        "eleventh": HERE / "eleventh" / "pairs.jsonl", "twelfth": HERE / "twelfth" / "pairs.jsonl",
        "thirteenth": HERE / "thirteenth" / "pairs.jsonl", "fourteenth": HERE / "fourteenth" / "pairs.jsonl",
        "fifteenth": HERE / "fifteenth" / "pairs.jsonl", "sixteenth": HERE / "sixteenth" / "pairs.jsonl"}


def load_pairs(which: str = "first") -> list[dict]:
    return [json.loads(line) for line in SETS[which].read_text(encoding="utf-8").splitlines() if line]


def load_validity(which: str) -> dict[str, dict[str, tuple[bool, str]]]:
    """The set's blind validity judgments (``NAME/validity.tsv``, when there is one): per pair id and
    side ("a", "b"), whether the record judged was valid (one specific act, dated and placed
    right) and what was judged (``event_date|location``)."""
    path = SETS[which].parent / "validity.tsv"
    if which == "first" or not path.exists():
        return {}
    out: dict[str, dict[str, tuple[bool, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pair_id, a_valid, b_valid, a_judged, b_judged = line.split("\t")[:5]
        out[pair_id] = {"a": (a_valid == "1", a_judged), "b": (b_valid == "1", b_judged)}
    return out


def both_valid(pair: dict, validity: dict[str, dict[str, tuple[bool, str]]]) -> bool:
    """Whether both of a re-extracted pair's current records are judged valid: each record as it
    was judged (the same date and place now) and judged a valid record. The merge decision proper
    is scored on these pairs: on the others the extractor, not the merge, has already erred."""
    judged = validity.get(pair["pair_id"])
    if judged is None:
        return False
    for side in ("a", "b"):
        event = pair[f"current_{side}"]
        valid, fields = judged[side]
        if event is None or not valid or f"{event.event_date}|{event.location}" != fields:
            return False
    return True


def as_event(fields: dict, text: str | None = None) -> Event:
    """A frozen record as an ``Event``; given its article's text, with the source sentence and
    the trigger and date evidence of its anchor."""
    values = {k: v for k, v in fields.items() if k != "anchor"}
    anchor = fields.get("anchor")
    if text is not None and anchor is not None:
        values["source_sentence"] = text[anchor["sentence"][0]:anchor["sentence"][1]]
        values["evidence"] = {name: Span(start=anchor[name][0], end=anchor[name][1],
                                         text=text[anchor[name][0]:anchor[name][1]])
                              for name in ("trigger", "date") if name in anchor}
    return Event.model_validate(values)


def labelled_articles(pairs: list[dict], corpus: Path = DEFAULT_CORPUS) -> dict[str, Any]:
    """The labelled pairs' articles (``rasd.schema.Article``) by id; empty without the corpus."""
    if not corpus.exists():
        return {}
    from rasd.ingest import ArticleRejected, read_jsonl_articles

    wanted = {pair[side]["doc_id"] for pair in pairs for side in ("a", "b")}
    with open(corpus, encoding="utf-8") as handle:
        return {a.id: a for a in read_jsonl_articles(handle) if not isinstance(a, ArticleRejected) and a.id in wanted}


def article_texts(articles: dict[str, Any]) -> dict[str, str]:
    """The articles' texts as the extractor reads them (HTML reduced to text): anchors index these."""
    from rasd.pipeline import Extractor

    return {doc_id: Extractor.prepare_text(article).text for doc_id, article in articles.items()}


def frozen_decider(texts: dict[str, str]) -> Callable[[dict], tuple[bool, str]]:
    """``store_decision`` on a pair's frozen records (with their sentences when ``texts`` has them)."""
    def decide(pair: dict) -> tuple[bool, str]:
        a, b = pair["a"], pair["b"]
        return _decision(as_event(a, texts.get(a["doc_id"])), as_event(b, texts.get(b["doc_id"])))

    return decide


def score(pairs: list[dict], decide: Callable[[dict], tuple[bool, str]] | None = None) -> dict[str, object]:
    """TP/FP/FN/TN of ``decide`` (default: ``store_decision`` on the frozen fields, without the
    sentences) over the labelled pairs; undecidable pairs (label null) are left out."""
    decide = decide or frozen_decider({})
    tp = fp = fn = tn = 0
    errors = []
    for pair in pairs:
        if pair["label"] is None:
            continue
        same, reason = decide(pair)
        if same and pair["label"] == 1:
            tp += 1
        elif same:
            fp += 1
            errors.append(("FP", pair["pair_id"], reason, pair["note"]))
        elif pair["label"] == 1:
            fn += 1
            errors.append(("FN", pair["pair_id"], reason, pair["note"]))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"pairs": len(pairs), "labelled": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(precision, 3), "recall": round(recall, 3),
            "strata": dict(Counter(p["stratum"] for p in pairs)), "errors": errors}


def _decision(a: Event, b: Event) -> tuple[bool, str]:
    decision = store_decision(a, b)
    return decision.same, decision.reason


def halves(pairs: list[dict]) -> dict[str, list[dict]]:
    """The odd and even pair ids: a rule chosen on one half should hold on the other."""
    return {"odd": [p for p in pairs if int(p["pair_id"][1:]) % 2 == 1],
            "even": [p for p in pairs if int(p["pair_id"][1:]) % 2 == 0]}


# -- re-extraction -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mapped:
    event: Event | None
    how: str  # "trigger", "sentence", "evidence" or "lost"


def _overlaps(a: tuple[int, int] | list[int], b: tuple[int, int] | list[int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def sentence_span(event: Event, text: str) -> tuple[int, int] | None:
    """Where the record's source sentence lies in the article (the occurrence holding its trigger)."""
    sentence = event.source_sentence
    if not sentence:
        return None
    trigger = event.evidence.get("trigger")
    start = text.rfind(sentence, 0, trigger.start + 1) if trigger else -1
    if start < 0 or (trigger and start + len(sentence) < trigger.end):
        start = text.find(sentence)
    return (start, start + len(sentence)) if start >= 0 else None


def map_record(labelled: dict, events: Iterable[Event], text: str) -> Mapped:
    """The current record of the labelled record's passage (module docstring: the rule)."""
    anchor = labelled["anchor"]
    trigger, sentence = anchor["trigger"], anchor["sentence"]
    own = [e for e in events if e.doc_id == labelled["doc_id"]]
    levels: list[tuple[str, Callable[[Event], bool]]] = [
        ("trigger", lambda e: "trigger" in e.evidence and _overlaps((e.evidence["trigger"].start,
                                                                     e.evidence["trigger"].end), trigger)),
        ("sentence", lambda e: (span := sentence_span(e, text)) is not None and _overlaps(span, sentence)),
        ("evidence", lambda e: any(sentence[0] <= s.start and s.end <= sentence[1] for s in e.evidence.values())),
    ]
    for level, (how, test) in enumerate(levels):
        found = [(i, e) for i, e in enumerate(own) if test(e)]
        if found and not any(e.place_id == labelled["place_id"] for _, e in found):
            # the labelled place is now read with another trigger of the same sentence (a list of
            # places split differently): that record is the passage's record at that place
            for _, later in levels[level + 1:]:
                same_place = [(i, e) for i, e in enumerate(own) if later(e) and e.place_id == labelled["place_id"]
                              and e.sub_event_type == labelled["sub_event_type"]]
                if same_place:
                    found = same_place
                    break
        if found:
            _, best = min(found, key=lambda item: (
                item[1].place_id != labelled["place_id"], _km_from(item[1], labelled),
                item[1].sub_event_type != labelled["sub_event_type"],
                _plain_date(item[1]) != labelled["event_date"], item[0]))
            return Mapped(best, how)
    return Mapped(None, "lost")


def _km_from(event: Event, labelled: dict) -> float:
    """How far the record's place is from the labelled record's (whole km; unplaced: infinite).
    Place ids change with the gazetteer build (the built index and the TSV name some towns by
    different ids), so a sentence split into one record per place is matched by distance."""
    if None in (event.latitude, event.longitude, labelled.get("latitude"), labelled.get("longitude")):
        return math.inf
    return round(haversine_km(event.latitude, event.longitude, labelled["latitude"], labelled["longitude"]))


def _plain_date(event: Event) -> str | None:
    return event.event_date.isoformat() if event.event_date else None


def reextract(pairs: list[dict], run: Callable[[str], tuple[str, list[Event]]], keep_lost: bool = False
              ) -> tuple[list[dict], dict[str, object]]:
    """The pairs whose two records both map, with the current records in place of the frozen
    ones (``current_a``/``current_b``), and how the records mapped. ``run(doc_id)`` codes one
    article with the current extractor: (its prepared text, its events). With ``keep_lost``, the
    pairs with a lost record too (its current record None): the store has no report of that
    passage, so it cannot join the pair (``store_decider``)."""
    coded: dict[str, tuple[str, list[Event]]] = {}
    # by the whole frozen record: one sentence split into two places gives two records with the
    # same trigger, told apart by their place
    mapped: dict[str, Mapped] = {}
    records: dict[str, dict] = {}
    out = []
    for pair in pairs:
        current = {}
        for side in ("a", "b"):
            record = pair[side]
            key = json.dumps(record, sort_keys=True)
            if key not in mapped:
                if record["doc_id"] not in coded:
                    coded[record["doc_id"]] = run(record["doc_id"])
                text, events = coded[record["doc_id"]]
                mapped[key] = map_record(record, events, text)
                records[key] = record
            current[side] = mapped[key].event
        if keep_lost or (current["a"] is not None and current["b"] is not None):
            out.append({**pair, "current_a": current["a"], "current_b": current["b"]})
    hows = Counter(m.how for m in mapped.values())
    summary = {
        "records": len(mapped), "mapped": len(mapped) - hows["lost"], "by": dict(hows),
        "now_candidates": sum(1 for m in mapped.values() if m.event is not None and m.event.status == "candidate"),
        "fields_changed": sum(1 for key, m in mapped.items() if m.event is not None and _changed(records[key], m.event)),
        "pairs_mapped": len(out), "labelled_pairs_mapped": sum(1 for p in out if p["label"] is not None),
    }
    return out, summary


def _changed(record: dict, event: Event) -> bool:
    """Whether the current record differs from the frozen one in a field the merge rule reads."""
    fields = ("event_date", "time_precision", "sub_event_type", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2",
              "admin1", "admin2", "latitude", "longitude", "geo_precision", "status")
    current = event.model_dump(mode="json")
    return any(current[f] != record[f] for f in fields)


def store_decider(corpus: Path = DEFAULT_CORPUS, gazetteer: Path = DEFAULT_GAZETTEER
                  ) -> tuple[Callable[[str], tuple[str, list[Event]]], Callable[[dict], tuple[bool, str]]]:
    """The whole corpus ingested into a new SQLite store by ``Store.ingest`` (the writer, batches
    of 500, corpus order), and ``(run, decide)``: ``run`` for ``reextract`` (with ``keep_lost``),
    and ``decide(pair)`` on a re-extracted pair: not joined when a passage is no longer read as an
    event (lost), else joined when the stored reports of its two records (by article and
    event index: ``event_sources``) belong to one stored event. Unlike ``store_decision`` this sees
    everything the writer does: one stored event takes at most one report of an article, merges
    chain through other articles, and the order of arrival decides which report matches first."""
    import functools
    import tempfile

    from sqlalchemy import select

    from rasd.gazetteer import get_gazetteer
    from rasd.ingest import ArticleRejected, read_jsonl_articles
    from rasd.pipeline import Extractor
    from rasd.store import Store
    from rasd.store.models import EventSourceRow
    from rasd.store.repository import Incoming

    extractor = Extractor(get_gazetteer(gazetteer))
    with open(corpus, encoding="utf-8") as handle:
        articles = [a for a in read_jsonl_articles(handle) if not isinstance(a, ArticleRejected)]
    with tempfile.TemporaryDirectory(prefix="rasd-dedupe-eval-") as folder:  # all needed is kept in ``owner``
        store = Store.open(f"sqlite:///{folder}/eval.db")
        store.ingest((Incoming(a, "corpus") for a in articles), lambda a: extractor.run(a).events)
        with store.session() as s:
            owner = {(row.article_id, row.event_index): row.event_id_cnty
                     for row in s.execute(select(EventSourceRow.article_id, EventSourceRow.event_index,
                                                 EventSourceRow.event_id_cnty))}
        store.close()
    # cached: ``stored_id`` finds a record by identity in the list ``reextract`` mapped it from
    run = functools.cache(corpus_runner({a.id: a for a in articles}, extractor=extractor))

    def stored_id(event: Event) -> str | None:
        events = run(event.doc_id)[1]
        index = next(i for i, e in enumerate(events) if e is event)
        return owner.get((event.doc_id, index))

    def decide(pair: dict) -> tuple[bool, str]:
        if pair["current_a"] is None or pair["current_b"] is None:
            return False, "store: a passage no longer read as an event"
        id_a, id_b = stored_id(pair["current_a"]), stored_id(pair["current_b"])
        same = id_a is not None and id_a == id_b
        return same, f"store: {id_a}" if same else f"store: {id_a} / {id_b}"

    return run, decide


def decide_current(pair: dict) -> tuple[bool, str]:
    return _decision(pair["current_a"], pair["current_b"])


def corpus_runner(articles: dict[str, Any], gazetteer: Path = DEFAULT_GAZETTEER, extractor: Any = None
                  ) -> Callable[[str], tuple[str, list[Event]]]:
    """``run(doc_id)`` for ``reextract``: the current extractor (given, or built with the full
    gazetteer) on one of ``articles``."""
    if extractor is None:
        from rasd.gazetteer import get_gazetteer
        from rasd.pipeline import Extractor

        extractor = Extractor(get_gazetteer(gazetteer))

    def run(doc_id: str) -> tuple[str, list[Event]]:
        article = articles[doc_id]
        return extractor.prepare_text(article).text, extractor.run(article).events

    return run


def report(pairs: list[dict], texts: dict[str, str],
           with_reextraction: Callable[[str], tuple[str, list[Event]]] | None = None,
           validity: dict[str, dict[str, tuple[bool, str]]] | None = None) -> dict[str, object]:
    """Frozen figures (all pairs and their odd/even halves) and, given a runner, the re-extracted
    figures on the mapped pairs beside the frozen figures on the same pairs (and, given the set's
    validity judgments, on the pairs of two valid records)."""
    frozen = frozen_decider(texts)
    out: dict[str, object] = {"frozen": score(pairs, frozen), "frozen_sentences": len(texts) > 0}
    out["frozen_halves"] = {name: _short(score(half, frozen)) for name, half in halves(pairs).items()}
    if with_reextraction is not None:
        current, mapping = reextract(pairs, with_reextraction)
        out["mapping"] = mapping
        out["reextracted"] = score(current, decide_current)
        out["frozen_on_mapped"] = _short(score(current, frozen))
        out["reextracted_halves"] = {name: _short(score(half, decide_current)) for name, half in halves(current).items()}
        if validity:
            out["reextracted_valid_records"] = _short(score([p for p in current if both_valid(p, validity)], decide_current))
    return out


def _short(result: dict[str, object]) -> dict[str, object]:
    return {k: result[k] for k in ("labelled", "tp", "fp", "fn", "tn", "precision", "recall")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reextract", action="store_true", help="also re-code the pairs with the current extractor")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER)
    parser.add_argument("--set", choices=(*SETS, "all"), default="first",
                        help="all: every set (with --store: one store for all)")
    parser.add_argument("--store", action="store_true", help="what the store does with the whole corpus")
    args = parser.parse_args()
    if args.store:
        run, decide = store_decider(args.corpus, args.gazetteer)
        for which in SETS if args.set == "all" else (args.set,):
            current, mapping = reextract(load_pairs(which), run, keep_lost=True)
            result = score(current, decide)
            for error in result.pop("errors"):  # type: ignore[attr-defined]
                print(which, "store", *error, sep="\t")
            out = {"mapping": mapping, "store": result, "store_halves": {
                name: _short(score(half, decide)) for name, half in halves(current).items()}}
            validity = load_validity(which)
            if validity:  # the merge decision proper: pairs of two records judged valid
                out["store_valid_records"] = _short(score([p for p in current if both_valid(p, validity)], decide))
            print(which, json.dumps(out))
        return
    if args.set == "all":
        parser.error("--set all goes with --store")
    pairs = load_pairs(args.set)
    articles = labelled_articles(pairs, args.corpus)
    runner = None
    if args.reextract:
        if not articles:
            parser.error(f"--reextract needs the corpus: not found at {args.corpus}")
        runner = corpus_runner(articles, args.gazetteer)
    result = report(pairs, article_texts(articles), runner, load_validity(args.set))
    for name in ("frozen", "reextracted"):
        if name in result:
            for error in result[name].pop("errors"):  # type: ignore[attr-defined]
                print(name, *error, sep="\t")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
