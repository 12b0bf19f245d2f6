"""`rightsradar analyze`: the JSON-lines contract other tools rely on, against a team's own list."""
import json
import subprocess
import sys

import pytest

RECORDS = [
    {"id": "a1", "title": "Women at Samsung's Vietnam factories report fainting and miscarriages",
     "text": "Workers at Samsung Electronics factories in Bac Ninh said they suffered miscarriages and fainted "
             "during twelve-hour shifts, according to a report by two NGOs."},
    {"id": "a2", "title": "Riverside Rovers snatch late winner",
     "text": "A killer volley in stoppage time gave Riverside Rovers a 2-1 win on Saturday."},
    {"id": 3, "title": "", "text": ""},
]


def run_analyze(args, stdin=""):
    return subprocess.run([sys.executable, "-m", "flows.cli", "analyze", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def team_list(tmp_path_factory):
    path = tmp_path_factory.mktemp("team") / "our-firms.csv"
    # A team's own list: a name and a country, and one bad row (line 4: empty name).
    path.write_text("name,country\nSamsung Electronics,KR\nNSO Group,IL\n,US\nApple Inc.,US\n", encoding="utf-8")
    return path


def test_contract_on_stdin_stdout_with_a_team_list(team_list):
    stdin = "\n".join(json.dumps(r) for r in RECORDS) + "\nnot json\n"
    run = run_analyze(["--companies", str(team_list)], stdin)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"{team_list}:4:" in run.stderr  # the bad row, by line number
    assert "input line 4: not JSON" in run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in results] == ["a1", "a2", 3]
    for result in results:
        assert {"id", "companies", "issues", "places", "flagged", "score"} <= set(result)
    samsung = results[0]
    assert samsung["flagged"] is True and samsung["score"] > 0
    [firm] = {c["name"] for c in samsung["companies"] if c["id"]}
    assert firm == "Samsung Electronics"
    for company in samsung["companies"]:
        assert set(company) >= {"id", "name", "mention", "field", "start", "end", "confidence"}
        source = RECORDS[0][company["field"]]
        assert source[company["start"]:company["end"]] == company["mention"]
    assert "Health & safety" in {i["family"] for i in samsung["issues"]}
    assert all(i["evidence"] and i["tag"] for i in samsung["issues"])
    assert ("VN", "Asia") in {(p["country"], p["region"]) for p in samsung["places"]}
    assert results[1]["flagged"] is False and results[2]["flagged"] is False


def test_files_in_and_out(tmp_path, team_list):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n")
    out = tmp_path / "out.jsonl"
    run = run_analyze(["--companies", str(team_list), "--input", str(source), "--output", str(out)])
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(out.read_text())["id"] == "a1"


def test_a_list_without_a_name_column_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("firm,country\nSamsung,KR\n")
    run = run_analyze(["--companies", str(bad)], "")
    assert run.returncode == 2
    assert "name" in run.stderr
