"""The failing-source policy: kinds of failure, backoff, disabling."""
from datetime import datetime, timezone

from spiders.source_health import DISABLE_AT, after_failure, due, failure_kind

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)


def test_failure_kinds():
    assert failure_kind("HTTP 404") == "hard" and failure_kind("HTTP 410") == "hard"
    assert failure_kind("HTTP 500") == "temporary" and failure_kind("HTTP 429") == "temporary"
    assert failure_kind("timed out") == "temporary" and failure_kind("connection refused") == "temporary"
    assert failure_kind("DNS lookup failed") == "hard"
    assert failure_kind("unreadable feed: SAXParseException: not well-formed") == "hard"
    assert failure_kind("all 4 articles failed (recovered feed)") == "soft"


def test_backoff_doubles_and_hard_failures_disable_after_three():
    first = after_failure(0, 1, "temporary", NOW)
    assert first.state == "backoff" and first.backoff_until == "2026-11-23T06:00:00Z"
    second = after_failure(first.failure_score, 2, "temporary", NOW)
    assert second.backoff_until == "2026-11-23T07:00:00Z"
    score, health = 0.0, None
    for n in range(1, 4):
        health = after_failure(score, n, "hard", NOW)
        score = health.failure_score
    assert health.state == "disabled" and score >= DISABLE_AT
    temporary = 0.0
    for n in range(1, 9):
        h = after_failure(temporary, n, "temporary", NOW)
        temporary = h.failure_score
    assert h.state == "backoff"  # eight timeouts: still tried, later and later
    assert after_failure(0, 1, "soft", NOW).state == "active"


def test_due():
    assert due("active", None, NOW)
    assert not due("disabled", None, NOW)
    assert not due("backoff", "2026-11-23T06:00:00Z", NOW)
    assert due("backoff", "2026-11-23T04:59:59Z", NOW)
