"""Run the pipeline over news records and produce the annotation contract.

Input record: ``{"id", "title", "text"}``. Output record (keys fixed; extra keys may be added)::

    id, companies: [{id, name, mention, field, start, end, confidence, reason, role, relation, via}],
    issues: [{tag, tag_id, family, evidence, field, negated: False}], places: [{country, region}],
    story_type, flagged, score, flag_reason

Extra keys: ``issues_negated`` (negated / preventive / hypothetical mentions, not counted), ``firms`` (one
entry per tracked firm with its strongest role).
"""
from __future__ import annotations

from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from .extensions import link_key
from .focused_ner import standalone_ner, with_focused_entities
from .prefilter import FieldLayout, Prefilter
from .scoring import DEFAULT_THRESHOLD, ROLE_WEIGHT, score_story
from .story import story_type

FIELDS = ("title", "text")


# Sentences the model reads on each side of an issue sentence (prefilter path). 0, measured with
# `python -m bench.nlp_speed`: the same flagged stories, tags, firm links and roles as reading every
# sentence, and a quarter less time than 1, which saved 3 story types in 219 (none of them flagged).
DEFAULT_CONTEXT = 0


def analyze_records(nlp: Language, records: Iterable[dict], *, batch_size: int = 32,
                    threshold: float = DEFAULT_THRESHOLD, n_process: int = 1, prefilter: bool = True,
                    context: int = DEFAULT_CONTEXT) -> Iterator[dict]:
    """Annotate records lazily, in input order (title and text of each record go through ``nlp.pipe``).

    With ``prefilter`` (the default) a cheap pass with no statistical model picks the sentences worth
    reading (firm and issue candidates, ``context`` sentences around each issue candidate, the title: see
    :mod:`nlp.prefilter`) and only those go through the model; offsets stay relative to the original field
    and sentence numbers count the field's sentences. ``prefilter=False`` reads every sentence.
    """
    if prefilter:
        yield from _analyze_prefiltered(nlp, records, batch_size=batch_size, threshold=threshold,
                                        n_process=n_process, context=context)
        return

    def stream():
        for record in records:
            for fld in FIELDS:
                yield (record.get(fld) or ""), (record, fld)

    pending: dict[str, Doc] = {}
    for doc, (record, fld) in nlp.pipe(stream(), as_tuples=True, batch_size=batch_size, n_process=n_process):
        pending[fld] = doc
        if fld == FIELDS[-1]:
            yield annotate(record, pending["title"], pending["text"], threshold=threshold)
            pending = {}


def _analyze_prefiltered(nlp: Language, records: Iterable[dict], *, batch_size: int, threshold: float,
                         n_process: int, context: int) -> Iterator[dict]:
    pre = Prefilter(nlp, context=context)

    def stream():
        for record in records:
            for fld, (model_text, layout) in zip(FIELDS, pre.plan(record, FIELDS)):
                yield model_text, (record, fld, layout)

    # The NER reads only the sentences that may name a firm or an organisation (see nlp.focused_ner)
    ner_name = standalone_ner(nlp) if n_process == 1 else None
    inputs, disable = stream(), []
    if ner_name is not None:
        inputs = with_focused_entities(nlp, ner_name, inputs, lambda ctx: ctx[2].ner_runs, batch_size)
        disable = [ner_name]
    pending: dict[str, Doc] = {}
    layouts: dict[str, FieldLayout] = {}
    for doc, (record, fld, layout) in nlp.pipe(inputs, as_tuples=True, batch_size=batch_size,
                                              n_process=n_process, disable=disable):
        pending[fld], layouts[fld] = doc, layout
        if fld == FIELDS[-1]:
            yield annotate(record, pending["title"], pending["text"], threshold=threshold, layouts=layouts)
            pending, layouts = {}, {}


def _sent_index(doc: Doc) -> list[int]:
    if not doc.has_annotation("SENT_START"):
        return [0] * len(doc)
    index = [0] * len(doc)
    for n, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            index[i] = n
    return index


def _positions(doc: Doc, layout: FieldLayout | None):
    """(start offset, end offset, sentence number) functions for the field ``doc`` was made from:
    ``doc``'s own offsets and parsed sentences, or those of the original field through ``layout``."""
    if layout is None:
        tok_sent = _sent_index(doc)
        return int, int, (lambda field_start, token: tok_sent[token])

    def end_of(char: int) -> int:
        return layout.to_field(char - 1) + 1 if char > 0 else 0

    return layout.to_field, end_of, (lambda field_start, token: layout.sent_at(field_start))


def annotate(record: dict, title: Doc, text: Doc, *, threshold: float = DEFAULT_THRESHOLD,
             layouts: dict[str, FieldLayout] | None = None) -> dict:
    """Build one output record from the processed title and text docs.

    ``layouts`` (prefilter path): per field, how the processed doc's characters map back to the field text,
    its sentence numbering and its cheap-pass places."""
    companies, issues, negated, places = [], [], [], []
    seen_issue: set[tuple] = set()
    seen_place: set[str] = set()
    counts = {}
    has_company = False
    for fld, doc in (("title", title), ("text", text)):
        layout = (layouts or {}).get(fld)
        start_of, end_of, sent_of = _positions(doc, layout)
        links = doc._.rr_links or {}
        for span in doc.spans.get("companies", []):
            info = links.get(link_key(span.start, span.end, span.kb_id_))
            if info is None:
                continue
            start = start_of(span.start_char)
            companies.append({
                "id": info["id"], "name": info["name"], "mention": span.text, "field": fld,
                "start": start, "end": end_of(span.end_char), "confidence": info["confidence"],
                "reason": info["reason"], "role": info["role"], "sent": sent_of(start, span.start),
                "relation": info.get("relation", ""), "via": info.get("via_parent_of", ""),
            })
        for r in doc._.rr_issues or []:
            item = {"tag": r["tag"], "tag_id": r["tag_id"], "family": r["family"], "evidence": r["evidence"],
                    "field": fld, "negated": r["negated"], "polarity": r["polarity"], "denied": r["denied"],
                    "severity": r["severity"], "mention": r["text"], "start": start_of(r["start"]),
                    "end": end_of(r["end"])}
            item["sent"] = sent_of(item["start"], r["token_start"])
            key = (r["tag_id"], fld, item["sent"], r["negated"])
            if key in seen_issue:
                continue
            seen_issue.add(key)
            (negated if r["negated"] else issues).append(item)
        doc_places = doc._.rr_places or []
        for p in (doc_places if layout is None else layout.merge_places(doc_places)):
            if p["country"] not in seen_place:
                seen_place.add(p["country"])
                places.append({"country": p["country"], "region": p["region"], "mention": p["mention"]})
        story = doc._.rr_story or {"counts": {}, "has_company": False}
        counts[fld] = story["counts"]
        has_company = has_company or story["has_company"]
    result = score_story(companies, issues, threshold=threshold)
    firms: dict[str, dict] = {}
    for c in companies:
        if c["id"]:
            f = firms.setdefault(c["id"], {"id": c["id"], "name": c["name"], "role": c["role"], "mentions": 0,
                                           "in_title": False})
            f["mentions"] += 1
            f["in_title"] = f["in_title"] or c["field"] == "title"
            if ROLE_WEIGHT.get(c["role"], 0) > ROLE_WEIGHT.get(f["role"], 0):
                f["role"] = c["role"]
            f["score"] = result.per_firm.get(c["id"], 0.0)
    return {
        "id": record.get("id"),
        "companies": companies,
        "issues": issues,
        "places": places,
        "story_type": story_type(counts.get("title", {}), counts.get("text", {}), has_company),
        "flagged": result.flagged,
        "score": result.score,
        "flag_reason": result.reason,
        "issues_negated": negated,
        "firms": list(firms.values()),
    }
