"""Researchers' link corrections: stored in SQLite, applied by the linker on the next run.

The two cases are real errors from the labelled mentions (bench/labels/mentions_test.jsonl and mentions.jsonl): the
German "Carnival" (the festival) linked to Carnival Corporation (whose short name it is), and "Waymo" (Alphabet's)
not linked at all (without catalog/brands.csv).
"""
from __future__ import annotations

import pytest

from catalog.load import load_companies
from catalog.model import TrackedFirm
from nlp import analyze_records, build_pipeline
from nlp.linking import FirmLinker
from store import open_db
from store.companies import sync_companies
from store.corrections import CorrectionError, load_corrections, record_correction
from tests.conftest import PROJECT_DIR

TITLES = {
    "carnival": "Trial against German Carnival satirist Tilly underway in Russia",
    "waymo": "Why Waymo’s London Launch Matters",
}
REAL_IDS = {"carnival-us", "meta-platforms-us", "alphabet-us", "samsung-electronics-kr"}


@pytest.fixture(scope="module")
def firms() -> list[TrackedFirm]:
    every, _ = load_companies(PROJECT_DIR / "companies.csv", brands={})   # without catalog/brands.csv's Waymo
    chosen = [f for f in every if f.id in REAL_IDS]
    assert {f.id for f in chosen} == REAL_IDS, "companies.csv lost a firm these tests rely on"
    return chosen


def firm_ids(nlp, title: str) -> set[str]:
    result = next(analyze_records(nlp, [{"id": "t", "title": title, "text": ""}]))
    return {c["id"] for c in result["companies"] if c["id"]}


def test_corrections_reach_the_next_run(tmp_path, firms):
    db = open_db(tmp_path / "rr.db")
    sync_companies(db, firms)
    before = build_pipeline(firms)
    assert "carnival-us" in firm_ids(before, TITLES["carnival"])     # the error a researcher corrects
    assert firm_ids(before, TITLES["waymo"]) == set()

    record_correction(db, "not_firm", "Carnival", "carnival-us", user="ana", article_id=None)
    record_correction(db, "alias", "Waymo", "alphabet-us", user="ana", note="Alphabet's robotaxi unit")
    db.conn.close()

    # The next run opens the database afresh, as the daily flow does.
    after = build_pipeline(firms, corrections=load_corrections(open_db(tmp_path / "rr.db")))
    assert firm_ids(after, TITLES["carnival"]) == set()
    assert firm_ids(after, TITLES["waymo"]) == {"alphabet-us"}
    # the block is one name for one firm ("Carnival Corporation" normalises to the same name, so it goes too):
    # other firms still link
    assert "samsung-electronics-kr" in firm_ids(after, "Samsung Electronics fined over factory injuries")


def test_latest_decision_wins_and_bad_corrections_are_refused(tmp_path, firms):
    db = open_db(tmp_path / "rr.db")
    sync_companies(db, firms)
    record_correction(db, "alias", "Insta", "meta-platforms-us", user="ana")
    record_correction(db, "not_firm", "insta", "meta-platforms-us", user="ben")
    corrections = load_corrections(db)
    assert corrections.aliases == {} and corrections.blocked == {("insta", "meta-platforms-us")}
    assert db["link_corrections"].count == 1
    with pytest.raises(CorrectionError, match="unknown firm id"):
        record_correction(db, "alias", "Foo", "no-such-firm", user="ana")
    with pytest.raises(CorrectionError, match="unknown correction kind"):
        record_correction(db, "merge", "Foo", "meta-platforms-us", user="ana")
    with pytest.raises(CorrectionError, match="empty once normalised"):
        record_correction(db, "alias", " -- ", "meta-platforms-us", user="ana")
    assert db["link_corrections"].count == 1     # nothing stored by the refused ones


def test_blocked_pairs_stop_every_route_and_relations_are_named():
    firms = [
        TrackedFirm("acme-us", "Acme Mining Corporation", ("Acme",), "US"),
        TrackedFirm("acme-gold-za", "Acme Gold Ltd", (), "ZA", parent_id="acme-us"),
        TrackedFirm("zimmin-zw", "Zimbabwe Mining Development Corporation", ("ZMDC",), "ZW"),
        TrackedFirm("anjin-zw", "Anjin Investments", ("Anjin",), "ZW", partner_ids=("acme-us", "zimmin-zw")),
    ]
    plain = FirmLinker(firms)
    assert plain.link("Acme Gold").firm_id == "acme-gold-za"
    chain = plain.with_parents(plain.link("Anjin"), "anjin")
    assert [(l.firm_id, l.relation) for l in chain] == [
        ("anjin-zw", ""), ("acme-us", "joint-venture partner"), ("zimmin-zw", "joint-venture partner")]
    assert "partner in joint venture Anjin Investments" in chain[1].reason
    sub = plain.with_parents(plain.link("Acme Gold Ltd"), "acme gold")
    assert [(l.firm_id, l.relation) for l in sub] == [("acme-gold-za", ""), ("acme-us", "parent")]

    blocked = FirmLinker(firms, blocked={("acme gold", "acme-gold-za"), ("acme golds", "acme-gold-za"),
                                         ("anjin", "zimmin-zw")})
    assert blocked.link("Acme Gold") is None                 # exact route
    assert blocked.link("Acme Golds") is None                # fuzzy route
    assert [l.firm_id for l in blocked.with_parents(blocked.link("Anjin"), "anjin")] == ["anjin-zw", "acme-us"]


def test_gazetteer_keeps_corrections_and_partners_through_disk(tmp_path):
    import spacy

    import nlp as _  # noqa: F401  registers the factories

    firms = [TrackedFirm("anjin-zw", "Anjin Investments", ("Anjin",), "ZW", partner_ids=("zimmin-zw",)),
             TrackedFirm("zimmin-zw", "Zimbabwe Mining Development Corporation", ("ZMDC",), "ZW")]
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    gazetteer = nlp.add_pipe("rightsradar_company_gazetteer_v1")
    gazetteer.set_firms(firms, blocked={("zmdc", "zimmin-zw")})
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    doc = loaded("Anjin and ZMDC were accused of forced evictions in Marange.")
    assert {(s.text, s.kb_id_) for s in doc.spans["companies"]} == {("Anjin", "anjin-zw"), ("Anjin", "zimmin-zw")}
    link = next(s for s in doc.spans["companies"] if s.kb_id_ == "zimmin-zw")._.rr_link
    assert link["relation"] == "joint-venture partner" and link["via_parent_of"] == "anjin-zw"


def test_the_runs_analysis_step_applies_corrections_stored_since_the_last_run(tmp_path):
    """Through the step the daily and reprocess flows run (flows.steps.analyze_articles), with the
    whole companies.csv: a correction changes the fingerprint, so a reprocess redoes the article."""
    from flows.steps import analyze_articles
    from spiders.dedup import content_hash
    from store.articles import save_article
    from store.sources import sync_sources

    db_path = tmp_path / "rr.db"
    db = open_db(db_path)
    sync_sources(db, [{"id": "paper", "name": "Paper", "kind": "feed", "url": "https://paper.example/rss"}])
    title = TITLES["carnival"]
    text = "A court in Moscow opened the trial of the satirist on Monday."
    article_id = save_article(db, {"url": "https://paper.example/carnival", "source_id": "paper", "title": title,
                                   "text": text, "content_hash": content_hash(title + text)}).article_id

    def linked() -> set[str]:
        return {r[0] for r in open_db(db_path).execute(
            "select company_id from mentions where article_id = ? and company_id is not null", [article_id])}

    analyze_articles(db_path, PROJECT_DIR / "companies.csv", None, workers=1)
    assert "carnival-us" in linked()
    record_correction(db, "not_firm", "Carnival", "carnival-us", user="ana", article_id=article_id)
    counts = analyze_articles(db_path, PROJECT_DIR / "companies.csv", None, stale=True, workers=1)
    assert counts["changed"] == 1
    assert "carnival-us" not in linked()
