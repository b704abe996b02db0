"""Blind validity judgments of a pair set's records (``NAME/validity.tsv``, docs/ACCURACY.md, session 6).

    python tests/dedupe/validity.py sheet --set NAME
        -> tests/dedupe/NAME/to_judge.txt: every pair's two records as the current extractor codes
           them (mapped by anchor, as ``evaluate.py --reextract``): outlet, publication date,
           status, date and precision, sub-event type, place, title, context, trigger and sentence;
           no label and no decision (never committed: it holds article text)
    python tests/dedupe/validity.py apply --set NAME --judged FILE.tsv
        -> tests/dedupe/NAME/validity.tsv from the judge's lines ``pair_id a_valid b_valid note``
           (tab-separated, 1 or 0), each side with the ``event_date|location`` it judged

A record is valid when its passage reports one specific act that happened (not a plan, threat,
denial, opinion, trend, summary of many days or history told in passing), dated right (±1 day at
time precision 1, ±7 at 2, the month at 3) and placed right (the place or its district). Type and
actors are not judged. ``evaluate.both_valid`` keeps a pair among the valid-record pairs only while
both current records still carry the date and place judged.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evaluate  # noqa: E402

HEADER = ("# pair_id\ta_valid\tb_valid\ta_judged\tb_judged\tnote  ({which} set: each record as the extractor of "
          "the time codes it (re-extracted, mapped by anchor) judged blind, without label or decision: 1 one "
          "specific act that happened, dated right (±1 day at tp1, ±7 at tp2, the month at tp3) and placed right "
          "(the place or its district); 0 else (a plan, opinion, summary, history in passing, a wrong date or "
          "place). judged = event_date|location of the record judged: a later record of the passage with another "
          "date or place has no validity judgment)\n")
_JUDGED = re.compile(r"\| (\S+) tp\S* \| [^|]+ \| (.*) \([^()]*/[^()]*\) gp\S*$")


def sheet(which: str) -> Path:
    pairs = evaluate.load_pairs(which)
    articles = evaluate.labelled_articles(pairs)
    run = evaluate.corpus_runner(articles)
    current, _ = evaluate.reextract(pairs, run, keep_lost=True)
    lines = []
    for pair in current:
        lines.append(f"=== {pair['pair_id']}")
        for side in ("a", "b"):
            event, doc_id = pair[f"current_{side}"], pair[side]["doc_id"]
            article, text = articles[doc_id], run(doc_id)[0]
            if event is None:
                start, end = pair[side]["anchor"]["sentence"]
                lines.append(f"{side.upper()} {doc_id} | {article.source} | published {article.published} | "
                             "NO RECORD (the software no longer reads an event here)")
                lines.append(f"  S: {text[start:end][:700]}")
                continue
            lines.append(f"{side.upper()} {doc_id} | {event.source} | published {article.published} | {event.status} "
                         f"{event.reason} | {event.event_date} tp{event.time_precision} | {event.sub_event_type} | "
                         f"{event.location} ({event.admin2}/{event.admin1}) gp{event.geo_precision}")
            lines.append(f"  T: {article.title}")
            start = text.find(event.source_sentence) if event.source_sentence else -1
            if start > 0:
                lines.append(f"  C: ...{text[max(0, start - 250):start].strip()}")
            lines.append(f"  W: {event.evidence['trigger'].text}")
            lines.append(f"  S: {(event.source_sentence or '')[:700]}")
    out = HERE / which / "to_judge.txt"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def apply(which: str, judged: Path) -> Path:
    shown: dict[str, dict[str, str]] = {}
    pair_id = ""
    for line in (HERE / which / "to_judge.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            pair_id = line[4:].strip()
            shown[pair_id] = {}
        elif line[:2] in ("A ", "B "):
            match = _JUDGED.search(line)
            shown[pair_id][line[0].lower()] = f"{match[1]}|{match[2]}" if match else "NONE|NONE"
    rows = [line.rstrip("\n").split("\t") for line in judged.read_text(encoding="utf-8").splitlines() if line.strip()]
    if sorted(row[0] for row in rows) != sorted(shown) or any(len(row) < 4 or {row[1], row[2]} - {"0", "1"} for row in rows):
        raise SystemExit(f"{judged}: one line per pair of {which} expected: pair_id, a_valid, b_valid (0/1), note")
    out = HERE / which / "validity.tsv"
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(HEADER.format(which=which))
        for row in sorted(rows):
            handle.write(f"{row[0]}\t{row[1]}\t{row[2]}\t{shown[row[0]]['a']}\t{shown[row[0]]['b']}\t{row[3]}\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("sheet", "apply"))
    parser.add_argument("--set", required=True, choices=tuple(name for name in evaluate.SETS if name != "first"))
    parser.add_argument("--judged", type=Path, help="apply: the judge's TSV")
    args = parser.parse_args()
    if args.action == "sheet":
        print(sheet(args.set))
    else:
        if args.judged is None:
            parser.error("apply needs --judged FILE.tsv")
        print(apply(args.set, args.judged))


if __name__ == "__main__":
    main()
