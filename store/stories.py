"""Stories: one wire story and its syndicated near-copies, whichever outlets carried them.

An article's story is `articles.story_id` (migration m003_stories). `save_article` puts each new
article in the story of its most similar stored near-duplicate (spiders/near_duplicates.py:
MinHash/LSH candidates from `story_bands`, confirmed by an exact shingle comparison), else in a
story of its own.
"""
from __future__ import annotations

from collections import OrderedDict
from weakref import WeakKeyDictionary

import numpy as np
from sqlite_utils import Database

from spiders.near_duplicates import Sketch, similarity, same_story, shingles

# Most articles of a big story match every band: comparing with the best few is enough.
MAX_CANDIDATES = 20
# Articles read per band key, the latest first (bench/daily_volume.py's pages have ~90 copies each at
# 5,000 articles: reading every copy under every key was 0.74 ms a lookup, this 0.40 ms, and it stays so).
PER_BAND = 8
# Shingles of the articles last stored or compared, per open database: the exact check needs a stored
# text's shingles, and the copies of a syndicated story keep meeting the same first copy, whose text was
# read and shingled again each time (a third of storing's CPU on bench/daily_volume.py's copies).
# Keyed by (article id, content hash), so a re-extracted text is never taken for its old shingles.
# ~8 kB an article: 512 of them are ~4 MB.
SHINGLE_CACHE_SIZE = 512
_shingle_caches: "WeakKeyDictionary[Database, OrderedDict]" = WeakKeyDictionary()


def find_story(db: Database, sketch: Sketch) -> int | None:
    """The story of the stored article most similar to `sketch` (confirmed exactly), or None.

    Candidates come in order of shared band keys, which estimates their similarity, so the first
    member of a story to pass the exact check stands for that story: its other members are not
    compared (a big story's copies all match, and each exact check needs a stored text's shingles)."""
    keys = sketch.band_keys
    # The latest few articles under each band key (a walk down the primary key): a story carried a
    # thousand times costs what one carried ten times, and copies of a story come close together.
    latest = " union all ".join(
        "select * from (select article_id from story_bands where band_key = ? order by article_id desc limit ?)"
        for _ in keys)
    candidates = db.execute(
        f"""select a.id, a.story_id, a.content_hash from
              (select article_id, count(*) as hits from ({latest})
               group by article_id order by hits desc, article_id limit ?) as c
            join articles a on a.id = c.article_id
            order by c.hits desc, a.id""",
        [value for key in keys for value in (key, PER_BAND)] + [MAX_CANDIDATES],
    ).fetchall()
    best: tuple[float, int] | None = None
    confirmed: set[int] = set()
    for article_id, story_id, content_hash in candidates:
        story = story_id if story_id is not None else article_id
        if story in confirmed:
            continue
        theirs = _stored_shingles(db, article_id, content_hash)
        if not same_story(sketch.shingles, theirs):
            continue
        confirmed.add(story)
        jaccard, _ = similarity(sketch.shingles, theirs)
        if best is None or jaccard > best[0]:
            best = (jaccard, story)
    return best[1] if best else None


def index_article(db: Database, article_id: int, sketch: Sketch, content_hash: str | None = None) -> None:
    """Add an article's band keys to the LSH index (rerunning adds nothing); with its `content_hash`,
    keep its shingles for the next articles' exact checks."""
    db.conn.executemany(
        "insert or ignore into story_bands (band_key, article_id) values (?, ?)",
        [(key, article_id) for key in sketch.band_keys],
    )
    if content_hash is not None:
        _remember(db, (article_id, content_hash), sketch.shingles)


def _stored_shingles(db: Database, article_id: int, content_hash: str) -> np.ndarray:
    cache = _shingle_caches.get(db)
    key = (article_id, content_hash)
    if cache is not None and key in cache:
        cache.move_to_end(key)
        return cache[key]
    row = db.execute("select text from articles where id = ?", [article_id]).fetchone()
    found = shingles((row[0] if row else "") or "")
    _remember(db, key, found)
    return found


def _remember(db: Database, key: tuple[int, str], found: np.ndarray) -> None:
    cache = _shingle_caches.setdefault(db, OrderedDict())
    cache[key] = found
    cache.move_to_end(key)
    while len(cache) > SHINGLE_CACHE_SIZE:
        cache.popitem(last=False)


def story_of(db: Database, article_id: int) -> int | None:
    """The story an article belongs to, or None for an unknown article."""
    row = db.execute("select story_id from articles where id = ?", [article_id]).fetchone()
    return row[0] if row else None


def story_sources(db: Database, story_id: int) -> list[dict]:
    """Every URL under which the story was seen: its article, source and dates.

    Earliest first: by the article's publication date (else its fetch date), then the order
    in which articles and URLs were stored.
    """
    return list(db.query(
        """select a.id as article_id, u.url, u.source_id, s.name as source_name, a.title,
                  a.published, u.first_seen, u.url = a.url as canonical
           from articles a
           join article_urls u on u.article_id = a.id
           left join sources s on s.id = u.source_id
           where a.story_id = ?
           order by coalesce(a.published, a.fetched), a.id, u.first_seen, u.url""",
        [story_id],
    ))


def story_queue(db: Database, limit: int = 1000) -> list[dict]:
    """One row per story (the `story_queue` view), best-scored first, then newest.

    The representative article is the story's best-scored one (analyses.score), then its
    earliest published; `articles` and `sources` count what carried the story.
    """
    return list(db.query(
        "select * from story_queue order by score is null, score desc, published desc, story_id limit ?",
        [limit],
    ))
