"""`rightsradar export`: accepted stories as JSON lines, CSV and Atom that load as valid files, with stable
ids, firms, tags, countries, evidence and who accepted them; --since and bad input give clear errors."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import feedparser
import lxml.etree
import pytest

from store import open_db
from store.export import export_records, stable_id
from store.triage import QueueFilters, queue_rows
from store.triage_decisions import add_note, correct_link, decide, edit_tag
from tests.test_triage_security import HOSTILE_TITLE, add_hostile_story
from tests.triage_fixtures import build_triage_db, copy_db
from triage.export import ATOM_NS, RR_NS, write_export

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def decided_db(tmp_path_factory):
    """Three accepted stories (one hostile, one with a corrected firm, a tag and a note), one rejected."""
    folder = tmp_path_factory.mktemp("export")
    path = build_triage_db(folder / "template.db")
    hostile = add_hostile_story(path)
    path = copy_db(path, folder)
    db = open_db(path)
    rows = {r["title"]: r["id"] for r in queue_rows(db, QueueFilters(), "alice", "2999", limit=100)}
    volvo = next(i for t, i in rows.items() if t.startswith("Volvo says"))
    samsung = next(i for t, i in rows.items() if "fainting" in t)
    correct_link(db, volvo, "alice", "ab-volvo-se", "arquus-fr", ["Arquus"])
    edit_tag(db, samsung, "bob", "issue", "living-wage", "add")
    edit_tag(db, samsung, "bob", "country", "KR", "add")
    add_note(db, samsung, "bob", "Follow up with the union's report")
    for article_id, user in ((volvo, "alice"), (samsung, "bob"), (hostile, "alice")):
        decide(db, article_id, user, "accept")
    rejected = next(i for i in rows.values() if i not in (volvo, samsung, hostile))
    decide(db, rejected, "alice", "reject", reason="duplicate")
    db.conn.close()
    return path, {"volvo": volvo, "samsung": samsung, "hostile": hostile, "rejected": rejected}


def export(path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "export", "--db", str(path), *args],
                          capture_output=True, text=True, cwd=PROJECT_DIR, timeout=120)


def test_records_carry_what_the_library_needs(decided_db):
    path, ids = decided_db
    records = {r["article_id"]: r for r in export_records(open_db(path))}
    assert set(records) == {ids["volvo"], ids["samsung"], ids["hostile"]}
    samsung = records[ids["samsung"]]
    assert samsung["id"] == stable_id(samsung["url"]) and samsung["id"].startswith("urn:uuid:")
    assert samsung["decided_by"] == "bob" and samsung["decided_at"] and samsung["status"] == "accepted"
    assert samsung["source"] == {"id": "ledger", "name": "Meridian Ledger"}
    assert [o["source"] for o in samsung["outlets"]] == ["wire"]
    assert {"id": "samsung-electronics-kr", "name": "Samsung Electronics Co., Ltd."} in samsung["firms"]
    assert "VN" in samsung["countries"] and "KR" in samsung["countries"] and "Asia" in samsung["regions"]
    assert "living-wage" in [t["id"] for t in samsung["tags"]]
    assert samsung["evidence"] and samsung["summary"] and len(samsung["summary"]) < 700
    assert samsung["notes"][0]["text"] == "Follow up with the union's report"
    volvo = records[ids["volvo"]]
    assert {"id": "arquus-fr", "name": "Arquus"} in volvo["firms"]


def test_jsonl_export_loads_line_by_line(decided_db):
    path, ids = decided_db
    result = export(path, "--status", "accepted", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    samsung = next(r for r in records if r["article_id"] == ids["samsung"])
    # An added tag gets the taxonomy's name and family.
    assert {"id": "living-wage", "name": "Living wage", "family": "Labour"} in samsung["tags"]
    # Stable ids: the same in a second export.
    again = [json.loads(line)["id"] for line in export(path, "--format", "jsonl").stdout.splitlines()]
    assert again == [r["id"] for r in records]


def test_csv_export_loads_with_one_row_per_story(decided_db, tmp_path):
    path, ids = decided_db
    out = tmp_path / "accepted.csv"
    result = export(path, "--format", "csv", "--output", str(out))
    assert result.returncode == 0 and "3 accepted stories written" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert len(rows) == 3
    volvo = next(r for r in rows if int(r["article_id"]) == ids["volvo"])
    assert "arquus-fr" in volvo["firm_ids"].split(" | ") and volvo["decided_by"] == "alice"
    hostile = next(r for r in rows if int(r["article_id"]) == ids["hostile"])
    assert hostile["title"] == HOSTILE_TITLE     # quotes and markup survive the round trip as text


def test_atom_export_is_valid_and_carries_firms_tags_and_evidence(decided_db):
    path, ids = decided_db
    result = export(path, "--format", "atom")
    assert result.returncode == 0, result.stderr
    tree = lxml.etree.fromstring(result.stdout.encode("utf-8"))   # well-formed XML
    assert tree.tag == f"{{{ATOM_NS}}}feed"
    feed = feedparser.parse(result.stdout)
    assert not feed.bozo and len(feed.entries) == 3
    records = {r["id"]: r for r in export_records(open_db(path))}
    for entry in feed.entries:
        record = records[entry.id]
        assert entry.title == record["title"] and entry.contributors[0].name == record["decided_by"]
        terms = {(t.scheme, t.term) for t in entry.tags}
        assert all(("urn:rightsradar:firm", f["id"]) in terms for f in record["firms"])
        assert all(("urn:rightsradar:country", c) in terms for c in record["countries"])
    hostile = tree.xpath("//a:entry[rr:evidence[contains(., 'onload')]]", namespaces={"a": ATOM_NS, "rr": RR_NS})
    assert hostile and hostile[0].findtext(f"{{{ATOM_NS}}}title") == HOSTILE_TITLE
    assert hostile[0].find(f"{{{ATOM_NS}}}link") is None      # a javascript: URL is not offered as a link


def test_since_and_other_statuses(decided_db):
    path, ids = decided_db
    assert export_records(open_db(path), "accepted", since="2999-01-01") == []
    assert len(export_records(open_db(path), "accepted", since="2000-01-01")) == 3
    [rejected] = export_records(open_db(path), "rejected")
    assert rejected["article_id"] == ids["rejected"]


@pytest.mark.parametrize("args, message", [
    (["--since", "last week"], "not a date"),
    (["--status", "maybe"], "unknown status"),
    (["--format", "xml"], "unknown format"),
])
def test_bad_export_arguments_are_clear_errors(decided_db, args, message):
    result = export(decided_db[0], *args)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_control_characters_do_not_break_the_feed():
    record = {"id": "urn:uuid:x", "article_id": 1, "title": "Bad\x00 title\x1b", "url": "https://a.example/",
              "published": None, "language": "en", "source": {"id": "s", "name": "S\x07"}, "outlets": [],
              "summary": "x\x0b", "firms": [], "tags": [], "countries": [], "regions": [], "sectors": [],
              "evidence": ["e\x01"], "status": "accepted", "decided_by": "alice", "decided_at": "2024-01-01T00:00:00+00:00",
              "notes": []}
    out = io.StringIO()
    write_export([record], "atom", out)
    feed = feedparser.parse(out.getvalue())
    assert not feed.bozo and feed.entries[0].title == "Bad title"
