"""The story score (nlp.scoring.story_score) with flagging.yaml's settings, the stored reason, rescoring
when a story gains publishers, and the run report's one line per failing source."""
import json
import re

import pytest

from flows.flagging import FlaggingConfigError, load_flagging, rescore
from flows.progress import progress_line
from flows.report import failing_sources, run_lines
from nlp.scoring import FlaggingConfig, flagging_from_dict, story_score
from store import open_db
from store.annotations import save_analysis
from store.articles import save_article

TEXT = ("Workers at the Samsung factory in Bac Ninh fainted and some suffered miscarriages, a report by "
        "a labour group said on Monday, after months of exposure to chemicals on the assembly lines. ") * 3


def test_sources_and_reliability_move_the_score_around_the_evidence():
    base = story_score(2.5, "flagged: Samsung (accused) with 'Deaths'", reliability=None, independent_sources=1)
    assert base.score == 2.5 and base.flagged
    assert "Samsung (accused) with 'Deaths'" in base.reason and "1 source, reliability 0.75" in base.reason
    weak = story_score(2.5, "x", reliability=0.5, independent_sources=1)
    assert weak.score == 2.25 and not weak.flagged            # a weak source alone does not flag
    carried = story_score(2.5, "x", reliability=0.5, independent_sources=3)
    assert carried.score == 2.75 and carried.flagged           # two more publishers do
    assert story_score(2.5, "x", reliability=1.0, independent_sources=9).score == pytest.approx(3.5)  # capped
    nothing = story_score(0.0, "not flagged: no tracked firm", reliability=1.0, independent_sources=20)
    assert not nothing.flagged and nothing.reason.startswith("not flagged: no tracked firm")


def test_thresholds_come_from_the_settings_and_bad_settings_are_clear(tmp_path):
    assert load_flagging() == FlaggingConfig()   # the shipped flagging.yaml holds the documented defaults
    strict = tmp_path / "f.yaml"
    strict.write_text("flagging:\n  threshold: 3.0\n  source_bonus: 0.5\n", "utf-8")
    config = load_flagging(strict)
    assert config.threshold == 3.0 and config.source_bonus == 0.5 and config.max_extra_sources == 3
    assert not story_score(2.5, "x", reliability=None, independent_sources=1, config=config).flagged
    assert story_score(2.5, "x", reliability=None, independent_sources=2, config=config).flagged
    for text, message in (("flagging:\n  treshold: 3\n", "unknown flagging setting(s) treshold"),
                          ("flagging:\n  threshold: -1\n", "threshold must be above 0"),
                          ("flagging: [1, 2]\n", "expected a top-level 'flagging:' mapping"),
                          ("flagging:\n  threshold: high\n", "could not convert")):
        strict.write_text(text, "utf-8")
        with pytest.raises(FlaggingConfigError, match=re.escape(message)):
            load_flagging(strict)
    with pytest.raises(FlaggingConfigError, match="no such flagging settings file"):
        load_flagging(tmp_path / "absent.yaml")
    with pytest.raises(ValueError):
        flagging_from_dict({"neutral_reliability": 2})


def article(url: str, source: str, text: str = TEXT) -> dict:
    return {"url": url, "source_id": source, "title": "Samsung workers faint", "text": text, "language": "en",
            "content_hash": str(hash((url, text)) if text != TEXT else "same-text"), "authors": []}


def test_a_copy_from_another_publisher_raises_the_stored_score_and_the_reason_says_so():
    db = open_db(":memory:")
    for source, url, reliability in (("wire", "https://wire.example/rss", 0.6), ("paper", "https://paper.example/rss", 0.9)):
        db["sources"].insert({"id": source, "name": source, "kind": "feed", "url": url, "reliability": reliability},
                             pk="id")
    first = save_article(db, article("https://wire.example/a", "wire")).article_id
    evidence = {"flagged": True, "score": 2.5, "flag_reason": "flagged: Samsung (accused) with 'Deaths' in: ...",
                "companies": [{"id": "samsung", "name": "Samsung", "mention": "Samsung", "field": "text",
                               "start": 0, "end": 7}],
                "issues": [{"tag": "Deaths", "tag_id": "deaths", "family": "Health & safety", "evidence": "e"}]}
    save_analysis(db, first, evidence)
    assert rescore(db, None, FlaggingConfig()) == 1
    assert not db["flags"].count                               # 2.5 - 0.15 (reliability 0.6) < 2.5
    # The same text under another publisher's URL is the same story, now carried by two.
    assert save_article(db, article("https://www.paper.example/b", "paper")).outcome == "duplicate"
    assert rescore(db, None, FlaggingConfig()) == 1
    flag = db["flags"].get(first)
    assert flag["score"] == pytest.approx(2.9) and json.loads(flag["families"]) == ["Health & safety"]
    assert "2 sources, reliability 0.90" in flag["reason"] and "Samsung (accused)" in flag["reason"]
    assert rescore(db, None, FlaggingConfig()) == 0            # nothing changed: nothing rewritten


def test_failing_sources_one_line_each_and_runs_listing():
    counts = {"flow": "daily", "sources": {
        "ok": {"polled": 1, "new": 3, "duplicate": 1, "failed": 0, "errors": []},
        "dead": {"polled": 1, "new": 0, "duplicate": 0, "failed": 1, "errors": ["feed: HTTP 404"]},
        "flaky": {"polled": 1, "new": 2, "duplicate": 0, "failed": 3,
                  "errors": ["https://x.example/1: timed out", "https://x.example/2: timed out"]}},
        "analysis": {"analyzed": 5, "flagged": 2, "families": {"Labour": 2, "Health & safety": 1}}}
    assert failing_sources(counts) == ["dead: feed: HTTP 404",
                                       "flaky: https://x.example/1: timed out (and 2 more failures)"]
    lines = run_lines({"id": 7, "flow": "daily", "status": "completed", "started": "2026-01-01T05:00:00+00:00",
                       "finished": "2026-01-01T05:03:07+00:00", "counts": counts, "error": None})
    assert lines[0].startswith("#7    daily     completed") and "3m07s" in lines[0]
    assert "new 5, duplicate 1, failed 4; analysed 5, flagged 2" in lines[0]
    assert lines[1] == "      flagged per family: Health & safety 1, Labour 2"
    assert lines[2:] == ["      ! dead: feed: HTTP 404", "      ! flaky: https://x.example/1: timed out (and 2 more failures)"]


def test_progress_line():
    assert progress_line("analyse", 50, 200, 10.0) == "analyse: 50/200 (25%), 5.0/s, about 30s left"
    assert progress_line("collect", 120, None, 60.0) == "collect: 120, 2.0/s"
