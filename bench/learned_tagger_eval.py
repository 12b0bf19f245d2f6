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
                   before the tagger's checks: a negated, hypothetical or filtered mention counts);
* ``R|C~drop``     the same, counting only matches the checks dropped (not one the tagger kept as negated,
                   preventive, hypothetical or background);
* ``R&C|C~near``   rule families kept where the classifier gives >= t_low, plus ``~near`` at t_high.

    .venv/bin/python -m bench.learned_tagger_eval [--models lr,lr+rf,bow,ens] [--folds issues_blind3] [--doc-disjoint]

Prints, per test fold and approach, per-family P/R (P = 1.00 when nothing is predicted, as in nlp_quality),
micro / macro F1 and a paired bootstrap of each approach against the rules; ``name*`` rows use per-family
thresholds (each chosen on the inner folds). ``--doc-disjoint``: the sets share source articles (other sentences
of one hr-news article or fundus page), so this drops from training every item of a document the test fold
reads. Deterministic (fixed seeds). No text is written anywhere.
"""
from __future__ import annotations

import argparse
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
from nlp.issue_classifier import features, train as train_linear  # noqa: E402

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
TC_GRID = (0.001, 0.005, 0.02)      # spaCy textcat learn rates
SEED = 0


# -- data --------------------------------------------------------------------------------------
def doc_key(ref: dict) -> tuple[str, str]:
    """The source document of an item: an hr-news article, a fundus page (title and its sentences), a feed
    item, or a whole seed document."""
    return ref["file"], str(ref.get("event") or ref.get("url") or ref.get("link") or "")


def load_sets() -> list[dict]:
    items = []
    for name in SETS:
        for it in load_labelled(SHARED_DIR, LABELS_PATH.with_name(f"{name}.jsonl")):
            it["set"] = name
            it["doc"] = doc_key(it["ref"])
            items.append(it)
    return items


def training_items(items: list[dict], held: str, doc_disjoint: bool) -> list[dict]:
    """Every item outside set ``held``; with ``doc_disjoint``, also none from a document ``held`` has an item of
    (the sets share 27-46 source articles pairwise: other sentences of one article are not new text)."""
    docs = {it["doc"] for it in items if it["set"] == held} if doc_disjoint else set()
    return [it for it in items if it["set"] != held and it["doc"] not in docs]


def bootstrap_better(items, a: list[set], b: list[set], rounds: int = 2000) -> float:
    """Share of item resamples (paired) where approach ``a`` has a higher micro-F1 than ``b``."""
    rng = np.random.default_rng(SEED)
    per = []
    for it, x, y in zip(items, a, b):
        want = set(it["families"])
        per.append((len(want & x), len(x - want), len(want - x), len(want & y), len(y - want), len(want - y)))
    per = np.array(per)
    wins = 0
    for _ in range(rounds):
        s = per[rng.integers(0, len(per), len(per))].sum(axis=0)
        fa = 2 * s[0] / max(1, 2 * s[0] + s[1] + s[2])
        fb = 2 * s[3] / max(1, 2 * s[3] + s[4] + s[5])
        wins += fa > fb
    return wins / rounds


def rule_outputs(items: list[dict]):
    """Per item: asserted families/tags (the tagger's output), non-asserted ones (negated, prevention...),
    candidate tags (every taxonomy match before the tagger's checks) and the classifier's features."""
    from catalog.load import load_companies
    from nlp import analyze_records, build_pipeline

    firms = load_companies(PROJECT_DIR / "companies.csv")[0]
    nlp = build_pipeline(firms)
    tagger = nlp.get_pipe("rightsradar_issue_tagger_v1")
    tag_family = {t.id: t.family for t in tagger.taxonomy.tags}
    outs = list(analyze_records(nlp, [as_record(it, n) for n, it in enumerate(items)]))
    for it, out, doc in zip(items, outs, nlp.pipe(it["text"] for it in items)):
        it["rule_families"] = {i["family"] for i in out["issues"]}
        it["rule_tags"] = {i["tag_id"] for i in out["issues"]}
        it["rule_neg_tags"] = {i["tag_id"] for i in out["issues_negated"]}
        it["cand_tags"] = {t for _, _, t in doc._.rr_issue_candidates or ()}
        it["cand_families"] = {tag_family[t] for t in it["cand_tags"]}
        # candidates the checks dropped (not those the tagger kept as negated, preventive, hypothetical...)
        it["drop_families"] = {tag_family[t] for t in it["cand_tags"] - it["rule_neg_tags"] - it["rule_tags"]}
        it["features"] = features(doc)
    return nlp, tag_family


# -- features for the linear model (nlp/issue_classifier.py's, so the figures are the shipped model's) --------
def rule_features(it: dict, tag_family: dict) -> list[str]:
    """What the rule tagger said, as features: asserted / not-asserted / candidate tags and families."""
    feats = {"field=" + it["field"]}
    for prefix, tags in (("r", it["rule_tags"]), ("n", it["rule_neg_tags"]), ("c", it["cand_tags"])):
        feats.update(f"{prefix}t={t}" for t in tags)
        feats.update(f"{prefix}f={tag_family[t]}" for t in tags)
    return sorted(feats)


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


def train_textcat(texts: list[str], Y: np.ndarray, labels: tuple[str, ...], arch: str, learn_rate: float = 0.001,
                  epochs: int = 20):
    """spaCy ``textcat_multilabel`` on a blank English tokenizer, texts lower-cased (BOW hashes ORTH)."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(SEED)
    nlp = spacy.blank("en")
    tc = nlp.add_pipe("textcat_multilabel", config={"model": BOW_CONFIG if arch == "bow" else ENS_CONFIG})
    for lab in labels:
        tc.add_label(lab)
    examples = [Example.from_dict(nlp.make_doc(t.lower()), {"cats": {lab: float(y[k]) for k, lab in enumerate(labels)}})
                for t, y in zip(texts, Y)]
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = learn_rate
    rng = random.Random(SEED)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.2)
    return nlp


def predict_textcat(nlp, texts: list[str], labels: tuple[str, ...]) -> np.ndarray:
    return np.array([[doc.cats[lab] for lab in labels] for doc in nlp.pipe(t.lower() for t in texts)])


# -- models as (train, predict) over item lists --------------------------------------------------
class Model:
    def __init__(self, kind: str, tag_family: dict, labels: tuple[str, ...], target: str):
        self.kind, self.tag_family, self.labels, self.target = kind, tag_family, labels, target

    def Y(self, items):
        return np.array([[lab in set(it[self.target]) for lab in self.labels] for it in items], dtype=float)

    def rows(self, items):
        if self.kind == "lr+rf":
            return [it["features"] + rule_features(it, self.tag_family) for it in items]
        return [it["features"] for it in items]

    def fit_predict(self, train, test, hp=None):
        if self.kind in ("bow", "ens"):
            nlp = train_textcat([it["text"] for it in train], self.Y(train), self.labels, self.kind, hp)
            return predict_textcat(nlp, [it["text"] for it in test], self.labels)
        l2, balanced = hp
        return train_linear(self.rows(train), self.Y(train), self.labels, l2=l2, balanced=balanced).predict(
            self.rows(test))


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


def combine(kind: str, items, probs: np.ndarray, t) -> list[set]:
    """``t``: a threshold, or per family a dict of them; for ``R&C|C~near`` a (low, high) pair."""
    out = []
    for it, p in zip(items, probs):
        th = {fam: (t[fam] if isinstance(t, dict) else t) for fam in FAMILIES}
        if kind == "R&C|C~near":
            keep = {fam for fam, q in zip(FAMILIES, p) if q >= th[fam][0]}
            add = {fam for fam, q in zip(FAMILIES, p) if q >= th[fam][1]}
            out.append((set(it["rule_families"]) & keep) | (add & set(it["cand_families"])))
            continue
        clf = {fam for fam, q in zip(FAMILIES, p) if q >= th[fam]}
        rules = set(it["rule_families"])
        if kind == "C":
            out.append(clf)
        elif kind == "R|C":
            out.append(rules | clf)
        elif kind == "R&C":
            out.append(rules & clf)
        elif kind == "R|C~near":
            out.append(rules | (clf & set(it["cand_families"])))
        elif kind == "R|C~drop":
            out.append(rules | (clf & set(it["drop_families"])))
        else:
            raise ValueError(kind)
    return out


COMBOS = {"C": THRESHOLDS, "R|C": HIGH_THRESHOLDS, "R&C": LOW_THRESHOLDS, "R|C~near": THRESHOLDS,
          "R|C~drop": THRESHOLDS,
          "R&C|C~near": tuple((lo, hi) for lo in LOW_THRESHOLDS for hi in THRESHOLDS)}


def _near_half(th) -> float:
    """Tie-break between thresholds that score the same on the inner folds: the one nearest 0.5."""
    return -abs(th - 0.5) if isinstance(th, float) else -abs(th[1] - 0.5) - abs(th[0] - 0.1)


def inner_oof(model: Model, train: list[dict], hp=None, doc_disjoint: bool = False) -> np.ndarray:
    """Out-of-fold probabilities on ``train`` by leave-one-set-out over its sets."""
    probs = np.zeros((len(train), len(model.labels)))
    names = sorted({it["set"] for it in train})
    for held in names:
        idx = [i for i, it in enumerate(train) if it["set"] == held]
        tr = training_items(train, held, doc_disjoint)
        probs[idx] = model.fit_predict(tr, [train[i] for i in idx], hp)
    return probs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="lr,lr+rf,bow,ens")
    ap.add_argument("--folds", default=",".join(SETS))
    ap.add_argument("--doc-disjoint", action="store_true",
                    help="train on no item from a document the test fold has an item of (inner folds too)")
    args = ap.parse_args(argv)
    t0 = time.time()
    items = load_sets()
    _, tag_family = rule_outputs(items)
    print(f"{len(items)} items, rules run in {time.time() - t0:.0f}s", flush=True)
    results = defaultdict(dict)       # fold -> approach -> predicted sets
    chosen = defaultdict(dict)
    for fold in args.folds.split(","):
        test = [it for it in items if it["set"] == fold]
        train = training_items(items, fold, args.doc_disjoint)
        results[fold]["rules"] = [set(it["rule_families"]) for it in test]
        for kind in args.models.split(","):
            model = Model(kind, tag_family, FAMILIES, "families")
            best = None     # hyperparameters: best macro-F1 of the classifier alone on the inner folds
            for cand in (LR_GRID if kind.startswith("lr") else TC_GRID):
                oof = inner_oof(model, train, cand, args.doc_disjoint)
                score = max(summary(train, combine("C", train, oof, th))[1] for th in THRESHOLDS)
                if best is None or score > best[0]:
                    best = (score, cand, oof)
            _, hp, oof = best
            probs = model.fit_predict(train, test, hp)
            for combo, grid in COMBOS.items():
                inner = {th: combine(combo, train, oof, th) for th in grid}
                t = max(grid, key=lambda th: (summary(train, inner[th])[1], _near_half(th)))
                results[fold][combo.replace("C", kind)] = combine(combo, test, probs, t)
                chosen[fold][f"{combo}/{kind}"] = (t, hp)
                # per-family thresholds (each family's own F1 on the inner folds)
                figs = {th: family_counts(train, inner[th]) for th in grid}
                tf = {fam: max(grid, key=lambda th: (figs[th][fam][2], _near_half(th))) for fam in FAMILIES}
                results[fold][combo.replace("C", kind) + "*"] = combine(combo, test, probs, tf)
            print(f"[{fold}] {kind} done ({time.time() - t0:.0f}s); thresholds "
                  + ", ".join(f"{c}={chosen[fold][f'{c}/{kind}'][0]}" for c in COMBOS)
                  + f"; hyperparameters {hp}", flush=True)
        print(f"[{fold}] trained on {len(train)} items", flush=True)
        report(fold, test, results[fold])
    if len(results) > 1:
        pooled_items = [it for f in results for it in items if it["set"] == f]   # same order as results
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
    base = approaches["rules"]
    print("P(micro-F1 > rules), paired bootstrap over items: " + ", ".join(
        f"{name} {bootstrap_better(test, pred, base):.2f}" for name, pred in approaches.items()
        if name != "rules" and not name.endswith("*")))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
