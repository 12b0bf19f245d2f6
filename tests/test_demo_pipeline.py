"""The main job end to end: the daily Prefect flow over the demo news site, served on 127.0.0.1.

Real Scrapy HTTP, the real spaCy model, the real companies.csv and a real SQLite file; the
assertions read the stored database against demo/expected.yaml.
"""
import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from catalog.names import fold
from demo.server import SOURCES_FILE, serve_site
from store import open_db

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXPECTED = yaml.safe_load((PROJECT_DIR / "demo" / "expected.yaml").read_text("utf-8"))["articles"]
FAST_CRAWL = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, prefect_harness):
    """Two runs: the demo as shipped, then again with bad input added (a malformed feed, an
    unreachable source, a bad row in the company list)."""
    from flows.daily import daily

    work = tmp_path_factory.mktemp("demo")
    db_path = work / "demo.db"
    bad_sources = work / "sources.yaml"
    bad_sources.write_text(SOURCES_FILE.read_text("utf-8") + BAD_SOURCES, "utf-8")
    bad_companies = work / "companies.csv"
    bad_companies.write_text((PROJECT_DIR / "companies.csv").read_text("utf-8") + ",,,XX\n", "utf-8")
    with serve_site() as base_url:
        first = daily(db_path=db_path, sources_path=SOURCES_FILE, companies_path=PROJECT_DIR / "companies.csv",
                      work_dir=work / "work", base_url=base_url, scrapy_settings=FAST_CRAWL)
        second = daily(db_path=db_path, sources_path=bad_sources, companies_path=bad_companies,
                       work_dir=work / "work", base_url=base_url, scrapy_settings=FAST_CRAWL)
    return open_db(db_path), first, second


BAD_SOURCES = """
  - id: malformed-feed
    name: A feed that is not well-formed XML
    kind: feed
    url: "{{BASE}}/articles/recipe-hanoi-beef-pho-at-home.html"
  - id: unreachable
    name: A host that refuses connections
    kind: feed
    url: "http://127.0.0.1:9/feed.xml"
"""


def firm_names(db) -> dict[str, set[str]]:
    """firm id -> its name and aliases, case and accents folded."""
    names = defaultdict(set)
    for firm_id, name in db.execute("select id, name from companies"):
        names[firm_id].add(fold(name))
    for firm_id, alias in db.execute("select company_id, alias from aliases"):
        names[firm_id].add(fold(alias))
    return names


def flagged_by_path(db) -> dict[str, dict]:
    """Every URL path of a flagged story (a merged copy's too) -> its firms and families."""
    rows = db.execute("select u.url, f.company_ids, f.families from flags f "
                      "join article_urls u on u.article_id = f.article_id")
    return {url.split("://", 1)[1].split("/", 1)[1]: {"firms": set(json.loads(ids)), "families": set(json.loads(fams))}
            for url, ids, fams in rows}


def named(expected_name: str, firm_ids: set[str], names: dict[str, set[str]]) -> bool:
    wanted = fold(expected_name)
    return any(wanted in names[firm_id] for firm_id in firm_ids)


def test_every_article_is_stored_once_and_the_wire_copy_is_merged(demo_run):
    db, first, _ = demo_run
    originals = [a for a in EXPECTED if not a.get("duplicate_of")]
    assert db["articles"].count == len(originals)
    copy = next(a for a in EXPECTED if a.get("duplicate_of"))
    # Whichever of the two was fetched first is stored; the other URL points at it.
    [copy_id] = db.execute("select article_id from article_urls where url like ?", [f"%{copy['path']}"]).fetchone()
    [original_id] = db.execute("select article_id from article_urls where url like ?",
                               [f"%/articles/{copy['duplicate_of']}.html"]).fetchone()
    assert copy_id == original_id
    assert sum(c["duplicate"] for c in first["sources"].values()) >= 1


def test_seed_cases_are_flagged_with_their_firms_and_family(demo_run):
    """Each of the six seed cases is flagged with its firms and issue family.

    Per case: every firm named in expected.yaml is flagged in at least one of the case's stories,
    every flagged story carries its expected family and at least one of its firms, and at most one
    story of a case goes unflagged (today: the Access Now report, which names the carriers only in a
    sentence next to the allegation, with no accusation verb)."""
    db, _, _ = demo_run
    flagged, names = flagged_by_path(db), firm_names(db)
    cases = defaultdict(list)
    for article in (a for a in EXPECTED if a["flagged"]):
        cases[article["case"]].append(article)
    assert len(cases) == 6
    for case, articles in cases.items():
        hits = [a for a in articles if a["path"].lstrip("/") in flagged]
        assert len(hits) >= len(articles) - 1, (case, [a["title"] for a in articles if a not in hits])
        flagged_firms = set()
        for article in hits:
            flag = flagged[article["path"].lstrip("/")]
            assert article["family"] in flag["families"], (article["title"], flag["families"])
            assert any(named(firm, flag["firms"], names) for firm in article["firms"]), (article["title"], flag["firms"])
            flagged_firms |= flag["firms"]
        expected_firms = {firm for a in articles for firm in a["firms"]}
        missing = [firm for firm in expected_firms if not named(firm, flagged_firms, names)]
        assert not missing, f"{case}: firms never flagged: {missing}"


def test_unrelated_news_is_not_flagged(demo_run):
    db, _, _ = demo_run
    flagged = flagged_by_path(db)
    wrongly = [a["title"] for a in EXPECTED if a["case"] == "unrelated" and a["path"].lstrip("/") in flagged]
    assert len([a for a in EXPECTED if a["case"] == "unrelated"]) >= 12
    assert not wrongly


def test_dead_source_is_reported_and_the_run_goes_on(demo_run):
    db, first, _ = demo_run
    assert first["sources"]["dead-feed"]["failed"] == 1
    assert first["sources"]["dead-feed"]["errors"] == ["feed: HTTP 404"]
    assert db["sources"].get("dead-feed")["last_error"] == "HTTP 404"
    assert any("! feed: HTTP 404" in line for line in first["summary"])


def test_second_run_with_bad_input_goes_on_adds_nothing_and_loses_nothing(demo_run):
    db, first, second = demo_run
    assert second["new_articles"] == 0
    assert second["analysis"]["analyzed"] == 0
    assert db["articles"].count == first["new_articles"]
    assert db["flags"].count == first["analysis"]["flagged"]
    runs = list(db.query("select status from runs order by id"))
    assert [r["status"] for r in runs] == ["completed", "completed"]
    # Each bad input has one clear line in the run's summary.
    summary = "\n".join(second["summary"])
    assert "! feed: unreadable feed" in summary or "! feed: not an RSS" in summary
    assert "! feed: connection refused" in summary
    bad_line = len((PROJECT_DIR / "companies.csv").read_text("utf-8").splitlines()) + 1
    assert f"! companies.csv line {bad_line}: " in summary
    # The feed that was missing last run (a hard failure) is left alone while it backs off.
    assert second["sources"]["dead-feed"]["skipped"].startswith("backing off until")
    assert "dead-feed                    skipped: backing off until" in summary
