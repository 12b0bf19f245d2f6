"""Firm links on the hand-labelled mentions (``bench/labels/mentions.jsonl``, text resolved from ../shared):
precision and recall of the whole pipeline stay above floors pinned a little under what
``python -m bench.linking_quality`` printed. Raise the floors when linking improves; a drop is a regression.
No timing here: the speed against the baseline is the benchmark's."""
from __future__ import annotations

import pytest

from bench.labels.mentions import (MENTIONS_BLIND2_PATH, MENTIONS_BLIND3_PATH, MENTIONS_BLIND4_PATH,
                                   MENTIONS_BLIND5_PATH, MENTIONS_TEST_PATH, load_mentions)
from bench.linking_quality import items_of, predicted_links, score_in_context
from bench.nlp_quality import prf
from catalog.load import load_companies
from nlp import build_pipeline
from tests.conftest import PROJECT_DIR, SHARED_DATA, shared_data

pytestmark = pytest.mark.slow

PRECISION_FLOOR, RECALL_FLOOR = 0.97, 0.93      # measured 0.982, 0.941 (0.933, 0.571 before brands.csv)
# development set 2 (mentions_test.jsonl): 0.874, 0.746 blind, before any rule change for it; 0.962, 0.969 now
DEV2_PRECISION_FLOOR, DEV2_RECALL_FLOOR = 0.95, 0.95
# the second blind set (mentions_blind2.jsonl): 0.944, 0.798 blind; 0.988, 0.952 now
BLIND2_PRECISION_FLOOR, BLIND2_RECALL_FLOOR = 0.97, 0.94
# the third blind set (mentions_blind3.jsonl): 0.934, 0.819 blind, before any rule change for it; 0.974, 0.968 now
BLIND3_PRECISION_FLOOR, BLIND3_RECALL_FLOOR = 0.96, 0.95
# the fourth blind set (mentions_blind4.jsonl): 0.961, 0.907 blind, before any rule change for it; 0.991, 1.000 now
BLIND4_PRECISION_FLOOR, BLIND4_RECALL_FLOOR = 0.97, 0.97
# the small fifth blind set (mentions_blind5.jsonl, 23 linked rows): 0.913, 0.913 blind; 1.000, 0.913 now
BLIND5_PRECISION_FLOOR, BLIND5_RECALL_FLOOR = 0.95, 0.90
# the headline names the small NER calls PERSON / GPE ("Is Netflix making us stupid?"): all linked now
PLAIN_RECALL_FLOOR = 0.95                       # measured 1.00 (0.83, then 0.91 before)


def _score(path=None):
    shared_data("feeds", "news", "index.json")      # skips (or fails in CI) when ../shared is absent
    firms = load_companies(PROJECT_DIR / "companies.csv")[0]
    items = items_of(load_mentions(SHARED_DATA.parent, *([path] if path else [])))
    return score_in_context(items, predicted_links(build_pipeline(firms), items),
                            {f.id: f.parent_id for f in firms if f.parent_id})


@pytest.fixture(scope="module")
def result():
    return _score()


@pytest.mark.parametrize("path, floors", [(MENTIONS_TEST_PATH, (DEV2_PRECISION_FLOOR, DEV2_RECALL_FLOOR)),
                                          (MENTIONS_BLIND2_PATH, (BLIND2_PRECISION_FLOOR, BLIND2_RECALL_FLOOR)),
                                          (MENTIONS_BLIND3_PATH, (BLIND3_PRECISION_FLOOR, BLIND3_RECALL_FLOOR)),
                                          (MENTIONS_BLIND4_PATH, (BLIND4_PRECISION_FLOOR, BLIND4_RECALL_FLOOR)),
                                          (MENTIONS_BLIND5_PATH, (BLIND5_PRECISION_FLOOR, BLIND5_RECALL_FLOOR))],
                         ids=["dev2", "blind2", "blind3", "blind4", "blind5"])
def test_links_on_the_later_sets_stay_above_the_floors(path, floors):
    shared_data("hr-news", "train.json")
    c = _score(path)["counts"]
    precision, recall, _ = prf(c["tp"], c["fp"], c["fn"])
    assert precision >= floors[0] and recall >= floors[1], (precision, recall)


def test_links_in_context_stay_above_the_floors(result):
    c = result["counts"]
    precision, recall, _ = prf(c["tp"], c["fp"], c["fn"])
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall)


def test_plain_names_in_headlines_are_linked(result):
    bc = result["by_case"]
    _, recall, _ = prf(bc["plain", "tp"], bc["plain", "fp"], bc["plain", "fn"])
    assert recall >= PLAIN_RECALL_FLOOR
