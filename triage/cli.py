"""`triage`, `export` and `users` sub-commands of the `rightsradar` CLI (registered in flows/cli.py)."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

DB_HELP = "SQLite file (default: $RIGHTSRADAR_DB or rightsradar.db)"


def add_triage_commands(commands) -> None:
    triage = commands.add_parser("triage", help="serve the researchers' triage web app (127.0.0.1 by default)",
                                 description="Serve the triage queue. On 127.0.0.1 no login is needed until an "
                                             "account exists; on any other address login is required.")
    triage.add_argument("--db", type=Path, help=DB_HELP)
    triage.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    triage.add_argument("--port", type=int, default=8300, help="port (default: 8300)")
    triage.add_argument("--user", default="", help="who decides when no login is required (default: your OS user)")
    triage.set_defaults(func=cmd_triage)

    export = commands.add_parser("export", help="export decided stories for the library (JSON lines, CSV, Atom)",
                                 description="Write stories with a status (default: accepted) as jsonl, csv or "
                                             "atom, with stable ids, firms, tags, countries, evidence and who "
                                             "decided.")
    export.add_argument("--status", default="accepted", help="accepted (default), rejected, bookmarked or open")
    export.add_argument("--format", dest="fmt", default="jsonl", help="jsonl (default), csv or atom")
    export.add_argument("--since", help="only stories given that status on or after DATE (YYYY-MM-DD or ISO time)")
    export.add_argument("--db", type=Path, help=DB_HELP)
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=cmd_export)

    users = commands.add_parser("users", help="researchers' accounts for the triage app",
                                description="Add, remove or list accounts (passwords are stored as scrypt hashes).")
    users_commands = users.add_subparsers(title="users commands", dest="users_command", required=True)
    add = users_commands.add_parser("add", help="add an account or change its password (asks for the password)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--db", type=Path, help=DB_HELP)
    add.set_defaults(func=cmd_users_add)
    remove = users_commands.add_parser("remove", help="remove an account (its decisions stay)")
    remove.add_argument("name")
    remove.add_argument("--db", type=Path, help=DB_HELP)
    remove.set_defaults(func=cmd_users_remove)
    listing = users_commands.add_parser("list", help="list the accounts")
    listing.add_argument("--db", type=Path, help=DB_HELP)
    listing.set_defaults(func=cmd_users_list)


def _db(args):
    from store import open_db
    from store.db import default_db_path

    return open_db(args.db or default_db_path())


def cmd_triage(args) -> int:
    from store.db import default_db_path
    from triage.server import ServeError, serve

    db_path = args.db or default_db_path()
    print(f"Triage app on http://{args.host}:{args.port}/ (database {db_path}); Ctrl+C stops it", flush=True)
    try:
        serve(db_path, args.host, args.port, args.user)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_export(args) -> int:
    from store.export import iter_export_records
    from triage.export import FORMATS, write_export

    if args.fmt not in FORMATS:
        print(f"error: unknown format {args.fmt!r}: one of {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    try:
        records = list(iter_export_records(_db(args), args.status, args.since))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            count = write_export(records, args.fmt, out)
        print(f"{count} {args.status} stories written to {args.output}", file=sys.stderr)
    else:
        write_export(records, args.fmt, sys.stdout)
    return 0


def cmd_users_add(args) -> int:
    from store.accounts import AccountError, set_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    try:
        created = set_user(_db(args), args.name, password)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.name}: {'account created' if created else 'password changed'}")
    return 0


def cmd_users_remove(args) -> int:
    from store.accounts import AccountError, remove_user

    try:
        remove_user(_db(args), args.name)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.name}: removed")
    return 0


def cmd_users_list(args) -> int:
    from store.accounts import user_names

    for name in user_names(_db(args)):
        print(name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rightsradar")
    add_triage_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
