"""Crash safety and concurrency of the daily run, with real processes.

A real `rightsradar run` (Prefect flow, Scrapy crawler and its extraction workers, spaCy) in its own
process group collects real pages served from loopback addresses; the whole group is SIGKILLed while
articles are being stored, or while they are being analysed. The next run must complete with every
article stored exactly once and analysed. Two runs started at once: one runs, the other refuses with
a clear message, and the database stays intact.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bench.loopback_site import serve_many
from tests.conftest import shared_data

PROJECT_DIR = Path(__file__).resolve().parent.parent
URLS = 120
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site():
    shared_data("articles", "fundus")
    with serve_many(URLS, domains=4, distinct=True) as (sources, urls):
        yield sources, urls


@pytest.fixture
def api_env(prefect_harness):
    """The environment for a run in another process: the session's Prefect API, no telemetry."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(PROJECT_DIR)}


def start_run(tmp_path: Path, sources: list[dict], env: dict, name: str = "run") -> subprocess.Popen:
    registry = tmp_path / "sources.yaml"
    if not registry.exists():
        registry.write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    log = (tmp_path / f"{name}.log").open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--db", str(tmp_path / "r.db"), "--sources", str(registry),
         "--work-dir", str(tmp_path / "work")],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def count(db_path: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db_path, timeout=30) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:   # not created yet
        return 0


def kill_when(process: subprocess.Popen, db_path: Path, sql: str, at_least: int, limit: float = 300) -> int:
    """SIGKILL the run's whole process group once `sql` counts `at_least`; returns the count then."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run finished before it could be killed"
        seen = count(db_path, sql)
        if seen >= at_least:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return seen
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError(f"never reached {at_least}: {sql}")


@pytest.mark.parametrize("kill_during, sql, at_least", [
    ("collect", "select count(*) from articles", 25),
    ("analysis", "select count(*) from analyses", 5),
])
def test_a_killed_run_is_followed_by_one_that_completes_with_nothing_lost_or_doubled(
        tmp_path, site, api_env, kill_during, sql, at_least):
    sources, urls = site
    db_path = tmp_path / "r.db"
    killed = start_run(tmp_path, sources, api_env)
    seen = kill_when(killed, db_path, sql, at_least)
    assert seen < URLS or kill_during == "analysis"
    assert count(db_path, "select count(*) from runs where status = 'running'") == 1

    rerun = start_run(tmp_path, sources, api_env)
    assert rerun.wait(timeout=600) == 0, (tmp_path / "run.log").read_text()[-3000:]
    with sqlite3.connect(db_path) as conn:
        statuses = [r[0] for r in conn.execute("select status from runs order by id")]
        assert statuses == ["abandoned", "completed"]
        stored_urls = {r[0] for r in conn.execute("select url from article_urls")}
        assert set(urls) <= stored_urls                               # no article lost
        assert conn.execute("select count(*) from articles").fetchone()[0] == URLS   # none doubled
        assert conn.execute("select count(distinct content_hash) from articles").fetchone()[0] == URLS
        assert conn.execute("select count(*) from analyses").fetchone()[0] == URLS
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_two_runs_at_once_one_refuses_clearly_and_the_database_is_intact(tmp_path, site, api_env):
    from store import open_db

    sources, urls = site
    open_db(tmp_path / "r.db")   # an existing database (both runs open it at once)
    first, second = start_run(tmp_path, sources, api_env, "a"), start_run(tmp_path, sources, api_env, "b")
    codes = sorted([first.wait(timeout=600), second.wait(timeout=600)])
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert codes == [0, 3], logs[-3000:]
    assert "is still running on this database; wait for it to finish" in logs
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert [r[0] for r in conn.execute("select status from runs")] == ["completed"]
        assert conn.execute("select count(*) from articles").fetchone()[0] == URLS
        assert conn.execute("select count(*) from analyses").fetchone()[0] == URLS
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
