"""prefect.yaml: every deployment's entrypoint resolves to a Prefect flow whose parameters it names;
the daily schedule is right; reprocess and backfill run on demand."""
import inspect
from pathlib import Path

import yaml
from prefect import Flow
from prefect.flows import load_flow_from_entrypoint

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_every_entrypoint_is_a_flow(monkeypatch):
    monkeypatch.chdir(PROJECT_DIR)
    config = yaml.safe_load((PROJECT_DIR / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in config["deployments"]}
    assert set(deployments) == {"daily", "reprocess", "backfill"}
    for deployment in deployments.values():
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        assert isinstance(flow, Flow), deployment["entrypoint"]
        assert flow.name == deployment["name"]
        accepted = inspect.signature(flow.fn).parameters
        assert set(deployment.get("parameters", {})) <= set(accepted), deployment["name"]
        for path_parameter in ("sources_path", "companies_path"):
            if path_parameter in deployment.get("parameters", {}):
                assert (PROJECT_DIR / deployment["parameters"][path_parameter]).exists()
        assert deployment["work_pool"]["name"] == "rightsradar"
    [schedule] = deployments["daily"]["schedules"]
    assert schedule["cron"] == "0 5 * * *" and schedule["timezone"] == "UTC" and schedule["slug"]
    assert not deployments["reprocess"].get("schedules") and not deployments["backfill"].get("schedules")


def test_serve_offers_the_same_three_flows_with_the_daily_schedule(tmp_path):
    from flows.serve import deployments

    served = {d.name: d for d in deployments(tmp_path / "r.db", PROJECT_DIR / "sources.yaml",
                                             PROJECT_DIR / "companies.csv", tmp_path)}
    assert set(served) == {"daily", "reprocess", "backfill"}
    [schedule] = served["daily"].schedules
    assert schedule.schedule.cron == "0 5 * * *" and schedule.schedule.timezone == "UTC"
    assert not served["reprocess"].schedules and not served["backfill"].schedules
