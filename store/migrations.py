"""The schema, as an ordered list of migrations. Never edit an applied migration: add a new one."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("rightsradar")


@migrations()
def m001_initial_schema(db: Database) -> None:
    db["sources"].create(
        {
            "id": str, "name": str, "kind": str, "url": str, "language": str, "country": str,
            "enabled": int, "last_success": str, "last_error": str, "last_error_at": str,
            "consecutive_failures": int, "items_total": int,
        },
        pk="id",
        defaults={"enabled": 1, "consecutive_failures": 0, "items_total": 0},
    )
    db["articles"].create(
        {
            "id": int, "url": str, "title": str, "text": str, "language": str,
            "published": str, "fetched": str, "source_id": str, "content_hash": str,
            "authors": str, "raw_html": bytes,
        },
        pk="id",
        not_null={"url", "content_hash"},
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["published"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")

    # Every URL under which a story was seen (its own, syndicated copies, other feeds):
    # the researchers see all the outlets that carried it.
    db["article_urls"].create(
        {"url": str, "article_id": int, "source_id": str, "first_seen": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id"), ("source_id", "sources", "id")],
    )
    db["article_urls"].create_index(["article_id"])

    db["companies"].create(
        {
            "id": str, "name": str, "country": str, "sector": str, "website": str,
            "isin": str, "cik": str, "tickers": str, "parent_id": str, "curated": int,
        },
        pk="id",
    )
    db["aliases"].create(
        {"company_id": str, "alias": str},
        pk=("company_id", "alias"),
        foreign_keys=[("company_id", "companies", "id")],
    )
    db["aliases"].create_index(["alias"])

    db["mentions"].create(
        {
            "article_id": int, "field": str, "start": int, "end": int, "mention": str,
            "company_id": str, "confidence": float, "reason": str, "role": str,
        },
        pk=("article_id", "field", "start", "end"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["mentions"].create_index(["company_id"])
    db["issue_tags"].create(
        {"article_id": int, "tag_id": str, "tag": str, "family": str, "evidence": str, "field": str},
        pk=("article_id", "tag_id"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["issue_tags"].create_index(["family"])
    db["places"].create(
        {"article_id": int, "country": str, "region": str},
        pk=("article_id", "country"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    # One row per analysed article: what produced the annotations, so a reprocess can
    # tell what is stale.
    db["analyses"].create(
        {
            "article_id": int, "analyzed_at": str, "story_type": str, "score": float,
            "flagged": int, "pipeline": str,
        },
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["flags"].create(
        {
            "article_id": int, "score": float, "reason": str, "company_ids": str,
            "families": str, "status": str, "created": str, "updated": str, "run_id": int,
        },
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        defaults={"status": "open"},
    )
    db["flags"].create_index(["status", "score"])
    db["decisions"].create(
        {"id": int, "article_id": int, "user": str, "action": str, "payload": str, "created": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["runs"].create(
        {
            "id": int, "flow": str, "started": str, "finished": str, "status": str,
            "pid": int, "counts": str, "error": str,
        },
        pk="id",
    )


@migrations()
def m002_source_health(db: Database) -> None:
    """Conditional GET validators and health state per source."""
    db["sources"].add_column("etag", str)
    db["sources"].add_column("last_modified", str)
    db["sources"].add_column("body_hash", str)
    db["sources"].add_column("state", str, not_null_default="active")   # active | backoff | disabled
    db["sources"].add_column("backoff_until", str)
    db["sources"].add_column("last_failure_kind", str)                  # hard | soft | temporary
    db["sources"].add_column("last_polled", str)
    db["sources"].add_column("failure_score", float, not_null_default=0.0)
    db["sources"].transform(drop={"enabled"})   # superseded by `state`


@migrations()
def m003_stories(db: Database) -> None:
    """Stories: an article and its syndicated near-copies (spiders/near_duplicates.py) share a story.

    - `articles.story_id`: the id of the story's first article (so a story's first article has its
      own id). Existing articles each start their own story; an insert that gives no story_id
      starts a new one (trigger), so every article has a story whoever inserts it.
    - `story_bands`: the LSH index, one row per band of an article's MinHash signature; a primary
      key led by band_key, without rowid (one b-tree, no separate index). No foreign key: a
      deleted article's rows are simply never matched (lookups join articles).
    - `story_queue`: one row per story, its representative article being the best-scored one
      (then the earliest published, then the first stored), with how many articles and sources
      carried the story.
    """
    db["articles"].add_column("story_id", int)
    db.execute("update articles set story_id = id where story_id is null")
    db["articles"].create_index(["story_id"])
    db.execute(
        """create trigger articles_story_ai after insert on articles when new.story_id is null
           begin update articles set story_id = new.id where id = new.id; end"""
    )
    # Re-index the full text only when title or text change: setting story_id (above, and on
    # any later column) must not delete and re-insert the article in articles_fts.
    db.execute("drop trigger if exists articles_au")
    db.execute(
        """create trigger articles_au after update of title, text on articles begin
             insert into articles_fts (articles_fts, rowid, title, text)
               values ('delete', old.rowid, old.title, old.text);
             insert into articles_fts (rowid, title, text) values (new.rowid, new.title, new.text);
           end"""
    )
    db.execute(
        """create table story_bands (
             band_key text not null,
             article_id integer not null,
             primary key (band_key, article_id)
           ) without rowid"""
    )
    db.create_view(
        "story_queue",
        """select story_id, article_id, title, url, published, source_id, score, articles,
                  (select count(distinct u.source_id) from article_urls u
                     join articles b on b.id = u.article_id where b.story_id = ranked.story_id) as sources
           from (select a.story_id, a.id as article_id, a.title, a.url, a.published, a.source_id, an.score,
                        row_number() over (partition by a.story_id
                                           order by an.score is null, an.score desc,
                                                    a.published is null, a.published, a.id) as rank,
                        count(*) over (partition by a.story_id) as articles
                 from articles a left join analyses an on an.article_id = a.id) as ranked
           where rank = 1""",
    )


@migrations()
def m004_link_corrections(db: Database) -> None:
    """Researchers' corrections to firm links, applied by the linker on every later run.

    - kind "not_firm": the name (normalised, `name_key`) never links to `company_id`;
    - kind "alias": the name is an alias of `company_id` (linked exactly, confidence 0.95).
    `article_id` records where the researcher saw it; the correction applies to every article.
    """
    db["link_corrections"].create(
        {
            "id": int, "kind": str, "name": str, "name_key": str, "company_id": str,
            "article_id": int, "user": str, "note": str, "created": str,
        },
        pk="id",
        not_null={"kind", "name", "name_key", "company_id"},
    )
    db["link_corrections"].create_index(["kind", "name_key", "company_id"], unique=True)


@migrations()
def m005_analysis_fingerprint(db: Database) -> None:
    """What a reprocess and the flags need to know about each analysis, and each source's reliability.

    - `analyses.fingerprint`: a digest of what produced the annotations (taxonomy, tracked firms, link
      corrections, model and analysis code); an analysis with another fingerprint is stale.
    - `analyses.result_hash`: a digest of the annotations themselves, so re-analysing an article
      whose annotations come out the same rewrites nothing.
    - `analyses.evidence` / `evidence_reason`: the text's own score (nlp/scoring.py); `score` and the
      flag add the story's sources to it, and are recomputed from these without re-analysing.
    - `sources.reliability`: sources.yaml's 0.5-1.0 reliability (null when it has none).
    - `runs.progress`: the running step and how far it got, for `rightsradar runs`.
    """
    db["analyses"].add_column("fingerprint", str)
    db["analyses"].add_column("result_hash", str)
    db["analyses"].add_column("evidence", float)
    db["analyses"].add_column("evidence_reason", str)
    db.execute("update analyses set evidence = score")
    db["analyses"].create_index(["fingerprint"])
    db["sources"].add_column("reliability", float)
    db["runs"].add_column("progress", str)


@migrations()
def m006_triage(db: Database) -> None:
    """The researchers' triage app (triage/, store/triage*.py, store/accounts.py).

    - `users`: researchers' accounts (scrypt password hashes, never the password).
    - `app_secrets`: the key that signs session cookies, made once per database.
    - `leases`: a story shown to one researcher is not served to another until the lease expires.
    - `tag_edits`: tags a researcher added or removed on a story, kept apart from the suggested tags
      (issue_tags, places, sectors) so a reprocess that rewrites those loses no researcher's edit.
    - `flags.decided_by` / `decided_at`: who gave the story its current status, and when.
    - `decisions.undone_by`: the undo decision that reverted it.
    """
    db["users"].create({"name": str, "password_hash": str, "created": str}, pk="name",
                       not_null={"password_hash"})
    db["app_secrets"].create({"name": str, "value": str}, pk="name")
    db["leases"].create({"article_id": int, "user": str, "expires": str}, pk="article_id",
                        not_null={"user", "expires"})
    db["leases"].create_index(["user"])
    db["tag_edits"].create(
        {"article_id": int, "kind": str, "value": str, "op": str, "user": str, "created": str},
        pk=("article_id", "kind", "value"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["flags"].add_column("decided_by", str)
    db["flags"].add_column("decided_at", str)
    db["flags"].create_index(["status", "decided_at"])
    db["decisions"].add_column("undone_by", int)
    db["decisions"].create_index(["article_id"])
    db["decisions"].create_index(["user", "id"])
    # Filters: which flagged stories are in a country or region, name a firm, carry a tag.
    db["places"].create_index(["country"])
    db["places"].create_index(["region"])
    db["issue_tags"].create_index(["tag_id"])
    db["article_urls"].create_index(["source_id"])


@migrations()
def m006_triage_flag_stories(db: Database) -> None:
    """`flag_stories`: each flagged article's story and publication date, kept by triggers.

    The triage queue filters and ranks flags by story and date; reading those from `articles` means
    walking past each row's text to its last columns (about 15 µs a flag: 0.2 s for a 14,000-story
    queue). This narrow copy makes the same scan a few µs a flag.
    """
    db.execute("""create table flag_stories (
                    article_id integer primary key references flags(article_id),
                    story_id integer, published text)""")
    db.execute("create index idx_flag_stories_story_id on flag_stories (story_id)")
    # An article's story without reading its row (the triage source filter names it with INDEXED BY).
    db.execute("create index idx_articles_id_story_id on articles (id, story_id)")
    db.execute("""insert into flag_stories (article_id, story_id, published)
                  select a.id, a.story_id, a.published from flags f join articles a on a.id = f.article_id""")
    db.execute("""create trigger flags_story_ai after insert on flags begin
                    insert or replace into flag_stories (article_id, story_id, published)
                    select id, story_id, published from articles where id = new.article_id;
                  end""")
    db.execute("""create trigger flags_story_ad after delete on flags begin
                    delete from flag_stories where article_id = old.article_id;
                  end""")
    db.execute("""create trigger articles_flag_story_au after update of story_id, published on articles
                  when exists (select 1 from flag_stories where article_id = new.id) begin
                    update flag_stories set story_id = new.story_id, published = new.published
                    where article_id = new.id;
                  end""")
