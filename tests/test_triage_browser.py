"""A researcher's morning in a real browser (Debian's chromium, driven by Playwright): log in, work through
the queue by keyboard only (reject a story, correct a firm link, accept, skip and undo), export, and check
the export and the database. Screenshots of the queue go to test-artifacts/."""
import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from store import open_db
from store.accounts import set_user
from store.corrections import load_corrections
from tests.test_triage_security import add_hostile_story
from tests.triage_fixtures import build_triage_db
from triage.app import Settings
from triage.server import serve_in_thread

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_DIR / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium waits on services it cannot reach on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "cobalt-and-coffee"


@pytest.fixture(scope="module")
def chromium_browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            raise AssertionError("chromium is missing in CI: .ci/run installs it (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app(tmp_path):
    db_path = build_triage_db(tmp_path / "triage.db")
    hostile_id = add_hostile_story(db_path)
    set_user(open_db(db_path), "alice", PASSWORD)
    with serve_in_thread(Settings(db_path=db_path)) as base_url:
        yield base_url, db_path, hostile_id


def current_title(page) -> str:
    return page.locator("article.story.current h2").inner_text()


def current_id(page) -> int:
    return int(page.locator("article.story.current").get_attribute("data-id"))


def test_a_researcher_triages_by_keyboard_and_exports(chromium_browser, app):
    base_url, db_path, hostile_id = app
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # Log in with the keyboard.
    page.goto(base_url + "/")
    assert "/login" in page.url
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("article.story.current")
    page.screenshot(path=ARTIFACTS / "triage-queue.png", full_page=False)

    # The hostile story scores highest: it is first, shown as text, and nothing ran.
    assert "<script>" in current_title(page)
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.screenshot(path=ARTIFACTS / "triage-help.png")
    page.keyboard.press("Escape")

    # x: reject, with a reason.
    queue_ids = [int(i) for i in page.locator("article.story").evaluate_all("els => els.map(e => e.dataset.id)")]
    assert queue_ids[0] == hostile_id
    page.keyboard.press("x")
    page.keyboard.type("Spam page, not news")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#story-{hostile_id}[data-status=rejected]")
    assert current_id(page) == queue_ids[1]             # the next story has the focus

    # j down to the Volvo story (stories of equal score may come in either order).
    volvo_id = int(page.locator("article.story", has_text="Volvo says").first.get_attribute("data-id"))
    for _ in range(len(queue_ids)):
        if current_id(page) == volvo_id:
            break
        page.keyboard.press("j")
    assert "Volvo says" in current_title(page)

    # f: the name "Arquus" went to AB Volvo; it is Arquus, a firm of its own.
    page.keyboard.press("f")
    page.keyboard.type("Arquus")                        # picks "Arquus → AB Volvo (publ)"
    page.keyboard.press("Tab")
    page.keyboard.type("Arquus")                        # searches the tracked firms
    page.wait_for_selector("article.story.current select.firm-results option[value=arquus-fr]:checked",
                           state="attached")
    page.screenshot(path=ARTIFACTS / "triage-correct-link.png")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#story-{volvo_id}.current tr[data-firm=arquus-fr]")
    assert "corrected by alice" in page.locator(f"#story-{volvo_id} tr[data-firm=arquus-fr]").inner_text()

    # a: accept it (a library candidate); j/k move; space skips; u undoes the skip.
    page.keyboard.press("a")
    page.wait_for_selector(f"#story-{volvo_id}[data-status=accepted]")
    skipped_id = int(page.locator("article.story.current").get_attribute("data-id"))
    page.keyboard.press("k")
    assert int(page.locator("article.story.current").get_attribute("data-id")) == volvo_id
    page.keyboard.press("j")
    page.keyboard.press(" ")
    page.wait_for_selector(f"#story-{skipped_id} [data-role=status]:text('skipped')")
    page.keyboard.press("u")
    page.wait_for_selector(f"#story-{skipped_id}.current[data-status=open]")
    page.screenshot(path=ARTIFACTS / "triage-after.png")

    # The library's Atom feed, pulled with the researcher's session.
    feed = feedparser.parse(page.request.get(base_url + "/export.atom").body())
    assert [e.id for e in feed.entries] == [open_export(db_path, "jsonl")[0]["id"]]
    assert dialogs == [] and errors == []

    # The database has every decision, with who and when.
    db = open_db(db_path)
    assert db.execute("select status, decided_by from flags where article_id = ?", [hostile_id]).fetchone() == \
        ("rejected", "alice")
    assert db.execute("select status, decided_by from flags where article_id = ?", [volvo_id]).fetchone() == \
        ("accepted", "alice")
    assert db.execute("select status from flags where article_id = ?", [skipped_id]).fetchone()[0] == "open"
    actions = [(r[0], r[1]) for r in db.execute("select user, action from decisions order by id")]
    assert actions == [("alice", "reject"), ("alice", "correct_link"), ("alice", "accept"), ("alice", "skip"),
                       ("alice", "undo")]
    reason = json.loads(db.execute("select payload from decisions where action = 'reject'").fetchone()[0])["reason"]
    assert reason == "Spam page, not news"
    corrections = load_corrections(db)
    assert ("arquus", "ab-volvo-se") in corrections.blocked and "Arquus" in corrections.aliases["arquus-fr"]

    # The export, through the CLI, in the three formats.
    [record] = open_export(db_path, "jsonl")
    assert record["article_id"] == volvo_id and record["decided_by"] == "alice"
    assert {"id": "arquus-fr", "name": "Arquus"} in record["firms"]
    csv_text = run_export(db_path, "csv")
    assert "arquus-fr" in csv_text and "alice" in csv_text
    atom = feedparser.parse(run_export(db_path, "atom"))
    assert not atom.bozo and atom.entries[0].id == record["id"]


def run_export(db_path: Path, fmt: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flows.cli", "export", "--db", str(db_path), "--format", fmt,
                             "--status", "accepted"], capture_output=True, text=True, cwd=PROJECT_DIR, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def open_export(db_path: Path, fmt: str) -> list[dict]:
    return [json.loads(line) for line in run_export(db_path, fmt).splitlines()]
