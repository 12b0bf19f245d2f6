"""Issue 4 experiment: can a learned component lift the issue tagger on text it was not tuned on?

Leave-one-set-out over the five labelled sets (``bench/labels/issues*.jsonl``, 1,306 items): each fold trains
on four sets and scores the fifth; blind set 3 is the headline fold (the rules were never changed for it, so it
is the only fold where "rules alone" is itself a held-out figure: the rules were tuned on the errors of the
other four). Hyperparameters (the L2 strength of the linear model, the decision thresholds of the
combinations) are chosen by an inner leave-one-set-out over the four training sets only, never on the test
fold.

Approaches (item level, a family predicted or not, as ``bench/nlp_quality.py`` counts it):

* ``rules``        the tagger as it ships (``analyze_records``, prefilter path);
* ``bow``          spaCy ``textcat_multilabel`` (``TextCatBOW.v3``, uni+bigrams) on the tokenizer only;
* ``ens``          spaCy ``textcat_multilabel`` (``TextCatEnsemble.v2``: CNN tok2vec + BOW, no vectors);
* ``lr``           logistic regression (numpy, one per family) on words, bigrams, lemmas, word-char 3-5-grams;
* ``lr+rf``        the same plus features from the rule tagger (asserted / non-asserted / raw-candidate tags
                   and families): a learned combination;
* ``R|C``          rules OR classifier >= t (t from the inner folds, in 0.5..0.95);
* ``R&C``          rule families kept only where the classifier gives >= t (precision filter);
* ``R|C~near``     rules OR (classifier >= t AND a taxonomy phrase of that family matched in the text,
                   before the tagger's checks: a negated, hypothetical or filtered mention counts).

    .venv/bin/python -m bench.learned_tagger_eval [--models lr,lr+rf,bow] [--folds issues_blind3] [--tags]

Prints, per test fold and approach, per-family P/R (P = 1.00 when nothing is predicted, as in nlp_quality)
and micro / macro F1; with ``--tags`` also tag-level micro P/R/F1 for the learned models. Deterministic (fixed
seeds). No text is written anywhere; the rule outputs are cached in memory only.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from bench.labels import LABELS_PATH, load_labelled  # noqa: E402
from bench.nlp_quality import SHARED_DIR, as_record, prf  # noqa: E402

SETS = ("issues", "issues_holdout", "issues_test", "issues_blind2", "issues_blind3")
FAMILIES = ("Child & forced labour", "Civil liberties & technology", "Discrimination", "Environment",
            "Governance & accountability", "Health & safety", "Labour", "Land & communities",
            "Security, conflict & violence")
SHORT = {"Child & forced labour": "Child", "Civil liberties & technology": "Civil", "Discrimination": "Discr",
         "Environment": "Env", "Governance & accountability": "Gov", "Health & safety": "Health",
         "Labour": "Labour", "Land & communities": "Land", "Security, conflict & violence": "Secur"}
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
HIGH_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
LOW_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
LR_GRID = ((1e-4, False), (1e-3, False), (1e-4, True), (1e-3, True))   # (l2, balanced)
SEED = 0


# -- data --------------------------------------------------------------------------------------
def load_sets() -> list[dict]:
    items = []
    for name in SETS:
        for it in load_labelled(SHARED_DIR, LABELS_PATH.with_name(f"{name}.jsonl")):
            it["set"] = name
            items.append(it)
    return items


def rule_outputs(items: list[dict]):
    """Per item: asserted families/tags (the tagger's output), non-asserted ones (negated, prevention...),
    raw candidate tags (every taxonomy match before the tagger's checks), lower-cased words and lemmas."""
    from catalog.load import load_companies
    from nlp import analyze_records, build_pipeline

    firms = load_companies(PROJECT_DIR / "companies.csv")[0]
    nlp = build_pipeline(firms)
    tagger = nlp.get_pipe("rightsradar_issue_tagger_v1")
    tag_family = {t.id: t.family for t in tagger.taxonomy.tags}
    outs = list(analyze_records(nlp, [as_record(it, n) for n, it in enumerate(items)]))
    strings = nlp.vocab.strings
    for it, out, doc in zip(items, outs, nlp.pipe(it["text"] for it in items)):
        it["rule_families"] = {i["family"] for i in out["issues"]}
        it["rule_tags"] = {i["tag_id"] for i in out["issues"]}
        it["rule_neg_tags"] = {i["tag_id"] for i in out["issues_negated"]}
        cands = set()
        for matcher in (tagger.phrase_matcher, tagger.lemma_matcher, tagger.matcher):
            if len(matcher):
                cands |= {strings[m].split("#", 1)[0] for m, _, _ in matcher(doc)}
        it["cand_tags"] = cands
        it["cand_families"] = {tag_family[t] for t in cands}
        it["words"] = [t.lower_ for t in doc if not t.is_space]
        it["lemmas"] = [t.lemma_.lower() for t in doc if not t.is_space and not t.is_punct]
    return nlp, tag_family


# -- features for the linear model ---------------------------------------------------------------
DIM = 1 << 20


def _h(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little") % DIM


def text_features(it: dict) -> Counter:
    feats = Counter()
    words = [w for w in it["words"] if any(c.isalnum() for c in w)]
    for w in words:
        feats["w=" + w] = 1
    for a, b in zip(words, words[1:]):
        feats[f"b={a}_{b}"] = 1
    for lem in it["lemmas"]:
        feats["l=" + lem] = 1
    for w in words:
        pad = f"<{w}>"
        for n in (3, 4, 5):
            for i in range(len(pad) - n + 1):
                feats[f"c={pad[i:i + n]}"] = 1
    return feats


def rule_features(it: dict, tag_family: dict) -> Counter:
    feats = Counter()
    for t in it["rule_tags"]:
        feats["rt=" + t] = 1
        feats["rf=" + tag_family[t]] = 1
    for t in it["rule_neg_tags"]:
        feats["nt=" + t] = 1
        feats["nf=" + tag_family[t]] = 1
    for t in it["cand_tags"]:
        feats["ct=" + t] = 1
        feats["cf=" + tag_family[t]] = 1
    feats["field=" + it["field"]] = 1
    return feats


class Sparse:
    """Rows of hashed binary features, L2-normalised per block, as (row, col, val) arrays."""

    def __init__(self, rows: list[list[tuple[int, float]]]):
        self.n = len(rows)
        self.r = np.concatenate([np.full(len(x), i) for i, x in enumerate(rows)]).astype(np.int64)
        self.c = np.concatenate([np.array([k for k, _ in x], dtype=np.int64) for x in rows])
        self.v = np.concatenate([np.array([v for _, v in x], dtype=np.float64) for x in rows])

    def dot(self, w: np.ndarray) -> np.ndarray:
        return np.bincount(self.r, weights=self.v * w[self.c], minlength=self.n)

    def tdot(self, g: np.ndarray, dim: int) -> np.ndarray:
        return np.bincount(self.c, weights=self.v * g[self.r], minlength=dim)


def featurise(items: list[dict], tag_family: dict, with_rules: bool) -> list[list[tuple[int, float]]]:
    rows = []
    for it in items:
        blocks = [text_features(it)] + ([rule_features(it, tag_family)] if with_rules else [])
        row = {}
        for b in blocks:
            norm = 1 / np.sqrt(max(1, len(b)))
            for k in b:
                row[_h(k)] = row.get(_h(k), 0.0) + (norm * (3.0 if k[:3] in ("rt=", "rf=") else 1.0)
                                                   if b is not blocks[0] else norm)
        rows.append(sorted(row.items()) + [(DIM - 1, 1.0)])     # bias feature (not regularised below)
    return rows


def train_lr(X: Sparse, Y: np.ndarray, l2: float, balanced: bool = False, epochs: int = 200,
             lr: float = 0.3) -> np.ndarray:
    """One logistic regression per column of Y (trained together), full-batch Adam on mean log loss +
    l2/2 |w|^2 (the bias, feature DIM - 1, is not regularised), over the features seen in training.
    ``balanced``: each positive weighs sqrt(negatives / positives) of its column."""
    pos = Y.sum(axis=0)
    sw = np.where(Y > 0, np.sqrt((len(Y) - pos) / np.maximum(pos, 1)), 1.0) if balanced else np.ones_like(Y)
    cols, local = np.unique(X.c, return_inverse=True)
    d, k = len(cols), Y.shape[1]
    reg = np.full(d, l2)
    reg[cols == DIM - 1] = 0.0
    w = np.zeros((d, k))
    m = np.zeros((d, k))
    v = np.zeros((d, k))
    for t in range(1, epochs + 1):
        z = np.stack([np.bincount(X.r, weights=X.v * w[local, j], minlength=X.n) for j in range(k)], axis=1)
        err = (1 / (1 + np.exp(-z)) - Y) * sw
        g = np.stack([np.bincount(local, weights=X.v * err[X.r, j], minlength=d) for j in range(k)], axis=1)
        g = g / X.n + reg[:, None] * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    W = np.zeros((k, DIM))
    W[:, cols] = w.T
    return W


def predict_lr(W: np.ndarray, X: Sparse) -> np.ndarray:
    return np.stack([1 / (1 + np.exp(-X.dot(w))) for w in W], axis=1)


# -- spaCy textcat -------------------------------------------------------------------------------
BOW_CONFIG = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 2,
              "no_output_layer": False, "length": 262144}
ENS_CONFIG = {
    "@architectures": "spacy.TextCatEnsemble.v2",
    "nO": None,
    "linear_model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 1,
                     "no_output_layer": False, "length": 262144},
    "tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64,
                          "rows": [2000, 2000, 500, 1000, 500],
                          "attrs": ["NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE"],
                          "include_static_vectors": False},
                "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "window_size": 1,
                           "maxout_pieces": 3, "depth": 2}},
}


def train_textcat(texts: list[str], Y: np.ndarray, labels: tuple[str, ...], arch: str, epochs: int = 20):
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(SEED)
    nlp = spacy.blank("en")
    tc = nlp.add_pipe("textcat_multilabel", config={"model": BOW_CONFIG if arch == "bow" else ENS_CONFIG})
    for lab in labels:
        tc.add_label(lab)
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": {lab: float(y[k]) for k, lab in enumerate(labels)}})
                for t, y in zip(texts, Y)]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(SEED)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.2)
    return nlp


def predict_textcat(nlp, texts: list[str], labels: tuple[str, ...]) -> np.ndarray:
    return np.array([[doc.cats[lab] for lab in labels] for doc in nlp.pipe(texts)])


# -- models as (train, predict) over item lists --------------------------------------------------
class Model:
    def __init__(self, kind: str, tag_family: dict, labels: tuple[str, ...], target: str):
        self.kind, self.tag_family, self.labels, self.target = kind, tag_family, labels, target
        self._rows: dict[int, list] = {}

    def Y(self, items):
        return np.array([[lab in set(it[self.target]) for lab in self.labels] for it in items], dtype=float)

    def rows(self, items):
        key = [id(it) for it in items]
        missing = [it for k, it in zip(key, items) if k not in self._rows]
        if missing:
            for it, row in zip(missing, featurise(missing, self.tag_family, self.kind == "lr+rf")):
                self._rows[id(it)] = row
        return [self._rows[k] for k in key]

    def fit_predict(self, train, test, hp=None):
        if self.kind in ("bow", "ens"):
            nlp = train_textcat([it["text"] for it in train], self.Y(train), self.labels, self.kind)
            return predict_textcat(nlp, [it["text"] for it in test], self.labels)
        W = train_lr(Sparse(self.rows(train)), self.Y(train), *hp)
        return predict_lr(W, Sparse(self.rows(test)))


# -- scoring and combination ---------------------------------------------------------------------
def family_counts(items, predicted: list[set]) -> dict:
    counts = Counter()
    for it, got in zip(items, predicted):
        want = set(it["families"])
        for fam in want | got:
            counts[fam, "tp" if fam in want and fam in got else "fn" if fam in want else "fp"] += 1
    return {f: prf(counts[f, "tp"], counts[f, "fp"], counts[f, "fn"]) for f in FAMILIES}


def summary(items, predicted: list[set]) -> tuple[float, float]:
    figs = family_counts(items, predicted)
    tp = fp = fn = 0
    for it, got in zip(items, predicted):
        want = set(it["families"])
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
    return prf(tp, fp, fn)[2], float(np.mean([f for _, _, f in figs.values()]))


def combine(kind: str, items, probs: np.ndarray, t: float) -> list[set]:
    out = []
    for it, p in zip(items, probs):
        clf = {fam for fam, q in zip(FAMILIES, p) if q >= (t[fam] if isinstance(t, dict) else t)}
        rules = set(it["rule_families"])
        if kind == "C":
            out.append(clf)
        elif kind == "R|C":
            out.append(rules | clf)
        elif kind == "R&C":
            out.append(rules & clf)
        elif kind == "R|C~near":
            out.append(rules | (clf & set(it["cand_families"])))
        else:
            raise ValueError(kind)
    return out


COMBOS = {"C": THRESHOLDS, "R|C": HIGH_THRESHOLDS, "R&C": LOW_THRESHOLDS, "R|C~near": THRESHOLDS}


def inner_oof(model: Model, train: list[dict], hp=None) -> np.ndarray:
    """Out-of-fold probabilities on ``train`` by leave-one-set-out over its sets."""
    probs = np.zeros((len(train), len(model.labels)))
    names = sorted({it["set"] for it in train})
    for held in names:
        idx = [i for i, it in enumerate(train) if it["set"] == held]
        tr = [it for it in train if it["set"] != held]
        probs[idx] = model.fit_predict(tr, [train[i] for i in idx], hp)
    return probs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="lr,lr+rf,bow,ens")
    ap.add_argument("--folds", default=",".join(SETS))
    ap.add_argument("--tags", action="store_true", help="tag-level figures for the learned models too")
    args = ap.parse_args(argv)
    t0 = time.time()
    items = load_sets()
    _, tag_family = rule_outputs(items)
    print(f"{len(items)} items, rules run in {time.time() - t0:.0f}s", flush=True)
    results = defaultdict(dict)       # fold -> approach -> predicted sets
    chosen = defaultdict(dict)
    for fold in args.folds.split(","):
        test = [it for it in items if it["set"] == fold]
        train = [it for it in items if it["set"] != fold]
        results[fold]["rules"] = [set(it["rule_families"]) for it in test]
        for kind in args.models.split(","):
            model = Model(kind, tag_family, FAMILIES, "families")
            l2 = None
            if kind.startswith("lr"):
                best = None
                for cand in LR_GRID:
                    oof = inner_oof(model, train, cand)
                    score = max(summary(train, combine("C", train, oof, th))[1] for th in THRESHOLDS)
                    if best is None or score > best[0]:
                        best = (score, cand, oof)
                _, l2, oof = best
            else:
                oof = inner_oof(model, train)
            probs = model.fit_predict(train, test, l2)
            for combo, grid in COMBOS.items():
                t = max(grid, key=lambda th: (summary(train, combine(combo, train, oof, th))[1], -abs(th - 0.5)))
                results[fold][combo.replace("C", kind, 1)] = combine(combo, test, probs, t)
                chosen[fold][f"{combo}/{kind}"] = (t, l2)
                # per-family thresholds (each family's own F1 on the inner folds)
                tf = {}
                for j, fam in enumerate(FAMILIES):
                    tf[fam] = max(grid, key=lambda th: (family_counts(train, combine(
                        combo, train, oof, {f: (th if f == fam else 2.0) for f in FAMILIES}))[fam][2],
                        -abs(th - 0.5)))
                results[fold][combo.replace("C", kind, 1) + "*"] = combine(combo, test, probs, tf)
            print(f"[{fold}] {kind} done ({time.time() - t0:.0f}s); thresholds "
                  + ", ".join(f"{c}={chosen[fold][f'{c}/{kind}'][0]}" for c in COMBOS)
                  + (f"; l2={l2}" if l2 else ""), flush=True)
        report(fold, test, results[fold])
    if len(results) > 1:
        pooled_items = [it for f in results for it in items if it["set"] == f]
        approaches = list(next(iter(results.values())))
        pooled = {a: [s for f in results for s in results[f][a]] for a in approaches}
        report("ALL FOLDS POOLED", pooled_items, pooled)
    return 0


def report(fold: str, test: list[dict], approaches: dict) -> None:
    gold = Counter(f for it in test for f in it["families"])
    print(f"\n== test fold {fold} ({len(test)} items) ==  per family P/R; micro-F1, macro-F1")
    print(f"{'approach':16}" + "".join(f"{SHORT[f]:>11}" for f in FAMILIES) + f"{'micF1':>7}{'macF1':>7}")
    print(f"{'(gold items)':16}" + "".join(f"{gold[f]:>11}" for f in FAMILIES))
    for name, pred in approaches.items():
        figs = family_counts(test, pred)
        mic, mac = summary(test, pred)
        print(f"{name:16}" + "".join(f"  {figs[f][0]:.2f}/{figs[f][1]:.2f}" for f in FAMILIES)
              + f"{mic:7.3f}{mac:7.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
