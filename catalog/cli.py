"""`companies` sub-command: build, check and import the tracked-firm list; list candidate firms."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _build(args: argparse.Namespace) -> int:
    from .build import build_companies
    src = Path(args.sources)
    if not src.is_dir():
        print(f"sources folder not found: {src}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    rep = build_companies(src, Path(args.out))
    for line in rep.lines():
        print(line)
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f}s")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import check_companies_csv
    rep = check_companies_csv(Path(args.csv))
    for e in rep.errors:
        print(f"{e.line}: {e.reason}")
    for w in rep.warnings:
        print(f"warning: {w}")
    print(f"{rep.firms} firms, {len(rep.errors)} errors, {len(rep.warnings)} warnings")
    return 1 if rep.errors else 0


def _import(args: argparse.Namespace) -> int:
    from .load import CompanyListError
    from .team_import import import_team_list, write_companies_csv

    base = Path(args.merge_into) if args.merge_into else None
    try:
        report = import_team_list(Path(args.csv), base)
    except (CompanyListError, OSError) as exc:
        print(f"cannot import {args.csv}: {exc}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    write_companies_csv(report.firms, Path(args.out), base)
    print(f"wrote {len(report.firms)} firms to {args.out} ({len(report.problems)} rows skipped, "
          f"{len(report.added)} firms added from notes)")
    return 1 if report.problems else 0


def _candidates(args: argparse.Namespace) -> int:
    from store import open_db
    from store.candidates import candidate_firms

    rows = candidate_firms(open_db(args.db), limit=args.limit, since=args.since)
    if not rows:
        print("no untracked organisations in flagged stories")
        return 0
    print(f"{'score':>6} {'stories':>7} {'flagged':>7}  organisation (example title)")
    for row in rows:
        print(f"{row['score']:6.1f} {row['stories']:7d} {row['flagged']:7d}  {row['name']}  "
              f"({row['example_title'][:70]})")
    return 0


def add_companies_commands(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("companies", help="build, check or import the tracked-firm list; candidate firms")
    sub = p.add_subparsers(dest="companies_command", required=True)
    b = sub.add_parser("build", help="rebuild companies.csv from the shared raw sources and catalog/curated.csv")
    b.add_argument("--sources", default="../shared/data/companies-sources",
                   help="folder with the raw sources (default: ../shared/data/companies-sources)")
    b.add_argument("--out", default="companies.csv", help="output CSV (default: companies.csv)")
    b.set_defaults(func=_build)
    c = sub.add_parser("check", help="check a tracked-firm CSV; prints 'LINE: reason', exit 1 on any error")
    c.add_argument("csv", help="the CSV file to check")
    c.set_defaults(func=_check)
    i = sub.add_parser("import", help="import a team's own firm list (bracket notes become relations)",
                       description="Read a CSV with at least a name column (optional: aliases, country, sector, "
                                   "parent). Notes in brackets become relations: (part of X), (now X), "
                                   "(formerly X), (joint venture A, B & C), (see X), (also known as X). "
                                   "Rows that cannot be read are reported with their line number.")
    i.add_argument("csv", help="the team's CSV file")
    i.add_argument("--out", default="companies.csv", help="where to write the tracked-firm list "
                                                          "(default: companies.csv)")
    i.add_argument("--merge-into", metavar="CSV",
                   help="an existing tracked-firm list to add the team's firms to (firms already in it are "
                        "updated, not duplicated)")
    i.set_defaults(func=_import)
    k = sub.add_parser("candidates", help="untracked organisations in flagged stories, to consider tracking",
                       description="Organisations the pipeline saw in flagged stories that match no tracked firm, "
                                   "ranked by how often and how seriously they appear.")
    k.add_argument("--db", default=None, help="SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)")
    k.add_argument("--limit", type=int, default=30, help="how many to list (default 30)")
    k.add_argument("--since", help="only stories published or fetched on or after this date (YYYY-MM-DD)")
    k.set_defaults(func=_candidates)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rightsradar")
    add_companies_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
