"""Where the store's errors on the design sets come from: the store's decision beside the pairwise
rule's, with the records as the current extractor codes them.

    python tests/dedupe/diagnose.py                 the confusion table and every error, design sets only
    python tests/dedupe/diagnose.py --table         the table only

For each labelled pair of ``DESIGN_SETS`` (the sets whose errors may be read; the others are blind
and stay so): the label, what the store does with the whole corpus (``evaluate.store_decider``),
what the pairwise rule says of the two current records (``store_decision``; "lost" when a passage
is no longer read as an event) and whether both records are judged valid (``validity.tsv``). The
table counts (label, store, rule, valid); the error list gives each false join and each missed
one with the rule's reason and both records, so that an error can be told apart as the
extractor's (a record invalid, lost or a candidate), the rule's (the rule refuses it too) or the
store's (the rule joins the pair, the store does not).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaluate as ev  # noqa: E402

# The sets whose errors have been read to design rules (sixth to eighth since session 7); every
# later set is blind: measure it (evaluate.py), never list its errors.
DESIGN_SETS = ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def describe(event: ev.Event | None) -> str:
    if event is None:
        return "LOST"
    return (f"{event.doc_id} {event.event_date} tp{event.time_precision} {event.sub_event_type} "
            f"@{event.location}({event.admin2}) gp{event.geo_precision} {event.actor1}/{event.actor2} "
            f"f{event.fatalities} {event.status}{' ' + event.reason if event.reason else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", action="store_true", help="the confusion table only")
    args = parser.parse_args()
    run, decide = ev.store_decider()
    table: Counter[tuple[int, bool, bool, bool]] = Counter()
    errors = []
    for which in DESIGN_SETS:
        current, _ = ev.reextract(ev.load_pairs(which), run, keep_lost=True)
        validity = ev.load_validity(which)
        for pair in current:
            if pair["label"] is None:
                continue
            store, store_reason = decide(pair)
            if pair["current_a"] is None or pair["current_b"] is None:
                rule, rule_reason = False, "lost"
            else:
                rule, rule_reason = ev.decide_current(pair)
            valid = ev.both_valid(pair, validity)
            table[(pair["label"], store, rule, valid)] += 1
            if store != bool(pair["label"]):
                errors.append((which, pair, store_reason, rule, rule_reason, valid))
    print("label  store  rule   both-valid  pairs")
    for (label, store, rule, valid), count in sorted(table.items()):
        print(f"{label:5d}  {store!s:5s}  {rule!s:5s}  {valid!s:10s}  {count}")
    if args.table:
        return
    for which, pair, store_reason, rule, rule_reason, valid in errors:
        kind = "FP" if pair["label"] == 0 else "FN"
        print(f"\n{which} {pair['pair_id']} {kind} {'valid' if valid else '-'} | {store_reason} | rule "
              f"{'joins' if rule else 'refuses'}: {rule_reason}")
        print("   A", describe(pair["current_a"]))
        print("   B", describe(pair["current_b"]))
        print("   N", pair["note"])


if __name__ == "__main__":
    main()
