"""Unit tests of the nlp/ building blocks on spacy.blank("en") (no statistical model needed)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy

from catalog.model import TrackedFirm
from nlp.linking import FirmLinker
from nlp.names import normalise
from nlp.scoring import DEFAULT_THRESHOLD, score_story
from nlp.taxonomy import load_taxonomy, taxonomy_from_dict

TAXONOMY_MD = Path(__file__).resolve().parents[2] / "shared" / "design" / "taxonomy.md"

FIRMS = [
    TrackedFirm("samsung-electronics-kr", "Samsung Electronics Co., Ltd.", ("Samsung",), "KR"),
    TrackedFirm("samsung-vn", "Samsung Electronics Vietnam Co., Ltd.", (), "VN", parent_id="samsung-electronics-kr"),
    TrackedFirm("nso-group-il", "NSO Group Technologies Ltd", ("NSO Group",), "IL"),
    TrackedFirm("apple-us", "Apple Inc.", ("Apple",), "US"),
]


def test_taxonomy_has_every_tag_of_the_design_doc_verbatim():
    tax = load_taxonomy()
    names = {t.name for t in tax.tags}
    assert {"Forced labour & modern slavery", "Health: General (including workplace health & safety)",
            '"Disappearances"', "Security issues & conflict zones: General", "Surveillance", "Spyware"} <= names
    assert len({t.id for t in tax.tags}) == len(tax.tags)
    assert all(t.phrases or t.lemmas or t.patterns for t in tax.tags)
    if not TAXONOMY_MD.exists():
        pytest.skip("taxonomy.md not beside the checkout")
    section = TAXONOMY_MD.read_text("utf-8").split("## Issue families and tags")[1].split("## Areas")[0]
    for block in re.findall(r"- \*\*(.+?)\*\*: (.+?)(?=\n- \*\*|\n\n|\Z)", section, re.S):
        family, body = block
        body = re.sub(r"\(the ICT brief adds:.*?\)", "", " ".join(body.split()), flags=re.S)
        expected = {t.strip() for t in body.split("·") if t.strip()}
        got = {t.name for t in tax.tags if t.family == family}
        assert expected <= got, (family, expected - got)


def test_taxonomy_rejects_duplicate_ids():
    data = {"families": [{"id": "f", "name": "F", "tags": [{"id": "x", "name": "X", "phrases": ["a"]},
                                                           {"id": "x", "name": "Y", "phrases": ["b"]}]}]}
    with pytest.raises(ValueError):
        taxonomy_from_dict(data)


def test_taxonomy_file_with_a_key_twice_in_one_tag_is_refused(tmp_path):
    # YAML would keep only the second "patterns:" and drop the first without a word
    path = tmp_path / "taxonomy.yaml"
    path.write_text("version: 1\nfamilies:\n  - id: f\n    name: F\n    tags:\n      - id: x\n        name: X\n"
                    "        severity: 2\n        patterns:\n          - [{LOWER: a}]\n"
                    "        patterns:\n          - [{LOWER: b}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 11: key 'patterns' appears twice"):
        load_taxonomy(path)


def test_normalise_strips_legal_forms():
    assert normalise("Samsung Electronics Co., Ltd.") == "samsung electronics"
    assert normalise("Apple Inc.") == "apple"


def test_linker_exact_fuzzy_and_parent():
    linker = FirmLinker(FIRMS)
    exact = linker.link("Samsung")
    assert exact.firm_id == "samsung-electronics-kr" and exact.reason == "exact alias 'Samsung'"
    fuzzy = linker.link("Samsung Electronic")
    assert fuzzy.firm_id == "samsung-electronics-kr" and fuzzy.reason.startswith("fuzzy ")
    assert 0 < fuzzy.confidence < exact.confidence <= 1
    assert linker.link("Samsonite Luggage") is None
    assert linker.link("Vietnam") is None
    chain = linker.with_parents(linker.link("Samsung Electronics Vietnam"))
    assert [l.firm_id for l in chain] == ["samsung-vn", "samsung-electronics-kr"]
    assert "via parent" in chain[1].reason
    assert linker.link("Samsung") is linker.link("Samsung")   # cached


def _blank_with(*names, **init):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    pipes = [nlp.add_pipe(n) for n in names]
    return nlp, pipes


def test_gazetteer_round_trip(tmp_path):
    import nlp as _  # noqa: F401  registers factories
    nlp, (gaz,) = _blank_with("rightsradar_company_gazetteer_v1")
    gaz.initialize(firms=FIRMS)
    doc = nlp("Workers at Samsung Electronics Vietnam and NSO Group complained. I ate an apple.")
    got = {(s.text, s.kb_id_) for s in doc.spans["companies"]}
    assert ("Samsung Electronics Vietnam", "samsung-vn") in got
    assert ("Samsung Electronics Vietnam", "samsung-electronics-kr") in got     # via parent
    assert ("NSO Group", "nso-group-il") in got
    assert not any(s.text.lower() == "apple" for s in doc.spans["companies"])
    span = next(s for s in doc.spans["companies"] if s.kb_id_ == "nso-group-il")
    assert span._.rr_link["reason"] == "exact alias 'NSO Group'"
    nlp.to_disk(tmp_path / "pipe")
    nlp2 = spacy.load(tmp_path / "pipe")
    doc2 = nlp2("Workers at Samsung Electronics Vietnam and NSO Group complained.")
    assert {(s.text, s.kb_id_) for s in doc2.spans["companies"]} == got
    gaz_bytes = gaz.to_bytes()
    _, (gaz2,) = _blank_with("rightsradar_company_gazetteer_v1")
    gaz2.from_bytes(gaz_bytes)
    assert [f.id for f in gaz2.firms] == [f.id for f in FIRMS]


def test_issue_tagger_round_trip_and_negation(tmp_path):
    import nlp as _  # noqa: F401
    nlp, (tagger,) = _blank_with("rightsradar_issue_tagger_v1")
    tagger.initialize(taxonomy={"families": [{"id": "cf", "name": "Child & forced labour", "tags": [
        {"id": "forced-labour", "name": "Forced labour & modern slavery", "severity": 3,
         "phrases": ["forced labour", "forced labor", "debt bondage"]}]}]})
    doc = nlp("Migrants were held in debt bondage. Auditors found no forced labour.")
    recs = doc._.rr_issues
    assert [(r["text"], r["negated"]) for r in recs] == [("debt bondage", False), ("forced labour", True)]
    assert recs[0]["evidence"] == "Migrants were held in debt bondage."
    nlp.to_disk(tmp_path / "pipe")
    doc2 = spacy.load(tmp_path / "pipe")("Reports of Forced Labor at the plant.")
    assert [r["tag"] for r in doc2._.rr_issues] == ["Forced labour & modern slavery"]


def test_places_round_trip(tmp_path):
    import nlp as _  # noqa: F401
    nlp, (places,) = _blank_with("rightsradar_places_v1")
    places.initialize()
    doc = nlp("Factories in Vietnam and mines in the Democratic Republic of Congo; protests in Cairo.")
    assert [(p["country"], p["region"]) for p in doc._.rr_places] == [
        ("VN", "Asia"), ("CD", "Africa"), ("EG", "Middle East & North Africa")]
    nlp.to_disk(tmp_path / "pipe")
    doc2 = spacy.load(tmp_path / "pipe")("Mexican authorities")
    assert [p["country"] for p in doc2._.rr_places] == ["MX"]


def _m(fid, role, fld="text", sent=0):
    return {"id": fid, "name": fid, "role": role, "field": fld, "sent": sent}


def _i(tag, sev, fld="text", sent=0, negated=False):
    return {"tag": tag, "severity": sev, "field": fld, "sent": sent, "evidence": "x", "negated": negated}


def test_scoring_rules():
    assert score_story([_m("a", "accused")], [_i("Deaths", 3)]).flagged
    assert not score_story([_m("a", "accused")], []).flagged                       # no issue
    assert not score_story([_m("a", "accused")], [_i("Deaths", 3, negated=True)]).flagged
    assert not score_story([_m("a", "passing")], [_i("Deaths", 3, sent=5)]).flagged   # far apart
    assert not score_story([_m("a", "accused")], [_i("Women", 1)]).flagged          # context tag only
    assert not score_story([{**_m(None, "accused"), "id": None}], [_i("Deaths", 3)]).flagged
    strong = score_story([_m("a", "accused")], [_i("Deaths", 3)]).score
    linked = score_story([_m("a", "linked")], [_i("Deaths", 3)]).score
    titled = score_story([_m("a", "accused", "title")], [_i("Deaths", 3, "title")]).score
    assert titled > strong > linked >= DEFAULT_THRESHOLD


def test_model_name_resolution(monkeypatch):
    from nlp.pipeline import DEFAULT_MODEL, MODEL_ENV, resolve_model_name
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model_name("my_model") == "my_model"
    assert resolve_model_name() == DEFAULT_MODEL
    monkeypatch.setenv(MODEL_ENV, "en_core_web_md")
    assert resolve_model_name() == "en_core_web_md"


def test_annotated_docs_serialise(tmp_path):
    from spacy.tokens import Doc
    import nlp as _  # noqa: F401
    nlp, (gaz, tagger) = _blank_with("rightsradar_company_gazetteer_v1", "rightsradar_issue_tagger_v1")
    gaz.initialize(firms=FIRMS)
    tagger.initialize()
    doc = nlp("NSO Group spyware was found on the phones of journalists.")
    back = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert back._.rr_links == doc._.rr_links and back._.rr_issues == doc._.rr_issues


def test_issue_tagger_lemma_entries_match_every_inflection_and_case():
    from spacy.tokens import Doc
    import nlp as _  # noqa: F401
    nlp, (tagger,) = _blank_with("rightsradar_issue_tagger_v1")
    tagger.initialize(taxonomy={"families": [{"id": "lab", "name": "Labour", "tags": [
        {"id": "forced-labour", "name": "Forced labour & modern slavery", "severity": 3,
         "lemmas": ["force|forced labour|labor"]}]}]})
    doc = Doc(nlp.vocab, words=["Workers", "Forced", "Labor", "and", "forced", "labours"],
              lemmas=["worker", "Forced", "Labor", "and", "force", "labour"])
    assert [(r["text"], r["polarity"]) for r in tagger(doc)._.rr_issues] == [
        ("Forced Labor", "asserted"), ("forced labours", "asserted")]
    assert len(tagger(nlp.make_doc("forced labour")).spans["issues"]) == 0     # no lemmas: no match, no error
