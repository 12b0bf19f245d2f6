"""The model's layers on numpy's OpenBLAS (nlp/blas.py) give what they give on BLIS, on real news."""
from __future__ import annotations

import json

import pytest
import spacy
from thinc.api import NumpyOps

from nlp.blas import use_openblas
from nlp.pipeline import resolve_model_name
from tests.conftest import shared_data


def annotations(doc):
    return [(t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_) for t in doc]


@pytest.fixture(scope="module")
def models():
    name = resolve_model_name()
    return spacy.load(name), use_openblas(spacy.load(name))


def test_every_layer_moves_off_blis(models):
    plain, fast = models
    layers = [layer for _, pipe in fast.components if getattr(pipe, "model", None) is not None
              and hasattr(pipe.model, "walk") for layer in pipe.model.walk()]
    assert layers and all(not layer.ops.use_blis for layer in layers if isinstance(layer.ops, NumpyOps))
    assert plain.get_pipe("tok2vec").model.ops.use_blis       # the plain model is untouched


def test_same_annotations_as_blis_on_real_news(models):
    plain, fast = models
    rows = [json.loads(line) for line in
            shared_data("articles", "fundus", "index.jsonl").read_text("utf-8").splitlines() if line.strip()]
    texts = [t for r in rows[:40] for t in (r.get("title") or "", r.get("body_text") or "")]
    differ = [n for n, (a, b) in enumerate(zip(plain.pipe(texts), fast.pipe(texts)))
              if annotations(a) != annotations(b)]
    assert sum(len(t.split()) for t in texts) > 20_000
    assert differ == []
