"""The fast attribute ruler (nlp/fast_rules.py) gives exactly what spaCy's own gives, on real news."""
from __future__ import annotations

import html
import json
import re

import pytest
import spacy
from spacy.pipeline import AttributeRuler

from nlp.fast_rules import FastAttributeRuler, speed_up_rules
from nlp.pipeline import resolve_model_name
from tests.conftest import shared_data


def token_view(doc):
    return [(t.text, t.pos_, t.tag_, str(t.morph), t.lemma_, t.dep_) for t in doc]


@pytest.fixture(scope="module")
def models():
    name = resolve_model_name()
    return spacy.load(name), speed_up_rules(spacy.load(name))


def real_texts() -> list[str]:
    rows = [json.loads(line) for line in
            shared_data("articles", "fundus", "index.jsonl").read_text("utf-8").splitlines() if line.strip()]
    texts = [t for r in rows for t in (r.get("title") or "", r.get("body_text") or "")]
    for row in json.loads(shared_data("hr-news", "dev.json").read_text("utf-8"))[:40]:
        sample = row["sample"]
        texts += [sample["Input.title"], html.unescape(re.sub(r"<[^>]+>", " ", sample["Input.article_interface"]))]
    return texts


def test_the_swap_keeps_names_and_order(models):
    plain, fast = models
    assert fast.pipe_names == plain.pipe_names
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert isinstance(plain.get_pipe("attribute_ruler"), AttributeRuler)


def test_same_tokens_as_spacy_on_real_news(models):
    plain, fast = models
    texts = real_texts()
    differ = [(n, [pair for pair in zip(token_view(a), token_view(b)) if pair[0] != pair[1]][:3])
              for n, (a, b) in enumerate(zip(plain.pipe(texts), fast.pipe(texts)))
              if token_view(a) != token_view(b)]
    assert len(texts) > 200
    assert differ == []


@pytest.mark.parametrize("text", [
    "Y'all gonna see, it ain't over: there is nothin' left, c'mon, let's go.",   # several-token and REGEX rules
    "But it was the one that he gets and she got.",
    "",
    "   \n\n  ",
])
def test_same_tokens_on_the_rules_with_several_tokens(models, text):
    plain, fast = models
    assert token_view(fast(text)) == token_view(plain(text))


def test_the_rules_that_only_a_matcher_runs_still_apply(models):
    _, fast = models
    doc = fast("They're gonna win, y'all.")
    assert [t.lemma_ for t in doc if t.lower_ in ("gon", "na")] == ["go", "to"]
