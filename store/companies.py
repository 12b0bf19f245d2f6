"""The tracked firms in the database (a copy of companies.csv, for joins and the triage app)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlite_utils import Database

from catalog.model import TrackedFirm

COLUMNS = ("id", "name", "country", "sector", "website", "isin", "cik", "tickers", "parent_id", "curated")


def sync_companies(db: Database, firms: Iterable[TrackedFirm]) -> int:
    """Upsert the firms (and their aliases) that differ from what is stored; returns how many
    were written. Every run calls this, so an unchanged list costs one read, not 8,000 writes."""
    stored = {row[0]: tuple(row) for row in db.execute(f"select {', '.join(COLUMNS)} from companies")}
    stored_aliases: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for company_id, alias in db.execute("select company_id, alias from aliases order by rowid"):
        stored_aliases[company_id] += (alias,)
    count = 0
    with db.atomic():
        for firm in firms:
            row = {"id": firm.id, "name": firm.name, "country": firm.country, "sector": firm.sector,
                   "website": firm.website, "isin": firm.isin, "cik": firm.cik, "tickers": "|".join(firm.tickers),
                   "parent_id": firm.parent_id, "curated": int(firm.curated)}
            aliases = tuple(dict.fromkeys(firm.aliases))
            if stored.get(firm.id) == tuple(row[c] for c in COLUMNS) and stored_aliases[firm.id] == aliases:
                continue
            db["companies"].upsert(row, pk="id")
            db.execute("delete from aliases where company_id = ?", [firm.id])
            for alias in aliases:
                db.execute("insert or ignore into aliases (company_id, alias) values (?, ?)", [firm.id, alias])
            count += 1
    return count
