"""The tracked firms in the database (a copy of companies.csv, for joins and the triage app)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from catalog.model import TrackedFirm


def sync_companies(db: Database, firms: Iterable[TrackedFirm]) -> int:
    """Upsert every firm and its aliases; returns how many firms were written."""
    count = 0
    with db.atomic():
        for firm in firms:
            db["companies"].upsert(
                {"id": firm.id, "name": firm.name, "country": firm.country, "sector": firm.sector,
                 "website": firm.website, "isin": firm.isin, "cik": firm.cik,
                 "tickers": "|".join(firm.tickers), "parent_id": firm.parent_id,
                 "curated": int(firm.curated)},
                pk="id",
            )
            db.execute("delete from aliases where company_id = ?", [firm.id])
            for alias in dict.fromkeys(firm.aliases):
                db.execute("insert or ignore into aliases (company_id, alias) values (?, ?)", [firm.id, alias])
            count += 1
    return count
