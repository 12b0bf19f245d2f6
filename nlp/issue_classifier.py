"""spaCy component ``rightsradar_issue_classifier_v1``: a learned second opinion on the tagger's near misses.

The rule tagger (``rightsradar_issue_tagger_v1``) matches the taxonomy's phrases, lemmas and patterns, then drops
or demotes many matches with its checks (a human victim, negation, hypotheticals, background mentions...). This
component reads each sentence that holds a taxonomy match (``doc._.rr_issue_candidates``, written by the
tagger) of a family the tagger did not assert in that sentence, and asks a linear model (one logistic regression
per family, on the sentence's words, word bigrams, lemmas and word-internal character 3-5-grams) whether the
sentence reports an issue of that family. Where the model says so with probability >= ``threshold``, the
candidate becomes an asserted issue: the tagger's own record of it is turned to ``asserted`` (``rule_polarity``
keeps what the rules said) or, for a match the checks dropped, a new record is added with the match's tag and
its sentence as evidence. Each such record carries ``classifier`` (the probability). The component never
removes a rule tag and never tags a sentence with no taxonomy match, so it reads few sentences.

Status (issue 4): **not loaded by** ``build_pipeline``. ``bench/learned_tagger_eval.py`` (leave-one-set-out over
the five labelled sets, thresholds chosen on the training sets only) found no clear lift on text the rules were not
tuned on: on blind set 3 micro-F1 0.621 -> 0.650 (0.642 when no training item shares an article with the test set),
on blind set 2 0.741 -> 0.751 (0.748), about level on the three development sets, no family reaching the targets;
the gain is Security recall, and it comes from overruling the tagger's own negated / hypothetical / background
readings (counting only matches the checks dropped gives nothing on blind set 3). Figures in
``bench/labels/README.md``. The component stays as the experiment's featuriser and model and can be added by hand::

    nlp.add_pipe("rightsradar_issue_classifier_v1", after="rightsradar_issue_tagger_v1").set_model(model)

(``model``: :func:`train` on the labelled items' :func:`features`, see the experiment script.)
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import ensure_extensions
from .issue_tagger import ensure_candidate_extension

CANDIDATES_ATTR = "rr_issue_candidates"


# -- features ------------------------------------------------------------------------------------
def features(tokens: Iterable) -> list[str]:
    """Feature names of a sentence (or any token sequence): lower-cased words that hold a letter or digit,
    their bigrams, lemmas (no punctuation), and each such word's character 3-5-grams with boundary marks."""
    toks = [t for t in tokens if not t.is_space]
    words = [t.lower_ for t in toks if any(c.isalnum() for c in t.lower_)]
    out = {"w=" + w for w in words}
    out.update(f"b={a}_{b}" for a, b in zip(words, words[1:]))
    out.update("l=" + t.lemma_.lower() for t in toks if not t.is_punct)
    for w in set(words):
        pad = f"<{w}>"
        for n in (3, 4, 5):
            out.update("c=" + pad[i:i + n] for i in range(len(pad) - n + 1))
    return sorted(out)


# -- the linear model ----------------------------------------------------------------------------
class LinearModel:
    """One logistic regression per label over named binary features, each row scaled to unit length, plus
    a bias. ``meta`` records how it was trained (hyperparameters, sets, sizes)."""

    def __init__(self, labels: Sequence[str], vocab: dict[str, int], weights: np.ndarray, bias: np.ndarray,
                 threshold: float = 0.5, meta: dict | None = None):
        self.labels = tuple(labels)
        self.vocab = vocab
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.threshold = float(threshold)
        self.meta = dict(meta or {})

    def predict(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Probabilities, one row per feature list, one column per label."""
        out = np.empty((len(rows), len(self.labels)), dtype=np.float64)
        for n, feats in enumerate(rows):
            idx = [self.vocab[f] for f in feats if f in self.vocab]
            z = self.bias.astype(np.float64)
            if feats:
                z = z + self.weights[idx].sum(axis=0, dtype=np.float64) / np.sqrt(len(feats))
            out[n] = 1 / (1 + np.exp(-z))
        return out

    def to_disk(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        names = sorted(self.vocab, key=self.vocab.get)
        np.save(path / "weights.npy", self.weights.astype(np.float16))
        (path / "model.json").write_text(json.dumps({
            "labels": list(self.labels), "threshold": self.threshold, "bias": [float(b) for b in self.bias],
            "meta": self.meta, "features": names}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_disk(cls, path: str | Path) -> "LinearModel":
        path = Path(path)
        data = json.loads((path / "model.json").read_text("utf-8"))
        weights = np.load(path / "weights.npy").astype(np.float32)
        vocab = {f: i for i, f in enumerate(data["features"])}
        if weights.shape != (len(vocab), len(data["labels"])):
            raise ValueError(f"{path}: weights {weights.shape} do not fit {len(vocab)} features x "
                             f"{len(data['labels'])} labels")
        return cls(data["labels"], vocab, weights, np.array(data["bias"]), data["threshold"], data["meta"])


def train(rows: Sequence[Sequence[str]], Y: np.ndarray, labels: Sequence[str], *, l2: float = 1e-4,
          balanced: bool = True, epochs: int = 200, learn_rate: float = 0.3, threshold: float = 0.5,
          min_count: int = 1, meta: dict | None = None) -> LinearModel:
    """Fit one L2-regularised logistic regression per column of ``Y`` (full-batch Adam on the mean log loss,
    from zero weights: deterministic). ``balanced``: a positive weighs sqrt(negatives / positives) of its
    column. Features seen in fewer than ``min_count`` rows are left out."""
    counts: dict[str, int] = {}
    for feats in rows:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= min_count))}
    r = np.concatenate([np.full(len(f), i) for i, f in enumerate(rows)]).astype(np.int64)
    c = np.concatenate([np.array([vocab.get(x, -1) for x in f], dtype=np.int64) for f in rows])
    v = np.concatenate([np.full(len(f), 1 / np.sqrt(max(1, len(f)))) for f in rows])
    keep = c >= 0
    r, c, v = r[keep], c[keep], v[keep]
    n, d, k = len(rows), len(vocab), Y.shape[1]
    Y = np.asarray(Y, dtype=np.float64)
    pos = Y.sum(axis=0)
    sw = np.where(Y > 0, np.sqrt((n - pos) / np.maximum(pos, 1)), 1.0) if balanced else np.ones_like(Y)
    w = np.zeros((d + 1, k))        # last row: the bias (not regularised)
    m = np.zeros_like(w)
    s = np.zeros_like(w)
    reg = np.full((d + 1, 1), l2)
    reg[d] = 0.0
    for t in range(1, epochs + 1):
        z = np.stack([np.bincount(r, weights=v * w[c, j], minlength=n) for j in range(k)], axis=1) + w[d]
        err = (1 / (1 + np.exp(-z)) - Y) * sw
        g = np.zeros_like(w)
        for j in range(k):
            g[:d, j] = np.bincount(c, weights=v * err[r, j], minlength=d)
        g[d] = err.sum(axis=0)
        g = g / n + reg * w
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        w -= learn_rate * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    return LinearModel(labels, vocab, w[:d], w[d], threshold,
                       {"l2": l2, "balanced": balanced, "epochs": epochs, "learn_rate": learn_rate,
                        "rows": n, **(meta or {})})


# -- the component -------------------------------------------------------------------------------
class IssueClassifier:
    def __init__(self, nlp: Language, name: str = "rightsradar_issue_classifier_v1", *,
                 tagger: str = "rightsradar_issue_tagger_v1"):
        ensure_extensions()
        ensure_candidate_extension()
        self.nlp = nlp
        self.name = name
        self.tagger_name = tagger
        self.model: LinearModel | None = None

    def set_model(self, model: LinearModel | None) -> None:
        self.model = model

    def initialize(self, get_examples=None, *, nlp: Language | None = None,
                   model_dir: str | Path | None = None) -> None:
        self.set_model(LinearModel.from_disk(model_dir) if model_dir else None)

    def _tags(self):
        return self.nlp.get_pipe(self.tagger_name).tags

    def __call__(self, doc: Doc) -> Doc:
        cands = doc._.get(CANDIDATES_ATTR)
        if self.model is None or not cands:
            return doc
        tags = self._tags()
        records = list(doc._.rr_issues or [])
        has_sents = doc.has_annotation("SENT_START")
        asserted = {(r["sent_start"], r["family"]) for r in records if not r["negated"]}
        # sentence start char -> (sentence span, {family: [(start, end, tag id), ...]})
        todo: dict[int, tuple[Span, dict[str, list]]] = {}
        for start, end, tag_id in cands:
            tag = tags.get(tag_id)
            if tag is None:
                continue
            sent = doc[start].sent if has_sents else doc[:]
            if (sent.start_char, tag.family) in asserted or tag.family not in self.model.labels:
                continue
            todo.setdefault(sent.start_char, (sent, {}))[1].setdefault(tag.family, []).append((start, end, tag_id))
        if not todo:
            return doc
        sents = list(todo.values())
        probs = self.model.predict([features(sent) for sent, _ in sents])
        col = {lab: i for i, lab in enumerate(self.model.labels)}
        spans = list(doc.spans.get(self.tagger_name_key(), []))
        for (sent, fams), p in zip(sents, probs):
            for family, matches in fams.items():
                score = float(p[col[family]])
                if score < self.model.threshold:
                    continue
                start, end, tag_id = max(matches, key=lambda m: (tags[m[2]].severity, -(m[0])))
                existing = next((r for r in records if r["token_start"] == start and r["token_end"] == end
                                 and r["tag_id"] == tag_id), None)
                if existing is not None:
                    existing.update({"rule_polarity": existing["polarity"], "polarity": "asserted",
                                     "negated": False, "classifier": round(score, 3)})
                    continue
                tag = tags[tag_id]
                span = doc[start:end]
                spans.append(Span(doc, start, end, label=tag_id))
                records.append({
                    "tag": tag.name, "tag_id": tag.id, "family": tag.family, "family_id": tag.family_id,
                    "severity": tag.severity, "text": span.text, "start": span.start_char, "end": span.end_char,
                    "token_start": start, "token_end": end, "sent_start": sent.start_char,
                    "sent_end": sent.end_char, "evidence": sent.text.strip(), "polarity": "asserted",
                    "negated": False, "denied": False, "rule_polarity": "dropped", "classifier": round(score, 3),
                })
        doc._.rr_issues = records
        doc.spans[self.tagger_name_key()] = spans
        return doc

    def tagger_name_key(self) -> str:
        return self.nlp.get_pipe(self.tagger_name).spans_key

    # -- serialisation -------------------------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is not None:
            self.model.to_disk(path)
        else:
            Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "IssueClassifier":
        self.set_model(LinearModel.from_disk(path) if (Path(path) / "model.json").exists() else None)
        return self


@Language.factory("rightsradar_issue_classifier_v1", default_config={"tagger": "rightsradar_issue_tagger_v1"})
def make_issue_classifier(nlp: Language, name: str, tagger: str) -> IssueClassifier:
    return IssueClassifier(nlp, name, tagger=tagger)
