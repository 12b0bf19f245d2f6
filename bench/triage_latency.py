"""Triage app latency: the queue page and filtered full-text searches over a large store.

    .venv/bin/python bench/triage_latency.py                       # 200,000 articles, 20,000 flags
    .venv/bin/python bench/triage_latency.py --articles 20000 --flags 2000 --requests 50   # a quick look

Builds a database of ARTICLES stored articles (real texts from ../shared/data: the hr-news articles and
the fundus pages, each reused under many URLs with its own title suffix and published date) of which
FLAGS are flagged (with firm links to real tracked firms, issue tags from taxonomy.yaml with an
evidence sentence from the text, countries and regions), then serves the triage app in a subprocess
(`rightsradar triage`, uvicorn) and measures, from an HTTP client on 127.0.0.1, the response time of:

- the queue page (open stories by score, 20 cards, pages 1-5, leasing the page's stories as in use);
- filtered searches: full-text words with an issue family, country, region, sector or status filter;
- the same words over every stored article, flagged or not (/search).

Prints p50 / p95 / max per kind against issue 7's target (p95 under 150 ms).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import httpx  # noqa: E402
import lxml.html  # noqa: E402
import yaml  # noqa: E402

from catalog.load import load_companies  # noqa: E402
from nlp.taxonomy import load_taxonomy  # noqa: E402
from store import open_db  # noqa: E402
from store.companies import sync_companies  # noqa: E402
from store.sources import sync_sources  # noqa: E402

SHARED = PROJECT_DIR.parent / "shared" / "data"
TARGET_P95_MS = 150.0
MAX_TEXT = 4000   # characters of each real text kept: about a news article's length
STATUSES = ["open"] * 14 + ["accepted"] * 3 + ["rejected"] * 2 + ["bookmarked"]
SEARCHES = [  # full-text words a researcher types, with the filters they would add
    {"q": "police"}, {"q": "workers", "family": "Labour"}, {"q": "journalist", "country": "IN"},
    {"q": "\"human rights\"", "region": "Africa"}, {"q": "union strike"}, {"q": "protest*", "status": "any"},
    {"q": "arrested", "family": "Civil liberties & technology"}, {"q": "company", "sector": "Mining"},
    {"q": "abducted OR kidnapped"}, {"q": "killed", "region": "Asia", "status": "accepted"},
]


def real_texts() -> list[tuple[str, str]]:
    """(title, text) of every real article in ../shared/data: hr-news and the fundus pages."""
    texts = []
    for name in ("train.json", "dev.json"):
        for item in json.loads((SHARED / "hr-news" / name).read_text("utf-8")):
            sample = item["sample"]
            body = lxml.html.fromstring(sample["Input.article_interface"]).text_content()
            texts.append((sample["Input.title"], " ".join(body.split())[:MAX_TEXT]))
    for line in (SHARED / "articles" / "fundus" / "index.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        body = row.get("body_text") or ""
        if isinstance(body, list):
            body = " ".join(body)
        if row.get("title") and body:
            texts.append((row["title"], " ".join(str(body).split())[:MAX_TEXT]))
    return [(t, x) for t, x in texts if len(x) > 200]


def build_db(path: Path, n_articles: int, n_flags: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    started = time.perf_counter()
    db = open_db(path)
    registry = yaml.safe_load((PROJECT_DIR / "sources.yaml").read_text("utf-8"))["sources"]
    sync_sources(db, [{k: s.get(k) for k in ("id", "name", "kind", "url", "language", "country")} for s in registry])
    source_ids = [s["id"] for s in registry]
    firms, _ = load_companies(PROJECT_DIR / "companies.csv")
    sync_companies(db, firms)
    tags = load_taxonomy().tags
    regions = json.loads((PROJECT_DIR / "nlp" / "data" / "places.json").read_text("utf-8"))["regions"]
    countries = sorted(c for c, r in regions.items() if r)
    texts = real_texts()
    flagged = set(rng.sample(range(1, n_articles + 1), n_flags))
    conn = db.conn
    conn.execute("BEGIN")
    articles, urls, mentions, issues, places, analyses, flags, decisions = [], [], [], [], [], [], [], []

    def flush():
        conn.executemany("insert into articles (id, url, title, text, language, published, fetched, source_id, "
                         "content_hash, authors, story_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", articles)
        conn.executemany("insert into article_urls (url, article_id, source_id, first_seen) values (?, ?, ?, ?)", urls)
        conn.executemany("insert into mentions (article_id, field, start, [end], mention, company_id, confidence, "
                         "reason, role) values (?, 'text', ?, ?, ?, ?, ?, ?, 'accused')", mentions)
        conn.executemany("insert or ignore into issue_tags (article_id, tag_id, tag, family, evidence, field) "
                         "values (?, ?, ?, ?, ?, 'text')", issues)
        conn.executemany("insert or ignore into places (article_id, country, region) values (?, ?, ?)", places)
        conn.executemany("insert into analyses (article_id, analyzed_at, story_type, score, flagged, pipeline) "
                         "values (?, ?, 'allegation', ?, ?, 'bench')", analyses)
        conn.executemany("insert into flags (article_id, score, reason, company_ids, families, status, created, "
                         "updated, decided_by, decided_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", flags)
        conn.executemany("insert into decisions (article_id, user, action, payload, created) values (?, ?, ?, ?, ?)",
                         decisions)
        for rows in (articles, urls, mentions, issues, places, analyses, flags, decisions):
            rows.clear()

    story_of_previous = None
    for article_id in range(1, n_articles + 1):
        title, text = texts[article_id % len(texts)]
        day = f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        source = source_ids[article_id % len(source_ids)]
        url = f"https://{source}.example/{day}/{article_id}"
        # Every 25th flagged story has a syndicated copy: the next article joins its story.
        story_id = story_of_previous or article_id
        story_of_previous = None
        articles.append((article_id, url, f"{title} ({article_id})", text, "en", f"{day}T08:00:00Z",
                         f"{day}T09:00:00Z", source, hashlib.sha1(f"{article_id}".encode()).hexdigest(), "[]",
                         story_id))
        urls.append((url, article_id, source, f"{day}T09:00:00Z"))
        country = rng.choice(countries)
        places.append((article_id, country, regions[country]))
        if article_id not in flagged:
            continue
        if article_id % 25 == 0:
            story_of_previous = story_id
        linked = rng.sample(firms, rng.randint(1, 3))
        for n, firm in enumerate(linked):
            mentions.append((article_id, n * 10, n * 10 + len(firm.name), firm.name, firm.id,
                             round(rng.uniform(0.6, 1.0), 2), f"exact name '{firm.name}'"))
        chosen = rng.sample(tags, rng.randint(1, 3))
        sentences = re.split(r"(?<=[.!?])\s+", text)
        for tag in chosen:
            issues.append((article_id, tag.id, tag.name, tag.family, rng.choice(sentences)[:400]))
        second = rng.choice(countries)
        places.append((article_id, second, regions[second]))
        score = round(rng.uniform(1.0, 9.0), 2)
        status = rng.choice(STATUSES)
        decided = ("bench-researcher", f"{day}T12:00:00+00:00") if status != "open" else (None, None)
        analyses.append((article_id, f"{day}T09:30:00+00:00", score, 1))
        flags.append((article_id, score, f"flagged: {linked[0].name} with '{chosen[0].name}'",
                      json.dumps(sorted(f.id for f in linked)), json.dumps(sorted({t.family for t in chosen})),
                      status, f"{day}T09:30:00+00:00", f"{day}T09:30:00+00:00", *decided))
        if decided[0]:
            decisions.append((article_id, decided[0], status[:-2] if status != "bookmarked" else "bookmark",
                              "{}", decided[1]))
        if len(articles) >= 5000:
            flush()
    flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    db.conn.close()
    return {"seconds": time.perf_counter() - started, "texts": len(texts), "mb": path.stat().st_size / 2**20}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "flows.cli", "triage", "--db", str(db_path), "--port", str(port),
                               "--user", "bench"], cwd=PROJECT_DIR, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the triage app exited: {server.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(base_url + "/favicon.ico", timeout=2).status_code == 204:
                return server, base_url
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the triage app did not answer within 120 s")


def measure(client: httpx.Client, params_list: list[dict], requests: int, warmup: int = 10,
            path: str = "/") -> tuple[list[float], int]:
    """Milliseconds per request (after `warmup` unmeasured ones), and the stories on the last page."""
    times, stories = [], 0
    for n in range(warmup + requests):
        params = params_list[n % len(params_list)]
        start = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{params}: HTTP {response.status_code} {response.text[:300]}")
        stories = response.text.count('<article class="story')
        if n >= warmup:
            times.append(elapsed)
    return times, stories


def report(name: str, times: list[float], stories: int) -> bool:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    met = p95 < TARGET_P95_MS
    print(f"{name:<34} n={len(times):>4}  p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {ordered[-1]:6.1f} ms  ({stories} cards on the last page)  p95/target {p95 / TARGET_P95_MS:4.2f}  "
          f"{'MET' if met else 'NOT MET'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--flags", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per kind (default 200)")
    parser.add_argument("--db", type=Path, help="keep the database here (built if missing)")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"error: {SHARED} not found: the bench reads real texts from the shared data", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "triage-bench.db"
        if not db_path.exists():
            built = build_db(db_path, args.articles, args.flags)
            print(f"database: {args.articles:,} articles ({built['texts']} real texts), {args.flags:,} flags, "
                  f"{built['mb']:.0f} MB, built in {built['seconds']:.0f} s")
        db = open_db(db_path)
        counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("articles", "flags", "mentions")}
        open_flags = db.execute("select count(*) from flags where status = 'open'").fetchone()[0]
        db.conn.close()
        print(f"stored: {counts['articles']:,} articles, {counts['flags']:,} flags ({open_flags:,} open), "
              f"{counts['mentions']:,} firm links")
        server, base_url = start_server(db_path)
        try:
            with httpx.Client(base_url=base_url, timeout=30) as client:
                queue = [{"page": str(page)} for page in range(1, 6)]
                results = [report("queue page (open, by score)", *measure(client, queue, args.requests)),
                           report("filtered full-text search", *measure(client, SEARCHES, args.requests)),
                           report("search all stored (/search)",
                                  *measure(client, [{"q": s["q"]} for s in SEARCHES], args.requests, path="/search"))]
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"target: p95 < {TARGET_P95_MS:.0f} ms from a client on 127.0.0.1: "
          f"{'MET' if all(results) else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
