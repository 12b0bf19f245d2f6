"""The flows run on schedule both ways the README gives: `rightsradar serve` (flow.serve, one process)
and prefect.yaml's deployments through `prefect deploy --all` and a process worker. Each test triggers
the reprocess deployment on a real SQLite file and checks the run recorded there."""
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture
def api_env(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(PROJECT_DIR), "RIGHTSRADAR_HOME": str(PROJECT_DIR),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def deployment(name: str, timeout: float = 120):
    from prefect.client.orchestration import get_client

    async def read():
        async with get_client() as client:
            return await client.read_deployment_by_name(name)

    deadline = time.monotonic() + timeout
    while True:
        try:
            return asyncio.run(read())
        except Exception:   # not registered yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def recorded_runs(db_path: Path) -> list[tuple[str, str]]:
    from store import open_db

    return [(r["flow"], r["status"]) for r in open_db(db_path).query("select flow, status from runs order by id")]


def test_rightsradar_serve_runs_the_flows_with_the_daily_schedule(tmp_path, api_env):
    from prefect.deployments import run_deployment

    db_path = tmp_path / "served.db"
    server = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--db", str(db_path)], cwd=tmp_path,
                              env=api_env, stdout=(tmp_path / "serve.log").open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        daily = deployment("daily/daily")
        [schedule] = daily.schedules
        assert schedule.schedule.cron == "0 5 * * *" and schedule.schedule.timezone == "UTC"
        deployment("backfill/backfill")
        run = run_deployment("reprocess/reprocess", timeout=300)
        assert run.state.is_completed(), (run.state, (tmp_path / "serve.log").read_text()[-2000:])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert recorded_runs(db_path) == [("reprocess", "completed")]


def test_prefect_yaml_deployments_run_on_a_process_worker(tmp_path, api_env):
    from prefect.deployments import run_deployment

    def deploy(name):
        """`prefect deploy -n NAME`. Prefect 3.8.8's CLI then asks the server for the pool's online
        workers with null limit/offset, which its own API refuses (422): the deployment is created
        first, so that one known failure is tolerated and nothing else."""
        done = subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", "deploy", "-n", name], cwd=PROJECT_DIR,
                              env=api_env, capture_output=True, text=True, timeout=300)
        known_bug = "successfully created" in done.stdout and "workers/filter" in done.stdout + done.stderr
        assert done.returncode == 0 or known_bug, (name, done.stdout[-2000:], done.stderr[-2000:])

    def prefect(*args, timeout=300):
        done = subprocess.run([sys.executable, "-m", "prefect", *args], cwd=PROJECT_DIR, env=api_env,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    prefect("work-pool", "create", "rightsradar", "--type", "process", "--overwrite")
    for name in ("daily", "reprocess", "backfill"):
        deploy(name)
    assert deployment("daily/daily").schedules[0].schedule.cron == "0 5 * * *"
    db_path = tmp_path / "deployed.db"
    run = run_deployment("reprocess/reprocess", parameters={"db_path": str(db_path)}, timeout=0)
    prefect("worker", "start", "--pool", "rightsradar", "--run-once")
    from prefect.client.orchestration import get_client

    async def state():
        async with get_client() as client:
            return (await client.read_flow_run(run.id)).state

    assert asyncio.run(state()).is_completed()
    assert recorded_runs(db_path) == [("reprocess", "completed")]
