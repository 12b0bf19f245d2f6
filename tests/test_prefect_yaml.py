"""prefect.yaml: every deployment's entrypoint resolves to a Prefect flow; the daily schedule is right."""
from pathlib import Path

import yaml
from prefect import Flow
from prefect.flows import load_flow_from_entrypoint

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_every_entrypoint_is_a_flow(monkeypatch):
    monkeypatch.chdir(PROJECT_DIR)
    config = yaml.safe_load((PROJECT_DIR / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in config["deployments"]}
    assert "daily" in deployments
    for deployment in deployments.values():
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        assert isinstance(flow, Flow), deployment["entrypoint"]
        assert flow.name == deployment["name"]
    [schedule] = deployments["daily"]["schedules"]
    assert schedule["cron"] == "0 5 * * *" and schedule["timezone"] == "UTC" and schedule["slug"]
