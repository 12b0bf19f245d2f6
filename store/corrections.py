"""Researchers' corrections to firm links (table `link_corrections`, migration m004).

A correction is recorded once (the same kind, name and firm again only updates who and when) and
read back by the daily and reprocess runs, which hand it to the linker (nlp/linking.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from catalog.names import normalise
from store.articles import utc_now

KINDS = ("not_firm", "alias")


class CorrectionError(ValueError):
    """A correction that cannot be stored: unknown kind, empty name, unknown firm."""


@dataclass
class LinkCorrections:
    """What the linker needs: names that must not link to a firm, and extra aliases per firm."""
    blocked: set[tuple[str, str]] = field(default_factory=set)   # (normalised name, firm id)
    aliases: dict[str, list[str]] = field(default_factory=dict)   # firm id -> names

    def __bool__(self) -> bool:
        return bool(self.blocked or self.aliases)


def record_correction(db: Database, kind: str, name: str, company_id: str, *, user: str,
                      article_id: int | None = None, note: str = "") -> int:
    """Store "`name` is not `company_id`" (kind not_firm) or "`name` is an alias of `company_id`" (alias).

    An alias correction removes an earlier not_firm for the same name and firm, and the reverse,
    so the latest decision wins. Returns the correction's id.
    """
    if kind not in KINDS:
        raise CorrectionError(f"unknown correction kind {kind!r}: expected one of {', '.join(KINDS)}")
    key = normalise(name)
    if not key:
        raise CorrectionError(f"the name {name!r} is empty once normalised")
    if not db.execute("select 1 from companies where id = ?", [company_id]).fetchone():
        raise CorrectionError(f"unknown firm id {company_id!r}")
    opposite = "alias" if kind == "not_firm" else "not_firm"
    with db.atomic():
        db.execute("delete from link_corrections where kind = ? and name_key = ? and company_id = ?",
                   [opposite, key, company_id])
        db.execute(
            """insert into link_corrections (kind, name, name_key, company_id, article_id, user, note, created)
               values (?, ?, ?, ?, ?, ?, ?, ?)
               on conflict (kind, name_key, company_id) do update set
                 name = excluded.name, article_id = excluded.article_id, user = excluded.user,
                 note = excluded.note, created = excluded.created""",
            [kind, name.strip(), key, company_id, article_id, user, note, utc_now()],
        )
        return db.execute("select id from link_corrections where kind = ? and name_key = ? and company_id = ?",
                          [kind, key, company_id]).fetchone()[0]


def load_corrections(db: Database) -> LinkCorrections:
    corrections = LinkCorrections()
    for kind, name, key, company_id in db.execute(
            "select kind, name, name_key, company_id from link_corrections order by id"):
        if kind == "not_firm":
            corrections.blocked.add((key, company_id))
        else:
            corrections.aliases.setdefault(company_id, []).append(name)
    return corrections


def list_corrections(db: Database) -> list[dict]:
    return list(db.query("select * from link_corrections order by id desc"))
