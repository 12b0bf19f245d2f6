"""The backfill flow over a publisher's archives on 127.0.0.1: an RSS feed with RFC 5005 archive pages
and a news sitemap index with dated children, the articles being the demo site's real-case pages.
Only what was published in the range is collected, the walk stops at the range, a second backfill
adds nothing; `rightsradar runs` reports it, with the failing source in one line."""
from pathlib import Path

import pytest

from demo.server import SITE_DIR
from tests.servers import Route, serve

pytestmark = pytest.mark.slow
FAST_CRAWL = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING"}
PAGES = sorted((SITE_DIR / "articles").glob("*.html"))[:8]
# page letter -> (date published, in the range 2017-10-01..2017-10-31?)
FEED = {"A": "2017-11-20", "B": "2017-11-05", "C": "2017-10-20", "D": "2017-10-03", "E": "2017-09-15", "F": "2017-08-02"}
SITEMAP = {"G": "2017-10-12", "H": "2017-12-01"}
WANTED = {"C", "D", "G"}


def page_path(letter: str) -> str:
    return f"/articles/{letter}-{PAGES['ABCDEFGH'.index(letter)].name}"


def rss_page(base: str, letters: str, older: str | None) -> bytes:
    items = "".join(f"<item><title>{letter}</title><link>{base}{page_path(letter)}</link>"
                    f"<pubDate>{FEED[letter]}T09:00:00Z</pubDate></item>" for letter in letters)
    archive = f'<atom:link rel="prev-archive" href="{base}{older}"/>' if older else ""
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>Archive</title><link>{base}/</link><description>d</description>{archive}{items}"
            "</channel></rss>").encode()


def site_routes(base: str) -> dict[str, Route]:
    xml = "application/xml"
    routes = {
        "/feed.xml": Route(rss_page(base, "AB", "/archive/2017-10.xml"), content_type=xml),
        "/archive/2017-10.xml": Route(rss_page(base, "CD", "/archive/2017-09.xml"), content_type=xml),
        "/archive/2017-09.xml": Route(rss_page(base, "E", "/archive/2017-08.xml"), content_type=xml),
        "/archive/2017-08.xml": Route(rss_page(base, "F", None), content_type=xml),
        "/sitemap-index.xml": Route((
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/sitemaps/2017-10.xml</loc><lastmod>2017-12-01</lastmod></sitemap>"
            f"<sitemap><loc>{base}/sitemaps/2016-01.xml</loc><lastmod>2016-01-31</lastmod></sitemap>"
            "</sitemapindex>").encode(), content_type=xml),
        "/sitemaps/2017-10.xml": Route((
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(
                f"<url><loc>{base}{page_path(letter)}</loc><news:news><news:publication_date>{day}"
                "</news:publication_date><news:title>t</news:title></news:news></url>"
                for letter, day in SITEMAP.items()) + "</urlset>").encode(), content_type=xml),
        "/sitemaps/2016-01.xml": Route(b"<urlset/>", content_type=xml),
    }
    for letter in "ABCDEFGH":
        html = PAGES["ABCDEFGH".index(letter)].read_text("utf-8").replace("{{BASE}}", base)
        routes[page_path(letter)] = Route(html.encode())
    return routes


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, prefect_harness):
    from flows.backfill import backfill

    work = tmp_path_factory.mktemp("backfill")
    routes: dict[str, Route] = {}
    with serve(routes) as base:
        routes.update(site_routes(base))
        registry = work / "sources.yaml"
        registry.write_text(f"""sources:
  - {{id: archive-feed, name: Archive feed, kind: feed, url: "{base}/feed.xml", reliability: 0.9}}
  - {{id: archive-sitemap, name: Archive sitemap, kind: sitemap, url: "{base}/sitemap-index.xml"}}
  - {{id: gone-sitemap, name: A sitemap that is gone, kind: sitemap, url: "{base}/missing-sitemap.xml"}}
  - {{id: start-page, name: A site without archives, kind: site, url: "{base}/", article_pattern: "x"}}
""", "utf-8")
        params = dict(db_path=work / "b.db", sources_path=registry, work_dir=work / "work", scrapy_settings=FAST_CRAWL)
        first = backfill(since="2017-10-01", until="2017-10-31", **params)
        second = backfill(since="2017-10-01", until="2017-10-31", **params)
    return work, first, second, routes


def stored_letters(db_path: Path) -> set[str]:
    from store import open_db

    names = [url.rsplit("/", 1)[1] for (url,) in open_db(db_path).execute("select url from article_urls")]
    return {name[0] for name in names if name[:1].isupper() and name[1:2] == "-"}   # not the pages' canonical URLs


def test_only_the_range_is_collected_and_the_walk_stops_there(backfilled):
    work, first, _, routes = backfilled
    assert stored_letters(work / "b.db") == WANTED
    assert first["new_articles"] == len(WANTED)
    assert first["analysis"]["analyzed"] == len(WANTED)
    # The archive page after the first one wholly before the range, and the child sitemap last
    # changed before it, are never requested; nor are articles outside the range.
    assert not routes["/archive/2017-08.xml"].requests and routes["/archive/2017-09.xml"].requests
    assert not routes["/sitemaps/2016-01.xml"].requests
    assert not any(routes[page_path(letter)].requests for letter in "ABEFH")
    assert "start-page" not in first["sources"]   # a site source has no archive


def test_a_second_backfill_adds_nothing(backfilled):
    work, first, second, _ = backfilled
    assert second["new_articles"] == 0 and second["analysis"]["analyzed"] == 0
    assert stored_letters(work / "b.db") == WANTED


def test_runs_lists_the_backfills_with_the_failing_source_in_one_line(backfilled, capsys):
    from flows.cli import main

    work, first, _, _ = backfilled
    assert first["sources"]["gone-sitemap"]["errors"] == ["feed: HTTP 404"]
    assert "gone-sitemap: feed: HTTP 404" in "\n".join(first["summary"])
    assert main(["runs", "--db", str(work / "b.db")]) == 0
    out = capsys.readouterr().out.splitlines()
    heads = [line for line in out if line.startswith("#")]
    assert len(heads) == 2 and all(" backfill  completed " in line for line in heads)
    assert f"new {len(WANTED)}" in heads[-1] and "new 0" in heads[0]   # newest first
    assert sum("! gone-sitemap: feed: HTTP 404" in line for line in out) == 2


def test_a_bad_range_is_refused_before_anything_runs(tmp_path, capsys):
    from flows.cli import main

    assert main(["backfill", "--since", "2017-10-31", "--until", "2017-10-01", "--db", str(tmp_path / "x.db")]) == 2
    assert "is after --until" in capsys.readouterr().err
    assert main(["backfill", "--since", "last tuesday", "--db", str(tmp_path / "x.db")]) == 2
    assert "not a date: 'last tuesday'" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
