"""The ``rasd`` command line: one subcommand per stage.

    rasd extract ARTICLE --published 2021-12-09      one article (text or HTML; - for stdin)
    rasd extract --jsonl articles.jsonl              many articles, one JSON object per line
    rasd evaluate GOLD.jsonl PREDICTED.jsonl         score against a hand-annotated gold file
    rasd ingest PATH|URL ...                         store articles and their deduplicated events
    rasd watch FEEDS.txt --every 15m                 poll feeds, ingest what is new
    rasd export --format csv|geojson|jsonl|xlsx|parquet   events from the store
    rasd db upgrade | info                           migrate the store; rows per table
    rasd serve [--db DB] [--host H] [--port P]       the analysts' API and map page
    rasd review list | place | date | confirm | reject   the candidates awaiting review

Exit codes: 0 success (even with no events), 1 a review write refused (no such event, not
placed yet), 2 usage errors (bad option, missing file, bad date, an ambiguous place name).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

import typer

from rasd.ingest import ArticleRejected, read_jsonl_articles
from rasd.schema import Article, Event

if TYPE_CHECKING:
    from rasd.dask_engine import DaskEngine

app = typer.Typer(add_completion=False, no_args_is_help=True, help="rasd (رصد): Arabic conflict news to ACLED-model events.")
gazetteer_app = typer.Typer(no_args_is_help=True, help="Inspect the gazetteer rasd geocodes with.")
app.add_typer(gazetteer_app, name="gazetteer")
db_app = typer.Typer(no_args_is_help=True, help="The event store: migrations and contents.")
app.add_typer(db_app, name="db")
review_app = typer.Typer(no_args_is_help=True, help="Candidates awaiting review (unlocated, undated): list, place, date, confirm, reject.")
app.add_typer(review_app, name="review")
DB_HELP = "Database: a file path (SQLite) or a URL such as postgresql+psycopg://user@host/db; default $RASD_DB or ./rasd.db."

_TABLE_COLUMNS = (
    ("doc_id", 22), ("status", 9), ("event_date", 10), ("sub_event_type", 30), ("actor1", 30), ("actor2", 26),
    ("location", 18), ("admin1", 13), ("geo_precision", 3), ("fatalities", 4),
)


def _fail(message: str) -> None:
    typer.echo(f"rasd: {message}", err=True)
    raise typer.Exit(code=2)


def _extractor(gazetteer: Optional[Path]):  # type: ignore[no-untyped-def]
    from rasd.gazetteer import get_gazetteer
    from rasd.pipeline import Extractor

    try:
        return Extractor(get_gazetteer(gazetteer))
    except FileNotFoundError as exc:
        _fail(str(exc))


def _print_table_header() -> None:
    typer.echo("  ".join(name[:width].ljust(width) for name, width in _TABLE_COLUMNS))


def _print_event(event: Event, fmt: str, explain: bool) -> None:
    if fmt == "table":
        row = event.to_json_dict()
        cells = []
        for name, width in _TABLE_COLUMNS:
            value = row[name]
            text = "" if value is None else str(value)
            if name == "status" and value == "candidate":
                text = f"cand:{row['reason']}"[:width]
            cells.append(text[:width].ljust(width))
        typer.echo("  ".join(cells))
    else:
        typer.echo(json.dumps(event.to_json_dict(), ensure_ascii=False))
    if explain:
        typer.echo(f"    notes: {event.notes}")
        typer.echo(f"    sentence: {event.source_sentence}")
        for field_name, rule in event.explain.items():
            evidence_key = {"sub_event_type": "trigger", "event_date": "date", "location": "location"}.get(field_name, field_name)
            span = event.evidence.get(evidence_key)
            where = f" «{span.text}» [{span.start}:{span.end}]" if span else ""
            typer.echo(f"    {field_name}: {rule}{where}")


@app.command()
def extract(
    article: Optional[str] = typer.Argument(None, help="Article file (plain text or HTML), or - for stdin."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date, YYYY-MM-DD."),
    jsonl: Optional[str] = typer.Option(None, "--jsonl", help="JSON Lines of articles (file or -)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (default) or table."),
    explain: bool = typer.Option(False, "--explain", help="Show, per event, the lexicon entry or rule behind each field."),
    gazetteer: Optional[Path] = typer.Option(None, "--gazetteer", help="Gazetteer TSV(.gz); default RASD_GAZETTEER or the built-in fallback."),
    doc_id: str = typer.Option("", "--id", help="Article id for a single article (default: the file name)."),
    max_chars: int = typer.Option(200_000, "--max-chars", help="Reject articles longer than this."),
) -> None:
    """Extract ACLED-model events (and review candidates) from Arabic news."""
    if fmt not in ("jsonl", "table"):
        _fail(f"--format must be jsonl or table, not {fmt!r}")
    if (article is None) == (jsonl is None):
        _fail("give one ARTICLE (or -) or --jsonl FILE")
    extractor = _extractor(gazetteer)
    if fmt == "table":
        _print_table_header()
    if jsonl is not None:
        _extract_jsonl(extractor, jsonl, fmt, explain, max_chars)
        return
    assert article is not None
    raw = _read_source(article)
    from rasd.prepare import html_published_date, looks_like_html

    if published is None and looks_like_html(raw):
        published = html_published_date(raw)
    if published is None:
        _fail("--published YYYY-MM-DD is required: relative dates (أمس، الخميس) are resolved against it")
    try:
        date = dt.date.fromisoformat(published)
    except ValueError:
        _fail(f"--published must be YYYY-MM-DD, not {published!r}")
    name = doc_id or ("stdin" if article == "-" else Path(article).stem)
    result = extractor.run(Article(id=name, published=date, text=raw))
    for event in result.events:
        _print_event(event, fmt, explain)


def _read_source(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    if not p.is_file():
        _fail(f"no such file: {path}")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text")
    return ""


def _lines(source: str) -> Iterator[str]:
    if source == "-":
        yield from sys.stdin
        return
    p = Path(source)
    if not p.is_file():
        _fail(f"no such file: {source}")
    with p.open(encoding="utf-8", errors="replace") as handle:
        yield from handle


def _extract_jsonl(extractor, source: str, fmt: str, explain: bool, max_chars: int) -> None:  # type: ignore[no-untyped-def]
    read = coded = rejected = events = candidates = 0
    for item in read_jsonl_articles(_lines(source), max_chars=max_chars):
        read += 1
        if isinstance(item, ArticleRejected):
            rejected += 1
            typer.echo(f"rasd: line {item.line}: rejected ({item.reason}){' id=' + item.article_id if item.article_id else ''}", err=True)
            continue
        try:
            result = extractor.run(item)
        except Exception as exc:  # an extractor bug must not stop the batch nor lose the article
            rejected += 1
            typer.echo(f"rasd: article {item.id}: rejected (extractor error: {type(exc).__name__}: {exc})", err=True)
            continue
        coded += 1
        for event in result.events:
            events += event.status == "event"
            candidates += event.status == "candidate"
            _print_event(event, fmt, explain)
    typer.echo(f"rasd: read {read} articles, coded {coded}, rejected {rejected}; "
               f"{events} events, {candidates} candidates", err=True)


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help="Gold JSONL (docs/GOLD_FORMAT.md), a file or a folder of *.jsonl."),
    predicted: Path = typer.Argument(..., help="rasd's output JSONL (rasd extract --jsonl)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score predicted events against a gold file: precision, recall, F1, per type and per field."""
    from rasd.evaluate import evaluate_files, format_report

    for path in (gold, predicted):
        if not path.exists():
            _fail(f"no such file: {path}")
    report = evaluate_files(gold, predicted)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))


def _shared_gazetteer_dir() -> Path:
    """$RASD_SHARED/data/gazetteer; RASD_SHARED defaults to ../shared beside the repository."""
    import os

    repo_root = Path(__file__).resolve().parents[2]  # src/rasd/cli.py -> the repository
    shared = Path(os.environ.get("RASD_SHARED") or "../shared")
    # relative to the repository, as the Makefile and the tests read it, not to the working folder
    return (shared if shared.is_absolute() else (repo_root / shared).resolve()) / "data" / "gazetteer"


@gazetteer_app.command("build")
def gazetteer_build(
    source: Optional[Path] = typer.Option(None, "--from", help="Gazetteer data folder (default $RASD_SHARED/data/gazetteer)."),
) -> None:
    """Build rasd's gazetteer index (places + admin hierarchy) into RASD_HOME from the data files."""
    import time

    from rasd.gazetteer_index import build_from_directory, index_dir, save_index

    data_dir = source or _shared_gazetteer_dir()
    if not data_dir.is_dir():
        _fail(f"no gazetteer data folder at {data_dir} (give one with --from, or set RASD_SHARED)")
    started = time.perf_counter()
    try:
        gazetteer, manifest = build_from_directory(data_dir)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    manifest["build_seconds"] = round(time.perf_counter() - started, 2)
    target = save_index(gazetteer, manifest, index_dir())
    _echo_built(manifest, target)


def _echo_built(manifest: dict, target: Path) -> None:  # type: ignore[type-arg]
    counts = manifest["counts"]
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts["by_kind"].items(), key=lambda kv: -kv[1]))
    typer.echo(f"rasd: built the gazetteer index in {target} ({manifest.get('build_seconds', '?')} s): "
               f"{counts['places']} places ({kinds}), {counts['names']} name keys; "
               f"admin2 for {counts['with']['admin2']}, admin3 for {counts['with']['admin3']}")


@gazetteer_app.command("download")
def gazetteer_download(
    country: Optional[list[str]] = typer.Option(None, "--country", help="Countries (ISO2): --country SY IQ (default both)."),
    more_countries: Optional[list[str]] = typer.Argument(None, hidden=True, metavar="[COUNTRY]..."),
    source: Optional[str] = typer.Option(None, "--from", help="A folder or file holding SY.zip / IQ.zip (or .txt), or a base URL."),
    base_url: str = typer.Option("https://download.geonames.org/export/dump/", "--base-url", help="Where the GeoNames dumps are."),
    polygons: Optional[Path] = typer.Option(None, "--polygons", help="Admin polygons folder (as shared/data/gazetteer) for admin2/admin3."),
) -> None:
    """Build the gazetteer index from GeoNames country dumps (downloaded, or a local copy with --from)."""
    import time
    import urllib.error

    from rasd.gazetteer import COUNTRIES
    from rasd.gazetteer_download import build_from_geonames
    from rasd.gazetteer_index import index_dir, save_index

    # `--country SY IQ`: typer gives SY to the option and IQ to the hidden argument
    wanted = [c.strip().upper() for item in [*(country or []), *(more_countries or [])] for c in item.split(",") if c.strip()]
    wanted = list(dict.fromkeys(wanted)) or list(COUNTRIES)
    unknown = [c for c in wanted if c not in COUNTRIES]
    if unknown:
        _fail(f"unknown country {', '.join(unknown)}: rasd covers {', '.join(COUNTRIES)}")
    if polygons is not None and not polygons.is_dir():
        _fail(f"no polygons folder at {polygons}")
    started = time.perf_counter()
    try:
        gazetteer, manifest = build_from_geonames(wanted, source, base_url, polygons)
    except (FileNotFoundError, ValueError, urllib.error.URLError, OSError) as exc:
        _fail(f"download failed: {exc}")
    manifest["build_seconds"] = round(time.perf_counter() - started, 2)
    target = save_index(gazetteer, manifest, index_dir())
    _echo_built(manifest, target)


@gazetteer_app.command("info")
def gazetteer_info(gazetteer: Optional[Path] = typer.Option(None, "--gazetteer")) -> None:
    """What gazetteer is loaded (JSON): source, index version and build, counts by kind and country."""
    from rasd.gazetteer import gazetteer_source, get_gazetteer
    from rasd.gazetteer_index import gazetteer_counts, read_manifest

    try:
        kind, where = gazetteer_source(gazetteer)
        loaded = get_gazetteer(gazetteer)
    except FileNotFoundError as exc:
        _fail(str(exc))
    info: dict = {**loaded.info(), "kind": kind, "path": str(where) if where else None}  # type: ignore[type-arg]
    counts = gazetteer_counts(loaded)
    info.update(by_country=counts["by_country"], with_admin=counts["with"])
    if kind == "index" and where is not None:
        manifest = read_manifest(where)
        info["index"] = {k: manifest.get(k) for k in ("format", "rasd_version", "built_at", "origin", "build_seconds", "sources", "admin_layers")}
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2))


@gazetteer_app.command("lookup")
def gazetteer_lookup(
    name: str,
    gazetteer: Optional[Path] = typer.Option(None, "--gazetteer"),
    limit: int = typer.Option(10, "--limit", help="How many candidates to print."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per candidate."),
) -> None:
    """Ranked candidates for a place name: score, entry, admin1/admin2/admin3, coordinates (tab-separated).

    Columns: score, id, kind, Arabic name, English name, admin1, admin2, admin3, lat,lon, population, how matched.
    """
    from rasd.gazetteer import get_gazetteer
    from rasd.gazetteer_lookup import rank_candidates

    try:
        loaded = get_gazetteer(gazetteer)
    except FileNotFoundError as exc:
        _fail(str(exc))
    for c in rank_candidates(loaded, name, limit=limit):
        p = c.place
        if as_json:
            typer.echo(json.dumps({"score": c.score, "how": c.how, "matched": c.matched, "id": p.id, "kind": p.kind,
                                   "feature_type": p.feature_type, "name_ar": p.name_ar, "name": p.name, "country": p.country,
                                   "admin1": p.admin1, "admin2": p.admin2, "admin3": p.admin3, "lat": p.lat, "lon": p.lon,
                                   "population": p.population}, ensure_ascii=False))
        else:
            typer.echo(f"{c.score:.1f}\t{p.id}\t{p.kind}\t{p.name_ar}\t{p.name}\t{p.admin1}\t{p.admin2}\t{p.admin3}\t"
                       f"{p.lat:.4f},{p.lon:.4f}\t{p.population}\t{c.how}")


# -- the event store ------------------------------------------------------------------------------
def _open_store(db: Optional[str]):  # type: ignore[no-untyped-def]
    import yaml

    from rasd.store import Store
    from rasd.store.linker import default_merge_model

    try:  # every store command may merge (ingest, review, serve): a broken model stops it first
        default_merge_model()
    except (OSError, ValueError, yaml.YAMLError) as exc:
        _fail(f"the merge model ({os.environ.get('RASD_MERGE_MODEL') or 'shipped'}) is not valid: {exc}")
    try:
        return Store.open(db)
    except Exception as exc:  # a wrong URL, a server down, a file we cannot write
        _fail(f"cannot open the database: {type(exc).__name__}: {exc}")


def _parse_date(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be YYYY-MM-DD, not {value!r}")
    return None


def _count_work(targets: list[str]) -> Optional[int]:
    """How many inputs the targets hold (JSONL lines, files), for the progress bar; None for URLs."""
    total = 0
    for target in targets:
        if target.startswith(("http://", "https://")):
            return None
        path = Path(target)
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        for file in files:
            if file.suffix.lower() in (".jsonl", ".ndjson"):
                try:
                    with file.open("rb") as handle:
                        total += sum(1 for line in handle if line.strip())
                except OSError:
                    total += 1
            else:
                total += 1
    return total


# Without --batch-size: the store's DEFAULT_BATCH_SIZE, or with Dask, every batch is a transaction and every partition a task the writer process schedules
# and collects: 500 / 250 gave 2 workers 1.50x one worker end to end, 50 / 25 only 1.19x
# (docs/SCALING.md).
DASK_BATCH_SIZE = 500


@app.command()
def ingest(
    targets: list[str] = typer.Argument(..., help="Files, folders (recursively), JSONL dumps, HTML pages, RSS/Atom feeds, or http(s) URLs."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date for inputs that give none (YYYY-MM-DD)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Articles per transaction: a crash loses at most one batch of work (default 50; 500 with --engine dask, where fewer, larger transactions and tasks leave the single writer more of the CPU: bench/throughput.py)."),
    gazetteer: Optional[Path] = typer.Option(None, "--gazetteer", help="Gazetteer TSV(.gz); default RASD_GAZETTEER or the built-in fallback."),
    max_chars: int = typer.Option(200_000, "--max-chars", help="Reject articles longer than this."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: when stderr is a terminal)."),
    engine: str = typer.Option("local", "--engine", help="Where extraction runs: local (this process) or dask (Dask workers; this process still writes)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="--engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster on 127.0.0.1)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="--engine dask without --scheduler: worker processes of the LocalCluster (default 2)."),
    partition_size: Optional[int] = typer.Option(None, "--partition-size", min=1, help="--engine dask: articles per Dask task, at most --batch-size (default half the batch)."),
) -> None:
    """Read articles, code them, and store their events, merged with the reports already stored.

    Idempotent: an article already stored (same id, URL or normalised text) changes nothing.
    With --engine dask the database is the same as without it: only extraction moves.
    """
    from rasd.store.repository import DEFAULT_BATCH_SIZE
    from rasd.store.sources import ReadOptions, read_inputs

    if engine not in ("local", "dask"):
        _fail(f"--engine must be local or dask, not {engine!r}")
    if engine == "local" and (scheduler or partition_size or workers):
        _fail("--scheduler, --workers and --partition-size need --engine dask")
    if scheduler and workers:
        _fail("--workers starts a LocalCluster: not with --scheduler (start `dask worker`s on the cluster instead)")
    if batch_size is None:
        batch_size = DASK_BATCH_SIZE if engine == "dask" else DEFAULT_BATCH_SIZE
    fallback_date = _parse_date(published, "--published")
    store = _open_store(db)
    show = sys.stderr.isatty() if progress is None else progress
    with ExitStack() as stack:
        stack.callback(store.close)
        if engine == "dask":
            extract = stack.enter_context(_dask_engine(gazetteer, scheduler, workers or 2, batch_size,
                                                       partition_size or max(1, batch_size // 2)))
        else:
            extractor = _extractor(gazetteer)
            extract = lambda a: extractor.run(a).events  # noqa: E731
        options = ReadOptions(published=fallback_date, max_chars=max_chars, url_known=store.url_known)
        items = read_inputs(targets, options)
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          TextColumn("{task.fields[status]}"), console=Console(stderr=True)) as bar:
                task = bar.add_task("ingest", total=_count_work(targets), status="")
                counts = store.ingest(items, extract, batch_size=batch_size,
                                      on_item=lambda _item: bar.advance(task),
                                      on_batch=lambda c: bar.update(task, status=f"+{c.new} new"))
        else:
            counts = store.ingest(items, extract, batch_size=batch_size)
    typer.echo(f"rasd: ingest: {counts.summary()}", err=True)


@contextmanager
def _dask_engine(gazetteer: Optional[Path], scheduler: Optional[str], workers: int, batch_size: int,
                 partition_size: int) -> Iterator[DaskEngine]:
    try:
        from rasd.dask_engine import ExtractorSpec, dask_engine
    except ImportError as exc:
        _fail(f"--engine dask needs dask[distributed] (pip install 'rasd[dask]'): {exc}")
    spec = ExtractorSpec.resolve(gazetteer)
    if spec.gazetteer and not Path(spec.gazetteer).exists():
        _fail(f"gazetteer not found: {spec.gazetteer}")
    with ExitStack() as stack:
        try:
            engine = stack.enter_context(dask_engine(spec, scheduler=scheduler, workers=workers,
                                                     batch_size=batch_size, partition_size=partition_size))
        except Exception as exc:  # scheduler unreachable, no workers, a worker that cannot load rasd
            _fail(f"cannot start the Dask engine: {type(exc).__name__}: {exc}")
        loaded = sorted({(report["gazetteer"], report["places"]) for report in engine.worker_reports.values()})
        typer.echo(f"rasd: dask: {len(engine.worker_reports)} workers ready; gazetteer "
                   + "; ".join(f"{source} ({places} places)" for source, places in loaded), err=True)
        yield engine


@app.command()
def watch(
    feeds: Path = typer.Argument(..., help="A text file of feed URLs, one a line (# comments allowed)."),
    every: str = typer.Option("15m", "--every", help="Time between cycles: 30s, 15m, 1h."),
    max_cycles: Optional[int] = typer.Option(None, "--max-cycles", min=1, help="Stop after this many cycles (default: never)."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    gazetteer: Optional[Path] = typer.Option(None, "--gazetteer"),
    retries: int = typer.Option(2, "--retries", min=0, help="Retries of a transient HTTP failure within a cycle."),
    timeout: float = typer.Option(20.0, "--timeout", help="Seconds per HTTP request."),
) -> None:
    """Poll feeds and ingest new items; conditional requests, back-off on errors, a log line per cycle."""
    from rasd.store.feeds import Fetcher
    from rasd.store.sources import ReadOptions
    from rasd.store.watch import parse_interval, watch as run_watch

    if not feeds.is_file():
        _fail(f"no such file: {feeds}")
    try:
        every_seconds = parse_interval(every)
    except ValueError as exc:
        _fail(str(exc))
    store = _open_store(db)
    extractor = _extractor(gazetteer)
    fetcher = Fetcher(timeout=timeout, retries=retries, backoff_seconds=min(1.0, every_seconds / 10))
    options = ReadOptions(fetcher=fetcher, url_known=store.url_known)
    try:
        run_watch(store, feeds, every_seconds, lambda a: extractor.run(a).events, options, max_cycles=max_cycles,
                  log=lambda line: typer.echo(line, err=True))
    except KeyboardInterrupt:
        typer.echo("rasd watch: stopped", err=True)
    finally:
        store.close()


def _parse_since(value: Optional[str]) -> Optional[int]:
    """Unix seconds, or an ISO date/time (UTC when no zone is given)."""
    from rasd.store.queries import parse_since

    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError:
        _fail(f"--since must be Unix seconds or an ISO date/time, not {value!r}")
    return None


@app.command()
def export(
    fmt: str = typer.Option("csv", "--format", help="csv, geojson, jsonl, xlsx or parquet."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Output file (default stdout; required for xlsx and parquet)."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    country: Optional[str] = typer.Option(None, "--country"),
    admin1: Optional[str] = typer.Option(None, "--admin1"),
    date_from: Optional[str] = typer.Option(None, "--from", help="Events on or after this date (YYYY-MM-DD)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Events on or before this date (YYYY-MM-DD)."),
    event_type: Optional[str] = typer.Option(None, "--event-type"),
    sub_event_type: Optional[str] = typer.Option(None, "--sub-event-type"),
    actor: Optional[str] = typer.Option(None, "--actor", help="Events where an actor or associated actor contains this text."),
    since: Optional[str] = typer.Option(None, "--since", help="Only events added or changed since (Unix seconds or ISO time): incremental sync."),
    include_candidates: bool = typer.Option(False, "--include-candidates", help="Also export candidates (unlocated, undated), which are not certain events."),
    deletions: bool = typer.Option(False, "--deletions", help="Export the deleted event ids (with --since for a sync) instead of events; csv or jsonl."),
) -> None:
    """Export stored events: ACLED's 31 columns in ACLED's order, then rasd's."""
    from rasd.store import EventFilter
    from rasd.store.export import BINARY_FORMATS, FILE_WRITERS, FORMATS, TEXT_WRITERS

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt in BINARY_FORMATS and not output:
        _fail(f"--format {fmt} needs --output FILE")
    where = EventFilter(country=country, admin1=admin1, date_from=_parse_date(date_from, "--from"),
                        date_to=_parse_date(date_to, "--to"), event_type=event_type, sub_event_type=sub_event_type,
                        actor=actor, since=_parse_since(since), include_candidates=include_candidates)
    store = _open_store(db)
    try:
        if deletions:
            _export_deletions(store, fmt, output, where.since)
            return
        events = store.events(where)
        if fmt in FILE_WRITERS:
            assert output is not None
            written = FILE_WRITERS[fmt](events, output)
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                written = TEXT_WRITERS[fmt](events, handle)
        else:
            written = TEXT_WRITERS[fmt](events, sys.stdout)
    finally:
        store.close()
    typer.echo(f"rasd: exported {written} events", err=True)


def _export_deletions(store, fmt: str, output: Optional[str], since: Optional[int]) -> None:  # type: ignore[no-untyped-def]
    import csv

    if fmt not in ("csv", "jsonl"):
        _fail("--deletions exports csv or jsonl")
    rows = [{"event_id_cnty": d.event_id_cnty, "deleted_at": d.deleted_at, "reason": d.reason,
             "merged_into": d.merged_into or ""} for d in store.deletions(since)]
    handle = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "csv":
            writer = csv.DictWriter(handle, fieldnames=["event_id_cnty", "deleted_at", "reason", "merged_into"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()
    typer.echo(f"rasd: exported {len(rows)} deletions", err=True)


@db_app.command("upgrade")
def db_upgrade(db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Create the database or bring its schema up to date (Alembic migrations)."""
    from rasd.store.db import current_revision

    store = _open_store(db)
    typer.echo(f"rasd: database at revision {current_revision(store.engine)}", err=True)
    store.close()


@db_app.command("info")
def db_info(db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Rows per table, and events by status, as JSON."""
    store = _open_store(db)
    typer.echo(json.dumps(store.counts(), indent=2))
    store.close()


@app.command()
def serve(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    gazetteer: Optional[Path] = typer.Option(None, "--gazetteer", help="Gazetteer for placing candidates; default RASD_GAZETTEER or the fallback."),
) -> None:
    """The analysts' API and page: http://HOST:PORT/ (map), /docs (API). Review writes need RASD_TOKEN."""
    import uvicorn

    from rasd.serve.api import create_app

    store = _open_store(db)
    app_ = create_app(store, gazetteer=str(gazetteer) if gazetteer else None)
    typer.echo(f"rasd: serving {store.backend} database on http://{host}:{port}/ (API docs at /docs)", err=True)
    try:
        uvicorn.run(app_, host=host, port=port, log_level="warning")
    finally:
        store.close()


# -- review: the same writes as the API's review mode (rasd.store.review) -------------------------
_REVIEW_COLUMNS = (("event_id_cnty", "id", 10), ("reason", "reason", 9), ("event_date", "date", 10),
                   ("sub_event_type", "sub_event_type", 28), ("location", "place", 20), ("doc_id", "article", 28),
                   ("source_sentence", "sentence", 60))
ANALYST_HELP = "Who reviews, for the audit log (default $RASD_ANALYST, else 'analyst')."


def _analyst(analyst: Optional[str]) -> str:
    import os

    return (analyst or os.environ.get("RASD_ANALYST") or "analyst")[:100]


@contextmanager
def _reviewing(db: Optional[str]) -> Iterator[Any]:
    """An open store for one review write; a refused write is exit code 1 with its reason."""
    from rasd.store.review import ReviewError

    store = _open_store(db)
    try:
        yield store
    except ReviewError as exc:
        typer.echo(f"rasd: review: {exc.message}", err=True)
        raise typer.Exit(code=2 if exc.status == 422 else 1) from None
    finally:
        store.close()


def _print_reviewed(event: Event, asked: str, action: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(event.to_json_dict(), ensure_ascii=False))
    else:
        where = f"{event.location} ({event.admin1})" if event.location else "no place"
        typer.echo(f"{event.event_id_cnty}\t{event.status}\t{event.event_date or 'no date'}\t{event.sub_event_type}\t{where}")
    if event.event_id_cnty != asked:
        typer.echo(f"rasd: review: {asked} {action}, then merged into {event.event_id_cnty} (the same incident)", err=True)
    else:
        typer.echo(f"rasd: review: {asked} {action}; now {event.status}"
                   f"{' (' + event.reason + ')' if event.reason else ''}", err=True)


@review_app.command("list")
def review_list(
    reason: Optional[str] = typer.Option(None, "--reason", help="Only candidates with this reason: unlocated or undated."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many, oldest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per candidate."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """The candidates awaiting review, oldest first: id, reason, date, type, place, article, sentence."""
    from rasd.store.review import pending

    if reason is not None and reason not in ("unlocated", "undated"):
        _fail(f"--reason must be unlocated or undated, not {reason!r}")
    store = _open_store(db)
    try:
        rows, total = pending(store, reason=reason, limit=limit)
    finally:
        store.close()
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
    else:
        typer.echo("  ".join(header.ljust(width) for _, header, width in _REVIEW_COLUMNS).rstrip())
        for row in rows:
            cells = {**row, "location": row["location"] or row["location_ar"]}
            typer.echo("  ".join(" ".join(str(cells[name] or "").split())[:width].ljust(width)
                                 for name, _, width in _REVIEW_COLUMNS).rstrip())
    typer.echo(f"rasd: review: {len(rows)} of {total} candidates awaiting review"
               f"{' (' + reason + ')' if reason else ''}", err=True)


def _resolve_place(gazetteer: Optional[Path], wanted: str):  # type: ignore[no-untyped-def]
    """A gazetteer entry by id, or by a name that means exactly one entry (Arabic, as the lookup
    normalises it, or the English name); several or none is a usage error listing what there is."""
    from rasd.gazetteer import get_gazetteer
    from rasd.gazetteer_lookup import rank_candidates

    try:
        loaded = get_gazetteer(gazetteer)
    except FileNotFoundError as exc:
        _fail(str(exc))
    by_id = next((p for p in loaded.places if p.id == wanted), None)
    if by_id is not None:
        return by_id
    exact = [c.place for c in rank_candidates(loaded, wanted, limit=20) if c.score >= 100.0 and c.how == "exact"]
    exact += [p for p in loaded.places if p.name.lower() == wanted.strip().lower() and p not in exact]
    if len(exact) == 1:
        return exact[0]
    shown = exact or [c.place for c in rank_candidates(loaded, wanted, limit=10)]
    lines = "\n".join(f"  {p.id}\t{p.kind}\t{p.name_ar}\t{p.name}\t{p.admin1}\t{p.admin2}\t{p.lat:.4f},{p.lon:.4f}"
                      for p in shown)
    if exact:
        _fail(f"{wanted!r} names {len(exact)} gazetteer entries; give one id with --place:\n{lines}")
    _fail(f"no gazetteer entry named {wanted!r}" + (f"; close names:\n{lines}" if shown else ""))


@review_app.command("place")
def review_place(
    event_id: str = typer.Argument(..., help="The event or candidate id (SYR123)."),
    place: str = typer.Option(..., "--place", help="Gazetteer id, or a name that means one entry (see rasd gazetteer lookup)."),
    gazetteer: Optional[Path] = typer.Option(None, "--gazetteer", help="Gazetteer TSV(.gz); default RASD_GAZETTEER, the built index, or the fallback."),
    note: str = typer.Option("", "--note", help="Why, for the audit log."),
    analyst: Optional[str] = typer.Option(None, "--analyst", help=ANALYST_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Place a record at a gazetteer entry; a dated candidate becomes an event (and is deduplicated)."""
    from rasd.store import review

    entry = _resolve_place(gazetteer, place)
    with _reviewing(db) as store:
        event = review.place(store, event_id, entry, analyst=_analyst(analyst), note=note)
    _print_reviewed(event, event_id, f"placed at {entry.name} ({entry.id})", as_json)


@review_app.command("date")
def review_date(
    event_id: str = typer.Argument(..., help="The event or candidate id (SYR123)."),
    date: str = typer.Option(..., "--date", help="The event date, YYYY-MM-DD."),
    precision: int = typer.Option(1, "--precision", min=1, max=3, help="ACLED time precision: 1 day, 2 week, 3 month known."),
    note: str = typer.Option("", "--note", help="Why, for the audit log."),
    analyst: Optional[str] = typer.Option(None, "--analyst", help=ANALYST_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Date a record; a placed candidate becomes an event (and is deduplicated)."""
    from rasd.store import review

    day = _parse_date(date, "--date")
    assert day is not None
    with _reviewing(db) as store:
        event = review.set_date(store, event_id, day, time_precision=precision, analyst=_analyst(analyst), note=note)
    _print_reviewed(event, event_id, f"dated {day.isoformat()}", as_json)


@review_app.command("confirm")
def review_confirm(
    event_id: str = typer.Argument(..., help="The event or candidate id (SYR123)."),
    note: str = typer.Option("", "--note", help="Why, for the audit log."),
    analyst: Optional[str] = typer.Option(None, "--analyst", help=ANALYST_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Vouch for a record: a placed, dated candidate becomes an event (and is deduplicated)."""
    from rasd.store import review

    with _reviewing(db) as store:
        event = review.confirm(store, event_id, analyst=_analyst(analyst), note=note)
    _print_reviewed(event, event_id, "confirmed", as_json)


@review_app.command("reject")
def review_reject(
    event_id: str = typer.Argument(..., help="The event or candidate id (SYR123)."),
    reason: str = typer.Option(..., "--reason", help="Why it is not an event (kept in the deletion and the audit log)."),
    analyst: Optional[str] = typer.Option(None, "--analyst", help=ANALYST_HELP),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Withdraw a record: a published deletion (rasd export --deletions); its articles stay stored."""
    from rasd.store import review

    if not reason.strip():
        _fail("--reason must say why")
    with _reviewing(db) as store:
        deleted = review.reject(store, event_id, analyst=_analyst(analyst), note=reason.strip())
    typer.echo(json.dumps(deleted, ensure_ascii=False))
    typer.echo(f"rasd: review: {event_id} rejected ({deleted['reason']})", err=True)


def main() -> None:  # pragma: no cover
    app()
