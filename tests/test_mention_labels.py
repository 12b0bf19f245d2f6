"""The hand-labelled company-mention sets for measuring the firm linker: ``bench/labels/mentions.jsonl`` (the
development set), ``bench/labels/mentions_test.jsonl`` and ``bench/labels/mentions_blind2.jsonl`` (each labelled
blind, since tuned on), ``bench/labels/mentions_blind3.jsonl`` (the third blind set, since tuned on) and
``bench/labels/mentions_blind4.jsonl`` (the fourth blind set, labelled before the rules were tuned on it).

The annotations live in the project; the text they point at stays in ``../shared``. The shape checks run
everywhere; the ones that resolve the text skip when ``../shared`` is absent, except in CI (``CI=true``),
where its absence is a failure.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from bench.labels import UnresolvedRef
from bench.labels.mentions import (CASES, MENTIONS_BLIND2_PATH, MENTIONS_BLIND3_PATH, MENTIONS_BLIND4_PATH,
                                   MENTIONS_BLIND5_PATH, MENTIONS_PATH, MENTIONS_TEST_PATH, feed_item_text, load_mentions, read_rows,
                                   resolve_text)

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
NEEDED = (
    SHARED_DIR / "data" / "feeds" / "news" / "index.json",
    SHARED_DIR / "data" / "articles" / "fundus" / "index.jsonl",
    SHARED_DIR / "seeds" / "bhrrc-ict-snapshot-brief.txt",
    SHARED_DIR / "seeds" / "ict-campaign-page.txt",
    SHARED_DIR / "data" / "hr-news" / "dev.json",
    SHARED_DIR / "data" / "hr-news" / "train.json",
)
SETS = {"dev": (MENTIONS_PATH, 300), "test": (MENTIONS_TEST_PATH, 150), "blind2": (MENTIONS_BLIND2_PATH, 150),
        "blind3": (MENTIONS_BLIND3_PATH, 150), "blind4": (MENTIONS_BLIND4_PATH, 200),
        "blind5": (MENTIONS_BLIND5_PATH, 70)}
FIRM_REQUIRED = {"plain", "legal-form", "subsidiary", "former-name", "non-latin"}


def _require_shared() -> None:
    missing = [str(p) for p in NEEDED if not p.exists()]
    if not missing:
        return
    if os.environ.get("CI") == "true":
        raise AssertionError(f"{missing} missing in CI: the shared data must be beside the checkout")
    pytest.skip(f"{missing[0]} not found (the shared data folder is not beside this checkout)")


@pytest.fixture(scope="module")
def mentions() -> list[dict]:
    _require_shared()
    return load_mentions(SHARED_DIR)


@pytest.fixture(scope="module")
def test_mentions() -> list[dict]:
    _require_shared()
    return load_mentions(SHARED_DIR, MENTIONS_TEST_PATH)


@pytest.fixture(scope="module", params=sorted(SETS))
def any_set(request) -> tuple[list[dict], int]:
    _require_shared()
    path, least = SETS[request.param]
    return load_mentions(SHARED_DIR, path), least


def _item(row: dict) -> tuple[str, str]:
    return json.dumps(row["ref"], sort_keys=True), row["field"]


@pytest.mark.parametrize("name", sorted(SETS))
def test_rows_are_well_formed_without_the_shared_data(name):
    path, least = SETS[name]
    rows = [row for _, row in read_rows(path)]      # raises on unknown case/field or a firm not in companies.csv
    assert len(rows) >= least
    for row in rows:
        assert row["end"] - row["start"] == len(row["mention"]), row
        assert row["mention"] == row["mention"].strip() and row["mention"], row
        if row["case"] in FIRM_REQUIRED:
            assert row["firm"], row
        if row["case"] == "untracked-org":
            assert row["firm"] is None, row
    spans = Counter((*_item(row), row["start"]) for row in rows)
    assert not [k for k, n in spans.items() if n > 1], "duplicate rows"


def test_set_resolves_with_exact_word_aligned_offsets(any_set):
    mentions, least = any_set
    assert len(mentions) >= least
    by_item: dict[tuple[str, str], list[dict]] = {}
    for row in mentions:
        text, start, end = row["text"], row["start"], row["end"]
        assert text[start:end] == row["mention"]
        assert start == 0 or not text[start - 1].isalnum(), f"{row['mention']!r} starts inside a word"
        assert end == len(text) or not text[end].isalnum(), f"{row['mention']!r} ends inside a word"
        by_item.setdefault(_item(row), []).append(row)
    for rows in by_item.values():
        rows.sort(key=lambda r: r["start"])
        for a, b in zip(rows, rows[1:]):
            assert a["end"] <= b["start"], f"overlapping spans {a['mention']!r} / {b['mention']!r}"


def test_case_counts_cover_the_hard_cases(mentions):
    cases = Counter(row["case"] for row in mentions)
    assert set(cases) <= CASES
    common = [row for row in mentions if row["case"] == "common-word"]
    assert len(common) >= 60, cases
    assert sum(row["firm"] is None for row in common) >= 25          # "the Amazon rainforest", "a gap", "Next up"
    assert sum(row["firm"] is not None for row in common) >= 25      # Amazon, Apple, Meta, X, Sky as companies
    assert cases["untracked-org"] >= 40, cases
    assert cases["subsidiary"] + cases["former-name"] >= 15, cases
    assert cases["possessive"] >= 20, cases
    assert cases["non-latin"] >= 1 and cases["legal-form"] >= 5, cases


def test_set_is_spread_over_many_items_and_sources(mentions):
    per_page = Counter(json.dumps(row["ref"], sort_keys=True) for row in mentions)
    assert max(per_page.values()) <= 10, per_page.most_common(3)
    assert len(per_page) >= 150
    files = Counter(row["ref"]["file"] for row in mentions)
    assert files["feeds/news/index.json"] >= 100 and files["articles/fundus/index.jsonl"] >= 150, files
    assert len({row["firm"] for row in mentions if row["firm"]}) >= 60


def test_load_mentions_names_the_bad_line(tmp_path, mentions):
    row = {k: v for k, v in mentions[0].items() if k != "text"}
    shifted = tmp_path / "shifted.jsonl"
    shifted.write_text(json.dumps(row) + "\n" + json.dumps({**row, "start": row["start"] + 1,
                                                             "end": row["end"] + 1}) + "\n", "utf-8")
    with pytest.raises(UnresolvedRef, match=r"shifted\.jsonl:2"):
        load_mentions(SHARED_DIR, shifted)
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(json.dumps({**row, "firm": "no-such-firm-xx"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"unknown\.jsonl:1"):
        load_mentions(SHARED_DIR, unknown)
    assert MENTIONS_PATH.name == "mentions.jsonl"


def test_blind_set_shares_no_span_with_the_development_set():
    dev = {}
    for _, row in read_rows(MENTIONS_PATH):
        dev.setdefault(_item(row), []).append((row["start"], row["end"]))
    shared = [row["mention"] for _, row in read_rows(MENTIONS_TEST_PATH)
              if any(s < row["end"] and row["start"] < e for s, e in dev.get(_item(row), []))]
    assert not shared, shared


def test_blind_set_covers_the_hard_cases_and_sources(test_mentions):
    cases = Counter(row["case"] for row in test_mentions)
    common = [row for row in test_mentions if row["case"] == "common-word"]
    assert sum(row["firm"] is None for row in common) >= 25, cases      # "the Amazon", "Crown Prince", "Walt Harris"
    assert sum(row["firm"] is not None for row in common) >= 10, cases  # Orange, Total, Shell, Amazon as companies
    assert cases["untracked-org"] >= 30 and cases["possessive"] >= 8, cases
    assert cases["subsidiary"] + cases["former-name"] >= 25 and cases["former-name"] >= 3, cases
    assert len({row["firm"] for row in test_mentions if row["firm"]}) >= 40
    per_item = Counter(json.dumps(row["ref"], sort_keys=True) for row in test_mentions)
    assert max(per_item.values()) <= 10 and len(per_item) >= 80, per_item.most_common(3)
    sources = Counter(row["ref"]["file"].split("/")[0] for row in test_mentions)
    assert len(sources) >= 4, sources                                  # feeds, articles, hr-news, seeds


@pytest.fixture(scope="module")
def blind2_mentions() -> list[dict]:
    _require_shared()
    return load_mentions(SHARED_DIR, MENTIONS_BLIND2_PATH)


def _spans(path) -> dict[tuple[str, str], list[tuple[int, int]]]:
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for _, row in read_rows(path):
        out.setdefault(_item(row), []).append((row["start"], row["end"]))
    return out


def test_second_blind_set_shares_no_span_and_no_hr_news_article_with_the_others():
    earlier = [_spans(MENTIONS_PATH), _spans(MENTIONS_TEST_PATH)]
    rows = [row for _, row in read_rows(MENTIONS_BLIND2_PATH)]
    shared = [row["mention"] for row in rows for spans in earlier
              if any(s < row["end"] and row["start"] < e for s, e in spans.get(_item(row), []))]
    assert not shared, shared
    # its hr-news articles are new ones: no article of either earlier file is reused
    old_events = {(row["ref"]["file"], row["ref"]["event"]) for path in (MENTIONS_PATH, MENTIONS_TEST_PATH)
                  for _, row in read_rows(path) if "event" in row["ref"]}
    reused = [row["ref"] for row in rows if "event" in row["ref"]
              and (row["ref"]["file"], row["ref"]["event"]) in old_events]
    assert not reused, reused


def test_second_blind_set_covers_the_hard_cases_and_sources(blind2_mentions):
    rows = blind2_mentions
    cases = Counter(row["case"] for row in rows)
    common = [row for row in rows if row["case"] == "common-word"]
    assert sum(row["firm"] is None for row in common) >= 20, cases      # Crown Prince, Coats, Van Wagner, Rio Grande
    assert cases["untracked-org"] >= 40, cases                         # Bloomberg News, Apple Daily, Ineos
    assert cases["subsidiary"] + cases["former-name"] >= 25 and cases["former-name"] >= 3, cases
    assert cases["possessive"] >= 3 and cases["short"] >= 10, cases
    assert sum(row["firm"] is not None for row in rows) >= 75
    assert len({row["firm"] for row in rows if row["firm"]}) >= 30
    per_item = Counter(json.dumps(row["ref"], sort_keys=True) for row in rows)
    assert max(per_item.values()) <= 10 and len(per_item) >= 80, per_item.most_common(3)
    sources = Counter(row["ref"]["file"].split("/")[0] for row in rows)
    assert len(sources) >= 4, sources                                  # feeds, articles, hr-news, seeds


@pytest.fixture(scope="module")
def blind3_mentions() -> list[dict]:
    _require_shared()
    return load_mentions(SHARED_DIR, MENTIONS_BLIND3_PATH)


def _assert_new_texts(rows: list[dict], earlier: list, events: bool = True) -> None:
    """No row of a later set labels a text (an item), an hr-news article (``events``) or a feed item (by link:
    a feed item whose title an earlier file labelled is not used for its body either) of the earlier files."""
    earlier_rows = [row for path in earlier for _, row in read_rows(path)]
    earlier_items = {_item(row) for row in earlier_rows}
    assert not [row["mention"] for row in rows if _item(row) in earlier_items]      # new texts only
    if events:
        old_events = {(row["ref"]["file"], row["ref"]["event"]) for row in earlier_rows if "event" in row["ref"]}
        assert not [row["ref"] for row in rows if "event" in row["ref"]
                    and (row["ref"]["file"], row["ref"]["event"]) in old_events]
    old_links = {row["ref"]["link"] for row in earlier_rows if "link" in row["ref"]}
    assert not [row["ref"]["link"] for row in rows if "link" in row["ref"] and row["ref"]["link"] in old_links]


def test_third_blind_set_shares_no_span_no_text_and_no_hr_news_article_with_the_others():
    _assert_new_texts([row for _, row in read_rows(MENTIONS_BLIND3_PATH)],
                      [MENTIONS_PATH, MENTIONS_TEST_PATH, MENTIONS_BLIND2_PATH])


def test_third_blind_set_covers_the_hard_cases_and_sources(blind3_mentions):
    rows = blind3_mentions
    cases = Counter(row["case"] for row in rows)
    common = [row for row in rows if row["case"] == "common-word"]
    assert sum(row["firm"] is None for row in common) >= 40, cases      # Crown Prince, Billy Perrigo, BCE, NEC
    assert sum(row["firm"] is not None for row in common) >= 10, cases  # Block, Meta, Apple, Snap, X as firms
    assert cases["untracked-org"] >= 60, cases                         # DeepSeek, Anthropic, ABC (Australia)
    assert cases["subsidiary"] + cases["former-name"] >= 50 and cases["former-name"] >= 5, cases
    assert cases["possessive"] >= 20 and cases["short"] >= 20, cases
    with_firm = sum(row["firm"] is not None for row in rows)
    assert 0.4 <= with_firm / len(rows) <= 0.6                         # roughly half with a tracked firm
    assert len({row["firm"] for row in rows if row["firm"]}) >= 60
    per_item = Counter(_item(row) for row in rows)
    assert max(per_item.values()) <= 10 and len(per_item) >= 80, per_item.most_common(3)
    sources = Counter("feed item" if row["ref"]["file"].endswith(".xml") else row["ref"]["file"] for row in rows)
    assert sources["feed item"] >= 100 and sources["feeds/news/index.json"] >= 3, sources
    assert sources["hr-news/train.json"] + sources["hr-news/dev.json"] >= 50, sources


@pytest.fixture(scope="module")
def blind4_mentions() -> list[dict]:
    _require_shared()
    return load_mentions(SHARED_DIR, MENTIONS_BLIND4_PATH)


def test_fourth_blind_set_uses_no_text_no_hr_news_article_and_no_feed_item_of_the_others():
    _assert_new_texts([row for _, row in read_rows(MENTIONS_BLIND4_PATH)],
                      [MENTIONS_PATH, MENTIONS_TEST_PATH, MENTIONS_BLIND2_PATH, MENTIONS_BLIND3_PATH])


def test_fourth_blind_set_covers_the_hard_cases_and_sources(blind4_mentions):
    rows = blind4_mentions
    assert len(rows) >= 200
    cases = Counter(row["case"] for row in rows)
    common = [row for row in rows if row["case"] == "common-word"]
    assert sum(row["firm"] is None for row in common) >= 30, cases      # Noah Wyle, Dean Ball, Crown Prince, MAN
    assert sum(row["firm"] is not None for row in common) >= 5, cases   # Meta, Apple, Oracle, Amazon as firms
    assert cases["untracked-org"] >= 50, cases                         # Anthropic, Apple Daily, Sage, TT
    assert cases["subsidiary"] >= 30 and cases["short"] >= 5 and cases["possessive"] >= 10, cases
    with_firm = sum(row["firm"] is not None for row in rows)
    assert 0.4 <= with_firm / len(rows) <= 0.6                         # roughly half with a tracked firm
    assert len({row["firm"] for row in rows if row["firm"]}) >= 30
    per_item = Counter(_item(row) for row in rows)
    assert max(per_item.values()) <= 10 and len(per_item) >= 60, per_item.most_common(3)
    sources = Counter("feed item" if row["ref"]["file"].endswith(".xml") else "hr-news" for row in rows)
    assert sources["feed item"] >= 100 and sources["hr-news"] >= 50, sources


def test_fifth_blind_set_uses_no_text_and_no_feed_item_of_the_others():
    rows = [row for _, row in read_rows(MENTIONS_BLIND5_PATH)]
    _assert_new_texts(rows, [MENTIONS_PATH, MENTIONS_TEST_PATH, MENTIONS_BLIND2_PATH, MENTIONS_BLIND3_PATH,
                             MENTIONS_BLIND4_PATH], events=False)
    assert sum(row["firm"] is not None for row in rows) >= 20
    assert max(Counter(_item(row) for row in rows).values()) <= 10


def test_feed_item_bodies_resolve_as_plain_text():
    _require_shared()
    ref = {"file": "feeds/news/5da3b20f957be51d.xml", "link": "https://time.com/7358175/china-us-ai-race/"}
    text = resolve_text(ref, "text", SHARED_DIR)
    assert "XPeng" in text and "<" not in text and "&amp;" not in text and "\n\n\n" not in text
    assert feed_item_text("<p>A &amp; B</p><p>C <em>d</em>\n\n\n</p>") == "A & B\n\nC d"
    with pytest.raises(UnresolvedRef):
        resolve_text({**ref, "link": "https://time.com/no-such-item/"}, "text", SHARED_DIR)
