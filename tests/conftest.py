import gzip
import json
import os
from pathlib import Path

import pytest

import flows  # noqa: F401  (sets Prefect's environment defaults before Prefect is imported)

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path in ../shared/data; skips the test when it is absent, except in CI where it must exist."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{path} is missing in CI: the shared data must be beside the checkout")
        pytest.skip(f"{path} not found (the shared data folder is not beside this checkout)")
    return path


def fundus_pages() -> list[dict]:
    """The real article pages with their expected metadata (index rows + decoded HTML bytes)."""
    folder = shared_data("articles", "fundus")
    rows = [json.loads(line) for line in (folder / "index.jsonl").read_text("utf-8").splitlines() if line]
    for row in rows:
        row["html_bytes"] = gzip.decompress((folder / row["html"]).read_bytes())
    return rows


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (starting one takes ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
