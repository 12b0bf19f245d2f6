"""Real HTTP through Scrapy against a server on 127.0.0.1: real pages, and every fault a source can have."""
import json
import subprocess
import sys

import pytest

from flows.steps import store_items
from store import open_db
from store.sources import source_status, sync_sources
from tests.conftest import fundus_pages, shared_data
from tests.servers import Route, rss, serve

FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "1", "LOG_LEVEL": "WARNING",
        "RETRY_BACKOFF_BASE": "0.2",
        "DOWNLOAD_MAXSIZE": str(2 * 1024 * 1024)}


def run_crawl(tmp_path, sources, known=(), settings=None):
    sources_file = tmp_path / "sources.json"
    sources_file.write_text(json.dumps(sources))
    known_file = tmp_path / "known.txt"
    known_file.write_text("\n".join(known))
    out = tmp_path / "items.jsonl"
    command = [sys.executable, "-m", "spiders.crawl", "--sources", str(sources_file), "--known", str(known_file),
               "--out", str(out)]
    for name, value in {**FAST, **(settings or {})}.items():
        command += ["--set", f"{name}={value}"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return items, run.stderr


@pytest.fixture(scope="module")
def faulty_site():
    pages = fundus_pages()[:4]
    routes = {}
    with serve(routes) as base:
        good = [f"/news/{i}.html" for i in range(len(pages))]
        for path, page in zip(good, pages):
            routes[path] = Route(page["html_bytes"])
        faults = {
            "/news/error.html": Route(b"oops", status=500),
            "/news/gone.html": Route(b"gone", status=404),
            "/news/slow.html": Route(pages[0]["html_bytes"], delay=6),
            "/news/image.html": Route(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50, content_type="image/png"),
            "/news/huge.html": Route(b"<html><body><p>" + b"word " * 700_000 + b"</p></body></html>"),
            "/news/loop.html": Route(status=302, redirect="/news/loop.html"),
            "/news/latin1.html": Route(
                ("<html><head><meta charset='iso-8859-1'></head><body><article><p>"
                 + "Trabalhadores denunciaram condições análogas à escravidão na colheita de cana. " * 3
                 + "</p></article></body></html>").encode("iso-8859-1"), content_type="text/html"),
            # Served as UTF-8 but written in latin-1: the header lies, the <meta> tells the truth.
            "/news/wrong-charset.html": Route(
                ("<html><head><meta charset='iso-8859-1'></head><body><article><p>"
                 + "Les ouvrières dénoncent des cadences épuisantes et des salaires impayés à l'usine. " * 3
                 + "</p></article></body></html>").encode("iso-8859-1"), content_type="text/html; charset=utf-8"),
        }
        routes.update(faults)
        routes["/feed.xml"] = Route(rss(base, good + list(faults)), content_type="application/rss+xml")
        routes["/broken.xml"] = Route(
            shared_data("feeds", "edge-cases", "malformed_rss_namespaced.xml").read_bytes(),
            content_type="application/rss+xml")
        yield base, pages


def sources_for(base):
    return [
        {"id": "good", "name": "Good", "kind": "feed", "url": f"{base}/feed.xml"},
        {"id": "broken", "name": "Broken", "kind": "feed", "url": f"{base}/broken.xml"},
        {"id": "missing", "name": "Missing", "kind": "feed", "url": f"{base}/missing.xml"},
        {"id": "refused", "name": "Refused", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"},
    ]


def test_crawl_survives_every_fault_and_stores_the_rest(tmp_path, faulty_site):
    base, pages = faulty_site
    items, log = run_crawl(tmp_path, sources_for(base))
    by_type = {}
    for item in items:
        by_type.setdefault(item["type"], []).append(item)

    sources = {item["source_id"]: item for item in by_type["source"]}
    assert sources["good"]["ok"] and sources["good"]["entries"] == 12
    assert not sources["broken"]["ok"] and "not well-formed" in sources["broken"]["error"]
    assert sources["missing"]["error"] == "HTTP 404"
    assert not sources["refused"]["ok"] and sources["refused"]["error"] == "connection refused"

    articles = {item["fetched_url"].rsplit("/", 1)[1]: item for item in by_type["article"]}
    assert set(articles) == {"0.html", "1.html", "2.html", "3.html", "latin1.html", "wrong-charset.html"}
    assert "ouvrières dénoncent" in articles["wrong-charset.html"]["text"]
    assert "wrong-charset.html: declared charset" in log
    for i, page in enumerate(pages):
        assert articles[f"{i}.html"]["title"] == page["title"]
    assert "escravidão" in articles["latin1.html"]["text"]

    failures = {item["url"].rsplit("/", 1)[1]: item["error"] for item in by_type["failure"]}
    assert failures["error.html"] == "HTTP 500"
    assert failures["gone.html"] == "HTTP 404"
    assert failures["slow.html"] == "timed out"
    assert "binary" in failures["image.html"]
    assert failures["huge.html"].startswith("body larger than the maximum page size")
    assert failures["loop.html"].startswith("too many redirects")
    assert set(failures) == {"error.html", "gone.html", "slow.html", "image.html", "huge.html", "loop.html"}

    # Stored: the good articles; failures become source health, and a second crawl
    # of the same feed fetches nothing already stored and loses nothing.
    db_path = tmp_path / "crawl.db"
    db = open_db(db_path)
    sync_sources(db, sources_for(base))
    new_ids, counts = store_items(db_path, tmp_path / "items.jsonl")
    assert len(new_ids) == 6 and counts["good"]["new"] == 6 and counts["good"]["failed"] == 6
    health = {row["id"]: row for row in source_status(db)}
    assert health["missing"]["consecutive_failures"] == 1 and health["missing"]["last_error"] == "HTTP 404"

    stored = {row[0] for row in db.execute("select url from article_urls")}
    again, _ = run_crawl(tmp_path, sources_for(base), known=stored)
    assert not [item for item in again if item["type"] == "article"]
    store_items(db_path, tmp_path / "items.jsonl")
    assert db["articles"].count == 6


def test_robots_txt_is_obeyed(tmp_path):
    page = fundus_pages()[0]
    routes = {"/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
              "/private/a.html": Route(page["html_bytes"]), "/public/b.html": Route(page["html_bytes"])}
    with serve(routes) as base:
        routes["/feed.xml"] = Route(rss(base, ["/private/a.html", "/public/b.html"]))
        items, _ = run_crawl(tmp_path, [{"id": "s", "name": "S", "kind": "feed", "url": f"{base}/feed.xml"}])
    fetched = [item["fetched_url"] for item in items if item["type"] == "article"]
    assert fetched == [f"{base}/public/b.html"]


def test_conditional_get_and_unchanged_bodies_skip_the_feed(tmp_path):
    page = fundus_pages()[0]
    routes = {"/a.html": Route(page["html_bytes"])}
    with serve(routes) as base:
        routes["/etag.xml"] = Route(rss(base, ["/a.html"]), etag='"v1"')
        routes["/plain.xml"] = Route(rss(base, ["/a.html"]))
        sources = [{"id": "etag", "name": "E", "kind": "feed", "url": f"{base}/etag.xml"},
                   {"id": "plain", "name": "P", "kind": "feed", "url": f"{base}/plain.xml"}]
        first, _ = run_crawl(tmp_path, sources)
        polled = {i["source_id"]: i for i in first if i["type"] == "source"}
        assert polled["etag"]["etag"] == '"v1"' and not polled["etag"]["unchanged"]
        # Next poll: validators from the last one. The ETag feed answers 304; the other sends the
        # same body again, which its hash recognises. Neither feed's entries are fetched again.
        again = [{**s, "etag": polled[s["id"]]["etag"], "body_hash": polled[s["id"]]["body_hash"]} for s in sources]
        second, _ = run_crawl(tmp_path, again)
    polled_again = {i["source_id"]: i for i in second if i["type"] == "source"}
    assert polled_again["etag"]["unchanged"] and polled_again["plain"]["unchanged"]
    assert routes["/etag.xml"].requests[-1].get("If-None-Match") == '"v1"'
    assert not [i for i in second if i["type"] == "article"]
    assert len(routes["/a.html"].requests) == 1  # fetched once, in the first crawl only


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}/news/fresh.html</loc><news:news><news:publication><news:name>T</news:name>
    <news:language>en</news:language></news:publication>
    <news:publication_date>{today}</news:publication_date><news:title>Fresh</news:title></news:news></url>
  <url><loc>{base}/news/old.html</loc><news:news><news:publication><news:name>T</news:name>
    <news:language>en</news:language></news:publication>
    <news:publication_date>2017-11-20T08:30:00+00:00</news:publication_date><news:title>Old</news:title>
    </news:news></url>
</urlset>"""


def test_news_sitemap_index_and_site_spider(tmp_path):
    from datetime import datetime, timezone

    pages = fundus_pages()[:3]
    today = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    routes = {"/news/fresh.html": Route(pages[0]["html_bytes"]), "/news/old.html": Route(pages[1]["html_bytes"]),
              "/stories/2026/a-story.html": Route(pages[2]["html_bytes"]),
              "/about.html": Route(pages[1]["html_bytes"])}
    with serve(routes) as base:
        routes["/news-sitemap.xml"] = Route(NEWS_SITEMAP.format(base=base, today=today).encode(),
                                            content_type="application/xml")
        routes["/sitemap-index.xml"] = Route(
            f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/news-sitemap.xml</loc></sitemap></sitemapindex>".encode(),
            content_type="application/xml")
        routes["/latest"] = Route(f'<html><body><a href="/stories/2026/a-story.html">A story</a>'
                                  f'<a href="/about.html">About us</a></body></html>'.encode())
        sources = [
            {"id": "index", "name": "I", "kind": "sitemap", "url": f"{base}/sitemap-index.xml"},
            {"id": "site", "name": "S", "kind": "site", "url": f"{base}/latest",
             "start_urls": [f"{base}/latest"], "article_pattern": r"/stories/\d{4}/"},
        ]
        items, _ = run_crawl(tmp_path, sources)
    fetched = {(i["source_id"], i["fetched_url"].split("/", 3)[3]) for i in items if i["type"] == "article"}
    # Only the recent sitemap entry (older ones are past news), and only links matching the pattern.
    assert fetched == {("index", "news/fresh.html"), ("site", "stories/2026/a-story.html")}
    assert not routes["/news/old.html"].requests and not routes["/about.html"].requests


def test_retries_back_off(tmp_path):
    page = fundus_pages()[0]
    routes = {"/flaky.html": Route(page["html_bytes"], fail_first=2)}
    with serve(routes) as base:
        routes["/feed.xml"] = Route(rss(base, ["/flaky.html"]))
        FAST_BACKOFF = {"RETRY_TIMES": "2", "RETRY_BACKOFF_BASE": "0.5"}
        sources = [{"id": "s", "name": "S", "kind": "feed", "url": f"{base}/feed.xml"}]
        items, _ = run_crawl(tmp_path, sources, settings=FAST_BACKOFF)
    assert [i["type"] for i in items if i["type"] != "source"] == ["article"]
    first, second, third = routes["/flaky.html"].times
    # 0.5 s before the first retry, 1 s before the second (lower bounds: the machine may be slower).
    assert second - first >= 0.45 and third - second >= 0.95


def test_collect_reads_items_while_the_crawler_writes_and_drops_a_torn_last_line(tmp_path):
    from flows.steps import _follow

    out = tmp_path / "items.jsonl"
    # A stand-in for the crawler: writes two items a moment apart, then dies half-way through a third.
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        f"f = open({str(out)!r}, 'w', buffering=1)\n"
        "f.write('{\"n\": 1}\\n'); time.sleep(0.3)\n"
        "f.write('{\"n\": 2}\\n'); f.write('{\"n\": 3, \"tex'); f.flush()\n"
        "sys.exit(3)\n")])
    lines, running = [], []
    for line in _follow(out, writer, poll_seconds=0.01):
        running.append(writer.poll() is None)
        lines.append(line)
    assert lines == ['{"n": 1}', '{"n": 2}']
    assert running[0], "the first line should arrive while the writer still runs"
    assert writer.wait() == 3
