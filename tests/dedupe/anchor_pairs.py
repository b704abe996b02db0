"""Add to each labelled record of pairs.jsonl *where in its article* it was read: the character
offsets of its source sentence and of its trigger (offsets only, no article text).

    git archive f8ef300 src | tar -x -C /tmp/rasd-f8ef300      # the extractor that froze the pairs
    PYTHONPATH=/tmp/rasd-f8ef300/src:. python tests/dedupe/anchor_pairs.py [--corpus ...] [--gazetteer ...]

The frozen coded fields say *what* each record was, not where it came from, and the labels are
about the real-world referent of that passage. To re-code a labelled record with a later
extractor (``evaluate.py --reextract``) the passage must be known, so this script re-runs the
extractor of the commit that built the pairs (f8ef300; run it with that commit's ``src`` first
on the path), finds in each article the one event whose coded fields equal the frozen ones, and
writes its anchor into pairs.jsonl. It refuses to write when a record is not found exactly once.
``build_pairs.py`` writes the anchors directly for pairs built from now on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared/data/corpus/dev.jsonl"))
    parser.add_argument("--gazetteer", default=str(ROOT.parent / "shared/data/gazetteer/gazetteer_sy_iq.tsv.gz"))
    args = parser.parse_args()

    from rasd.gazetteer import get_gazetteer
    from rasd.ingest import ArticleRejected, read_jsonl_articles
    from rasd.pipeline import Extractor

    from tests.dedupe.build_pairs import FROZEN, _plain, anchor_of

    pairs = [json.loads(line) for line in (HERE / "pairs.jsonl").read_text(encoding="utf-8").splitlines() if line]
    wanted = {pair[side]["doc_id"] for pair in pairs for side in ("a", "b")}
    extractor = Extractor(get_gazetteer(Path(args.gazetteer)))
    coded: dict[str, tuple[str, list]] = {}
    with open(args.corpus, encoding="utf-8") as handle:
        for article in read_jsonl_articles(handle):
            if isinstance(article, ArticleRejected) or article.id not in wanted:
                continue
            prepared = extractor.prepare_text(article)
            coded[article.id] = (prepared.text, extractor.run(article).events)
    problems = []
    for pair in pairs:
        for side in ("a", "b"):
            frozen = {k: v for k, v in pair[side].items() if k in FROZEN}
            text, events = coded.get(frozen["doc_id"], ("", []))
            found = [e for e in events if {k: _plain(getattr(e, k)) for k in FROZEN} == frozen]
            if len(found) != 1:
                problems.append(f"{pair['pair_id']}{side}: {len(found)} events match the frozen fields")
                continue
            pair[side]["anchor"] = anchor_of(found[0], text)
    if problems:
        sys.exit("not written:\n" + "\n".join(problems))
    with open(HERE / "pairs.jsonl", "w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(pair, ensure_ascii=False) + "\n")
    print(f"anchored {2 * len(pairs)} records of {len(pairs)} pairs")


if __name__ == "__main__":
    main()
