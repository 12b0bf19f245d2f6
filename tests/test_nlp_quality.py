"""Quality gate on the hand-labelled sets (text resolved from ../shared): blind sets 2 and 3
(``bench/labels/issues_blind2.jsonl``, ``issues_blind3.jsonl``, each labelled before the rules were changed for it;
their first figures are recorded in bench/labels/README.md) and the three development sets (``issues.jsonl``, ``issues_holdout.jsonl`` and the
former blind test set ``issues_test.jsonl``). Every reference still resolves, and per-family precision /
recall, story-type accuracy and firm-link figures stay above floors pinned a little under the values
``bench/nlp_quality.py`` measured. Raise the floors when the tagger improves; a drop below one is a regression."""
from __future__ import annotations

import json
import os
import re

import pytest

from bench.labels import LABELS_PATH, load_labelled, resolve
from bench.nlp_quality import (BLIND3_PATH, BLIND4_PATH, BLIND5_PATH, BLIND_PATH, HOLDOUT_PATH, TEST_PATH,
                                labelled_figures)
from catalog.load import load_companies
from nlp import build_pipeline
from tests.conftest import PROJECT_DIR, SHARED_DATA, shared_data

pytestmark = pytest.mark.slow

SHARED_DIR = SHARED_DATA.parent
# family -> (precision floor, recall floor), a little under what bench/nlp_quality.py printed
# (P / R measured: 1.00/0.75, 0.95/0.91, 0.94/0.79, 1.00/1.00, 1.00/1.00, 1.00/0.85, 0.86/1.00, 1.00/0.78, 0.96/0.93)
FAMILY_FLOORS = {
    "Child & forced labour": (0.95, 0.70),
    "Civil liberties & technology": (0.90, 0.73),
    "Discrimination": (0.88, 0.73),
    "Environment": (0.95, 0.80),
    "Governance & accountability": (0.95, 0.80),
    "Health & safety": (0.95, 0.75),
    "Labour": (0.80, 0.80),
    "Land & communities": (0.95, 0.70),
    "Security, conflict & violence": (0.90, 0.83),
}
STORY_ACCURACY_FLOOR = 0.83       # measured 0.88
FIRM_PRECISION_FLOOR, FIRM_RECALL_FLOOR = 0.82, 0.63   # measured 0.92, 0.92
# development set 3 (issues_test.jsonl, the former blind test set), measured P / R: 0.86/0.92, 0.92/0.86,
# 0.93/1.00, 1.00/0.92, 0.90/0.75, 0.85/0.73, 0.95/0.72, 0.93/0.88, 0.90/0.77 (its blind figure, before the
# precision and speed pass: 0.80/0.92, 0.87/0.93, 0.86/0.92, 1.00/0.92, 0.83/0.83, 0.71/0.80, 0.96/0.76, 0.93/0.88,
# 0.84/0.79)
TEST_FLOORS = {
    "Child & forced labour": (0.82, 0.88),
    "Civil liberties & technology": (0.88, 0.82),
    "Discrimination": (0.90, 0.95),
    "Environment": (0.95, 0.88),
    "Governance & accountability": (0.85, 0.70),
    "Health & safety": (0.80, 0.70),
    "Labour": (0.90, 0.70),
    "Land & communities": (0.88, 0.85),
    "Security, conflict & violence": (0.87, 0.74),
}
TEST_STORY_ACCURACY_FLOOR = 0.82  # measured 0.85
# blind set 2 (issues_blind2.jsonl), its first figure (P / R): 0.72/0.81, 0.96/0.41, 0.82/0.50, 0.79/0.65, 0.74/0.70,
# 0.47/0.42, 0.62/0.58, 0.68/0.52, 0.90/0.66: far under the targets (see bench/labels/README.md)
# now (rules of a578e53): 0.76/0.81, 0.97/0.59, 0.82/0.50, 0.79/0.65, 0.79/0.75, 0.57/0.42, 0.71/0.58, 0.72/0.52,
# 0.93/0.73
BLIND_FLOORS = {
    "Child & forced labour": (0.72, 0.77),
    "Civil liberties & technology": (0.93, 0.55),
    "Discrimination": (0.78, 0.46),
    "Environment": (0.75, 0.60),
    "Governance & accountability": (0.75, 0.70),
    "Health & safety": (0.52, 0.38),
    "Labour": (0.66, 0.54),
    "Land & communities": (0.68, 0.48),
    "Security, conflict & violence": (0.90, 0.69),
}
# blind set 3 (issues_blind3.jsonl), its first figure (P / R, rules of a578e53): 1.00/0.47, 0.74/0.45, 0.38/0.17,
# 0.80/0.75, 0.39/0.60, 0.57/0.42, 0.69/0.64, 0.77/0.67, 0.82/0.58: far under the targets (bench/labels/README.md)
BLIND3_FLOORS = {
    "Child & forced labour": (0.95, 0.43),
    "Civil liberties & technology": (0.72, 0.57),
    "Discrimination": (0.57, 0.39),
    "Environment": (0.75, 0.70),
    "Governance & accountability": (0.35, 0.55),
    "Health & safety": (0.52, 0.38),
    "Labour": (0.66, 0.66),
    "Land & communities": (0.72, 0.62),
    "Security, conflict & violence": (0.81, 0.64),
}
# now (rules from its errors, 0a5870f and after): 1.00/0.47, 0.76/0.61, 0.62/0.44, 0.80/0.75, 0.39/0.60, 0.57/0.42,
# 0.71/0.71, 0.77/0.67, 0.85/0.68
BLIND3_STORY_ACCURACY_FLOOR = 0.88  # measured 0.91
BLIND_STORY_ACCURACY_FLOOR = 0.89  # measured 0.92
# the second development set (issues_holdout.jsonl), measured P / R: 1.00/0.67, 1.00/0.79, 1.00/0.73, 0.90/0.90,
# 1.00/0.83, 1.00/0.69, 0.88/0.88, 1.00/0.57, 0.96/0.69
HOLDOUT_FLOORS = {
    "Child & forced labour": (0.95, 0.60),
    "Civil liberties & technology": (0.95, 0.73),
    "Discrimination": (0.95, 0.65),
    "Environment": (0.85, 0.85),
    "Governance & accountability": (0.95, 0.75),
    "Health & safety": (0.95, 0.62),
    "Labour": (0.85, 0.85),
    "Land & communities": (0.95, 0.52),
    "Security, conflict & violence": (0.92, 0.66),
}


def _require_shared() -> None:
    shared_data("feeds", "news", "index.json")      # skips (or fails in CI) when ../shared is absent
    if not (SHARED_DIR / "seeds").exists():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{SHARED_DIR / 'seeds'} is missing in CI")
        pytest.skip("../shared/seeds not found")


@pytest.fixture(scope="module")
def items():
    _require_shared()
    return load_labelled(SHARED_DIR)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(load_companies(PROJECT_DIR / "companies.csv")[0])


@pytest.fixture(scope="module")
def figures(items, nlp):
    return labelled_figures(nlp, items)


@pytest.fixture(scope="module")
def test_figures(nlp):
    _require_shared()
    return labelled_figures(nlp, load_labelled(SHARED_DIR, TEST_PATH))


@pytest.fixture(scope="module")
def holdout_figures(nlp):
    _require_shared()
    return labelled_figures(nlp, load_labelled(SHARED_DIR, HOLDOUT_PATH))


def test_every_reference_resolves():
    _require_shared()
    rows = [json.loads(line) for line in LABELS_PATH.read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 150
    for row in rows:
        assert resolve(row["ref"], row["field"], SHARED_DIR), row["ref"]


def test_labels_are_well_formed(items):
    from nlp.taxonomy import load_taxonomy

    family_of = {t.name: t.family for t in load_taxonomy().tags}
    firm_ids = {f.id for f in load_companies(PROJECT_DIR / "companies.csv")[0]}
    refs = set()
    for item in items:
        assert item["field"] in ("title", "text", "sentence")
        assert all(t in family_of for t in item["tags"]), item["tags"]
        assert sorted({family_of[t] for t in item["tags"]}) == sorted(item["families"])
        assert set(item["firms"]) == set(item["roles"]) and set(item["firms"]) <= firm_ids, item["firms"]
        assert item["story_type"] in ("allegation", "company response", "company action", "background")
        key = json.dumps(item["ref"], sort_keys=True)
        assert key not in refs, f"duplicate ref {key}"
        refs.add(key)
    assert sum(1 for it in items if not it["tags"]) >= 40, "keep plenty of negatives"


@pytest.mark.parametrize("family", sorted(FAMILY_FLOORS))
def test_family_floors(figures, family):
    precision, recall, _, _ = figures["families"][family]
    p_floor, r_floor = FAMILY_FLOORS[family]
    assert precision >= p_floor and recall >= r_floor, (family, precision, recall)


def test_story_type_and_firm_links(figures):
    assert figures["story_accuracy"] >= STORY_ACCURACY_FLOOR
    precision, recall, _ = figures["firm"]
    assert precision >= FIRM_PRECISION_FLOOR and recall >= FIRM_RECALL_FLOOR, (precision, recall)


def test_the_held_out_set_resolves_and_shares_no_item_with_the_development_set():
    _require_shared()
    held = load_labelled(SHARED_DIR, HOLDOUT_PATH)
    assert len(held) >= 100
    dev_refs = {json.dumps(json.loads(line)["ref"], sort_keys=True)
                for line in LABELS_PATH.read_text("utf-8").splitlines() if line.strip()}
    assert not {json.dumps(item["ref"], sort_keys=True) for item in held} & dev_refs


@pytest.fixture(scope="module")
def blind_figures(nlp):
    _require_shared()
    return labelled_figures(nlp, load_labelled(SHARED_DIR, BLIND_PATH))


@pytest.mark.parametrize("family", sorted(BLIND_FLOORS))
def test_blind_set_family_floors(blind_figures, family):
    precision, recall, _, _ = blind_figures["families"][family]
    p_floor, r_floor = BLIND_FLOORS[family]
    assert precision >= p_floor and recall >= r_floor, (family, precision, recall)


def test_blind_set_story_types(blind_figures):
    assert blind_figures["story_accuracy"] >= BLIND_STORY_ACCURACY_FLOOR


@pytest.fixture(scope="module")
def blind3_figures(nlp):
    _require_shared()
    return labelled_figures(nlp, load_labelled(SHARED_DIR, BLIND3_PATH))


@pytest.mark.parametrize("family", sorted(BLIND3_FLOORS))
def test_blind_set_3_family_floors(blind3_figures, family):
    precision, recall, _, _ = blind3_figures["families"][family]
    p_floor, r_floor = BLIND3_FLOORS[family]
    assert precision >= p_floor and recall >= r_floor, (family, precision, recall)


def test_blind_set_3_story_types(blind3_figures):
    assert blind3_figures["story_accuracy"] >= BLIND3_STORY_ACCURACY_FLOOR


@pytest.mark.parametrize("family", sorted(TEST_FLOORS))
def test_third_development_set_family_floors(test_figures, family):
    precision, recall, _, _ = test_figures["families"][family]
    p_floor, r_floor = TEST_FLOORS[family]
    assert precision >= p_floor and recall >= r_floor, (family, precision, recall)


def test_third_development_set_story_types(test_figures):
    assert test_figures["story_accuracy"] >= TEST_STORY_ACCURACY_FLOOR


@pytest.mark.parametrize("family", sorted(HOLDOUT_FLOORS))
def test_second_development_set_family_floors(holdout_figures, family):
    precision, recall, _, _ = holdout_figures["families"][family]
    p_floor, r_floor = HOLDOUT_FLOORS[family]
    assert precision >= p_floor and recall >= r_floor, (family, precision, recall)


def test_the_blind_test_set_is_well_formed_and_shares_no_item_with_the_development_sets():
    _require_shared()
    from nlp.taxonomy import load_taxonomy

    test = load_labelled(SHARED_DIR, TEST_PATH)
    assert len(test) >= 150
    family_of = {t.name: t.family for t in load_taxonomy().tags}
    for item in test:
        assert all(t in family_of for t in item["tags"]), item["tags"]
        assert sorted({family_of[t] for t in item["tags"]}) == sorted(item["families"])
    assert sum(1 for it in test if not it["tags"]) >= 0.3 * len(test), "keep plenty of negatives"
    dev = {json.dumps(json.loads(line)["ref"], sort_keys=True)
           for path in (LABELS_PATH, HOLDOUT_PATH) for line in path.read_text("utf-8").splitlines() if line.strip()}
    refs = [json.dumps(item["ref"], sort_keys=True) for item in test]
    assert len(set(refs)) == len(refs) and not set(refs) & dev
    dev_texts = {it["text"] for path in (LABELS_PATH, HOLDOUT_PATH) for it in load_labelled(SHARED_DIR, path)}
    assert not {it["text"] for it in test} & dev_texts


def _check_blind_set(path, earlier_paths, min_items, min_gold=15):
    """A blind set: >= min_items items, about a third with no issue, >= min_gold gold items in every family, firms
    and story types well formed, no reference or text shared with any earlier set."""
    from collections import Counter

    from nlp.taxonomy import load_taxonomy

    blind = load_labelled(SHARED_DIR, path)
    assert len(blind) >= min_items
    family_of = {t.name: t.family for t in load_taxonomy().tags}
    firm_ids = {f.id for f in load_companies(PROJECT_DIR / "companies.csv")[0]}
    for item in blind:
        assert all(t in family_of for t in item["tags"]), item["tags"]
        assert sorted({family_of[t] for t in item["tags"]}) == sorted(item["families"])
        assert set(item["firms"]) == set(item["roles"]) and set(item["firms"]) <= firm_ids, item["firms"]
        assert item["story_type"] in ("allegation", "company response", "company action", "background")
    assert sum(1 for it in blind if not it["tags"]) >= 0.28 * len(blind), "keep plenty of negatives"
    gold = Counter(f for it in blind for f in it["families"])
    assert set(gold) == set(family_of.values()) and min(gold.values()) >= min_gold, gold
    earlier = {json.dumps(json.loads(line)["ref"], sort_keys=True)
               for p in earlier_paths for line in p.read_text("utf-8").splitlines() if line.strip()}
    refs = [json.dumps(item["ref"], sort_keys=True) for item in blind]
    assert len(set(refs)) == len(refs) and not set(refs) & earlier
    earlier_texts = {it["text"] for p in earlier_paths for it in load_labelled(SHARED_DIR, p)}
    assert not {it["text"] for it in blind} & earlier_texts


def test_the_blind_set_is_well_formed_and_shares_no_item_with_the_development_sets():
    """issues_blind2.jsonl against the three development sets."""
    _require_shared()
    _check_blind_set(BLIND_PATH, (LABELS_PATH, HOLDOUT_PATH, TEST_PATH), 200)


def test_blind_set_3_is_well_formed_and_shares_no_item_with_the_other_sets():
    """issues_blind3.jsonl against the four earlier sets (labelled before any rule change for it)."""
    _require_shared()
    _check_blind_set(BLIND3_PATH, (LABELS_PATH, HOLDOUT_PATH, TEST_PATH, BLIND_PATH), 250)


def test_blind_set_4_is_well_formed_and_shares_no_item_with_the_other_sets():
    """issues_blind4.jsonl (structure only, no quality figure): every reference resolves, tag names are taxonomy
    names with their families, firms are tracked ids, and no reference or text is shared with the five earlier
    sets. Its feed titles are mostly neutral news, so it has 8-11 gold items per family outside Security."""
    _require_shared()
    _check_blind_set(BLIND4_PATH, (LABELS_PATH, HOLDOUT_PATH, TEST_PATH, BLIND_PATH, BLIND3_PATH), 170, min_gold=8)


def test_blind_set_5_is_well_formed_and_shares_no_item_with_the_other_sets():
    """issues_blind5.jsonl (structure only, no quality figure): every reference resolves, tag names are taxonomy
    names with their families, firms are tracked ids, no reference or text is shared with the six earlier sets, and no
    quoted passage contains or is contained in an earlier set's quote. Its 80 in-order feed titles are almost all
    neutral news, so families outside Security have 9-18 gold items."""
    _require_shared()
    earlier = (LABELS_PATH, HOLDOUT_PATH, TEST_PATH, BLIND_PATH, BLIND3_PATH, BLIND4_PATH)
    _check_blind_set(BLIND5_PATH, earlier, 170, min_gold=8)

    def quotes(path):
        rows = (json.loads(line)["ref"] for line in path.read_text("utf-8").splitlines() if line.strip())
        return [re.sub(r"\s+", " ", ref["quote"]).strip() for ref in rows if "quote" in ref]

    old = [q for p in earlier for q in quotes(p)]
    new = quotes(BLIND5_PATH)
    assert not [q for q in new if any(q in o or o in q for o in old)]
    assert not [(a, b) for a in new for b in new if a != b and a in b]
