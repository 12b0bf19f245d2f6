"""Run the statistical NER on some sentences of a doc only (the prefilter path).

The NER is the model's costliest component (in ``en_core_web_sm`` it has a tok2vec of its own, so it needs
nothing but tokens). Its entities matter where a firm or an organisation may be named (the gazetteer's
evidence, untracked ORGs, the fuzzy linker) and in titles; a sentence kept only for an issue candidate
("Police detained three activists.") needs its parse but not its entities. So the NER reads the prefilter's
``ner_runs`` of each doc, copied out into one small doc, and its entities are set back on the main doc;
the tokens it did not read keep no entity annotation at all (``ent_iob == 0``: unknown, not "outside"),
so a consumer can tell "not an entity" from "not looked at".

This works only when the NER does not listen to a shared tok2vec or transformer (its input would then be
a layer the main pipeline computes): :func:`standalone_ner` says which.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, Iterator

import numpy
from spacy.attrs import NORM
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch


def standalone_ner(nlp: Language) -> str | None:
    """The name of the pipeline's ``ner`` if it can run on bare tokens, else None."""
    names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "ner"]
    if len(names) != 1:
        return None
    for name in nlp.pipe_names:
        listeners = getattr(nlp.get_pipe(name), "listening_components", None) or []
        if names[0] in listeners:
            return None
    return names[0]


def with_focused_entities(nlp: Language, ner_name: str, items: Iterable[tuple[str, object]],
                          runs_of, batch_size: int = 32) -> Iterator[tuple[Doc, object]]:
    """``(text, context)`` -> ``(doc, context)`` with entities set in ``runs_of(context)`` (character
    ranges of the text), in input order. Run the rest of the pipeline with ``disable=[ner_name]``."""
    ner = nlp.get_pipe(ner_name)
    for batch in minibatch(items, size=batch_size):
        docs = [nlp.make_doc(text) for text, _ in batch]
        plans = [_token_runs(doc, runs_of(ctx)) for doc, (_, ctx) in zip(docs, batch)]
        todo = [(doc, runs, _excerpt(doc, runs)) for doc, runs in zip(docs, plans) if runs]
        for excerpt, (doc, runs, _) in zip(ner.pipe([t[2] for t in todo], batch_size=batch_size), todo):
            _copy_entities(excerpt, doc, runs)
        yield from ((doc, ctx) for doc, (_, ctx) in zip(docs, batch))


def _token_runs(doc: Doc, char_runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in char_runs:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if out and span.start <= out[-1][1]:
            # Two sentence runs whose boundary falls inside one spaCy token expand onto the same token:
            # merge them, since a token may belong to one run only.
            out[-1] = (out[-1][0], max(out[-1][1], span.end))
        else:
            out.append((span.start, span.end))
    return out


def _excerpt(doc: Doc, runs: list[tuple[int, int]]) -> Doc:
    """The runs' tokens as one doc, each run followed by a space, with the tokens' own NORMs (a tokenizer
    exception can set one). Built from words: ``Doc.from_docs`` of ``as_doc`` slices gives the same
    tokens but copies every annotation, and took 25x as long."""
    if runs == [(0, len(doc))]:
        return doc
    words, spaces = [], []
    for s, e in runs:
        tokens = doc[s:e]
        words += [t.text for t in tokens]
        spaces += [bool(t.whitespace_) for t in tokens]
        spaces[-1] = True
    excerpt = Doc(doc.vocab, words=words, spaces=spaces)
    norms = doc.to_array([NORM])
    excerpt.from_array([NORM], numpy.concatenate([norms[s:e] for s, e in runs]).reshape(-1, 1))
    return excerpt


def _copy_entities(excerpt: Doc, doc: Doc, runs: list[tuple[int, int]]) -> None:
    if excerpt is doc:
        return
    offsets, n = [], 0                  # excerpt token index where each run starts
    for s, e in runs:
        offsets.append(n)
        n += e - s

    def to_doc(i: int) -> int:
        k = bisect_right(offsets, i) - 1
        return runs[k][0] + i - offsets[k]

    ents = []
    for ent in excerpt.ents:
        start, last = to_doc(ent.start), to_doc(ent.end - 1)
        if last - start == ent.end - 1 - ent.start:      # an entity never spans two runs
            ents.append(Span(doc, start, last + 1, label=ent.label))
    outside, k = [], 0                  # the runs' tokens between entities
    for s, e in runs:
        while k < len(ents) and ents[k].start < e:
            if ents[k].start > s:
                outside.append(doc[s:ents[k].start])
            s = max(s, ents[k].end)
            k += 1
        if s < e:
            outside.append(doc[s:e])
    doc.set_ents(ents, outside=outside, default="missing")
