"""Orchestration: Prefect flows composing spiders/, nlp/ and store/, and the `rightsradar` CLI."""
import os

# Without a Prefect server, each process starts a temporary local API. Its first start on a
# fresh machine (database creation) can exceed Prefect's 20 s default, and it must not try
# to send telemetry from a machine with no internet.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
