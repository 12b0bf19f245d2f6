"""The triage queue, read side: flagged stories by score with filters and full-text search, each with
what a researcher needs to decide on it (outlets, firms, evidence, suggested and edited tags, notes).

A story appears once, as its representative flagged article: the one already decided on, else the
best-scored, else the first stored (a syndicated copy that was flagged too stays behind it).
Decisions, leases and undo are in store/triage_decisions.py.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlite_utils import Database

from store.stories import story_sources

STATUSES = ("open", "accepted", "rejected", "bookmarked")
TAG_KINDS = ("issue", "country", "region", "sector")


class FilterError(ValueError):
    """A filter value that cannot be used (an unknown status, a date that is not YYYY-MM-DD)."""


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"   # one of STATUSES, or "any"
    family: str = ""       # issue family name
    tag: str = ""          # issue tag id
    firm: str = ""         # tracked firm id
    country: str = ""      # ISO 3166 alpha-2
    region: str = ""
    sector: str = ""
    source: str = ""       # any outlet that carried the story
    since: str = ""        # publication date, YYYY-MM-DD, inclusive
    until: str = ""
    q: str = ""            # full-text search over title and text

    @classmethod
    def from_mapping(cls, values) -> "QueueFilters":
        """From query parameters: unknown keys ignored, values stripped, checked."""
        filters = cls(**{f.name: str(values.get(f.name) or "").strip() for f in fields(cls)
                         if values.get(f.name) is not None})
        if not filters.status:
            filters = cls(**{**asdict(filters), "status": "open"})
        filters.check()
        return filters

    def check(self) -> None:
        if self.status not in (*STATUSES, "any"):
            raise FilterError(f"unknown status {self.status!r}: one of {', '.join(STATUSES)} or any")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise FilterError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None

    def active(self) -> dict[str, str]:
        """The filters that narrow the queue (for links and the page's summary)."""
        return {k: v for k, v in asdict(self).items() if v and not (k == "status" and v == "open")}


def fts_query(text: str) -> str:
    """A researcher's words as an FTS5 query that cannot be a syntax error: every word or
    "quoted phrase" must occur (a trailing * makes a prefix), OR between two terms means either."""
    terms = []
    for token in re.findall(r'"[^"]*"|\S+', text):
        if token == "OR":
            if terms and terms[-1] != "OR":
                terms.append("OR")
            continue
        prefix = token.endswith("*") and not token.startswith('"')
        word = token.strip('"').rstrip("*") if not token.startswith('"') else token[1:-1]
        if word.strip():
            terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    while terms and terms[-1] == "OR":
        terms.pop()
    return " ".join(terms)


# The representative flagged article of its story (see the module docstring). `fs` is the flag's
# row in flag_stories (story and publication date, migration m006_triage_flag_stories).
_REPRESENTATIVE = """not exists (
    select 1 from flag_stories b join flags g on g.article_id = b.article_id
    where b.story_id = fs.story_id and b.article_id != f.article_id
      and ((g.status != 'open') > (f.status != 'open')
           or ((g.status != 'open') = (f.status != 'open')
               and (g.score > f.score or (g.score = f.score and b.article_id < f.article_id)))))"""
_FROM = "flags f join flag_stories fs on fs.article_id = f.article_id"
COUNT_CAP = 1000   # "1000+": counting a long queue to the end costs more than the page itself


def _conditions(filters: QueueFilters, user: str, now: str) -> tuple[list[str], list]:
    where, params = [_REPRESENTATIVE], []

    def add(sql: str, *values) -> None:
        where.append(sql)
        params.extend(values)

    if filters.status != "any":
        add("f.status = ?", filters.status)
    if filters.status in ("open", "any"):
        # Not served while another researcher has it; not served again to whoever skipped it.
        add("not exists (select 1 from leases l where l.article_id = f.article_id and l.user != ? "
            "and l.expires > ?)", user, now)
    if filters.status == "open":
        add("not exists (select 1 from decisions d where d.article_id = f.article_id and d.user = ? "
            "and d.action = 'skip' and d.undone_by is null)", user)
    # Each filter is a list of article ids (from an index on the filtered column), which SQLite
    # builds once and probes per flag, or walks when it is short (a firm, a country).
    if filters.family:
        add("f.article_id in (select article_id from issue_tags where family = ?)", filters.family)
    if filters.tag:
        add("""((f.article_id in (select article_id from issue_tags where tag_id = ?)
                 and f.article_id not in (select article_id from tag_edits
                                          where kind = 'issue' and value = ? and op = 'remove'))
                or f.article_id in (select article_id from tag_edits
                                    where kind = 'issue' and value = ? and op = 'add'))""",
            filters.tag, filters.tag, filters.tag)
    if filters.firm:
        add("f.article_id in (select article_id from mentions where company_id = ?)", filters.firm)
    if filters.sector:
        add("""f.article_id in (select m.article_id from companies c join mentions m on m.company_id = c.id
                                where c.sector = ?)""", filters.sector)
    if filters.country:
        add("f.article_id in (select article_id from places where country = ?)", filters.country.upper())
    if filters.region:
        add("f.article_id in (select article_id from places where region = ?)", filters.region)
    if filters.source:
        # Any outlet of the story; the story of each URL's article is read from a narrow index.
        add("""fs.story_id in (select b.story_id from article_urls u
                               join articles b indexed by idx_articles_id_story_id on b.id = u.article_id
                               where u.source_id = ?)""", filters.source)
    if filters.since:
        add("fs.published >= ?", filters.since)
    if filters.until:
        add("substr(fs.published, 1, 10) <= ?", filters.until)
    if filters.q:
        match = fts_query(filters.q)
        if match:
            # "+": walk the flags by score and probe the matches, not each match's flag.
            add("+f.article_id in (select rowid from articles_fts where articles_fts match ?)", match)
    return where, params


def queue_page(db: Database, filters: QueueFilters, user: str, now: str, limit: int = 20,
               offset: int = 0) -> tuple[list[dict], int]:
    """One page of the queue, best score first (see story_cards for the rest of each card), and how
    many stories the filters select, counted up to COUNT_CAP (or to the end of this page).

    One statement finds the ids for both: each filter's id list (full-text matches, a region's
    articles) is built once per request, not once for the page and again for the count.
    """
    where, params = _conditions(filters, user, now)
    ids = [row[0] for row in db.execute(
        f"""select f.article_id from {_FROM} where {' and '.join(where)}
            order by f.score desc, f.article_id limit ?""",
        [*params, max(COUNT_CAP, offset + limit)])]
    page = ids[offset:offset + limit]
    if not page:
        return [], len(ids)
    marks = ",".join("?" * len(page))
    # The wide articles rows are read for this page's stories only.
    rows = {row["id"]: row for row in db.query(
        f"""select f.article_id as id, f.score, f.status, f.reason, f.decided_by, f.decided_at,
                   a.title, a.url, a.published, a.language, a.source_id, s.name as source_name, a.story_id
            from flags f join articles a on a.id = f.article_id left join sources s on s.id = a.source_id
            where f.article_id in ({marks})""", page)}
    return [rows[i] for i in page if i in rows], len(ids)


def queue_rows(db: Database, filters: QueueFilters, user: str, now: str, limit: int = 20,
               offset: int = 0) -> list[dict]:
    return queue_page(db, filters, user, now, limit, offset)[0]


def queue_count(db: Database, filters: QueueFilters, user: str, now: str, cap: int = COUNT_CAP) -> int:
    """How many stories the filters select, counted up to `cap` (a page shows "1000+" beyond)."""
    where, params = _conditions(filters, user, now)
    return db.execute(
        f"select count(*) from (select 1 from {_FROM} where {' and '.join(where)} limit ?)", [*params, cap],
    ).fetchone()[0]


def story_cards(db: Database, rows: list[dict]) -> list[dict]:
    """Add to each queue row its outlets, firms, issue tags with evidence, places, tags and notes."""
    if not rows:
        return rows
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    firms = _group(db.query(
        f"""select m.article_id, m.mention, m.company_id, m.confidence, m.reason, m.role,
                   c.name, c.sector, c.country
            from mentions m left join companies c on c.id = m.company_id
            where m.article_id in ({marks}) and m.company_id is not null
            order by m.confidence desc, m.start""", ids))
    issues = _group(db.query(
        f"select article_id, tag_id, tag, family, evidence, field from issue_tags where article_id in ({marks}) "
        "order by family, tag", ids))
    places = _group(db.query(
        f"select article_id, country, region from places where article_id in ({marks}) order by country", ids))
    edits = _group(db.query(
        f"select article_id, kind, value, op, user, created from tag_edits where article_id in ({marks})", ids))
    notes = _group(db.query(
        f"""select article_id, id, user, payload, created from decisions
            where article_id in ({marks}) and action = 'note' and undone_by is null order by id""", ids))
    leases = {row["article_id"]: row for row in db.query(
        f"select article_id, user, expires from leases where article_id in ({marks})", ids)}
    for row in rows:
        story = row["id"]
        row["outlets"] = [o for o in story_sources(db, row["story_id"]) if o["url"] != row["url"]]
        row["firms"] = _firms(firms.get(story, []))
        row["issues"] = issues.get(story, [])
        row["evidence"] = _evidence(row["issues"])
        row["places"] = places.get(story, [])
        row["tags"] = _tags(row, edits.get(story, []))
        row["notes"] = [{"user": n["user"], "created": n["created"], "text": json.loads(n["payload"])["text"]}
                        for n in notes.get(story, [])]
        row["lease"] = leases.get(story)
    return rows


def _group(rows) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row.pop("article_id"), []).append(row)
    return grouped


def _firms(mentions: list[dict]) -> list[dict]:
    """One entry per linked firm: its best link (confidence, reason, role) and every name it went by."""
    firms: dict[str, dict] = {}
    for m in mentions:   # best confidence first
        firm = firms.setdefault(m["company_id"], {
            "id": m["company_id"], "name": m["name"] or m["company_id"], "sector": m["sector"] or "",
            "country": m["country"] or "", "confidence": m["confidence"], "reason": m["reason"] or "",
            "role": m["role"] or "", "mentions": []})
        if m["mention"] not in firm["mentions"]:
            firm["mentions"].append(m["mention"])
    return list(firms.values())


def _evidence(issues: list[dict]) -> list[dict]:
    """Each distinct evidence sentence once, with the issue tags it supports."""
    sentences: dict[str, dict] = {}
    for issue in issues:
        if issue["evidence"]:
            sentences.setdefault(issue["evidence"], {"sentence": issue["evidence"], "tags": []})["tags"].append(
                {"id": issue["tag_id"], "name": issue["tag"], "family": issue["family"]})
    return list(sentences.values())


def _tags(row: dict, edits: list[dict]) -> list[dict]:
    """Suggested tags (issues, countries, regions, the firms' sectors) with researchers' edits applied."""
    suggested: dict[tuple[str, str], str] = {}
    for issue in row["issues"]:
        suggested[("issue", issue["tag_id"])] = issue["tag"]
    for place in row["places"]:
        suggested[("country", place["country"])] = place["country"]
        if place["region"]:
            suggested[("region", place["region"])] = place["region"]
    for firm in row["firms"]:
        if firm["sector"]:
            suggested[("sector", firm["sector"])] = firm["sector"]
    changes = {(e["kind"], e["value"]): e for e in edits}
    tags = []
    for (kind, value), label in suggested.items():
        edit = changes.get((kind, value))
        removed = bool(edit and edit["op"] == "remove")
        tags.append({"kind": kind, "value": value, "label": label, "origin": "suggested", "removed": removed,
                     "by": edit["user"] if edit else ""})
    for (kind, value), edit in changes.items():
        if edit["op"] == "add" and (kind, value) not in suggested:
            tags.append({"kind": kind, "value": value, "label": value, "origin": "added", "removed": False,
                         "by": edit["user"]})
    return tags


def search_firms(db: Database, text: str, limit: int = 10) -> list[dict]:
    """Tracked firms whose name or an alias contains `text`: names starting with it first, then shorter."""
    text = text.strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.query(
        r"""select id, name, country, sector from companies
            where name like :p escape '\' or id like :p escape '\'
               or id in (select company_id from aliases where alias like :p escape '\')
            order by name like :start escape '\' desc, length(name), name limit :limit""",
        {"p": pattern, "start": pattern[1:], "limit": limit},
    ))


def filter_choices(db: Database) -> dict[str, list[str]]:
    """The values the sector and source filters offer (countries and regions are fixed lists)."""
    return {
        "sector": [r[0] for r in db.execute(
            "select distinct sector from companies where sector is not null and sector != '' order by sector")],
        "source": [r[0] for r in db.execute("select id from sources order by id")],
    }


SNIPPET_OPEN, SNIPPET_CLOSE = "\x02", "\x03"   # marks around matched words; never in stored text


def search_stored(db: Database, text: str, limit: int = 20, offset: int = 0) -> list[dict]:
    """Every stored article matching the words, flagged or not, newest stored first, each with a
    snippet of its text in which matched words are wrapped in SNIPPET_OPEN / SNIPPET_CLOSE."""
    match = fts_query(text)
    if not match:
        return []
    return list(db.query(
        f"""select m.rowid as id, a.title, a.url, a.published, a.language, a.source_id, s.name as source_name,
                   f.status, f.score, m.snippet
            from (select rowid, snippet(articles_fts, 1, ?, ?, '…', 24) as snippet from articles_fts
                  where articles_fts match ? order by rowid desc limit ? offset ?) as m
            join articles a on a.id = m.rowid
            left join sources s on s.id = a.source_id
            left join flags f on f.article_id = a.id
            order by m.rowid desc""",
        [SNIPPET_OPEN, SNIPPET_CLOSE, match, limit, offset],
    ))
