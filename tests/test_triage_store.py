"""The triage queue's store: filters and full-text search over real analysed articles, decisions with
who and when, leases between researchers, undo, tag edits and firm-link corrections that reach the linker."""
import json
import threading

import pytest

from store import open_db
from store.annotations import save_analysis
from store.articles import utc_now
from store.corrections import load_corrections
from store.triage import FilterError, QueueFilters, fts_query, queue_count, queue_rows, search_firms, story_cards
from store.triage_decisions import (TriageConflict, TriageError, add_note, correct_link, decide, edit_tag,
                                    lease_stories, undo_last)
from tests.triage_fixtures import build_triage_db, copy_db

LATER = "2999-01-01T00:00:00+00:00"   # "now" for queries where leases do not matter


@pytest.fixture(scope="session")
def triage_template(tmp_path_factory):
    return build_triage_db(tmp_path_factory.mktemp("triage-template") / "triage.db")


@pytest.fixture
def db(triage_template, tmp_path):
    return open_db(copy_db(triage_template, tmp_path))


def queue(db, user="alice", **filters):
    return queue_rows(db, QueueFilters(**filters), user, utc_now(), limit=100)


def story_by_title(db, words):
    rows = [r for r in queue(db, status="any") if words in r["title"]]
    assert len(rows) == 1, [r["title"] for r in queue(db, status="any")]
    return rows[0]


def test_queue_is_flagged_stories_by_score_with_what_a_researcher_needs(db):
    rows = queue(db)
    assert len(rows) >= 15
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    titles = " ".join(r["title"] for r in rows)
    assert "jazz festival" not in titles.lower() and "beef pho" not in titles.lower()   # unflagged news stays out
    cards = {c["title"]: c for c in story_cards(db, rows)}
    samsung = next(c for t, c in cards.items() if "fainting" in t)
    assert [o["source_id"] for o in samsung["outlets"]] == ["wire"]     # the other outlet that carried it
    assert samsung["source_name"] == "Meridian Ledger" and samsung["language"] == "en" and samsung["published"]
    firm = next(f for f in samsung["firms"] if f["id"] == "samsung-electronics-kr")
    assert firm["confidence"] > 0.5 and firm["reason"] and firm["sector"] == "Technology, telecom & electronics"
    assert any("faint" in e["sentence"].lower() for e in samsung["evidence"])
    kinds = {(t["kind"], t["value"]) for t in samsung["tags"]}
    assert ("country", "VN") in kinds and ("region", "Asia") in kinds
    assert ("sector", "Technology, telecom & electronics") in kinds
    assert any(kind == "issue" for kind, _ in kinds)


@pytest.mark.parametrize("filters, expect, absent", [
    ({"firm": "nso-group-technologies-il"}, "NSO", "Samsung"),
    ({"country": "vn"}, "Samsung", "NSO"),
    ({"region": "Central & South America"}, "Mexico", "Samsung"),
    ({"sector": "Finance & banking"}, "BlackRock", "Samsung"),
    ({"family": "Labour"}, "Samsung", "BlackRock"),
    ({"tag": "child-labour"}, "Congo", "Samsung"),
    ({"q": "miscarriages"}, "Samsung", "NSO"),
    ({"q": '"armoured vehicles"'}, "Egypt", "Samsung"),
    ({"source": "wire"}, "Samsung", "NSO"),
    ({"since": "2018-07-01", "until": "2018-07-31"}, "Egypt", "Samsung"),
])
def test_filters(db, filters, expect, absent):
    titles = [r["title"] for r in queue(db, **filters)]
    assert any(expect in t for t in titles), titles
    assert not any(absent in t for t in titles), titles
    assert queue_count(db, QueueFilters(**filters), "alice", utc_now()) == len(titles)


def test_search_words_never_break_the_query(db):
    for text in ['"unclosed', "AND OR NOT", "title:x", "(", "NEAR(", "-", "*", 'a"b', "OR"]:
        assert isinstance(queue(db, q=text), list)
    assert fts_query('child labour OR "forced work" cobalt*') == '"child" "labour" OR "forced work" "cobalt"*'


def test_bad_filter_values_are_clear_errors():
    with pytest.raises(FilterError, match="not a date"):
        QueueFilters.from_mapping({"since": "yesterday"})
    with pytest.raises(FilterError, match="unknown status"):
        QueueFilters.from_mapping({"status": "maybe"})
    assert QueueFilters.from_mapping({"status": "", "q": " cobalt "}) == QueueFilters(q="cobalt")


def test_decisions_record_who_and_when_and_leave_the_open_queue(db):
    first, second, third = queue(db)[:3]
    decide(db, first["id"], "alice", "accept", expected_status="open")
    decide(db, second["id"], "alice", "reject", reason="not about a tracked firm", expected_status="open")
    decide(db, third["id"], "bob", "bookmark")
    open_ids = [r["id"] for r in queue(db)]
    assert first["id"] not in open_ids and second["id"] not in open_ids and third["id"] not in open_ids
    accepted = queue(db, status="accepted")
    assert [r["id"] for r in accepted] == [first["id"]]
    assert accepted[0]["decided_by"] == "alice" and accepted[0]["decided_at"]
    rows = list(db.query("select user, action, payload, created from decisions order by id"))
    assert [(r["user"], r["action"]) for r in rows] == [("alice", "accept"), ("alice", "reject"), ("bob", "bookmark")]
    assert json.loads(rows[1]["payload"])["reason"] == "not about a tracked firm"
    assert all(r["created"] for r in rows)
    with pytest.raises(TriageError, match="needs a reason"):
        decide(db, third["id"], "bob", "reject")


def test_skip_hides_a_story_from_whoever_skipped_it_only(db):
    story = queue(db)[0]
    decide(db, story["id"], "alice", "skip")
    assert story["id"] not in [r["id"] for r in queue(db, "alice")]
    assert story["id"] in [r["id"] for r in queue(db, "bob")]


def test_a_leased_story_is_not_served_to_another_researcher(db):
    rows = queue(db, "alice")[:5]
    held = lease_stories(db, "alice", [r["id"] for r in rows])
    assert sorted(held) == sorted(r["id"] for r in rows)
    assert not set(held) & {r["id"] for r in queue(db, "bob")}
    assert lease_stories(db, "bob", held) == []            # bob cannot take them
    with pytest.raises(TriageConflict, match="alice is triaging"):
        decide(db, held[0], "bob", "accept")
    # Once alice's leases have expired, bob is served them.
    db.execute("update leases set expires = ?", ["2000-01-01T00:00:00+00:00"])
    db.conn.commit()
    assert set(held) <= {r["id"] for r in queue(db, "bob")}


def test_a_decision_on_a_story_changed_meanwhile_is_refused_not_overwritten(db):
    story = queue(db)[0]
    decide(db, story["id"], "alice", "accept", expected_status="open")
    with pytest.raises(TriageConflict, match="accepted by alice"):
        decide(db, story["id"], "bob", "reject", reason="duplicate", expected_status="open")
    assert db.execute("select status, decided_by from flags where article_id = ?",
                      [story["id"]]).fetchone() == ("accepted", "alice")


def test_two_researchers_deciding_at_once_lose_no_decision(triage_template, tmp_path):
    path = copy_db(triage_template, tmp_path)
    ids = [r["id"] for r in queue(open_db(path))]
    halves = {"alice": ids[0::2], "bob": ids[1::2]}
    errors = []

    def work(user):
        db = open_db(path)   # each researcher's request has its own connection, as in the app
        try:
            for article_id in halves[user]:
                decide(db, article_id, user, "accept", expected_status="open")
                add_note(db, article_id, user, f"checked by {user}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(user,)) for user in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db = open_db(path)
    assert db.execute("select count(*) from decisions where action = 'accept'").fetchone()[0] == len(ids)
    assert db.execute("select count(*) from decisions where action = 'note'").fetchone()[0] == len(ids)
    for user, mine in halves.items():
        marks = ",".join("?" * len(mine))
        assert db.execute(f"select count(*) from flags where status = 'accepted' and decided_by = ? "
                          f"and article_id in ({marks})", [user, *mine]).fetchone()[0] == len(mine)


def test_undo_reverts_the_last_decision_of_its_author(db):
    story = queue(db)[0]
    decide(db, story["id"], "alice", "reject", reason="off topic", expected_status="open")
    undone = undo_last(db, "alice")
    assert undone["action"] == "reject"
    assert db.execute("select status, decided_by from flags where article_id = ?", [story["id"]]).fetchone() == \
        ("open", None)
    with pytest.raises(TriageError, match="nothing to undo"):
        undo_last(db, "alice")
    # An undo that would erase another researcher's later decision is refused.
    decide(db, story["id"], "alice", "bookmark")
    decide(db, story["id"], "bob", "accept")
    with pytest.raises(TriageConflict, match="changed since"):
        undo_last(db, "alice")


def test_tag_edits_survive_a_new_analysis_and_undo(db):
    story = story_by_title(db, "fainting")
    edit_tag(db, story["id"], "alice", "issue", "child-labour", "add")
    edit_tag(db, story["id"], "alice", "country", "vn", "remove")
    tags = {(t["kind"], t["value"]): t for t in story_cards(db, [story])[0]["tags"]}
    assert tags[("issue", "child-labour")]["origin"] == "added"
    assert tags[("country", "VN")]["removed"]
    assert story["id"] in [r["id"] for r in queue(db, tag="child-labour")]
    # A reprocess rewrites the suggestions; the researcher's edits stay.
    save_analysis(db, story["id"], {"flagged": True, "score": 9.0, "companies": [], "places": [],
                                    "issues": [{"tag": "Deaths", "tag_id": "deaths", "family": "Health & safety",
                                                "evidence": "One worker died."}]})
    tags = {(t["kind"], t["value"]): t for t in story_cards(db, [dict(story)])[0]["tags"]}
    assert ("issue", "child-labour") in tags and ("issue", "deaths") in tags
    undo_last(db, "alice")
    undo_last(db, "alice")
    assert db.execute("select count(*) from tag_edits").fetchone()[0] == 0


def test_a_firm_link_correction_changes_the_story_and_reaches_the_linker(db):
    story = story_by_title(db, "Volvo says")
    card = story_cards(db, [story])[0]
    volvo = next(f for f in card["firms"] if f["id"] == "ab-volvo-se")
    assert "Arquus" in volvo["mentions"] and "Volvo Group" in volvo["mentions"]
    [arquus] = search_firms(db, "Arquus")[:1] or [None]
    assert arquus and arquus["id"] == "arquus-fr"
    correct_link(db, story["id"], "alice", "ab-volvo-se", "arquus-fr", ["Arquus"])
    card = story_cards(db, [story])[0]
    firms = {f["id"]: f for f in card["firms"]}
    assert firms["arquus-fr"]["reason"] == "corrected by alice" and "Arquus" in firms["arquus-fr"]["mentions"]
    assert "Arquus" not in firms["ab-volvo-se"]["mentions"] and "Volvo Group" in firms["ab-volvo-se"]["mentions"]
    assert "arquus-fr" in json.loads(db.execute("select company_ids from flags where article_id = ?",
                                                [story["id"]]).fetchone()[0])
    corrections = load_corrections(db)
    assert ("arquus", "ab-volvo-se") in corrections.blocked
    assert "Arquus" in corrections.aliases["arquus-fr"]
    # Undo restores the link and withdraws the corrections.
    undo_last(db, "alice")
    firms = {f["id"]: f for f in story_cards(db, [story])[0]["firms"]}
    assert "Arquus" in firms["ab-volvo-se"]["mentions"]
    assert not load_corrections(db)


def test_a_name_that_is_no_tracked_firm_is_unlinked(db):
    story = story_by_title(db, "BlackRock pulls out")
    correct_link(db, story["id"], "alice", "nso-group-technologies-il", None)
    firms = [f["id"] for f in story_cards(db, [story])[0]["firms"]]
    assert "nso-group-technologies-il" not in firms
    assert ("nso group", "nso-group-technologies-il") in load_corrections(db).blocked
    with pytest.raises(TriageError, match="no link"):
        correct_link(db, story["id"], "alice", "nso-group-technologies-il", "apple-us")
    with pytest.raises(TriageError, match="unknown firm"):
        correct_link(db, story["id"], "alice", "blackrock-us", "no-such-firm")


def test_unknown_story_and_empty_note_are_clear_errors(db):
    with pytest.raises(TriageError, match="no flagged story"):
        decide(db, 999999, "alice", "accept")
    with pytest.raises(TriageError, match="empty note"):
        add_note(db, queue(db)[0]["id"], "alice", "   ")
    with pytest.raises(TriageError, match="unknown action"):
        decide(db, queue(db)[0]["id"], "alice", "delete")


def test_flag_stories_follow_the_flags(db):
    """The narrow story index the queue filters on (m006_triage_flag_stories) is kept by triggers."""
    assert db.execute("select count(*) from flags").fetchone()[0] == \
        db.execute("select count(*) from flag_stories").fetchone()[0]
    story = queue(db)[0]
    save_analysis(db, story["id"], {"flagged": False, "score": 0.0, "companies": [], "issues": [], "places": []})
    assert db.execute("select 1 from flag_stories where article_id = ?", [story["id"]]).fetchone() is None
    db.execute("update articles set published = '2001-02-03T00:00:00Z' where id = ?", [queue(db)[0]["id"]])
    assert queue(db, until="2001-12-31")[0]["published"].startswith("2001-02-03")
