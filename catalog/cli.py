"""`companies` sub-command: build and check the tracked-firm list."""
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


def add_companies_commands(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("companies", help="build or check the tracked-firm list (companies.csv)")
    sub = p.add_subparsers(dest="companies_command", required=True)
    b = sub.add_parser("build", help="rebuild companies.csv from the shared raw sources and catalog/curated.csv")
    b.add_argument("--sources", default="../shared/data/companies-sources",
                   help="folder with the raw sources (default: ../shared/data/companies-sources)")
    b.add_argument("--out", default="companies.csv", help="output CSV (default: companies.csv)")
    b.set_defaults(func=_build)
    c = sub.add_parser("check", help="check a tracked-firm CSV; prints 'LINE: reason', exit 1 on any error")
    c.add_argument("csv", help="the CSV file to check")
    c.set_defaults(func=_check)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rightsradar")
    add_companies_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
